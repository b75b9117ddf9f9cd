// The in-process runtime: the entry from SIGSYS, the common path of a call, the
// calls it answers itself, and the start of a runtime image.
#include "entry/inproc/exe_file.hpp"
#include "entry/inproc/exec_marks.hpp"
#include "entry/inproc/runtime.hpp"

#include <sys/ptrace.h>

// Shared with gadgets.S.
extern "C" {
unsigned char lstar_inproc_have_fsgsbase = 0;
std::uint64_t lstar_inproc_runtime_fs = 0;
void* lstar_inproc_report_page = nullptr;
int lstar_inproc_lock_word = 0;
unsigned char lstar_inproc_forked = 0;
unsigned char lstar_inproc_fs_self = 0;
int lstar_inproc_lifeline_fd = -1;
char lstar_inproc_lifeline_path[32];
std::uint64_t lstar_inproc_xsave_mask = 0;
std::uint64_t lstar_inproc_patch_frame_size = 0;
const std::uint64_t lstar_inproc_all_signals = ~0ull;
const std::uint32_t lstar_inproc_default_mxcsr = 0x1f80;  // all exceptions masked, round to nearest
}

// The lifeline (supervisor.cpp) in this process: a description of the pipe's read
// end of its own, owned by this process, that turns the supervisor's end into a
// SIGKILL. Also the fork child's first act (gadgets.S), with the program's thread
// pointer on the program's stack: raw calls only, no canary.
extern "C" __attribute__((no_stack_protector, target("general-regs-only"))) void lstar_inproc_claim_lifeline() {
    using lstar::inproc::sys;
    using lstar::inproc::ptr;
    int fd = lstar_inproc_lifeline_fd;
    if (fd < 0) return;
    long pid = sys(SYS_getpid);
    if (sys(SYS_fcntl, fd, F_GETOWN) != pid) {
        // The description a fork or an exec brought belongs to another process: this
        // one opens the pipe again. The lifeline sits above the soft limit, which is
        // raised for the moment it takes.
        rlimit old{}, raised{};
        bool raise = sys(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, ptr(&old)) == 0 && old.rlim_cur <= rlim_t(fd) + 1;
        if (raise) {
            raised = old;
            raised.rlim_cur = std::min<rlim_t>(old.rlim_max, rlim_t(fd) + 2);
            sys(SYS_prlimit64, 0, RLIMIT_NOFILE, ptr(&raised), 0);
        }
        long again = sys(SYS_openat, AT_FDCWD, ptr(lstar_inproc_lifeline_path), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (again >= 0) {
            sys(SYS_dup2, again, fd);
            sys(SYS_close, again);
        }
        if (raise) sys(SYS_prlimit64, 0, RLIMIT_NOFILE, ptr(&old), 0);
        sys(SYS_fcntl, fd, F_SETSIG, SIGKILL);
        sys(SYS_fcntl, fd, F_SETOWN, pid);
        sys(SYS_fcntl, fd, F_SETFL, O_ASYNC | O_NONBLOCK);
    }
    // Gone already, before the owner was set: nobody will send the signal.
    char byte;
    if (sys(SYS_read, fd, ptr(&byte), 1) == 0) sys(SYS_kill, pid, SIGKILL);
}

namespace lstar::inproc {

Runtime* g_runtime = nullptr;


ThreadState& Runtime::thread(pid_t tid) {
    if (Task* known = path_.tasks().find(tid)) return known->state<ThreadState>(kBackendSlot, *known);
    auto tgid = static_cast<pid_t>(sys(SYS_getpid));
    Task& task = path_.tasks().add(tid, tgid);
    ThreadState& ts = task.state<ThreadState>(kBackendSlot, task);
    // A new thread, or a vfork child borrowing this process's memory: on the
    // path with -f only, as under ptrace.
    ts.traced = traced_ && args_.follow;
    if (tgid != pid_) ts.sigsys_blocked = forking_sigsys_blocked_;  // the vfork child's mask is its parent's
    return ts;
}

std::uint64_t Runtime::on_sigsys(siginfo_t* info, ucontext_t* uc, std::uint64_t fs, bool trapped) {
    if (lstar_inproc_forked) after_fork();
    greg_t* g = uc->uc_mcontext.gregs;
    if (trapped && info->si_arch == AUDIT_ARCH_X86_64) {
        auto ip = static_cast<std::uint64_t>(g[REG_RIP]);
        auto nr = static_cast<std::uint32_t>(info->si_syscall);
        // Whether the process is alone is asked only of a site due: a getpid per trap is not free.
        if (sites.due(ip, nr)) sites.patch_at(ip, nr, live_threads_ == 1 && clones_in_flight_ == 0 && sys(SYS_getpid) == pid_);
    }
    pid_t tid = tid_of(fs);
    ThreadState& ts = thread(tid);
    suspend_current(ts);
    Task& task = ts.task;
    task.tid = tid;
    task.mem = &mem_;
    auto nr = static_cast<std::uint32_t>(info->si_syscall);
    task.abi = info->si_arch == AUDIT_ARCH_I386 ? Abi::i386 : (nr & kX32SyscallBit) ? Abi::x32 : Abi::x86_64;
    PtRegs& r = task.regs;
    r = PtRegs{};
    r.orig_ax = nr;
    r.ax = static_cast<std::uint64_t>(-ENOSYS);
    r.di = g[REG_RDI]; r.si = g[REG_RSI]; r.dx = g[REG_RDX]; r.r10 = g[REG_R10];
    r.r8 = g[REG_R8]; r.r9 = g[REG_R9]; r.bx = g[REG_RBX]; r.cx = g[REG_RCX]; r.bp = g[REG_RBP];
    r.ip = g[REG_RIP];
    r.sp = g[REG_RSP];
    r.cs = task.abi == Abi::i386 ? kUserCs32 : kUserCs64;
    task.enter_ns = monotonic_ns();
    task.enter_stime_ns = task.exit_stime_ns = 0;
    if (const RuntimeFlow* flow = calls_.flows.find(task.abi, nr)) return (*flow)(ts, uc, fs);
    return run_call(ts, uc, fs);
}

// The calling thread, by the program's thread pointer while each thread has one of
// its own (a gettid saved per call); asked of the kernel the first time, while a
// CLONE_VM child may still share its parent's (a vfork child among them), for a
// thread pointer no thread has set, and once one thread shares another's. Only
// without FSGSBASE, where a thread pointer changes through arch_prctl alone.
pid_t Runtime::tid_of(std::uint64_t fs) {
    bool usable = !lstar_inproc_have_fsgsbase && fs_per_thread_ && clones_in_flight_ == 0 && fs != 0 &&
                  fs != lstar_inproc_runtime_fs;
    if (usable)
        if (auto known = tid_by_fs_.find(fs); known != tid_by_fs_.end()) return known->second;
    auto tid = static_cast<pid_t>(sys(SYS_gettid));
    if (usable) tid_by_fs_[fs] = tid;
    return tid;
}

// A thread's thread pointer changes (arch_prctl) or the thread ends (fs 0).
void Runtime::forget_thread_pointer(pid_t tid, std::uint64_t next) {
    std::erase_if(tid_by_fs_, [&](const auto& entry) { return entry.second == tid; });
    if (next && tid_by_fs_.contains(next)) fs_per_thread_ = false;
}

Verdict Runtime::enter(ThreadState& ts) {
    if (ts.traced) return path_.syscall_enter(ts.task);
    ts.task.phase = SyscallPhase::entered;
    ts.task.skipped = false;
    return Verdict::proceed;
}

std::uint64_t Runtime::complete(ThreadState& ts, ucontext_t* uc, std::uint64_t fs, Verdict verdict,
                                const long* forced) {
    Task& task = ts.task;
    if (verdict == Verdict::kill) {
        flush_now();
        sys(SYS_kill, pid_, SIGKILL);
    }
    // -e inject=...:signal=SIG, with the si_code strace's has: pending during a call
    // that may wait for it (call_with_signal), else sent here, to come as the
    // program's mask is put back (just before the call runs, or as a skipped one
    // returns).
    const Handler* handler = verdict == Verdict::proceed && !forced ? calls_.handlers.find(task.abi, task.nr()) : nullptr;
    int pending_signal = std::exchange(task.resume_signal, 0);
    if (pending_signal && (verdict != Verdict::proceed || forced || handler || !signal_during_call(ts, pending_signal, uc))) {
        siginfo_t info{};
        info.si_signo = pending_signal;
        info.si_code = SI_KERNEL;
        resend(task.tid, pending_signal, info);
        pending_signal = 0;
    }
    if (verdict == Verdict::proceed) {
        long result;
        HandlerResult handled = kPassThrough;
        if (!forced) {
            if (handler) {
                ts.uc = uc;
                ts.fs = &fs;
                handled = (*handler)(task);
            }
        }
        if (forced) {
            result = *forced;
        } else if (!handled.pass_through) {
            result = handled.value;
        } else {
            // A call that may wait for long has its entry written first, as strace
            // shows "read(0, " while the program waits (or is killed there), and what
            // came before it. Not with -f once processes share the file: there its
            // lines are written whole.
            if (ts.traced && task.sc && (task.sc->effective().flags & kMayBlock))
                for (SessionOutput* out : outputs_)
                    if (!args_.follow || out->single_writer()) out->flush();
            if (args_.cpu_times) task.enter_stime_ns = thread_cpu_ns();
            result = pending_signal ? call_with_signal(ts, task, uc, fs, pending_signal) : call_as_program(task, uc, fs);
            if (args_.cpu_times) task.exit_stime_ns = thread_cpu_ns();
        }
        task.retval = result;
    }
    enter_made_again(ts);
    // A signal delivered as the call returned has had it reported already (on_signal).
    if (task.phase == SyscallPhase::entered) {
        task.exit_ns = monotonic_ns();
        if (ts.traced) path_.syscall_exit(task);
        // The path's translation made the call anew (a lost race): once more, as it now is.
        while (task.again) {
            task.retval = call_as_program(task, uc, fs);
            task.exit_ns = monotonic_ns();
            path_.syscall_exit(task);
        }
        task.phase = SyscallPhase::exited;
    }
    if (ts.held_now) drain_held(ts, uc);
    uc->uc_mcontext.gregs[REG_RAX] = task.retval;
    leave(ts);
    flush();
    unlock();
    return fs;
}

// A call a handler interrupted and the kernel made again (SA_RESTART), once the
// handler is over: a new call, as strace shows it (its enter work can only
// watch: the call is made already). Its result so far stays.
void Runtime::enter_made_again(ThreadState& ts) {
    Task& task = ts.task;
    if (!ts.made_again || ts.depth == 0 || task.phase != SyscallPhase::exited) return;
    ts.made_again = false;
    long result = task.retval;
    if (ts.traced) path_.syscall_enter(task);
    task.phase = SyscallPhase::entered;
    task.retval = result;
}

// The start of one handler invocation on the thread. A call from a signal handler
// that interrupted this thread's own call (which a siglongjmp may have left for
// good: the stack is bounded) sets that one aside until leave().
void Runtime::suspend_current(ThreadState& ts) {
    if (ts.depth++ == 0) return;
    if (ts.nested.size() == kMaxNesting) ts.nested.erase(ts.nested.begin());
    ts.nested.push_back(ts.task);
    if (ts.traced) path_.call_suspended(ts.task);
}

// The end of one handler invocation on the thread: the call it interrupted, if
// any, is the thread's current call again.
void Runtime::leave(ThreadState& ts) {
    if (--ts.depth > 0 && !ts.nested.empty()) {
        ts.task.call() = ts.nested.back();
        ts.nested.pop_back();
        if (ts.traced) path_.call_resumed(ts.task);
    }
    if (ts.depth < 0) ts.depth = 0;
}

// The call itself, made as the program would have made it: its signal mask,
// without the lock. The thread pointer stays lstar's: no call the runtime passes
// on reads it (arch_prctl's ARCH_GET_FS and ARCH_SET_FS are answered from the
// stop, the clone family has its trampoline), and swapping it costs two
// arch_prctl where the CPU lacks FSGSBASE. A handler of the program's that
// interrupts the call runs with the program's thread pointer (call_fs, which the
// signal entries in gadgets.S find there), and the entry puts lstar's back after it.
long Runtime::call_as_program(const SyscallState& task, ucontext_t* uc, std::uint64_t fs,
                              std::optional<std::uint64_t> with_mask) {
    std::uint64_t mask = with_mask.value_or(mask_of(uc) & ~kSigsysBit);
    long a[kMaxArgs];
    for (int i = 0; i < kMaxArgs; ++i) a[i] = static_cast<long>(task.arg(i));
    long nr = static_cast<long>(task.nr());
    bool i386 = task.abi == Abi::i386;
    // A call that cannot fail returns at once (getpid and friends): nothing can
    // interrupt it, so it needs neither the program's mask nor the lock released.
    if (!with_mask && !i386 && task.sc && (task.sc->effective().flags & kNeverFails))
        return lstar_inproc_program_call(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    ThreadState* ts = nullptr;
    if (Task* known = path_.tasks().find(task.tid)) ts = known->find_state<ThreadState>(kBackendSlot);
    // A signal whose default ignores it, sent while the call waits, is kept
    // pending and reported once the call is over (drain_held), where strace
    // shows it after a wait (lstar's handler standing in for the default would
    // interrupt the call: EINTR where natively nothing happens). So in the mask
    // the call waits with, if it names one.
    WaitMask wait_mask;
    if (ts && held_defaults() && !with_mask && task.sc && (task.sc->effective().flags & kMayBlock)) {
        ts->held_now = held_defaults() & ~mask;
        mask |= ts->held_now;
        if (task.sc->effective().flags & kWaitMask) hold_in_wait_mask(task, a, wait_mask);
    }
    if (ts) ts->call_fs = fs;
    enter_program_context(mask);
    long result = i386 ? lstar_inproc_int80(nr, a[0], a[1], a[2], a[3], a[4], a[5])
                       : lstar_inproc_program_call(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    leave_program_context();
    return result;
}

// ppoll, epoll_pwait (a sigset argument) and pselect6 (a {sigset, size} pack)
// wait with a mask of their own: the held defaults go into a copy of it. A NULL
// mask, or one the kernel would refuse, stays the program's.
void Runtime::hold_in_wait_mask(const SyscallState& call, long* args, WaitMask& held) {
    if (call.abi != Abi::x86_64) return;
    const EntryMeta& meta = call.sc->effective();
    for (int i = 0; i < meta.nargs; ++i) {
        const ArgMeta& arg = meta.args[i];
        bool pack = arg.kind == ArgKind::struct_in && arg.param == "sigset_argpack";
        if (arg.kind != ArgKind::sigset && !pack) continue;
        std::uint64_t where = call.arg(i), size = pack ? 0 : call.arg(arg.related);
        if (pack && (!where || copy_from_user(mem_, held.pack, UserPtr<decltype(held.pack)>(where)) != 0)) return;
        if (pack) where = held.pack.set, size = held.pack.size;
        if (!where || size != 8 || copy_from_user(mem_, held.set, UserPtr<std::uint64_t>(where)) != 0) return;
        held.set |= held_defaults();
        held.pack.set = reinterpret_cast<std::uint64_t>(&held.set);
        args[i] = reinterpret_cast<long>(pack ? static_cast<void*>(&held.pack) : static_cast<void*>(&held.set));
        return;
    }
}

// The program's own signals may come only once everything else is the
// program's: lstar's handler for them takes the lock.
void Runtime::enter_program_context(std::uint64_t mask) {
    unlock();
    sys(SYS_rt_sigprocmask, SIG_SETMASK, ptr(&mask), 0, 8);
}

void Runtime::leave_program_context() {
    sys(SYS_rt_sigprocmask, SIG_SETMASK, ptr(&kAllSignals), 0, 8);
    lock();
}

// The thread pointer a handler of the program's runs with: `interrupted` is the
// one in place where the signal came; lstar's means the runtime's call under way.
std::uint64_t Runtime::handler_fs(const ThreadState& ts, std::uint64_t interrupted) const {
    return interrupted == lstar_inproc_runtime_fs ? ts.call_fs : interrupted;
}

// readlink and readlinkat of /proc/self/exe: the program's file, not lstar's.
HandlerResult Runtime::readlink_exe(Task& task, int path_arg) {
    std::string p;
    if (strncpy_from_user(mem_, p, UserPtr<const char>(task.arg(path_arg)), PATH_MAX) < 0) return kPassThrough;
    if (p != "/proc/self/exe" && p != "/proc/thread-self/exe" && p != fmt::format("/proc/{}/exe", pid_))
        return kPassThrough;
    std::size_t n = std::min<std::size_t>(exe_path.size(), task.arg(path_arg + 2));
    if (copy_bytes_to_user(mem_, task.arg(path_arg + 1), exe_path.data(), n) != 0) return emulated(-EFAULT);
    return emulated(static_cast<long>(n));
}

// rseq: the area is recorded, so that an in-process exec can unregister it first.
HandlerResult Runtime::rseq_call(Task& task) {
    ThreadState& ts = stop_of(task);
    long result = call_as_program(task, ts.uc, *ts.fs);
    if (result == 0)
        ts.rseq = (task.arg(2) & 1 /* RSEQ_FLAG_UNREGISTER */) ? Rseq{} : Rseq{task.arg(0), task.arg(1), task.arg(3)};
    return emulated(result);
}

// Strict mode, which the kernel refuses over a filter, as a filter of its own
// (trap_filter.cpp); its traps kill the process (lstar_inproc_on_sigsys).
long Runtime::enter_strict_mode() {
    TrapFilterSpec spec;
    spec.text_begin = reinterpret_cast<std::uint64_t>(__executable_start);
    spec.text_end = reinterpret_cast<std::uint64_t>(etext);
    std::vector<sock_filter> filter = build_strict_filter(spec);
    sock_fprog prog{static_cast<unsigned short>(filter.size()), filter.data()};
    return sys(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, ptr(&prog));
}

// ptrace by the program. A traced task cannot run as the kernel runs it here (no
// process leaves the trap filter: its tracer sees the runtime's calls and a
// SIGSYS per trapped call), so lstar says so, once per task, when it becomes one.
HandlerResult Runtime::ptrace_call(Task& task) {
    ThreadState& ts = stop_of(task);
    long request = static_cast<long>(task.arg(0));
    long result = call_as_program(task, ts.uc, *ts.fs);
    pid_t who = request == PTRACE_TRACEME ? task.tid : static_cast<pid_t>(task.arg(1));
    if (result == 0 && (request == PTRACE_TRACEME || request == PTRACE_ATTACH || request == PTRACE_SEIZE))
        warn(fmt::format("pid {} is traced by {}: the in-process backend cannot step aside for its tracer, which sees "
                         "lstar's runtime; trace this program with --backend=ptrace (which --backend=auto takes for a "
                         "dynamic tracer)",
                         who, request == PTRACE_TRACEME ? fmt::format("its parent") : fmt::format("pid {}", task.tid)));
    return emulated(result);
}

// The program sees its own seccomp filters, not lstar's trap filter.
HandlerResult Runtime::prctl_seccomp(Task& task) {
    if (task.arg(0) == PR_GET_SECCOMP) return emulated(args_.own_seccomp ? SECCOMP_MODE_FILTER : 0);
    if (task.arg(0) != PR_SET_SECCOMP) return kPassThrough;
    if (task.arg(1) == SECCOMP_MODE_STRICT) return emulated(enter_strict_mode());
    ThreadState& ts = stop_of(task);
    long result = call_as_program(task, ts.uc, *ts.fs);
    if (result >= 0) args_.own_seccomp = true;
    return emulated(result);
}

HandlerResult Runtime::seccomp_call(Task& task) {
    if (task.arg(0) == SECCOMP_SET_MODE_STRICT)
        return emulated(task.arg(1) || task.arg(2) ? -EINVAL : enter_strict_mode());
    ThreadState& ts = stop_of(task);
    long result = call_as_program(task, ts.uc, *ts.fs);
    if (result >= 0 && task.arg(0) <= SECCOMP_SET_MODE_FILTER) args_.own_seccomp = true;
    return emulated(result);
}

// The program's thread pointer is the one the runtime swaps back in on return.
HandlerResult Runtime::arch_prctl_fs(Task& task) {
    ThreadState& ts = stop_of(task);
    if (task.arg(0) == ARCH_SET_FS) {
        // The only thread: no other, none being made, not a vfork child in its parent's memory.
        note_thread_pointer(task.arg(1), live_threads_ == 1 && clones_in_flight_ == 0 && sys(SYS_getpid) == pid_);
        forget_thread_pointer(task.tid, task.arg(1));
        return *ts.fs = task.arg(1), emulated(0);
    }
    if (task.arg(0) == ARCH_GET_FS)
        return emulated(copy_to_user(mem_, UserPtr<std::uint64_t>(task.arg(1)), *ts.fs) ? -EFAULT : 0);
    return kPassThrough;
}

// A thread pointer the program sets (arch_prctl, clone's CLONE_SETTLS): while
// every one in use is the x86-64 TLS ABI's, whose first word points at itself,
// the SIGSYS entry reads the program's from there (gadgets.S). One that is not
// ends that for this program image; `only` says it is now the process's only one.
void Runtime::note_thread_pointer(std::uint64_t tp, bool only) {
    std::uint64_t first = 0;
    bool self = tp && copy_from_user(mem_, first, UserPtr<std::uint64_t>(tp)) == 0 && first == tp;
    if (!self) lstar_inproc_fs_self = 0;
    else if (only) lstar_inproc_fs_self = 1;
}

// exit and exit_group do not return: the task's end is reported now, and the
// thread forgotten (exit) or the image ended (exit_group, or the last thread).
HandlerResult Runtime::exit_call(Task& task, bool group) {
    ThreadState& ts = stop_of(task);
    auto self = static_cast<pid_t>(sys(SYS_getpid));  // a vfork child, in its parent's memory, differs
    bool process_ends = group || live_threads_ == 1;
    // A leader that leaves before its threads stays a zombie until the process
    // ends, and its end is the process's: strace shows its exit unfinished, and
    // resumed, with the process's status, after the last thread's.
    bool leader_waits = !process_ends && task.tid == pid_ && self == pid_;
    int status = W_EXITCODE(static_cast<int>(task.arg(0)) & 0xff, 0);
    if (process_ends) end_image();
    if (ts.traced && !leader_waits) path_.task_exit(task, status);
    Task* leader = process_ends && leader_left_ && self == pid_ ? path_.tasks().find(pid_) : nullptr;
    if (leader && leader->find_state<ThreadState>(kBackendSlot)->traced) path_.task_exit(*leader, status);
    if (args_.follow && !leader_waits) {
        // The session's count loses this thread, or every thread of this process
        // (with the leader that waited for them).
        long ended = group && self == pid_ ? live_threads_ : 1;
        session_tasks().end(self, ended + (leader ? 1 : 0));
    }
    flush_now();
    if (group) return kPassThrough;
    --live_threads_;
    ucontext_t* uc = ts.uc;
    std::uint64_t fs = *ts.fs;
    SyscallState last = task;
    forget_thread_pointer(last.tid, 0);
    if (leader_waits) leader_left_ = true;  // its task stays, for that last report
    else path_.tasks().remove(last.tid);
    call_as_program(last, uc, fs);
    __builtin_unreachable();
}

// close_range around lstar's descriptors.
long Runtime::close_range(const Task& task) {
    auto first = static_cast<unsigned>(task.arg(0)), last = static_cast<unsigned>(task.arg(1));
    long flags = static_cast<long>(task.arg(2));
    if (first > last) return -EINVAL;
    long result = 0;
    unsigned from = first;
    std::vector<unsigned> cuts;
    for (int fd : args_.reserved_fds())
        if (fd >= 0 && static_cast<unsigned>(fd) >= first && static_cast<unsigned>(fd) <= last) cuts.push_back(fd);
    std::sort(cuts.begin(), cuts.end());
    for (unsigned cut : cuts) {
        if (cut > from) result = result ? result : sys(SYS_close_range, from, cut - 1, flags);
        from = cut + 1;
    }
    if (from <= last && from != 0) result = result ? result : sys(SYS_close_range, from, last, flags);
    return result;
}

}  // namespace lstar::inproc

extern "C" SignalRoute lstar_inproc_on_sigsys(siginfo_t* info, ucontext_t* uc, std::uint64_t program_fs) {
    using namespace lstar::inproc;
    if (!g_runtime) return {0, program_fs};
    // The filter's trap, or the program's own SIGSYS (sent to it, or a trap of its own filter).
    auto data = static_cast<std::uint32_t>(info->si_errno);
    if (info->si_code != 1 /* SYS_SECCOMP */ || (data != kTrapData && data != kStrictTrapData))
        return g_runtime->program_sigsys(*info, uc, program_fs);
    if (data == kStrictTrapData) {  // a call strict mode does not allow
        g_runtime->flush_now();
        sys(SYS_kill, sys(SYS_getpid), SIGKILL);
    }
    if (info->si_arch == AUDIT_ARCH_X86_64 && static_cast<std::uint32_t>(info->si_syscall) == kCloneReportNr)
        return {0, g_runtime->finish_clone(uc, program_fs)};
    lock();
    return {0, g_runtime->on_sigsys(info, uc, program_fs)};
}

// A patched site's call, with what its SIGSYS would have given.
extern "C" std::uint64_t lstar_inproc_on_patched(ucontext_t* uc, std::uint64_t program_fs) {
    using namespace lstar::inproc;
    siginfo_t info{};
    info.si_signo = SIGSYS;
    info.si_code = 1;  // SYS_SECCOMP
    info.si_errno = static_cast<int>(kTrapData);
    info.si_call_addr = reinterpret_cast<void*>(uc->uc_mcontext.gregs[REG_RIP]);
    info.si_syscall = static_cast<int>(uc->uc_mcontext.gregs[REG_RAX]);
    info.si_arch = AUDIT_ARCH_X86_64;
    lock();
    return g_runtime->on_sigsys(&info, uc, program_fs, false);
}

extern "C" void lstar_inproc_after_sigsys(ucontext_t* uc) {
    using namespace lstar::inproc;
    std::uint64_t mask = 0;
    sys(SYS_rt_sigprocmask, SIG_BLOCK, ptr(&kAllSignals), ptr(&mask), 8);
    lock();
    g_runtime->after_program_sigsys();
    if (lstar_inproc_shows_sigreturn) g_runtime->report_sigreturn(uc);  // unlocks
    else unlock();
    sys(SYS_rt_sigprocmask, SIG_SETMASK, ptr(&mask), 0, 8);
}

extern "C" void lstar_inproc_after_signal(ucontext_t* uc) {
    using namespace lstar::inproc;
    if (!g_runtime) return;
    std::uint64_t mask = 0;
    sys(SYS_rt_sigprocmask, SIG_BLOCK, ptr(&kAllSignals), ptr(&mask), 8);
    lock();
    g_runtime->report_sigreturn(uc);  // unlocks
    sys(SYS_rt_sigprocmask, SIG_SETMASK, ptr(&mask), 0, 8);
}

extern "C" SignalRoute lstar_inproc_on_signal(int sig, siginfo_t* info, ucontext_t* uc, std::uint64_t program_fs) {
    using namespace lstar::inproc;
    if (!g_runtime) return {0, program_fs};
    // Another of the program's signals must not come while the lock is held.
    std::uint64_t mask = 0;
    sys(SYS_rt_sigprocmask, SIG_BLOCK, ptr(&kAllSignals), ptr(&mask), 8);
    lock();
    SignalRoute route = g_runtime->on_signal(sig, *info, uc, program_fs);
    unlock();
    sys(SYS_rt_sigprocmask, SIG_SETMASK, ptr(&mask), 0, 8);
    return route;
}

namespace lstar::inproc {

Error run_image(SyscallPath& path, std::span<SessionOutput* const> outputs, const ImageView& view) {
    const ImageArgs& args = *image_args();
    // Without FSGSBASE (or with LSTAR_INPROC_NO_FSGSBASE set, to exercise that path)
    // the thread pointer is swapped with arch_prctl.
    lstar_inproc_have_fsgsbase = (::getauxval(AT_HWCAP2) & 2) != 0 &&  // HWCAP2_FSGSBASE
                                 !::getenv("LSTAR_INPROC_NO_FSGSBASE");
    lstar_inproc_runtime_fs = get_fs();
    if (args.lifeline_fd >= 0) {
        fmt::format_to_n(lstar_inproc_lifeline_path, sizeof lstar_inproc_lifeline_path - 1, "/proc/self/fd/{}",
                         args.lifeline_fd);
        lstar_inproc_lifeline_fd = args.lifeline_fd;
        lstar_inproc_claim_lifeline();
    }

    // The page the clone trampoline's parent traps from: outside lstar's text.
    void* page = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) return error(fmt::format("cannot map the clone trampoline's page: {}", std::strerror(errno)), errno);
    static constexpr unsigned char kTrap[] = {0x0f, 0x05, 0x0f, 0x0b};  // syscall; ud2
    std::memcpy(page, kTrap, sizeof kTrap);
    ::mprotect(page, 4096, PROT_READ | PROT_EXEC);
    lstar_inproc_report_page = page;

    std::vector<std::string> envp;
    for (char** e = environ; *e; ++e) envp.emplace_back(*e);
    set_exec_names(view.exec_path);
    bool own_image_copied = remap_own_image();
    keep_image_mapped_at_fork();
    Result<LoadedProgram> loaded = load_program(view.exec_path ? args.shown_path : args.load_path, args.argv, envp, args.load_path);
    if (!loaded) return loaded.error();
    const LoadedProgram& program = *loaded;

    auto* runtime = new Runtime(path, outputs, args);
    runtime->image_view = view;
    runtime->apply_image_view(program);
    // The program's heap starts on a page, as after a kernel exec.
    auto brk_now = static_cast<std::uint64_t>(sys(SYS_brk, 0));
    runtime->runtime_brk = static_cast<std::uint64_t>(sys(SYS_brk, static_cast<long>((brk_now + 4095) & ~4095ull)));
    void* exec_stack = ::mmap(nullptr, kExecStackSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (exec_stack != MAP_FAILED) runtime->exec_stack_top = static_cast<char*>(exec_stack) + kExecStackSize;
    char resolved[PATH_MAX];
    runtime->exe_path = ::realpath(program.path.c_str(), resolved) ? resolved : program.path;
    show_program_to_kernel(program, own_image_copied);
    pid_t pid = static_cast<pid_t>(sys(SYS_getpid));
    runtime->add_main_thread(pid);
    exec_marks().mark(pid);  // the first image too is an exec, where the supervisor made none
    runtime->configure_sites();
    g_runtime = runtime;
    runtime->watch_default_signals();

    KernelSigaction action{reinterpret_cast<std::uint64_t>(&lstar_inproc_sigsys_entry),
                           SA_SIGINFO | kSaRestorer,
                           reinterpret_cast<std::uint64_t>(&lstar_inproc_restorer), kAllSignals};
    if (long rc = sys(SYS_rt_sigaction, SIGSYS, ptr(&action), 0, 8); rc < 0)
        return error(fmt::format("cannot install the SIGSYS entry: rt_sigaction: {}", std::strerror(static_cast<int>(-rc))),
                     static_cast<int>(-rc));
    std::uint64_t sigsys = kSigsysBit;
    sys(SYS_rt_sigprocmask, SIG_UNBLOCK, ptr(&sigsys), 0, 8);

    // What ps and top show: the program's name, not lstar's.
    std::string name = program.path.substr(program.path.rfind('/') + 1);
    ::prctl(PR_SET_NAME, name.c_str(), 0, 0, 0);

    runtime->report_exec(args, envp);
    start_program(program);
}

}  // namespace lstar::inproc
