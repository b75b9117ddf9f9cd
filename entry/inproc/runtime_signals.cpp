// The in-process runtime: signals (rt_sigaction, rt_sigprocmask, delivery to the
// program's handlers).
#include "entry/inproc/runtime.hpp"
#include "table/xlat_data.hpp"

extern "C" {
unsigned char lstar_inproc_shows_sigreturn = 0;
}

namespace lstar::inproc {

// The signals whose default ignores them (SIGCONT's continues a stopped process
// first, whatever the mask or handler).
constexpr std::uint64_t kIgnoredByDefault =
    1ull << (SIGCHLD - 1) | 1ull << (SIGURG - 1) | 1ull << (SIGWINCH - 1) | 1ull << (SIGCONT - 1);

bool ignored_by_default(int signo) { return signo >= 1 && signo <= 64 && (kIgnoredByDefault >> (signo - 1) & 1); }

// lstar's handler in place of a default it watches (watch_default_signals). One
// that ends the process needs none of the program's flags; one that ignores the
// signal restarts the calls it interrupts, as if nothing came, and keeps the
// SIGCHLD flags, which mean something at the default too (SA_NOCLDWAIT: no zombies).
static KernelSigaction default_watcher(int signo, std::uint64_t program_flags) {
    std::uint64_t flags = SA_SIGINFO | kSaRestorer;
    if (ignored_by_default(signo)) flags |= SA_RESTART | (program_flags & (SA_NOCLDSTOP | SA_NOCLDWAIT));
    return {reinterpret_cast<std::uint64_t>(&lstar_inproc_signal_entry), flags,
            reinterpret_cast<std::uint64_t>(&lstar_inproc_restorer), 0};
}

// rt_sigaction. SIGSYS is the runtime's: the program's disposition for it is
// only what the program believes it is. A handler the program sets for another
// signal is run by lstar's, which reports the signal first (strace's
// "--- SIGxxx {...} ---"); the program sees its own. So is a default that ends the
// process or ignores the signal (watches_default), which the program sees as the
// default it set. No handler's mask may block SIGSYS: the handler's first call
// would kill the program.
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
    if ((handled_signals_ | watched_defaults_) & bit) old = program_actions_[signo];
    else if (long rc = sys(SYS_rt_sigaction, signo, 0, ptr(&old), 8); rc < 0) return rc;
    if (arg(1)) {
        KernelSigaction act;
        if (copy_from_user(mem_, act, UserPtr<KernelSigaction>(arg(1))) != 0) return -EFAULT;
        // A vfork child (posix_spawn's, which sets every handled signal back to the
        // default) changes its own actions, in its parent's memory: the kernel's
        // alone, not the records of the parent's, nor a default watched there.
        bool own_records = sys(SYS_getpid) == pid_;
        bool watch = own_records && act.handler == 0 && watches_default(signo);
        KernelSigaction kernel = watch ? default_watcher(signo, act.flags) : act;
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
        if (own_records) {
            program_actions_[signo] = act;
            handled_signals_ = act.handler > 1 ? handled_signals_ | bit : handled_signals_ & ~bit;
            watched_defaults_ = watch ? watched_defaults_ | bit : watched_defaults_ & ~bit;
        }
    }
    if (arg(2) && copy_to_user(mem_, UserPtr<KernelSigaction>(arg(2)), old) != 0) return -EFAULT;
    return 0;
}

// rt_sigprocmask (and its compat entry, whose sigset is the same 8 bytes). The
// mask that sigreturn restores is the program's: that one changes, never with
// SIGSYS in it; SIGSYS is blocked in the thread's state instead.
long Runtime::sigprocmask_call(Task& task) {
    ThreadState& ts = stop_of(task);
    ucontext_t* uc = ts.uc;
    auto arg = [&](int i) { return task.arg(i); };
    if (arg(3) != 8) return -EINVAL;
    std::uint64_t old = mask_of(uc) | (ts.sigsys_blocked ? kSigsysBit : 0), set = 0;
    if (arg(1)) {
        if (copy_from_user(mem_, set, UserPtr<std::uint64_t>(arg(1))) != 0) return -EFAULT;
        bool sigsys = set & kSigsysBit;
        set &= ~(kSigsysBit | kUnblockable);
        switch (arg(0)) {
        case SIG_BLOCK: mask_of(uc) = mask_of(uc) | set, ts.sigsys_blocked |= sigsys; break;
        case SIG_UNBLOCK: mask_of(uc) = mask_of(uc) & ~set, ts.sigsys_blocked &= !sigsys; break;
        case SIG_SETMASK: mask_of(uc) = set, ts.sigsys_blocked = sigsys; break;
        default: return -EINVAL;
        }
    }
    if (arg(2) && copy_to_user(mem_, UserPtr<std::uint64_t>(arg(2)), old) != 0) return -EFAULT;
    resend_pending_sigsys(ts);
    return 0;
}

