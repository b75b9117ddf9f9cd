// Fault injection, the second stage of enter work (Stage::fault_injection):
// strace's -e inject= / -e fault=. A selected invocation of a call is skipped
// the way the kernel path skips one (Verdict::skip, task.retval the result) and
// its result replaced by an error or a value; or the task gets a signal on
// entering the call, or is delayed on entering or leaving it.
//
// Invocations are counted per task and per call, as strace counts them: with
// when=2 every thread fails its own second openat.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <functional>
#include <vector>

#include "kernel/syscall_path.hpp"
#include "table/syscall_set.hpp"

namespace lstar {

struct InjectRule {
    enum class Result : std::uint8_t { none, error, retval };
    Result result = Result::none;
    std::int64_t value = 0;            // the errno (1..4095) for error, the value for retval
    int signo = 0;                     // delivered on entering the call; 0: none
    std::uint64_t delay_enter_ns = 0;  // the task waits this long before the call
    std::uint64_t delay_exit_ns = 0;   // and this long after it
    // when=FIRST[..LAST][+[STEP]]: invocations FIRST, FIRST+STEP, ... up to LAST (1-based).
    // STEP 0 is FIRST only.
    std::uint32_t first = 1;
    std::uint32_t last = UINT32_MAX;
    std::uint32_t step = 1;

    bool applies_to(std::uint32_t invocation) const {
        if (invocation < first || invocation > last) return false;
        return step ? (invocation - first) % step == 0 : invocation == first;
    }
};

// -e inject= / -e fault=: what to do to which calls.
struct Injection {
    SyscallSet calls = SyscallSet::none();
    InjectRule rule;
};

class FaultInjector final : public Hook {
public:
    FaultInjector();

    // Injects `rule` into every invocation of this row it selects; a later rule for
    // the same row replaces an earlier one (as strace's last -e inject= wins).
    // `calls`, when given, is checked per call too: an i386 socketcall or ipc row
    // stands for many calls, and only the selected ones are tampered with.
    void add(const SyscallDesc& row, const InjectRule& rule, const SyscallSet* calls = nullptr);
    bool empty() const { return slots_used_ == 0; }
    // A further condition on the task's call, checked for the calls a rule selects
    // (strace: only the calls that -P lets through are tampered with).
    void set_filter(std::function<bool(Task&)> filter) { filter_ = std::move(filter); }

    Verdict on_enter(Task& task) override;
    void on_exit(Task& task) override;
    bool needs(const SyscallDesc& row) const override { return slot(row) >= 0; }
    bool needs_unknown_numbers() const override { return false; }
    // The counts are the task's (Task state): they go with a thread that runs
    // execve and takes over the leader's id, and end with the task.

private:
    struct PerTask : TaskState {
        std::vector<std::uint32_t> invocations;  // per slot
        std::uint64_t exit_delay_ns = 0;         // owed when the current call returns
    };
    int slot(const SyscallDesc& row) const;

    std::array<std::vector<std::int32_t>, kAbiCount> slots_;  // [abi][table index] → slot, -1: none
    std::vector<InjectRule> rules_;                           // per slot
    std::vector<const SyscallSet*> sets_;                     // per slot
    int slots_used_ = 0;
    std::function<bool(Task&)> filter_;
};

}  // namespace lstar
