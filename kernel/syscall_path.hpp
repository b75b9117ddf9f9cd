// The system-call path: enter work → sys_call_table dispatch → handler → exit
// work, as arch/x86/entry/common.c runs it, driven by a capture backend that
// stops a task at each call and hands over its registers.
#pragma once

#include <signal.h>

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "kernel/entry_table.hpp"
#include "kernel/task.hpp"
#include "kernel/task_registry.hpp"

namespace lstar {

// Enter work runs in this order; exit work too.
enum class Stage : std::uint8_t { policy, fault_injection, tracing, accounting };
inline constexpr int kStageCount = 4;

enum class Verdict : std::uint8_t {
    proceed,  // go on to the next hook and then the handler
    skip,     // do not run the call; task.retval is its result
    kill,     // kill the task (SIGKILL) before the call runs
};

// One piece of enter/exit work, plus the task events a tracer reports.
class Hook {
public:
    virtual ~Hook() = default;
    // This hook's state for a task (made on first use, gone with the task).
    template <class T>
    T& state(Task& task) const { return task.state<T>(slot_); }
    template <class T>
    T* find_state(const Task& task) const { return task.find_state<T>(slot_); }
    // Enter work. May rewrite arguments with task.set_arg, or set task.retval and skip.
    virtual Verdict on_enter(Task&) { return Verdict::proceed; }
    // The entry of a call made in a former image of the process (SyscallPath::entry_seen),
    // which wrote its line there: a watching stage's enter work, by default.
    virtual void on_entry_seen(Task& task) { static_cast<void>(on_enter(task)); }
    // Exit work. task.retval is the result; a hook may replace it (set retval_changed).
    virtual void on_exit(Task&) {}
    // Whether this hook needs to see calls of this row at all. A backend may let the
    // calls no hook and no handler needs run untouched in the host kernel.
    virtual bool needs(const SyscallDesc&) const { return true; }
    virtual bool needs_unknown_numbers() const { return true; }  // numbers with no row
    // Whether this hook must see its calls before the program's seccomp filters answer
    // them (the policy sandbox's reporter: a filter's errno outranks a ptrace
    // prefilter's RET_TRACE, so the call would never stop).
    virtual bool decides_before_seccomp() const { return false; }
    // Whether this hook does anything with signal deliveries (on_signal): a backend
    // that must work to see a delivery (the in-process one, for a default that ends
    // the process) may skip that where no hook wants them.
    virtual bool needs_signals() const { return false; }

    // Task events.
    virtual void on_new_task(Task& /*child*/, Task* /*parent*/) {}
    virtual void on_signal(Task&, const siginfo_t&) {}
    // The task has run execve. When it was not its process's leader, it has taken
    // over the leader's id (task.tid is the leader's now, former_tid its own), and
    // `replaced` is the old leader, gone without an exit of its own once this returns.
    virtual void on_exec(Task& /*task*/, pid_t /*former_tid*/, Task* /*replaced*/) {}
    virtual void on_task_exit(Task&, int /*wait_status*/) {}
    virtual void on_detach(Task&) {}
    // This process is a fork child carrying a copy of its parent's state (a backend
    // whose path runs in the program's own process); `self` is its one task.
    // Forget the others.
    virtual void on_process_copy(Task& /*self*/) {}
    // A signal handler on this task makes a call while the task's own call is still
    // under way (suspended: the task's call state is the handler's from here), and is
    // done with it (resumed: the interrupted call is the task's again).
    virtual void on_call_suspended(Task& /*task*/) {}
    virtual void on_call_resumed(Task& /*task*/) {}
    // The path of this process image ends (the process exits, or execs a new image
    // of the path): a stage hands on what it must (-c's counts).
    virtual void on_image_end() {}

private:
    friend class SyscallPath;
    std::size_t slot_ = kBackendSlot;  // set by SyscallPath::add_hook
};

// What a handler decides: run the call in the host kernel, or this result.
struct HandlerResult {
    bool pass_through;
    std::int64_t value;
    bool again = false;  // a translation's exit: its first try lost a race, make the call once more
};
inline constexpr HandlerResult kPassThrough{true, 0};
inline constexpr HandlerResult emulated(std::int64_t value) { return {false, value}; }
// A translation's exit (bind_translation): the host refused the call only because the
// tree changed between the translation and the call (a link put in place of a
// name found missing); the translation runs again and the host makes the call once more.
inline constexpr HandlerResult kCallAgain{true, 0, true};

using Handler = std::function<HandlerResult(Task&)>;

class SyscallPath {
public:
    SyscallPath();