// rt_sigsuspend: the mask waited with never blocks SIGSYS for real (a handler's
// call would kill the process); it does in the thread's state meanwhile, and a
// held SIGSYS it lets through ends the wait.
long Runtime::sigsuspend_call(Task& task) {
    ThreadState& ts = stop_of(task);
    std::uint64_t mask = 0;
    if (task.arg(1) != 8) return -EINVAL;
    if (copy_from_user(mem_, mask, UserPtr<std::uint64_t>(task.arg(0))) != 0) return -EFAULT;
    bool outer = ts.sigsys_blocked;
    ts.sigsys_blocked = mask & kSigsysBit;
    mask &= ~kSigsysBit;
    resend_pending_sigsys(ts);
    // A watched default that ignores its signal does not end the wait, as natively.
    ts.held_now = held_defaults() & ~mask_of(ts.uc);
    mask |= held_defaults();
    SyscallState call = task;
    call.set_arg(0, reinterpret_cast<std::uint64_t>(&mask));
    // Made with every signal blocked until it sets its own: the held SIGSYS, sent
    // again, must end this wait, not come just before it.
    long result = call_as_program(call, ts.uc, *ts.fs, kAllSignals);
    ts.sigsys_blocked = outer;
    return result;
}

// rt_sigpending: a SIGSYS held while the program blocks it is pending.
long Runtime::sigpending_call(Task& task) {
    ThreadState& ts = stop_of(task);
    long result = call_as_program(task, ts.uc, *ts.fs);
    if (result != 0 || !ts.sigsys_pending || task.arg(1) != 8) return result;
    std::uint64_t set = 0;
    if (copy_from_user(mem_, set, UserPtr<std::uint64_t>(task.arg(0))) != 0) return -EFAULT;
    set |= kSigsysBit;
    return copy_to_user(mem_, UserPtr<std::uint64_t>(task.arg(0)), set) ? -EFAULT : 0;
}

// The compat rt_sigaction (int $0x80 from a 64-bit program): the same rules for
// SIGSYS, whose action stays the runtime's, and for the masks of the others.
long Runtime::compat_sigaction_call(Task& task) {
    struct CompatSigaction {
        std::uint32_t handler, flags, restorer;
        std::uint64_t mask;
    } __attribute__((packed));
    ThreadState& ts = stop_of(task);
    int signo = static_cast<int>(task.arg(0));
    if (task.arg(3) != 8) return -EINVAL;
    CompatSigaction act{};
    if (task.arg(1) && copy_from_user(mem_, act, UserPtr<CompatSigaction>(task.arg(1))) != 0) return -EFAULT;
    if (signo == SIGSYS) {
        CompatSigaction old{static_cast<std::uint32_t>(sigsys_action_.handler), static_cast<std::uint32_t>(sigsys_action_.flags),
                            static_cast<std::uint32_t>(sigsys_action_.restorer), sigsys_action_.mask};
        if (task.arg(2) && copy_to_user(mem_, UserPtr<CompatSigaction>(task.arg(2)), old) != 0) return -EFAULT;
        if (task.arg(1)) sigsys_action_ = {act.handler, act.flags, act.restorer, act.mask};
        return 0;
    }
    // A default lstar watches is the default again for the kernel to show or replace.
    if (std::uint64_t bit = signo >= 1 && signo <= 64 ? 1ull << (signo - 1) : 0; watched_defaults_ & bit) {
        KernelSigaction dfl{};
        sys(SYS_rt_sigaction, signo, ptr(&dfl), 0, 8);
        watched_defaults_ &= ~bit;
    }
    if (!task.arg(1) || !(act.mask & kSigsysBit)) return call_as_program(task, ts.uc, *ts.fs);
    // The action without SIGSYS in its mask, where a 32-bit pointer reaches it: lstar's
    // own data, below 4 GiB with its text.
    static CompatSigaction stripped;
    if (reinterpret_cast<std::uintptr_t>(&stripped) >> 32) return call_as_program(task, ts.uc, *ts.fs);
    stripped = act;
    stripped.mask &= ~kSigsysBit;
    SyscallState call = task;
    call.set_arg(1, reinterpret_cast<std::uint64_t>(&stripped));
    return call_as_program(call, ts.uc, *ts.fs);
}

