// The in-process backend's seccomp filter: SECCOMP_RET_TRAP (a SIGSYS in the
// program's own thread) for the calls the path needs and for the calls the
// runtime must see to keep its hold on the program (execve, the clone family,
// SIGSYS's handler, the signal masks that could block it, its own descriptors), SECCOMP_RET_ALLOW for the
// rest, and always ALLOW for calls made from lstar's own text (the runtime's).
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <vector>

#include "kernel/syscall_path.hpp"
#include "table/result.hpp"

namespace lstar::inproc {

// A number no kernel has: the clone trampoline's parent traps with it to report
// clone's result (gadgets.S uses the same value).
inline constexpr std::uint32_t kCloneReportNr = 0x3ffffff0;

// The data of the filter's SECCOMP_RET_TRAP (the SIGSYS's si_errno): a trap with
// other data, or a SIGSYS that is no trap, is the program's own.
inline constexpr std::uint32_t kTrapData = 0x4c53;  // "LS"

// The data of the traps of the filter that stands for the program's strict mode.
inline constexpr std::uint32_t kStrictTrapData = kTrapData + 1;

struct TrapFilterSpec {
    std::uint64_t text_begin = 0, text_end = 0;  // lstar's text: its calls always run
    std::vector<int> reserved_fds;               // the runtime's descriptors
};

Result<std::vector<sock_filter>> build_trap_filter(const SyscallPath& path, const TrapFilterSpec& spec);

// The x86_64 calls (by number) whose call sites may be patched to enter the
// runtime without a trap (site_patch.hpp): those the filter traps by number alone
// because the path needs them, none the runtime handles itself.
std::vector<bool> patchable_calls(const SyscallPath& path);

// SECCOMP_MODE_STRICT as a filter that stacks on the trap filter (the kernel sets
// no strict mode over a filter): read, write, exit and the signal return run,
// and lstar's text; anything else traps with kStrictTrapData, and the runtime
// kills the process as strict mode does.
std::vector<sock_filter> build_strict_filter(const TrapFilterSpec& spec);

}  // namespace lstar::inproc
