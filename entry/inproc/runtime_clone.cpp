// The in-process runtime: the clone family (through the trampoline) and the
// first call of a fork child.
#include "entry/inproc/runtime.hpp"

namespace lstar::inproc {

// The first call of a fork child: it holds a copy of the parent's state.
void Runtime::after_fork() {
    if (lstar_allocator_forked) lstar_allocator_forked();
    lstar_inproc_forked = 0;
    pid_ = static_cast<pid_t>(sys(SYS_getpid));
    mem_.pid = pid_;
    traced_ = traced_ && args_.follow;
    live_threads_ = 1;
    leader_left_ = false;
    clones_in_flight_ = 0;
    tid_by_fs_.clear();
    // The parent's tasks are the parent's: this process starts with its one thread.
    path_.tasks().clear();
    for (CloneTicket* t : tickets_) t->in_use = false;
    purge_outputs();
    ThreadState& self = thread(pid_);
    self.traced = traced_;
    self.rseq = forking_rseq_;
    self.sigsys_blocked = forking_sigsys_blocked_;
    path_.process_copied(self.task);
}

CloneTicket* Runtime::take_ticket() {
    for (CloneTicket* t : tickets_) {
        if (t->in_use && t->awaiting_child && t->done) t->in_use = false;
        if (!t->in_use) return t;
    }
    return tickets_.emplace_back(new CloneTicket);
}

// The clone family goes through the trampoline (gadgets.S): the kernel copies the
// program's registers and stack pointer, never lstar's handler frames, and the
// child resumes the program directly.
std::uint64_t Runtime::clone(ThreadState& ts, ucontext_t* uc, std::uint64_t fs, std::uint64_t flags) {
    Task& task = ts.task;
    // A new process writes the trace too: from here on each writes whole lines.
    if (!(flags & CLONE_THREAD))
        for (SessionOutput* out : outputs_) out->shared_by_processes();
    Verdict verdict = enter(ts);
    if (verdict != Verdict::proceed) return complete(ts, uc, fs, verdict);
    greg_t* g = uc->uc_mcontext.gregs;
    if (flags & CLONE_SETTLS) {
        // clone's tls is its fifth argument, clone3's in clone_args (after eight u64).
        std::uint64_t tls = task.arg(4);
        if (task.nr() == nr64::clone3 && copy_from_user(mem_, tls, UserPtr<std::uint64_t>(task.arg(0) + 56)) != 0) tls = 0;
        note_thread_pointer(tls, false);
        if (tid_by_fs_.contains(tls)) fs_per_thread_ = false;  // a thread has it already
    } else if ((flags & CLONE_VM) && !(flags & CLONE_VFORK)) {
        fs_per_thread_ = false;  // the child shares this thread's (a vfork child only while clones_in_flight_)
    }
    CloneTicket* t = take_ticket();
    t->in_use = true;
    t->awaiting_child = false;
    t->done = 0;
    t->ret_ip = g[REG_RIP];
    t->r9 = g[REG_R9];
    t->mask = mask_of(uc) & ~kSigsysBit;
    t->fork = !(flags & CLONE_VM);
    t->flags = flags;
    if (!(flags & CLONE_THREAD)) forking_sigsys_blocked_ = ts.sigsys_blocked;
    if (t->fork) forking_rseq_ = ts.rseq;
    else ++clones_in_flight_;
    if (args_.follow) session_tasks().expect(1);  // before its first line
    if (task.args_changed) {
        g[REG_RDI] = task.regs.di; g[REG_RSI] = task.regs.si; g[REG_RDX] = task.regs.dx;
        g[REG_R10] = task.regs.r10; g[REG_R8] = task.regs.r8;
    }
    g[REG_RAX] = static_cast<greg_t>(task.nr());
    g[REG_R9] = reinterpret_cast<greg_t>(t);
    g[REG_RIP] = reinterpret_cast<greg_t>(&lstar_inproc_clone_trampoline);
    mask_of(uc) = kAllSignals & ~kSigsysBit;  // the report is a trap: SIGSYS must get through
    ts.clone_call = task;
    // A vfork parent sleeps while its child borrows its memory, the trace's buffer
    // among it: with -f the child's lines come in between, so the parent's line is
    // left unfinished now and resumed when vfork returns, as strace shows it.
    if (ts.traced && args_.follow && (flags & CLONE_VFORK)) path_.call_suspended(task);
    leave(ts);
    // A fork child gets a copy of the lock: it must be held by the forking thread,
    // not by another thread in the middle of its own call. A CLONE_VM child shares
    // it, and a vfork parent sleeps in the kernel until the child has exec'd.
    if (!t->fork) unlock();
    return fs;
}

// The trampoline's parent reports clone's result (rax = kCloneReportNr, r9 = ticket).
std::uint64_t Runtime::finish_clone(ucontext_t* uc, std::uint64_t fs) {
    greg_t* g = uc->uc_mcontext.gregs;
    auto* t = reinterpret_cast<CloneTicket*>(g[REG_R9]);
    if (!t->fork) {
        lock();
        --clones_in_flight_;
    }
    pid_t tid = static_cast<pid_t>(sys(SYS_gettid));
    ThreadState& ts = thread(tid);
    if (args_.follow) {
        if (t->result > 0) session_tasks().settle((t->flags & CLONE_THREAD) ? pid_ : static_cast<pid_t>(t->result), 1);
        else session_tasks().expect(-1);
    }
    if (t->result > 0 && (t->flags & CLONE_THREAD)) {
        ++live_threads_;
        thread(static_cast<pid_t>(t->result)).sigsys_blocked = ts.sigsys_blocked;  // the mask it inherits
    }
    // The clone's exit is the thread's, whatever its signal handlers did between.
    Task& task = ts.task;
    SyscallState current = task;
    bool interrupted = current.calls != ts.clone_call.calls;
    task.call() = ts.clone_call;
    task.retval = t->result;
    task.exit_ns = monotonic_ns();
    if (ts.traced && args_.follow && (t->flags & CLONE_VFORK)) path_.call_resumed(task);
    if (t->result > 0 && ts.traced && args_.follow) {
        auto child_tid = static_cast<pid_t>(t->result);
        bool thread = t->flags & CLONE_THREAD;
        Task& child = path_.tasks().add(child_tid, thread ? pid_ : child_tid);
        child.abi = Abi::x86_64;
        path_.new_task(child, &task);
        // A child process runs its own path: its task is not this process's.
        if (!thread) path_.tasks().remove(child_tid);
    }
    if (ts.traced) path_.syscall_exit(task);
    task.phase = SyscallPhase::exited;
    if (interrupted) task.call() = current;
    g[REG_RIP] = static_cast<greg_t>(t->ret_ip);
    g[REG_R9] = static_cast<greg_t>(t->r9);
    g[REG_RAX] = task.retval;
    mask_of(uc) = t->mask;
    if (t->fork || t->result <= 0) t->in_use = false;
    else t->awaiting_child = true;
    flush();
    unlock();
    return fs;
}

}  // namespace lstar::inproc