// A signal sent to this thread (again), with its siginfo as it was sent (which the
// kernel allows a thread other than the leader only for negative codes: else a
// plain tgkill).
void resend(pid_t tid, int sig, const siginfo_t& info) {
    long pid = sys(SYS_getpid);
    if (sys(SYS_rt_tgsigqueueinfo, pid, tid, sig, ptr(&info)) != 0) sys(SYS_tgkill, pid, tid, sig);
}

// A held SIGSYS comes once the program unblocks it.
void Runtime::resend_pending_sigsys(ThreadState& ts) {
    if (ts.sigsys_blocked || !ts.sigsys_pending) return;
    siginfo_t info = *ts.sigsys_pending;
    ts.sigsys_pending.reset();
    resend(ts.task.tid, SIGSYS, info);
}

// A SIGSYS of the program's own: a signal sent to it, or a trap of a filter the
// program loaded (the kernel forces those: blocked or ignored, they kill). It is
// dealt with as the program's disposition says: held while the program blocks it,
// dropped when ignored, the process killed by it at its default action (its action
// becomes the default and the signal is sent again), or its handler run with its
// mask, SIGSYS itself blocked (unless SA_NODEFER) in the thread's state.
SignalRoute Runtime::program_sigsys(const siginfo_t& info, ucontext_t* uc, std::uint64_t fs) {
    lock();
    if (lstar_inproc_forked) after_fork();
    ThreadState& ts = thread(static_cast<pid_t>(sys(SYS_gettid)));
    KernelSigaction act = sigsys_action_;
    bool forced = info.si_code == 1 /* SYS_SECCOMP */;
    auto done = [&](std::uint64_t handler) {
        flush();
        unlock();
        return SignalRoute{handler, fs};
    };
    if (!forced && act.handler == reinterpret_cast<std::uint64_t>(SIG_IGN)) return done(0);
    if (!forced && ts.sigsys_blocked) {
        ts.sigsys_pending = info;
        return done(0);
    }
    if (forced && (ts.sigsys_blocked || act.handler == reinterpret_cast<std::uint64_t>(SIG_IGN))) act.handler = 0;
    report_signal(ts, info, uc);
    if (act.handler == 0) {
        KernelSigaction dfl{};
        sys(SYS_rt_sigaction, SIGSYS, ptr(&dfl), 0, 8);
        resend(ts.task.tid, SIGSYS, info);
        return done(0);  // it comes, and kills, as this handler returns
    }
    if (act.flags & SA_RESETHAND) sigsys_action_ = KernelSigaction{};
    if (ts.sigsys_outer.size() == 64) ts.sigsys_outer.erase(ts.sigsys_outer.begin());  // left by siglongjmp
    ts.sigsys_outer.push_back(ts.sigsys_blocked);
    if (!(act.flags & SA_NODEFER)) ts.sigsys_blocked = true;
    std::uint64_t mask = (mask_of(uc) | act.mask) & ~(kSigsysBit | kUnblockable);
    fs = handler_fs(ts, fs);
    SignalRoute route = done(act.handler);
    sys(SYS_rt_sigprocmask, SIG_SETMASK, ptr(&mask), 0, 8);
    return route;
}

void Runtime::after_program_sigsys() {
    ThreadState& ts = thread(static_cast<pid_t>(sys(SYS_gettid)));
    if (!ts.sigsys_outer.empty()) {
        ts.sigsys_blocked = ts.sigsys_outer.back();
        ts.sigsys_outer.pop_back();
    }
    resend_pending_sigsys(ts);
}

