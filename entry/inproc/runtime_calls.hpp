// The calls the in-process runtime handles itself, whatever the path needs, so
// that the program cannot take SIGSYS or lstar's descriptors away from it and
// sees itself as the program it is. Each is bound to its entry point
// (runtime_calls.cpp is the one list), so the same handler serves every ABI
// that has the call; the trap filter (trap_filter.cpp) reads from the same
// bindings which calls must trap, and for some, with which arguments.
#pragma once

#include <ucontext.h>

#include <cstdint>
#include <functional>
#include <optional>

#include "kernel/entry_table.hpp"
#include "kernel/syscall_path.hpp"

namespace lstar::inproc {

class Runtime;
struct ThreadState;

// When the program's call of a bound entry point must trap.
enum class TrapWhen : std::uint8_t {
    always,
    path_needs,             // only when the path needs it anyway (the handler then answers it)
    signals_shown,          // when the path shows signals, or needs it anyway
    sets_or_reads,          // argument 1 or 2 is not NULL (rt_sigaction's actions, rt_sigprocmask's sets)
    seccomp_option,         // prctl(PR_GET_SECCOMP or PR_SET_SECCOMP)
    reserved_fd_arg0,       // argument 0 is one of the runtime's descriptors (close)
    reserved_fd_arg1,       // argument 1 is (dup2, dup3: the new descriptor)
};

// A call that takes the whole stop over (the exec and clone families: the loader
// and the clone trampoline run x86_64 programs only, so they are bound for that
// ABI alone). It runs enter work itself, when it is time to.
using RuntimeFlow = std::function<std::uint64_t(ThreadState&, ucontext_t*, std::uint64_t fs)>;

struct RuntimeCalls {
    // The runtime's bindings; with no runtime (the supervisor building the filter),
    // only which calls are bound and when they trap: nothing may call them.
    explicit RuntimeCalls(Runtime* runtime);

    EntryTable<Handler> handlers;               // answered after enter work, instead of the host call
    EntryTable<RuntimeFlow> flows;              // take over the stop
    EntryTable<std::optional<TrapWhen>> traps;  // for every bound row
};

}  // namespace lstar::inproc