    void add_hook(Stage stage, Hook* hook);
    // The tasks on the path. A backend adds each as it first sees it and removes it
    // once its end (task_exit, detach) or its replacement (exec) has been reported.
    TaskRegistry& tasks() { return tasks_; }
    // Binds a handler to an entry point ("sys_uname"): every row of every ABI whose
    // effective entry point it is dispatches to it. Returns how many rows it bound.
    int bind_entry(std::string_view entry, Handler handler) { return table_.bind_entry(entry, handler); }
    // Binds a handler to one call by name in every ABI that has it.
    int bind_name(std::string_view name, Handler handler) { return table_.bind_name(name, handler); }
    // Binds exit work of a handler family to an entry point: after the host kernel ran
    // the call (not after a skip), before the hooks' exit work, with task.retval its
    // result. emulated(v) replaces the result; kPassThrough keeps it.
    int bind_exit_entry(std::string_view entry, Handler handler) { return exit_table_.bind_entry(entry, handler); }
    // Binds a translation of a call's names to an entry point (the file-system view,
    // handlers/fs_view.cpp): `enter` runs before the entry's handler, which then sees
    // the host's names (emulated(v): the call fails or ends there); `exit` runs after
    // the exit handler, also after a skip, and gives the program its own names back,
    // or answers kCallAgain: `enter` then runs again and, unless it ends the call, the
    // backend makes the call once more (task.again) and comes back to syscall_exit;
    // the hooks see one call.
    int bind_translation(std::string_view entry, Handler enter, Handler exit) {
        exit_translate_.bind_entry(entry, exit);
        return translate_.bind_entry(entry, enter);
    }

    // Called by the backend at a system-call entry with task.regs, task.abi filled.
    // Runs enter work and dispatch. Returns what the backend must do: proceed (let the
    // host kernel run the call, writing back arguments if task.args_changed), skip
    // (the host must not run it; deliver task.retval at exit) or kill.
    Verdict syscall_enter(Task& task);
    // A call whose enter work ran in a former image of the process (an execve a
    // thread made, and the call the leader it supersedes was in, which the new
    // image reports): the stages that only watch (tracing, accounting) see its
    // entry now (a tracer: its line began there); nothing decides it again.
    void entry_seen(Task& task);
    // Called at the matching exit with task.retval = what the host returned (or the
    // emulated result). Runs exit work; the backend writes back task.retval if
    // task.retval_changed. With task.entered_elsewhere, the call's enter work ran in
    // a former image of the process (an execve returns in the new one): the call
    // begins here, and exit work takes what it needs from the task. With task.again
    // set on return, nothing of the exit is done yet: the backend writes the arguments
    // back (task.args_changed), makes the same call once more, and calls this again.
    // A backend that cannot make it again here passes can_call_again = false: the
    // result stands.
    void syscall_exit(Task& task, bool can_call_again = true);

    // Whether calls of this row must stop at all (some hook or an emulating handler).
    bool needs_stop(const SyscallDesc& row) const;
    bool needs_stop_unknown() const;
    // Whether any hook is installed (and so wants task events: new tasks, signals, exits).
    bool has_hooks() const;
    bool decides_before_seccomp() const;  // some hook's decides_before_seccomp()
    bool needs_signals() const;           // some hook's needs_signals()
    // No hook and no handler: the path has no work for any call of any task.
    bool idle() const;

    // Task events, forwarded to the hooks in stage order.
    void new_task(Task& child, Task* parent);
    void signal(Task& task, const siginfo_t& info);
    void exec(Task& task, pid_t former_tid, Task* replaced);
    void task_exit(Task& task, int wait_status);
    void detach(Task& task);
    void process_copied(Task& self);
    void call_suspended(Task& task);
    void call_resumed(Task& task);
    void image_end();

    // A stage asks the backend to let every task go on untraced (strace's
    // --syscall-limit): the backend detaches them all at its next chance and its
    // run() returns. A backend that cannot detach is never given such a stage.
    void request_detach_all() { detach_all_requested_ = true; }
    bool detach_all_requested() const { return detach_all_requested_; }

private:
    std::array<std::vector<Hook*>, kStageCount> hooks_;
    std::size_t next_slot_ = kBackendSlot + 1;
    TaskRegistry tasks_;
    bool detach_all_requested_ = false;
    // sys_call_table: nothing bound = pass through (the default handler).
    EntryTable<Handler> table_;
    EntryTable<Handler> exit_table_;  // what handlers do after a call the host ran
    EntryTable<Handler> translate_, exit_translate_;  // bind_translation
    template <class F>
    void for_each_hook(F&& f);
};

}  // namespace lstar