// Signals left at their default are reported as strace reports them
// (`--- SIGTERM {...} ---`): lstar's handler stands in for the default and reports
// the signal (on_signal). For one whose default ends the process (signal(7): Term
// and Core) it then lets the default end it. For one whose default ignores it,
// that is all: the waits a handler would end early with EINTR are made by the
// runtime with these signals held off (call_as_program), and trap for it
// (trap_filter.cpp), so they end as natively; held, a signal is reported as the
// call ends (drain_held). Not those that stop (SIGTSTP, SIGTTIN, SIGTTOU: the
// default must stop the process at once), nor for a process with pid 1 (the init of
// a pid namespace), whose defaults the kernel ignores, nor untraced processes,
// nor where nothing on the path wants signals (no signal lines: -c, lstar run).
bool Runtime::watches_default(int signo) const {
    constexpr int kStandard[] = {SIGHUP, SIGINT,  SIGQUIT, SIGILL,  SIGTRAP,   SIGABRT, SIGBUS,  SIGFPE,
                                 SIGUSR1, SIGSEGV, SIGUSR2, SIGPIPE, SIGALRM, SIGTERM, SIGSTKFLT, SIGXCPU,
                                 SIGXFSZ, SIGVTALRM, SIGPROF, SIGIO, SIGPWR};
    bool ends = signo >= 32 && signo <= 64;  // the real-time signals
    for (int s : kStandard) ends |= s == signo;
    return (ends || ignored_by_default(signo)) && shows_defaults();
}

// Signals left at their default are shown (strace shows them: a tracer sees every
// signal), unless nothing prints signal lines or the kernel sends none (pid 1).
bool Runtime::shows_defaults() const { return traced_ && pid_ != 1 && path_.needs_signals(); }

// The watched defaults that ignore their signal: held off while a call waits.
std::uint64_t Runtime::held_defaults() const { return watched_defaults_ & kIgnoredByDefault; }

// Each held signal that came during the call, in the kernel's order, with its siginfo.
void Runtime::drain_held(ThreadState& ts, ucontext_t* uc) {
    std::uint64_t set = std::exchange(ts.held_now, 0);
    timespec now{};
    siginfo_t info{};
    while (sys(SYS_rt_sigtimedwait, ptr(&set), ptr(&info), ptr(&now), 8) > 0) report_signal(ts, info, uc);
}

// At the start of an image (after exec, where the kernel reset handlers to the
// default and kept what was ignored): lstar's handler on each default it watches.
void Runtime::watch_default_signals() {
    for (int signo = 1; signo <= 64; ++signo) {
        std::uint64_t bit = 1ull << (signo - 1);
        if (!watches_default(signo) || ((handled_signals_ | watched_defaults_) & bit)) continue;
        KernelSigaction watcher = default_watcher(signo, 0), before{};
        if (sys(SYS_rt_sigaction, signo, ptr(&watcher), ptr(&before), 8) != 0) continue;
        if (before.handler != 0) {  // ignored: it stays so
            sys(SYS_rt_sigaction, signo, ptr(&before), 0, 8);
            continue;
        }
        program_actions_[signo] = before;
        watched_defaults_ |= bit;
    }
}

// A signal for one of the program's handlers: reported like the ptrace backend
// reports its signal-delivery stops; the handler to run is returned.
SignalRoute Runtime::on_signal(int sig, siginfo_t& info, ucontext_t* uc, std::uint64_t interrupted_fs) {
    if (sig < 1 || sig > 64) return {0, interrupted_fs};
    pid_t tid = static_cast<pid_t>(sys(SYS_gettid));
    ThreadState& ts = thread(tid);
    if (ts.injection.timer >= 0 && !injection_came(ts, sig, info, uc)) return {0, interrupted_fs};
    report_signal(ts, info, uc);
    if (held_defaults() & (1ull << (sig - 1))) return {0, interrupted_fs};  // ignored, once shown
    if (watched_defaults_ & (1ull << (sig - 1))) {
        // The program's action is the default, which ends the process: the
        // default for the kernel, and the signal again, with its siginfo. Blocked
        // in this handler, it comes as the handler returns, to the program's own
        // context (its registers are the core's), and ends the process as it would
        // have ended it.
        KernelSigaction dfl{};
        sys(SYS_rt_sigaction, sig, ptr(&dfl), 0, 8);
        watched_defaults_ &= ~(1ull << (sig - 1));
        resend(tid, sig, info);
        return {0, interrupted_fs};
    }
    KernelSigaction act = program_actions_[sig];
    if (act.flags & SA_RESETHAND) {  // the kernel has reset lstar's handler already
        program_actions_[sig] = KernelSigaction{};
        handled_signals_ &= ~(1ull << (sig - 1));
    }
    if (act.handler <= 1) return {0, interrupted_fs};
    // The program's handler sees its own mask, without the signals held for the
    // call it interrupted (which come unheld, unseen, once it returns).
    mask_of(uc) &= ~ts.held_now;
    return {act.handler, handler_fs(ts, interrupted_fs)};
}

