// The in-process runtime: signals (rt_sigaction, rt_sigprocmask, delivery to the
// program's handlers).
#include "entry/inproc/runtime.hpp"

namespace lstar::inproc {

// rt_sigaction. SIGSYS is the runtime's: the program's disposition for it is
// only what the program believes it is. A handler the program sets for another
// signal is run by lstar's, which reports the signal first (strace's
// "--- SIGxxx {...} ---"); the program sees its own. No handler's mask may block
// SIGSYS: the handler's first call would kill the program.
long Runtime::sigaction_call(Task& task) {
    ThreadState& ts = stop_of(task);
    ucontext_t* uc = ts.uc;
    std::uint64_t* fs = ts.fs;
    auto arg = [&](int i) { return task.arg(i); };
    int signo = static_cast<int>(arg(0));
    if (arg(3) != 8) return -EINVAL;
    if (signo == SIGSYS) {
        KernelSigaction next = sigsys_action_;
        if (arg(1) && copy_from_user(mem_, next, UserPtr<KernelSigaction>(arg(1))) != 0) return -EFAULT;
        if (arg(2) && copy_to_user(mem_, UserPtr<KernelSigaction>(arg(2)), sigsys_action_) != 0) return -EFAULT;
        sigsys_action_ = next;
        return 0;
    }
    if (signo < 1 || signo > 64 || signo == SIGKILL || signo == SIGSTOP) return call_as_program(task, uc, *fs);
    std::uint64_t bit = 1ull << (signo - 1);
    KernelSigaction old{};
    if (handled_signals_ & bit) old = program_actions_[signo];
    else if (long rc = sys(SYS_rt_sigaction, signo, 0, ptr(&old), 8); rc < 0) return rc;
    if (arg(1)) {
        KernelSigaction act;
        if (copy_from_user(mem_, act, UserPtr<KernelSigaction>(arg(1))) != 0) return -EFAULT;
        KernelSigaction kernel = act;
        kernel.mask &= ~kSigsysBit;
        if (act.handler > 1) {
            kernel.handler = reinterpret_cast<std::uint64_t>(&lstar_inproc_signal_entry);
            kernel.flags |= SA_SIGINFO;
            if (!(act.flags & kSaRestorer)) {
                kernel.flags |= kSaRestorer;
                kernel.restorer = reinterpret_cast<std::uint64_t>(&lstar_inproc_restorer);
            }
        }
        SyscallState call = task;
        call.regs.si = reinterpret_cast<std::uint64_t>(&kernel);
        call.regs.dx = 0;
        if (long rc = call_as_program(call, uc, *fs); rc < 0) return rc;
        program_actions_[signo] = act;
        handled_signals_ = act.handler > 1 ? handled_signals_ | bit : handled_signals_ & ~bit;
    }
    if (arg(2) && copy_to_user(mem_, UserPtr<KernelSigaction>(arg(2)), old) != 0) return -EFAULT;
    return 0;
}

// rt_sigprocmask. The mask that sigreturn restores is the program's: that one
// changes, never with SIGSYS in it.
long Runtime::sigprocmask_call(Task& task) {
    ucontext_t* uc = stop_of(task).uc;
    auto arg = [&](int i) { return task.arg(i); };
    if (arg(3) != 8) return -EINVAL;
    std::uint64_t old = mask_of(uc), set = 0;
    if (arg(1)) {
        if (copy_from_user(mem_, set, UserPtr<std::uint64_t>(arg(1))) != 0) return -EFAULT;
        set &= ~(kSigsysBit | kUnblockable);
        switch (arg(0)) {
        case SIG_BLOCK: mask_of(uc) = old | set; break;
        case SIG_UNBLOCK: mask_of(uc) = old & ~set; break;
        case SIG_SETMASK: mask_of(uc) = set; break;
        default: return -EINVAL;
        }
    }
    if (arg(2) && copy_to_user(mem_, UserPtr<std::uint64_t>(arg(2)), old) != 0) return -EFAULT;
    return 0;
}

// A signal for one of the program's handlers: reported like the ptrace backend
// reports its signal-delivery stops; the handler to run is returned.
std::uint64_t Runtime::on_signal(int sig, const siginfo_t& info, ucontext_t* uc) {
    if (sig < 1 || sig > 64) return 0;
    pid_t tid = static_cast<pid_t>(sys(SYS_gettid));
    ThreadState& ts = thread(tid);
    // Delivered as the thread's call returned (its result is in place): that call's
    // line comes first, as strace shows a call's exit before the signal.
    auto ip = static_cast<std::uint64_t>(uc->uc_mcontext.gregs[REG_RIP]);
    bool returned = ip == reinterpret_cast<std::uint64_t>(&lstar_inproc_syscall_done) ||
                    ip == reinterpret_cast<std::uint64_t>(&lstar_inproc_int80_done);
    if (returned && ts.depth > 0 && ts.task.phase == SyscallPhase::entered) {
        Task& call = ts.task;
        call.retval = call.abi == Abi::i386 ? static_cast<std::int32_t>(uc->uc_mcontext.gregs[REG_RAX])
                                            : static_cast<std::int64_t>(uc->uc_mcontext.gregs[REG_RAX]);
        call.exit_ns = monotonic_ns();
        if (ts.traced) path_.syscall_exit(call);
        call.phase = SyscallPhase::exited;
    }
    if (ts.traced) {
        // -i: where the signal came; the call under way keeps its own ip.
        std::uint64_t ip = ts.task.regs.ip;
        ts.task.mem = &mem_;
        ts.task.regs.ip = uc->uc_mcontext.gregs[REG_RIP];
        path_.signal(ts.task, info);
        ts.task.regs.ip = ip;
        flush();
    }
    KernelSigaction act = program_actions_[sig];
    if (act.flags & SA_RESETHAND) {  // the kernel has reset lstar's handler already
        program_actions_[sig] = KernelSigaction{};
        handled_signals_ &= ~(1ull << (sig - 1));
    }
    return act.handler > 1 ? act.handler : 0;
}

}  // namespace lstar::inproc
