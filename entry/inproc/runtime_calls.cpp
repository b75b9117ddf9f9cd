// The one list of the calls the in-process runtime handles itself.
#include "entry/inproc/runtime_calls.hpp"

#include "entry/inproc/runtime.hpp"
#include "kernel/syscall_define.hpp"

namespace lstar::inproc {

RuntimeCalls::RuntimeCalls(Runtime* rt) {
    auto handle = [&](std::string_view entry, TrapWhen when, Handler handler) {
        handlers.bind_entry(entry, handler);
        traps.bind_entry(entry, when);
    };
    auto take_over = [&](std::string_view entry, RuntimeFlow flow) {
        flows.bind_entry(entry, flow, Abi::x86_64);
        traps.bind_entry(entry, TrapWhen::always, Abi::x86_64);
    };

    // Signals: SIGSYS's disposition and mask stay the runtime's; the program's are
    // kept apart (runtime_signals.cpp), on every entry, compat ones too.
    handle(meta::sys_rt_sigaction::name, TrapWhen::sets_or_reads,
           [rt](Task& task) { return emulated(rt->sigaction_call(task)); });
    handle(meta::compat_sys_rt_sigaction::name, TrapWhen::always,
           [rt](Task& task) { return emulated(rt->compat_sigaction_call(task)); });
    for (std::string_view mask : {meta::sys_rt_sigprocmask::name, meta::compat_sys_rt_sigprocmask::name})
        handle(mask, TrapWhen::sets_or_reads, [rt](Task& task) { return emulated(rt->sigprocmask_call(task)); });
    handle(meta::sys_rt_sigsuspend::name, TrapWhen::always, [rt](Task& task) { return emulated(rt->sigsuspend_call(task)); });
    for (std::string_view pending : {meta::sys_rt_sigpending::name, meta::compat_sys_rt_sigpending::name})
        handle(pending, TrapWhen::always, [rt](Task& task) { return emulated(rt->sigpending_call(task)); });

    // Descriptors: the runtime's own look closed, and stay open.
    handle(meta::sys_close::name, TrapWhen::reserved_fd_arg0,
           detail::make_typed_handler<meta::sys_close>([rt](Task&, unsigned int fd) {
               return rt->reserved(fd) ? emulated(-EBADF) : kPassThrough;
           }));
    for (std::string_view dup : {meta::sys_dup2::name, meta::sys_dup3::name})
        handle(dup, TrapWhen::reserved_fd_arg1,
               [rt](Task& task) { return rt->reserved(static_cast<int>(task.arg(1))) ? emulated(rt->dup_onto_reserved(task)) : kPassThrough; });
    handle(meta::sys_close_range::name, TrapWhen::always, [rt](Task& task) { return emulated(rt->close_range(task)); });

    // The program's own view of itself: its file, its seccomp filters, its thread pointer.
    handle(meta::sys_readlink::name, TrapWhen::always, [rt](Task& task) { return rt->readlink_exe(task, 0); });
    handle(meta::sys_readlinkat::name, TrapWhen::always, [rt](Task& task) { return rt->readlink_exe(task, 1); });
    handle(meta::sys_prctl::name, TrapWhen::seccomp_option, [rt](Task& task) { return rt->prctl_seccomp(task); });
    handle(meta::sys_seccomp::name, TrapWhen::always, [rt](Task& task) { return rt->seccomp_call(task); });
    // Always: the SIGSYS entry needs to know every thread pointer set (Runtime::note_thread_pointer).
    handle(meta::sys_arch_prctl::name, TrapWhen::always, [rt](Task& task) { return rt->arch_prctl_fs(task); });
    // A program that traces: said once, as lstar cannot step aside (runtime.cpp).
    handle(meta::sys_ptrace::name, TrapWhen::always, [rt](Task& task) { return rt->ptrace_call(task); });
    // setpgid on a child that has exec'd in place: EACCES, as after a kernel exec (runtime_exec.cpp).
    handle(meta::sys_setpgid::name, TrapWhen::always, [rt](Task& task) { return rt->setpgid_call(task); });
    // Where the kernel writes, to be undone before an in-process exec unmaps it.
    handle(meta::sys_rseq::name, TrapWhen::always, [rt](Task& task) { return rt->rseq_call(task); });

    // A child killed by a signal cannot say so itself: its parent's wait does
    // (runtime_signals.cpp). And the SIGCHLD that comes while it waits is shown
    // after it (Runtime::drain_held), as strace shows it.
    handle(meta::sys_wait4::name, TrapWhen::signals_shown, [rt](Task& task) { return rt->wait_call(task, false); });
    handle(meta::sys_waitid::name, TrapWhen::signals_shown, [rt](Task& task) { return rt->wait_call(task, true); });
    // The end of a task is reported, and the trace flushed.
    handle(meta::sys_exit::name, TrapWhen::always, [rt](Task& task) { return rt->exit_call(task, false); });
    handle(meta::sys_exit_group::name, TrapWhen::always, [rt](Task& task) { return rt->exit_call(task, true); });

    // exec: a new runtime image loads the program (runtime_exec.cpp).
    take_over(meta::sys_execve::name, [rt](ThreadState& ts, ucontext_t* uc, std::uint64_t fs) {
        return rt->exec(ts, uc, fs, false);
    });
    take_over(meta::sys_execveat::name, [rt](ThreadState& ts, ucontext_t* uc, std::uint64_t fs) {
        return rt->exec(ts, uc, fs, true);
    });
    // The clone family through the trampoline (runtime_clone.cpp), each with its flags.
    take_over(meta::sys_fork::name, [rt](ThreadState& ts, ucontext_t* uc, std::uint64_t fs) {
        return rt->clone(ts, uc, fs, SIGCHLD);
    });
    take_over(meta::sys_vfork::name, [rt](ThreadState& ts, ucontext_t* uc, std::uint64_t fs) {
        return rt->clone(ts, uc, fs, CLONE_VM | CLONE_VFORK | SIGCHLD);
    });
    take_over(meta::sys_clone::name, [rt](ThreadState& ts, ucontext_t* uc, std::uint64_t fs) {
        return rt->clone(ts, uc, fs, ts.task.arg(0));
    });
    take_over(meta::sys_clone3::name, [rt](ThreadState& ts, ucontext_t* uc, std::uint64_t fs) {
        std::uint64_t flags = 0;  // clone_args.flags, the struct's first field
        if (copy_from_user(*ts.task.mem, flags, UserPtr<std::uint64_t>(ts.task.arg(0))) != 0)
            return rt->run_call(ts, uc, fs);
        return rt->clone(ts, uc, fs, flags);
    });
}

}  // namespace lstar::inproc