// One of the program's handlers has returned, to the restorer the kernel's frame
// names: strace's `rt_sigreturn({mask=[...]}) = N` comes next. The signal return
// itself runs where the program makes it (it never traps: it must restore the
// frame the kernel built, at the program's stack pointer), so its line is made
// here, from that frame as the handler leaves it: the mask it restores (with
// SIGSYS as the program blocks it) and the rax it restores, the line's value. A
// handler left by siglongjmp makes no signal return, and no line, as natively.
// Called with the lock held; returns without it.
void Runtime::report_sigreturn(ucontext_t* uc) {
    ThreadState& ts = thread(static_cast<pid_t>(sys(SYS_gettid)));
    if (!ts.traced) return unlock();
    suspend_current(ts);
    Task& task = ts.task;
    task.mem = &mem_;
    task.abi = Abi::x86_64;
    PtRegs& r = task.regs;
    r = PtRegs{};
    r.orig_ax = nr64::rt_sigreturn;
    r.ax = static_cast<std::uint64_t>(-ENOSYS);
    r.cs = kUserCs64;
    // The restorer's address is the frame's first word, just below the ucontext;
    // the call's ip is past its syscall instruction (0f 05), as a tracer sees it.
    std::uint64_t restorer = 0;
    unsigned char code[16] = {};
    if (copy_from_user(mem_, restorer, UserPtr<std::uint64_t>(reinterpret_cast<std::uint64_t>(uc) - 8)) == 0 &&
        mem_.read(restorer, code, sizeof code) == sizeof code)
        for (std::size_t i = 0; i + 1 < sizeof code; ++i)
            if (code[i] == 0x0f && code[i + 1] == 0x05) {
                r.ip = restorer + i + 2;
                break;
            }
    // The decoder reads the mask at the stack pointer the call is made with (the
    // ucontext, 296 bytes in); the thread's scratch holds it as the program sees it.
    std::uint64_t mask = mask_of(uc) | (ts.sigsys_blocked ? kSigsysBit : 0);
    std::memcpy(ts.scratch + 296, &mask, sizeof mask);
    r.sp = reinterpret_cast<std::uint64_t>(ts.scratch);
    task.enter_ns = monotonic_ns();
    task.enter_stime_ns = task.exit_stime_ns = 0;
    long restored = static_cast<long>(uc->uc_mcontext.gregs[REG_RAX]);
    run_call(ts, uc, 0, &restored);
}

void Runtime::report_signal(ThreadState& ts, const siginfo_t& info, ucontext_t* uc) {
    // Delivered as the thread's call returned (its result is in place): that call's
    // line comes first, as strace shows a call's exit before the signal.
    // Or interrupted, and to be made again as the handler returns (SA_RESTART: the
    // kernel has put the ip back on the call's 2-byte instruction): strace shows the
    // interrupted call's end, and the call made again as a new one.
    auto ip = static_cast<std::uint64_t>(uc->uc_mcontext.gregs[REG_RIP]);
    auto program_done = reinterpret_cast<std::uint64_t>(&lstar_inproc_program_call_done);
    auto int80_done = reinterpret_cast<std::uint64_t>(&lstar_inproc_int80_done);
    bool returned = ip == program_done || ip == int80_done;
    bool restarts = ip == program_done - 2 || ip == int80_done - 2;
    if (returned || restarts) enter_made_again(ts);  // interrupted in turn: its entry first
    if ((returned || restarts) && ts.depth > 0 && ts.task.phase == SyscallPhase::entered) {
        Task& call = ts.task;
        call.retval = call.abi == Abi::i386 ? static_cast<std::int32_t>(uc->uc_mcontext.gregs[REG_RAX])
                                            : static_cast<std::int64_t>(uc->uc_mcontext.gregs[REG_RAX]);
        if (restarts || call.retval == -EINTR) call.retval = interrupted_code(call);
        ts.made_again = restarts;
        call.exit_ns = monotonic_ns();
        if (ts.traced) path_.syscall_exit(call, false);  // the call is over: it cannot be made again here
        call.phase = SyscallPhase::exited;
    }
    if (ts.traced) {
        // -i: where the signal came; the call under way keeps its own ip. One that
        // came in lstar's code (the runtime making the program's call) came, as
        // the program sees it, where the call returns.
        std::uint64_t ip = ts.task.regs.ip;
        ts.task.mem = &mem_;
        auto at = static_cast<std::uint64_t>(uc->uc_mcontext.gregs[REG_RIP]);
        bool in_lstar = at >= reinterpret_cast<std::uint64_t>(__executable_start) && at < reinterpret_cast<std::uint64_t>(etext);
        if (!in_lstar || ts.depth == 0) ts.task.regs.ip = at;
        path_.signal(ts.task, info);
        ts.task.regs.ip = ip;
        flush();
    }
}

