// Fault injection, the second stage of enter work (Stage::fault_injection):
// strace's -e inject= / -e fault=, and lstar's conditions and effects beyond it
// (docs/fault-injection.md). A selected invocation of a call is skipped the way
// the kernel path skips one (Verdict::skip, task.retval the result) and its
// result replaced by an error or a value; or the task gets a signal on entering
// the call, or is delayed on entering or leaving it; or the call runs with
// rewritten arguments (a short read or write, argN=), or its data is corrupted
// on the way back (flip=).
//
// Invocations are counted per task and per call, as strace counts them: with
// when=2 every thread fails its own second openat. A rule with conditions counts
// only the invocations that meet them ("the second openat of a path under /etc").
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "kernel/syscall_path.hpp"
#include "table/arg_condition.hpp"
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

    // lstar's conditions, all of which must hold for an invocation to count.
    std::vector<ArgCondition> conditions;  // when=ARG OP VALUE (by the table's argument names)
    double probability = 1.0;              // p=: of the invocations `when` selects, this share
    std::uint64_t seed = 0;                // seed=: which ones (the same seed, the same invocations)
    pid_t pid = 0;                         // pid=: only this process (thread group)
    pid_t tid = 0;                         // tid=: only this thread
    std::string exe;                       // exe=GLOB: only processes running this program

    // lstar's effects.
    std::uint64_t short_len = 0;           // short=N: a read or write of at most N bytes
    bool has_short = false;
    std::uint64_t budget = 0;              // budget=N: ENOSPC once N bytes were written to an fd
    unsigned flip_bits = 0;                // flip=N: N seeded bit flips in the bytes a read returns
    std::vector<std::pair<int, std::uint64_t>> rewrites;  // argN=V: argument N (from 0) set to V

    bool applies_to(std::uint32_t invocation) const {
        if (invocation < first || invocation > last) return false;
        return step ? (invocation - first) % step == 0 : invocation == first;
    }
    // Written in strace's syntax alone: a later such rule for the same call replaces
    // it, as strace's last -e inject= wins; rules with lstar's conditions add up.
    bool strace_only() const {
        return conditions.empty() && probability >= 1.0 && !pid && !tid && exe.empty() && !has_short && !budget &&
               !flip_bits && rewrites.empty();
    }
    // Whether it changes how the call runs rather than what it returns.
    bool rewrites_call() const { return has_short || budget || !rewrites.empty(); }
};

// -e inject= / -e fault=: what to do to which calls.
struct Injection {
    SyscallSet calls = SyscallSet::none();
    InjectRule rule;
};

class FaultInjector final : public Hook {
public:
    FaultInjector();

    // Injects `rule` into every invocation of this row it selects, after the rules
    // added before it (the first that fires wins). `calls`, when given, is checked
    // per call too: an i386 socketcall or ipc row stands for many calls, and only
    // the selected ones are tampered with. An error when the rule cannot apply to
    // this row (an argument it names, a byte count short= needs); the caller decides
    // whether a set of calls had any row it applies to.
    Status add(const SyscallDesc& row, const InjectRule& rule, const SyscallSet* calls = nullptr);
    // add() for every row of every ABI that `injection` and `only` select (strace
    // tampers only with traced calls); an error when it applies to none of them.
    Status add_all(const Injection& injection, const SyscallSet& only);
    bool empty() const { return entries_.empty(); }
    // A further condition on the task's call, checked for the calls a rule selects
    // (strace: only the calls that -P lets through are tampered with).
    void set_filter(std::function<bool(Task&)> filter) { filter_ = std::move(filter); }
    // The program the session launches (exe= of its first image, which no execve
    // of the path's shows on every backend).
    void set_launched_exe(std::string path) { launched_exe_ = std::move(path); }

    Verdict on_enter(Task& task) override;
    void on_exit(Task& task) override;
    void on_new_task(Task& child, Task* parent) override;
    void on_exec(Task& task, pid_t former_tid, Task* replaced) override;
    bool needs(const SyscallDesc& row) const override;
    bool needs_unknown_numbers() const override { return false; }
    // The counts are the task's (Task state): they go with a thread that runs
    // execve and takes over the leader's id, and end with the task.

private:
    // One rule as it applies to one row: its conditions resolved to argument indexes.
    struct Test {
        int index;
        CmpOp op;
        std::uint64_t value, mask;
        unsigned width;
        bool is_signed;
        std::string pattern;  // glob
    };
    struct Entry {
        InjectRule rule;
        const SyscallSet* calls;
        std::vector<Test> tests;
        int len_arg = -1;     // the byte count short= and budget= shorten
        int fd_arg = -1;      // budget=: the descriptor written to
        int out_buf_arg = -1; // flip=: the buffer a read fills
        std::uint64_t selected = 0;  // p=: invocations `when` selected, in every task
    };
    struct PerTask : TaskState {
        std::vector<std::uint32_t> invocations;  // per entry
        std::uint64_t exit_delay_ns = 0;         // owed when the current call returns
        int fired = -1;                          // the entry that fired for the current call
        std::string exe;                         // the program this task runs (exe=)
        std::string exec_pending;                // the program an execve under way names
    };
    bool holds(const Entry& entry, Task& task, PerTask& t) const;
    const std::vector<std::int32_t>* slot(const SyscallDesc& row) const;
    std::uint64_t& budget_left(const Entry& entry, const Task& task);

    std::array<std::vector<std::vector<std::int32_t>>, kAbiCount> slots_;  // [abi][table index] → entries
    std::vector<Entry> entries_;
    std::map<std::pair<pid_t, std::uint64_t>, std::uint64_t> budgets_;  // (process, fd) → bytes left
    std::function<bool(Task&)> filter_;
    std::string launched_exe_;
    std::string image_exec_pending_;  // the program the last execve entered here names
    bool tracks_exe_ = false;
};

}  // namespace lstar
