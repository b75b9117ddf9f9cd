// What this machine can do that some of the tests need. Machines differ: some
// run i386 programs and `int $0x80` from 64-bit programs and have FSGSBASE,
// others (a guest with ia32 emulation off, an older CPU) lack each of them.
// Each probe actually tries (once per process; the answer is cached), and each
// can be forced off from the environment, so that a fully capable machine can
// prove the suite passes on a lacking one (scripts/test does):
//
//     LSTAR_TEST_NO_I386=1        can_exec_i386() is false
//     LSTAR_TEST_NO_INT80=1       can_int80_from_64bit() is false
//     LSTAR_INPROC_NO_FSGSBASE=1  has_fsgsbase() is false; as in the in-process runtime,
//                                 which honours the same variable (set to anything, it
//                                 swaps the thread pointer with arch_prctl instead)
//
// A test that needs one says LSTAR_REQUIRE(can_exec_i386()); and is reported as
// skipped, with the reason, where it is missing.
#pragma once

#include <string>

#include <gtest/gtest.h>

namespace lstar::test {

struct Capability {
    bool available = false;
    std::string why_not;  // when not available: what was tried and what happened
    explicit operator bool() const { return available; }
};

// A static -m32 program execs and runs to its end with its expected output.
const Capability& can_exec_i386();
// `int $0x80` (i386 getpid) from a 64-bit process returns the pid (instead of SIGSEGV).
const Capability& can_int80_from_64bit();
// The CPU and kernel let user code use rdfsbase/wrfsbase (AT_HWCAP2 bit 1).
const Capability& has_fsgsbase();

// The switches LSTAR_TEST_NO_*: set to anything but "" or "0".
bool forced_off(const char* variable);

// The probes without caching or switches, for the probes' own tests.
// path runs (exec'd in a child) and prints exactly expected_out, exiting 0.
Capability probe_exec(const std::string& path, const std::string& expected_out);
Capability probe_int80();
Capability probe_fsgsbase();

}  // namespace lstar::test

// Skips the current test (GTEST_SKIP, with the reason printed) unless the capability is there.
// Use it in a TEST body (or in a function the test returns from right after: GTEST_SKIP returns).
#define LSTAR_REQUIRE(capability)                                                             \
    do {                                                                                      \
        const ::lstar::test::Capability& lstar_required_ = (capability);                      \
        if (!lstar_required_) GTEST_SKIP() << #capability << ": " << lstar_required_.why_not; \
    } while (0)