// What a tracer sees a waiting call return as a handled signal interrupts it
// (the table's restart flags; two calls decide by their arguments).
long Runtime::interrupted_code(const Task& call) const {
    constexpr auto kErestartSys = static_cast<long>(xlat_constant(xlat::data::errno_, "ERESTARTSYS"));
    constexpr auto kErestartNoHand = static_cast<long>(xlat_constant(xlat::data::errno_, "ERESTARTNOHAND"));
    constexpr auto kErestartRestartBlock = static_cast<long>(xlat_constant(xlat::data::errno_, "ERESTART_RESTARTBLOCK"));
    std::uint32_t flags = call.sc ? call.sc->effective().flags : 0;
    std::string_view name = call.sc ? call.sc->name : std::string_view();
    if (name == "clock_nanosleep") return call.arg(1) & TIMER_ABSTIME ? -kErestartNoHand : -kErestartRestartBlock;
    if (name == "futex") {
        std::uint64_t op = call.arg(1) & FUTEX_CMD_MASK;
        bool timed = (op == FUTEX_WAIT || op == FUTEX_WAIT_BITSET) && call.arg(3) != 0;
        return timed ? -kErestartRestartBlock : -kErestartSys;
    }
    if (flags & kPlainEintr) return -EINTR;
    if (flags & kRestartNoHand) return -kErestartNoHand;
    if (flags & kRestartBlock) return -kErestartRestartBlock;
    return -kErestartSys;
}

// -e inject=...:signal=SIG is pending while the call runs, as the ptrace backend
// has it: a wait the signal's handler ends (EINTR, or made again with SA_RESTART).
// Sent before the call, it would come as the program's mask is put back and the
// call would then wait. So for a call that may wait, where the program has a
// handler for SIG and does not block it, a timer of the thread's sends SIG every
// kInjectionRetry until it comes where the call is in the kernel (or has just
// returned) and is then shown with strace's siginfo; if the call ends first, SIG
// is sent as it returns.
bool Runtime::signal_during_call(const ThreadState& ts, int sig, ucontext_t* uc) const {
    const SyscallState& call = ts.task;
    std::uint64_t bit = 1ull << (sig - 1);
    return call.abi == Abi::x86_64 && call.sc && (call.sc->effective().flags & kMayBlock) &&
           (handled_signals_ & bit) && program_actions_[sig].handler > 1 && !(mask_of(uc) & bit);
}

constexpr long kInjectionRetry = 50'000;  // ns

long Runtime::call_with_signal(ThreadState& ts, const SyscallState& call, ucontext_t* uc, std::uint64_t fs, int sig) {
    siginfo_t info{};
    info.si_signo = sig;
    info.si_code = SI_KERNEL;
    sigevent event{};
    event.sigev_notify = SIGEV_THREAD_ID;
    event.sigev_signo = sig;
    event._sigev_un._tid = call.tid;  // (glibc 2.36 names no sigev_notify_thread_id)
    int timer = -1;
    itimerspec soon{{0, 0}, {0, kInjectionRetry}}, off{};
    if (sys(SYS_timer_create, CLOCK_MONOTONIC, ptr(&event), ptr(&timer)) != 0) {
        resend(call.tid, sig, info);  // as before the call
        return call_as_program(call, uc, fs);
    }
    ts.injection = {sig, timer, ts.depth, false};
    sys(SYS_timer_settime, timer, 0, ptr(&soon), 0);
    long result = call_as_program(call, uc, fs);
    sys(SYS_timer_settime, timer, 0, ptr(&off), 0);
    // One the timer sent after the call returned is pending (every signal is
    // blocked here): taken, and others of the same number sent again.
    std::uint64_t set = 1ull << (sig - 1);
    timespec now{};
    siginfo_t got{};
    std::vector<siginfo_t> others;
    while (sys(SYS_rt_sigtimedwait, ptr(&set), ptr(&got), ptr(&now), 8) == sig)
        if (got.si_code != SI_TIMER || got.si_timerid != timer) others.push_back(got);
    sys(SYS_timer_delete, timer);
    bool came = ts.injection.came;
    ts.injection = {};
    for (const siginfo_t& other : others) resend(call.tid, sig, other);
    if (!came) resend(call.tid, sig, info);
    return result;
}

// A signal while the injection's timer runs: is it the injection, come where the
// call is in the kernel (or made again as the handler returns, which with
// SA_RESTART is the same as before the call)? Then it is shown as the injected
// signal. Come earlier, it is sent again a little later; not the timer's, it is
// any signal.
bool Runtime::injection_came(ThreadState& ts, int sig, siginfo_t& info, const ucontext_t* uc) {
    ThreadState::Injection& inj = ts.injection;
    if (sig != inj.sig || info.si_code != SI_TIMER || info.si_timerid != inj.timer) return true;
    auto ip = static_cast<std::uint64_t>(uc->uc_mcontext.gregs[REG_RIP]);
    auto done = reinterpret_cast<std::uint64_t>(&lstar_inproc_program_call_done);
    bool restarts = ip == done - 2 && (program_actions_[sig].flags & SA_RESTART);
    if (inj.came || ts.depth != inj.depth || (ip != done && !restarts)) {
        itimerspec soon{{0, 0}, {0, kInjectionRetry}};
        if (!inj.came) sys(SYS_timer_settime, inj.timer, 0, ptr(&soon), 0);
        return false;
    }
    inj.came = true;
    info = siginfo_t{};
    info.si_signo = sig;
    info.si_code = SI_KERNEL;
    return true;
}

// wait4 and waitid: a child that a signal killed is reported as strace reports it
// (`+++ killed by SIGxxx +++`) when its parent reaps it, before the wait's own line:
// a process that exits says so itself, one killed cannot. The kernel answers into
// lstar's buffer, since the program need not ask for the status, and the answer is
// then the program's, where it asked (an address that faults: EFAULT, the child
// reaped, as the kernel does it).
HandlerResult Runtime::wait_call(Task& task, bool waitid) {
    ThreadState& ts = stop_of(task);
    int answer_arg = waitid ? 2 : 1;  // waitid's siginfo, wait4's status
    std::uint64_t theirs = task.arg(answer_arg);
    union {
        int status;
        siginfo_t info;
    } ours{};
    SyscallState call = task;
    syscall_arg(call.regs, call.abi, answer_arg) = reinterpret_cast<std::uint64_t>(&ours);
    long result = call_as_program(call, ts.uc, *ts.fs);
    if (result < 0) return emulated(result);
    pid_t child = waitid ? ours.info.si_pid : static_cast<pid_t>(result);
    int status = 0;
    bool killed = false;
    if (waitid && child > 0 && !(task.arg(3) & WNOWAIT) && (ours.info.si_code == CLD_KILLED || ours.info.si_code == CLD_DUMPED)) {
        killed = true;
        status = ours.info.si_status | (ours.info.si_code == CLD_DUMPED ? WCOREFLAG : 0);
    } else if (!waitid && child > 0 && WIFSIGNALED(ours.status)) {
        killed = true;
        status = ours.status;
    }
    if (killed && args_.follow) {
        Task& gone = path_.tasks().add(child, child);
        path_.task_exit(gone, status);
        path_.tasks().remove(child);
        session_tasks().end_all(child);
    }
    std::size_t size = waitid ? sizeof ours.info : sizeof ours.status;
    if (theirs && copy_bytes_to_user(mem_, theirs, &ours, size) != 0) return emulated(-EFAULT);
    return emulated(result);
}

}  // namespace lstar::inproc
