// The in-process runtime: the SIGSYS entry and what it does for each trapped
// call. It runs on the calling thread's stack, with every signal blocked and
// lstar's own thread pointer (gadgets.S swaps fs), under one lock per process:
// the path, the tracer and lstar's libc are shared by all the program's
// threads. The real call is made with the program's signal mask and thread
// pointer and without the lock, so that it may block, be interrupted by the
// program's own signal handlers (which may make calls of their own) or be
// left by a siglongjmp.
#include <asm/prctl.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <dirent.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "entry/inproc/inproc.hpp"
#include "entry/inproc/loader.hpp"
#include "entry/inproc/trap_filter.hpp"
#include "table/syscall_nr.hpp"

extern "C" {
long lstar_inproc_syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
long lstar_inproc_int80(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
void lstar_inproc_restorer();
void lstar_inproc_sigsys_entry(int, siginfo_t*, void*);
void lstar_inproc_signal_entry(int, siginfo_t*, void*);
void lstar_inproc_clone_trampoline();
void lstar_inproc_call_on_stack(void* top, void (*fn)(void*), void* arg);
extern char lstar_inproc_syscall_done[];  // just after the syscall (int $0x80) of the raw calls
extern char lstar_inproc_int80_done[];
// The allocator's mappings (allocator.cpp, linked into the lstar binary only).
int lstar_allocator_regions(std::uintptr_t* out, int max) __attribute__((weak));
extern char __executable_start[];
extern char _end[];
std::uint64_t lstar_inproc_on_sigsys(siginfo_t* info, ucontext_t* uc, std::uint64_t program_fs);
struct SignalRoute {
    std::uint64_t handler;  // the program's handler to run, 0 for none
    std::uint64_t fs;       // the program's thread pointer
};
SignalRoute lstar_inproc_on_signal(int sig, siginfo_t* info, ucontext_t* uc, std::uint64_t program_fs);

// Shared with gadgets.S.
unsigned char lstar_inproc_have_fsgsbase = 0;
std::uint64_t lstar_inproc_runtime_fs = 0;
void* lstar_inproc_report_page = nullptr;
int lstar_inproc_lock_word = 0;
unsigned char lstar_inproc_forked = 0;
}

namespace lstar::inproc {

namespace {

namespace nr64 = lstar::nr::x86_64;

// What the clone trampoline needs (layout shared with gadgets.S).
struct CloneTicket {
    std::uint64_t ret_ip;           // where the program made the call
    std::uint64_t r9;               // the program's r9 (the trampoline's ticket register)
    std::int64_t result;            // clone's result, for the parent's report
    std::uint64_t rdi, rsi, rdx, r10;  // the child's scratch
    std::uint64_t mask;             // the program's signal mask, restored in the child
    std::uint8_t fork;              // no CLONE_VM: the child has its own copy of everything
    volatile std::uint8_t done;     // the child has read the ticket
    // lstar's own.
    bool in_use = false;
    bool awaiting_child = false;    // CLONE_VM child that may not have read it yet
    std::uint64_t flags = 0;
};
static_assert(offsetof(CloneTicket, r9) == 8 && offsetof(CloneTicket, result) == 16 &&
              offsetof(CloneTicket, rdi) == 24 && offsetof(CloneTicket, r10) == 48 &&
              offsetof(CloneTicket, mask) == 56 && offsetof(CloneTicket, fork) == 64 &&
              offsetof(CloneTicket, done) == 65, "gadgets.S reads the ticket at these offsets");

constexpr std::uint64_t kSigsysBit = 1ull << (SIGSYS - 1);
constexpr std::uint64_t kUnblockable = (1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1));
constexpr std::uint64_t kAllSignals = ~0ull;
constexpr std::size_t kExecStackSize = 256 * 1024;
constexpr std::size_t kMaxNesting = 8;

long sys(long nr, long a1 = 0, long a2 = 0, long a3 = 0, long a4 = 0, long a5 = 0, long a6 = 0) {
    return lstar_inproc_syscall(nr, a1, a2, a3, a4, a5, a6);
}
long ptr(const void* p) { return reinterpret_cast<long>(p); }

void set_fs(std::uint64_t value) {
    if (lstar_inproc_have_fsgsbase) asm volatile("wrfsbase %0" ::"r"(value) : "memory");
    else sys(SYS_arch_prctl, ARCH_SET_FS, static_cast<long>(value));
}
std::uint64_t get_fs() {
    std::uint64_t value = 0;
    if (lstar_inproc_have_fsgsbase) asm volatile("rdfsbase %0" : "=r"(value));
    else sys(SYS_arch_prctl, ARCH_GET_FS, ptr(&value));
    return value;
}

void lock() {
    for (int spins = 0; __atomic_exchange_n(&lstar_inproc_lock_word, 1, __ATOMIC_ACQUIRE); ++spins)
        if (spins > 64) sys(SYS_sched_yield);
        else __builtin_ia32_pause();
}
void unlock() { __atomic_store_n(&lstar_inproc_lock_word, 0, __ATOMIC_RELEASE); }

std::uint64_t monotonic_ns() {
    timespec ts;
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

std::uint64_t& mask_of(ucontext_t* uc) { return *reinterpret_cast<std::uint64_t*>(&uc->uc_sigmask); }

// The process's own memory, reached as the kernel would: an unmapped address is
// -EFAULT, not a crash in lstar.
class SelfMemory final : public UserMemory {
public:
    pid_t pid = 0;
    long read(std::uint64_t addr, void* dst, std::size_t len) override {
        iovec local{dst, len}, remote{reinterpret_cast<void*>(addr), len};
        return sys(SYS_process_vm_readv, pid, ptr(&local), 1, ptr(&remote), 1, 0);
    }
    long write(std::uint64_t addr, const void* src, std::size_t len) override {
        iovec local{const_cast<void*>(src), len}, remote{reinterpret_cast<void*>(addr), len};
        return sys(SYS_process_vm_writev, pid, ptr(&local), 1, ptr(&remote), 1, 0);
    }
    long read_string(std::uint64_t addr, char* dst, std::size_t max) override {
        std::size_t done = 0;
        while (done < max) {
            std::size_t chunk = std::min<std::size_t>(max - done, 4096 - ((addr + done) & 4095));
            long n = read(addr + done, dst + done, chunk);
            if (n <= 0) return done ? static_cast<long>(done) : -EFAULT;
            if (void* nul = std::memchr(dst + done, 0, static_cast<std::size_t>(n)))
                return static_cast<long>(done + (static_cast<char*>(nul) - (dst + done)));
            done += static_cast<std::size_t>(n);
            if (static_cast<std::size_t>(n) < chunk) return static_cast<long>(done);
        }
        return static_cast<long>(max);
    }
};

// A thread's rseq area, as the program registered it.
struct Rseq {
    std::uint64_t addr = 0, len = 0, sig = 0;
};

struct ThreadState {
    Task task;
    bool traced = true;
    Rseq rseq;  // unregistered before an in-process exec unmaps it (the kernel would fault writing it)
    std::vector<Task> nested;  // calls under way below a signal handler's call on this thread
    int depth = 0;             // handler invocations under way on this thread (a siglongjmp
                               // out of a program's signal handler leaves one behind for good)
    Task clone_task;           // a clone between its trap and its trampoline's report
};

struct KernelSigaction {
    std::uint64_t handler, flags, restorer, mask;
};

class Runtime {
public:
    Runtime(SyscallPath& path, TraceOutput* out, const ImageArgs& args) : path_(path), out_(out), args_(args) {
        pid_ = static_cast<pid_t>(sys(SYS_getpid));
        mem_.pid = pid_;
        traced_ = args.traced;
    }

    std::uint64_t on_sigsys(siginfo_t* info, ucontext_t* uc, std::uint64_t fs);
    std::uint64_t finish_clone(ucontext_t* uc, std::uint64_t fs);
    std::uint64_t on_signal(int sig, const siginfo_t& info, ucontext_t* uc);
    void add_main_thread(pid_t tid) { threads_[tid].traced = traced_; }
    void report_exec(const ImageArgs& args, const std::vector<std::string>& envp);
    std::string exe_path;
    void* exec_stack_top = nullptr;    // where an in-process exec runs
    std::uint64_t runtime_brk = 0;     // the break before the program's heap

private:
    // exec without the kernel: replace the program in this process (see exec()).
    bool can_exec_in_process();
    [[noreturn]] void exec_in_process();
    static void exec_in_process_entry(void* runtime) { static_cast<Runtime*>(runtime)->exec_in_process(); }
    void unmap_program();
    struct PendingExec {
        ImageArgs args;
        std::vector<std::string> envp;
        std::uint64_t mask = 0;
    } pending_;

    ThreadState& thread(pid_t tid);
    void after_fork();
    // Enter work, then complete(): the call (or its emulation, or `forced`), exit work.
    std::uint64_t run_call(ThreadState& ts, ucontext_t* uc, std::uint64_t fs, const long* forced = nullptr) {
        return complete(ts, uc, fs, enter(ts), forced);
    }
    Verdict enter(ThreadState& ts);
    std::uint64_t complete(ThreadState& ts, ucontext_t* uc, std::uint64_t fs, Verdict verdict,
                           const long* forced = nullptr);
    void leave(ThreadState& ts);
    long call_as_program(const Task& task, ucontext_t* uc, std::uint64_t fs);
    void enter_program_context(std::uint64_t fs, std::uint64_t mask);
    void leave_program_context();
    bool emulate(Task& task, ucontext_t* uc, std::uint64_t* fs, long* result);
    long close_range(const Task& task);
    std::uint64_t exec(ThreadState& ts, ucontext_t* uc, std::uint64_t fs);
    std::uint64_t clone(ThreadState& ts, ucontext_t* uc, std::uint64_t fs);
    CloneTicket* take_ticket();
    bool reserved(long fd) const { return fd == args_.trace_fd || fd == args_.message_fd; }
    void flush() {
        if (out_ && out_->pending()) out_->flush();
    }
    void warn(const std::string& text) {
        std::string line = (text.rfind("lstar: ", 0) == 0 ? "" : "lstar: ") + text + "\n";
        sys(SYS_write, args_.message_fd, ptr(line.data()), static_cast<long>(line.size()));
    }

    SyscallPath& path_;
    TraceOutput* out_;
    ImageArgs args_;
    pid_t pid_;
    bool traced_;
    SelfMemory mem_;
    std::unordered_map<pid_t, ThreadState> threads_;
    std::vector<CloneTicket*> tickets_;
    KernelSigaction sigsys_action_{};  // the program's SIGSYS disposition, as it believes it is
    Rseq forking_rseq_;                // the forking thread's rseq area, which a fork child inherits
    std::uint64_t handled_signals_ = 0;  // signals the program set a handler for (bit signo-1)
    KernelSigaction program_actions_[65] = {};  // those handlers, as the program set them
    int live_threads_ = 1;             // the program's threads (clone and exit are always trapped)
    int clones_in_flight_ = 0;         // CLONE_VM clones between the trap and the parent's report
};

Runtime* g_runtime = nullptr;

ThreadState& Runtime::thread(pid_t tid) {
    auto it = threads_.find(tid);
    if (it != threads_.end()) return it->second;
    ThreadState& ts = threads_[tid];
    // A new thread, or a vfork child borrowing this process's memory: on the
    // path with -f only, as under ptrace.
    ts.traced = traced_ && args_.follow;
    ts.task.tid = tid;
    ts.task.tgid = static_cast<pid_t>(sys(SYS_getpid));
    return ts;
}

// The first call of a fork child: it holds a copy of the parent's state.
void Runtime::after_fork() {
    lstar_inproc_forked = 0;
    pid_ = static_cast<pid_t>(sys(SYS_getpid));
    mem_.pid = pid_;
    traced_ = traced_ && args_.follow;
    live_threads_ = 1;
    clones_in_flight_ = 0;
    threads_.clear();
    for (CloneTicket* t : tickets_) t->in_use = false;
    if (out_) out_->purge();
    ThreadState& self = threads_[pid_];
    self.traced = traced_;
    self.rseq = forking_rseq_;
    self.task.tid = self.task.tgid = pid_;
    path_.process_copied(self.task);
}

std::uint64_t Runtime::on_sigsys(siginfo_t* info, ucontext_t* uc, std::uint64_t fs) {
    if (lstar_inproc_forked) after_fork();
    greg_t* g = uc->uc_mcontext.gregs;
    pid_t tid = static_cast<pid_t>(sys(SYS_gettid));
    ThreadState& ts = thread(tid);
    if (ts.depth++ > 0) {
        // A call from a signal handler that interrupted this thread's own call (which
        // a siglongjmp may have left for good: the stack is bounded).
        if (ts.nested.size() == kMaxNesting) ts.nested.erase(ts.nested.begin());
        ts.nested.push_back(ts.task);
        if (ts.traced) path_.nested_call(ts.task, true);
    }
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
    if (task.abi == Abi::x86_64) {
        switch (nr) {
        case nr64::execve: case nr64::execveat: return exec(ts, uc, fs);
        case nr64::clone: case nr64::clone3: case nr64::fork: case nr64::vfork: return clone(ts, uc, fs);
        default: break;
        }
    }
    return run_call(ts, uc, fs);
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
        flush();
        sys(SYS_kill, pid_, SIGKILL);
    }
    if (verdict == Verdict::proceed) {
        long result;
        if (forced) {
            result = *forced;
        } else if (!emulate(task, uc, &fs, &result)) {
            bool ends_task = task.sc && (task.sc->name == "exit" || task.sc->name == "exit_group");
            if (ends_task) {
                // No return: the task's end is reported now, and the thread forgotten.
                if (ts.traced) path_.task_exit(task, W_EXITCODE(static_cast<int>(task.arg(0)) & 0xff, 0));
                flush();
                if (task.sc->name == "exit") {
                    --live_threads_;
                    Task last = task;
                    threads_.erase(last.tid);
                    call_as_program(last, uc, fs);
                    __builtin_unreachable();
                }
            }
            result = call_as_program(task, uc, fs);
        }
        task.retval = result;
    }
    // A signal delivered as the call returned has had it reported already (on_signal).
    if (task.phase == SyscallPhase::entered) {
        task.exit_ns = monotonic_ns();
        if (ts.traced) path_.syscall_exit(task);
        task.phase = SyscallPhase::exited;
    }
    uc->uc_mcontext.gregs[REG_RAX] = task.retval;
    leave(ts);
    flush();
    unlock();
    return fs;
}

// The end of one handler invocation on the thread: the call it interrupted, if
// any, is the thread's current call again.
void Runtime::leave(ThreadState& ts) {
    if (--ts.depth > 0 && !ts.nested.empty()) {
        ts.task = ts.nested.back();
        ts.nested.pop_back();
        if (ts.traced) path_.nested_call(ts.task, false);
    }
    if (ts.depth < 0) ts.depth = 0;
}

// The call itself, made as the program would have made it: its signal mask, its
// thread pointer, without the lock.
long Runtime::call_as_program(const Task& task, ucontext_t* uc, std::uint64_t fs) {
    std::uint64_t mask = mask_of(uc) & ~kSigsysBit;
    long a[kMaxArgs];
    for (int i = 0; i < kMaxArgs; ++i) a[i] = static_cast<long>(task.arg(i));
    long nr = static_cast<long>(task.nr());
    bool i386 = task.abi == Abi::i386;
    enter_program_context(fs, mask);
    long result = i386 ? lstar_inproc_int80(nr, a[0], a[1], a[2], a[3], a[4], a[5])
                       : lstar_inproc_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    leave_program_context();
    return result;
}

// The program's own signals may come only once everything else is the
// program's: lstar's handler for them takes the lock, and runs the program's
// handler with the thread pointer it finds.
void Runtime::enter_program_context(std::uint64_t fs, std::uint64_t mask) {
    unlock();
    set_fs(fs);
    sys(SYS_rt_sigprocmask, SIG_SETMASK, ptr(&mask), 0, 8);
}

void Runtime::leave_program_context() {
    sys(SYS_rt_sigprocmask, SIG_SETMASK, ptr(&kAllSignals), 0, 8);
    set_fs(lstar_inproc_runtime_fs);
    lock();
}

// Calls the runtime answers itself, so that the program cannot take SIGSYS or
// lstar's descriptors away from it, and sees itself as the program it is.
bool Runtime::emulate(Task& task, ucontext_t* uc, std::uint64_t* fs, long* result) {
    if (task.abi != Abi::x86_64) return false;
    auto arg = [&](int i) { return task.arg(i); };
    switch (task.nr()) {
    case nr64::rt_sigaction: {
        int signo = static_cast<int>(arg(0));
        if (signo != SIGSYS) {
            // A handler the program sets is run by lstar's, which reports the signal
            // first (strace's "--- SIGxxx {...} ---"); the program sees its own. And
            // no handler's mask may block SIGSYS: its first call would kill it.
            if (arg(3) != 8 || signo < 1 || signo > 64 || signo == SIGKILL || signo == SIGSTOP) return false;
            std::uint64_t bit = 1ull << (signo - 1);
            KernelSigaction old{};
            if (handled_signals_ & bit) old = program_actions_[signo];
            else if (long rc = sys(SYS_rt_sigaction, signo, 0, ptr(&old), 8); rc < 0) return *result = rc, true;
            if (arg(1)) {
                KernelSigaction act;
                if (copy_from_user(mem_, act, UserPtr<KernelSigaction>(arg(1))) != 0) return *result = -EFAULT, true;
                KernelSigaction kernel = act;
                kernel.mask &= ~kSigsysBit;
                if (act.handler > 1) {
                    kernel.handler = reinterpret_cast<std::uint64_t>(&lstar_inproc_signal_entry);
                    kernel.flags |= SA_SIGINFO;
                    if (!(act.flags & 0x04000000 /* SA_RESTORER */)) {
                        kernel.flags |= 0x04000000;
                        kernel.restorer = reinterpret_cast<std::uint64_t>(&lstar_inproc_restorer);
                    }
                }
                Task call = task;
                call.regs.si = reinterpret_cast<std::uint64_t>(&kernel);
                call.regs.dx = 0;
                if (long rc = call_as_program(call, uc, *fs); rc < 0) return *result = rc, true;
                program_actions_[signo] = act;
                handled_signals_ = act.handler > 1 ? handled_signals_ | bit : handled_signals_ & ~bit;
            }
            if (arg(2) && copy_to_user(mem_, UserPtr<KernelSigaction>(arg(2)), old) != 0) return *result = -EFAULT, true;
            return *result = 0, true;
        }
        if (arg(3) != 8) return *result = -EINVAL, true;
        KernelSigaction next = sigsys_action_;
        if (arg(1) && copy_from_user(mem_, next, UserPtr<KernelSigaction>(arg(1))) != 0) return *result = -EFAULT, true;
        if (arg(2) && copy_to_user(mem_, UserPtr<KernelSigaction>(arg(2)), sigsys_action_) != 0)
            return *result = -EFAULT, true;
        sigsys_action_ = next;
        return *result = 0, true;
    }
    case nr64::rt_sigprocmask: {
        // The mask sigreturn restores is the program's: change that one.
        if (arg(3) != 8) return *result = -EINVAL, true;
        std::uint64_t old = mask_of(uc), set = 0;
        if (arg(1)) {
            if (copy_from_user(mem_, set, UserPtr<std::uint64_t>(arg(1))) != 0) return *result = -EFAULT, true;
            set &= ~(kSigsysBit | kUnblockable);
            switch (arg(0)) {
            case SIG_BLOCK: mask_of(uc) = old | set; break;
            case SIG_UNBLOCK: mask_of(uc) = old & ~set; break;
            case SIG_SETMASK: mask_of(uc) = set; break;
            default: return *result = -EINVAL, true;
            }
        }
        if (arg(2) && copy_to_user(mem_, UserPtr<std::uint64_t>(arg(2)), old) != 0) return *result = -EFAULT, true;
        return *result = 0, true;
    }
    case nr64::close:
        if (!reserved(static_cast<int>(arg(0)))) return false;
        return *result = -EBADF, true;
    case nr64::dup2: case nr64::dup3:
        if (!reserved(static_cast<int>(arg(1)))) return false;
        return *result = -EBUSY, true;
    case nr64::close_range: return *result = close_range(task), true;
    case nr64::readlink: case nr64::readlinkat: {
        bool at = task.nr() == nr64::readlinkat;
        std::string p;
        if (strncpy_from_user(mem_, p, UserPtr<const char>(arg(at ? 1 : 0)), PATH_MAX) < 0) return false;
        if (p != "/proc/self/exe" && p != "/proc/thread-self/exe" && p != fmt::format("/proc/{}/exe", pid_))
            return false;
        std::size_t n = std::min<std::size_t>(exe_path.size(), arg(at ? 3 : 2));
        if (copy_bytes_to_user(mem_, arg(at ? 2 : 1), exe_path.data(), n) != 0) return *result = -EFAULT, true;
        return *result = static_cast<long>(n), true;
    }
    case nr64::rseq: {
        *result = call_as_program(task, uc, *fs);
        if (*result == 0) {
            auto it = threads_.find(task.tid);
            if (it != threads_.end())
                it->second.rseq = (arg(2) & 1 /* RSEQ_FLAG_UNREGISTER */) ? Rseq{} : Rseq{arg(0), arg(1), arg(3)};
        }
        return true;
    }
    // The program sees its own seccomp filters, not lstar's trap filter.
    case nr64::prctl:
        if (arg(0) == PR_GET_SECCOMP) return *result = args_.own_seccomp ? SECCOMP_MODE_FILTER : 0, true;
        if (arg(0) != PR_SET_SECCOMP) return false;
        [[fallthrough]];
    case nr64::seccomp:
        *result = call_as_program(task, uc, *fs);
        if (*result >= 0 && (task.nr() == nr64::prctl || arg(0) <= SECCOMP_SET_MODE_FILTER)) args_.own_seccomp = true;
        return true;
    case nr64::arch_prctl:
        if (arg(0) == ARCH_SET_FS) return *fs = arg(1), *result = 0, true;
        if (arg(0) == ARCH_GET_FS)
            return *result = copy_to_user(mem_, UserPtr<std::uint64_t>(arg(1)), *fs) ? -EFAULT : 0, true;
        return false;
    default:
        return false;
    }
}

// close_range around lstar's descriptors.
long Runtime::close_range(const Task& task) {
    auto first = static_cast<unsigned>(task.arg(0)), last = static_cast<unsigned>(task.arg(1));
    long flags = static_cast<long>(task.arg(2));
    if (first > last) return -EINVAL;
    long result = 0;
    unsigned from = first;
    std::vector<unsigned> cuts;
    for (int fd : {args_.trace_fd, args_.message_fd})
        if (fd >= 0 && static_cast<unsigned>(fd) >= first && static_cast<unsigned>(fd) <= last) cuts.push_back(fd);
    std::sort(cuts.begin(), cuts.end());
    for (unsigned cut : cuts) {
        if (cut > from) result = result ? result : sys(SYS_close_range, from, cut - 1, flags);
        from = cut + 1;
    }
    if (from <= last && from != 0) result = result ? result : sys(SYS_close_range, from, last, flags);
    return result;
}

// execve: the program's new image is a new runtime image that loads it, so the
// filter's traps keep landing in a handler. A file the runtime cannot load is
// refused here with the error the kernel would give, before the old image is gone.
std::uint64_t Runtime::exec(ThreadState& ts, ucontext_t* uc, std::uint64_t fs) {
    Task& task = ts.task;
    bool at = task.nr() == nr64::execveat;
    long dirfd = at ? static_cast<long>(task.arg(0)) : AT_FDCWD;
    long flags = at ? static_cast<long>(task.arg(4)) : 0;
    std::uint64_t path_arg = task.arg(at ? 1 : 0), argv_arg = task.arg(at ? 2 : 1);
    std::string shown;
    long failure = 0;
    if (strncpy_from_user(mem_, shown, UserPtr<const char>(path_arg), PATH_MAX) < 0) failure = -EFAULT;
    std::string load = shown;
    if (at && shown.empty() && (flags & AT_EMPTY_PATH)) load = fmt::format("/proc/self/fd/{}", dirfd);
    else if (at && !shown.empty() && shown[0] != '/' && dirfd != AT_FDCWD) load = fmt::format("/proc/self/fd/{}/{}", dirfd, shown);
    // The running program's own file, not lstar's (which the kernel's link names).
    if (load == "/proc/self/exe" || load == "/proc/thread-self/exe" || load == fmt::format("/proc/{}/exe", pid_))
        load = exe_path;
    if (!failure) {
        int probe = probe_executable(load.c_str());
        if (probe == kNotX86_64) {
            warn(fmt::format("{}: not an x86_64 program: the in-process backend runs x86_64 programs only "
                             "(trace it with --backend=ptrace)", shown));
            failure = -ENOEXEC;
        } else if (probe < 0) {
            failure = probe;
        }
    }
    std::vector<std::string> argv;
    for (std::uint64_t i = 0; !failure; ++i) {
        std::uint64_t p = 0;
        if (argv_arg == 0) break;  // as Linux: a NULL argv is an empty one
        if (copy_from_user(mem_, p, UserPtr<std::uint64_t>(argv_arg + 8 * i)) != 0) failure = -EFAULT;
        else if (p == 0) break;
        else if (argv.size() > 1u << 20) failure = -E2BIG;
        else if (strncpy_from_user(mem_, argv.emplace_back(), UserPtr<const char>(p), 1u << 17) < 0) failure = -EFAULT;
    }
    if (failure) return run_call(ts, uc, fs, &failure);

    flush();
    Verdict verdict = enter(ts);
    if (verdict != Verdict::proceed) return complete(ts, uc, fs, verdict);
    ImageArgs next = args_;
    next.traced = ts.traced;
    next.exec_nr = static_cast<long>(task.nr());
    next.exec_dirfd = dirfd;
    next.exec_flags = flags;
    next.shown_path = shown;
    next.load_path = load;
    next.argv = std::move(argv);
    if (can_exec_in_process()) {
        std::vector<std::string> envp;
        std::uint64_t envp_arg = task.arg(at ? 3 : 2);
        bool readable = true;
        for (std::uint64_t i = 0; envp_arg && readable; ++i) {
            std::uint64_t p = 0;
            readable = copy_from_user(mem_, p, UserPtr<std::uint64_t>(envp_arg + 8 * i)) == 0;
            if (!readable || p == 0) break;
            readable = strncpy_from_user(mem_, envp.emplace_back(), UserPtr<const char>(p), 1u << 17) >= 0;
        }
        if (readable) {
            pending_ = PendingExec{std::move(next), std::move(envp), mask_of(uc) & ~kSigsysBit};
            lstar_inproc_call_on_stack(exec_stack_top, &Runtime::exec_in_process_entry, this);
        }
    }
    std::vector<std::string> strings = next.encode();
    strings.insert(strings.begin(), "lstar");
    std::vector<const char*> pointers;
    for (const std::string& s : strings) pointers.push_back(s.c_str());
    pointers.push_back(nullptr);
    // The program's mask goes through exec, as it would without lstar. The text of
    // this call's line waits in the buffer: the new image reports the call, so it is
    // written only if the exec fails.
    // Without the lock: a vfork child shares it with its parent, which must be able
    // to take it again once the child's exec has let it run.
    enter_program_context(fs, mask_of(uc) & ~kSigsysBit);
    long result = sys(SYS_execve, ptr("/proc/self/exe"), ptr(pointers.data()), static_cast<long>(task.arg(at ? 3 : 2)));
    leave_program_context();
    return complete(ts, uc, fs, Verdict::proceed, &result);
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
std::uint64_t Runtime::clone(ThreadState& ts, ucontext_t* uc, std::uint64_t fs) {
    Task& task = ts.task;
    std::uint64_t flags = 0;
    switch (task.nr()) {
    case nr64::fork: flags = SIGCHLD; break;
    case nr64::vfork: flags = CLONE_VM | CLONE_VFORK | SIGCHLD; break;
    case nr64::clone: flags = task.arg(0); break;
    case nr64::clone3:
        if (copy_from_user(mem_, flags, UserPtr<std::uint64_t>(task.arg(0))) != 0) return run_call(ts, uc, fs);
        break;
    }
    Verdict verdict = enter(ts);
    if (verdict != Verdict::proceed) return complete(ts, uc, fs, verdict);
    greg_t* g = uc->uc_mcontext.gregs;
    CloneTicket* t = take_ticket();
    t->in_use = true;
    t->awaiting_child = false;
    t->done = 0;
    t->ret_ip = g[REG_RIP];
    t->r9 = g[REG_R9];
    t->mask = mask_of(uc) & ~kSigsysBit;
    t->fork = !(flags & CLONE_VM);
    t->flags = flags;
    if (t->fork) forking_rseq_ = ts.rseq;
    else ++clones_in_flight_;
    if (task.args_changed) {
        g[REG_RDI] = task.regs.di; g[REG_RSI] = task.regs.si; g[REG_RDX] = task.regs.dx;
        g[REG_R10] = task.regs.r10; g[REG_R8] = task.regs.r8;
    }
    g[REG_RAX] = static_cast<greg_t>(task.nr());
    g[REG_R9] = reinterpret_cast<greg_t>(t);
    g[REG_RIP] = reinterpret_cast<greg_t>(&lstar_inproc_clone_trampoline);
    mask_of(uc) = kAllSignals & ~kSigsysBit;  // the report is a trap: SIGSYS must get through
    ts.clone_task = task;
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
    if (t->result > 0 && (t->flags & CLONE_THREAD)) ++live_threads_;
    pid_t tid = static_cast<pid_t>(sys(SYS_gettid));
    ThreadState& ts = thread(tid);
    Task& task = ts.clone_task;
    task.retval = t->result;
    task.exit_ns = monotonic_ns();
    if (t->result > 0 && ts.traced && args_.follow) {
        Task child;
        child.tid = static_cast<pid_t>(t->result);
        child.tgid = (t->flags & CLONE_THREAD) ? pid_ : child.tid;
        child.abi = Abi::x86_64;
        path_.new_task(child, &task);
    }
    if (ts.traced) path_.syscall_exit(task);
    task.phase = SyscallPhase::exited;
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

// An exec needs a kernel exec of lstar only when this process shares its memory
// with another (a vfork child) or has other threads (the kernel ends them).
// Otherwise the runtime replaces the program itself: the same steps as
// binfmt_elf (drop the old mappings, reset what exec resets, load), minus
// starting a new lstar, which would cost more than the program's own exec.
bool Runtime::can_exec_in_process() {
    if (!lstar_allocator_regions || !exec_stack_top) return false;
    if (sys(SYS_getpid) != pid_) return false;  // a vfork child, in its parent's memory
    return live_threads_ == 1 && clones_in_flight_ == 0;
}

// Unmaps every mapping but lstar's own: its image, its heap (the allocator's
// regions, the brk area below the program's heap), its original stack (its
// environment and auxv), the vDSO, and the pages the runtime made.
void Runtime::unmap_program() {
    std::string maps;
    long fd = sys(SYS_openat, AT_FDCWD, ptr("/proc/self/maps"), O_RDONLY | O_CLOEXEC);
    char chunk[8192];
    for (long n; fd >= 0 && (n = sys(SYS_read, fd, ptr(chunk), sizeof chunk)) > 0;) maps.append(chunk, n);
    if (fd >= 0) sys(SYS_close, fd);
    std::vector<std::pair<std::uintptr_t, std::uintptr_t>> keep, doomed;
    keep.reserve(4200);
    doomed.reserve(1024);
    std::size_t pos = 0;
    while (pos < maps.size()) {
        std::size_t eol = maps.find('\n', pos);
        if (eol == std::string::npos) eol = maps.size();
        std::string_view line(maps.data() + pos, eol - pos);
        pos = eol + 1;
        char* end = nullptr;
        std::uintptr_t b = std::strtoul(line.data(), &end, 16);
        std::uintptr_t e = std::strtoul(end + 1, nullptr, 16);
        std::size_t name = line.find_last_of(' ');
        std::string_view what = name == std::string_view::npos ? "" : line.substr(name + 1);
        if (what == "[vdso]" || what == "[vvar]" || what == "[vvar_vclock]" || what == "[vsyscall]" ||
            what == "[heap]" || what == "[stack]")
            continue;
        doomed.emplace_back(b, e);
    }
    auto page_up = [](std::uintptr_t a) { return (a + 4095) & ~std::uintptr_t(4095); };
    keep.emplace_back(reinterpret_cast<std::uintptr_t>(__executable_start), page_up(reinterpret_cast<std::uintptr_t>(_end)));
    auto page = reinterpret_cast<std::uintptr_t>(lstar_inproc_report_page);
    keep.emplace_back(page, page + 4096);
    auto stack = reinterpret_cast<std::uintptr_t>(exec_stack_top);
    keep.emplace_back(stack - kExecStackSize, stack);
    std::uintptr_t regions[2 * 4096];
    int count = lstar_allocator_regions(regions, 4096);
    if (count < 0) {
        warn("cannot tell lstar's heap from the program's at exec: giving up");
        sys(SYS_exit_group, 127);
    }
    for (int i = 0; i < count; ++i) keep.emplace_back(regions[2 * i], regions[2 * i + 1]);
    std::sort(keep.begin(), keep.end());
    for (auto [b, e] : doomed) {
        // [b, e) minus the kept ranges.
        std::uintptr_t from = b;
        for (auto [kb, ke] : keep) {
            if (ke <= from || kb >= e) continue;
            if (kb > from) sys(SYS_munmap, static_cast<long>(from), static_cast<long>(kb - from));
            from = std::max(from, ke);
        }
        if (from < e) sys(SYS_munmap, static_cast<long>(from), static_cast<long>(e - from));
    }
}

void Runtime::exec_in_process() {
    PendingExec job = std::move(pending_);
    // What stays of the old program in lstar: its execve's open line, which the
    // report below replaces, as after a kernel exec.
    if (out_) out_->purge();
    Task self;
    self.tid = self.tgid = pid_;
    path_.process_copied(self);

    for (auto& [tid, ts] : threads_)
        if (ts.rseq.addr) sys(SYS_rseq, static_cast<long>(ts.rseq.addr), static_cast<long>(ts.rseq.len), 1, static_cast<long>(ts.rseq.sig));
    unmap_program();
    sys(SYS_brk, static_cast<long>(runtime_brk));
    // Handlers go back to the default (ignored signals stay ignored), with no
    // alternate stack; close-on-exec descriptors are closed.
    for (int signo = 1; signo <= 64; ++signo) {
        if (!(handled_signals_ & (1ull << (signo - 1)))) continue;
        KernelSigaction dfl{};
        sys(SYS_rt_sigaction, signo, ptr(&dfl), 0, 8);
    }
    handled_signals_ = 0;
    std::fill(std::begin(program_actions_), std::end(program_actions_), KernelSigaction{});
    live_threads_ = 1;
    sigsys_action_ = KernelSigaction{};
    stack_t no_stack{};
    no_stack.ss_flags = SS_DISABLE;
    sys(SYS_sigaltstack, ptr(&no_stack), 0);
    close_on_exec_fds();

    LoadedProgram program;
    std::string error;
    if (!load_program(job.args.load_path, job.args.argv, job.envp, &program, &error)) {
        warn(error);
        sys(SYS_exit_group, 127);
    }
    char resolved[PATH_MAX];
    exe_path = ::realpath(program.path.c_str(), resolved) ? resolved : program.path;
    args_ = job.args;
    traced_ = job.args.traced;
    threads_.clear();
    add_main_thread(pid_);
    std::string name = program.path.substr(program.path.rfind('/') + 1);
    ::prctl(PR_SET_NAME, name.c_str(), 0, 0, 0);
    report_exec(args_, job.envp);
    unlock();
    sys(SYS_rt_sigprocmask, SIG_SETMASK, ptr(&job.mask), 0, 8);
    start_program(program);
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
        Task task = ts.task;
        task.tid = tid;
        task.mem = &mem_;
        task.regs.ip = uc->uc_mcontext.gregs[REG_RIP];
        path_.signal(task, info);
        flush();
    }
    KernelSigaction act = program_actions_[sig];
    if (act.flags & SA_RESETHAND) {  // the kernel has reset lstar's handler already
        program_actions_[sig] = KernelSigaction{};
        handled_signals_ &= ~(1ull << (sig - 1));
    }
    return act.handler > 1 ? act.handler : 0;
}

// The new image reports the execve that started it, with copies of what the
// call was given (the old image is gone): the line strace shows at its exit.
void Runtime::report_exec(const ImageArgs& args, const std::vector<std::string>& envp) {
    ThreadState& ts = threads_[pid_];
    if (!ts.traced) return;
    std::vector<const char*> argv, env;
    for (const std::string& a : args.argv) argv.push_back(a.c_str());
    argv.push_back(nullptr);
    for (const std::string& e : envp) env.push_back(e.c_str());
    env.push_back(nullptr);
    Task& task = ts.task;
    task.tid = task.tgid = pid_;
    task.mem = &mem_;
    task.abi = Abi::x86_64;
    task.regs = PtRegs{};
    task.regs.orig_ax = static_cast<std::uint64_t>(args.exec_nr);
    auto p = [](const void* q) { return reinterpret_cast<std::uint64_t>(q); };
    if (args.exec_nr == nr64::execveat) {
        task.regs.di = static_cast<std::uint64_t>(args.exec_dirfd);
        task.regs.si = p(args.shown_path.c_str());
        task.regs.dx = p(argv.data());
        task.regs.r10 = p(env.data());
        task.regs.r8 = static_cast<std::uint64_t>(args.exec_flags);
    } else {
        task.regs.di = p(args.shown_path.c_str());
        task.regs.si = p(argv.data());
        task.regs.dx = p(env.data());
    }
    task.enter_ns = task.exit_ns = monotonic_ns();
    task.retval = 0;
    path_.replay(task);
    task.phase = SyscallPhase::none;
    flush();
}

}  // namespace

}  // namespace lstar::inproc

extern "C" std::uint64_t lstar_inproc_on_sigsys(siginfo_t* info, ucontext_t* uc, std::uint64_t program_fs) {
    using namespace lstar::inproc;
    // A SIGSYS sent with kill(): the program's own handler is not run (left out).
    if (info->si_code != 1 /* SYS_SECCOMP */ || !g_runtime) return program_fs;
    if (info->si_arch == AUDIT_ARCH_X86_64 && static_cast<std::uint32_t>(info->si_syscall) == kCloneReportNr)
        return g_runtime->finish_clone(uc, program_fs);
    lock();
    return g_runtime->on_sigsys(info, uc, program_fs);
}

extern "C" SignalRoute lstar_inproc_on_signal(int sig, siginfo_t* info, ucontext_t* uc, std::uint64_t program_fs) {
    using namespace lstar::inproc;
    if (!g_runtime) return {0, program_fs};
    // Another of the program's signals must not come while the lock is held.
    std::uint64_t mask = 0;
    sys(SYS_rt_sigprocmask, SIG_BLOCK, ptr(&kAllSignals), ptr(&mask), 8);
    lock();
    std::uint64_t handler = g_runtime->on_signal(sig, *info, uc);
    unlock();
    sys(SYS_rt_sigprocmask, SIG_SETMASK, ptr(&mask), 0, 8);
    return {handler, program_fs};
}

namespace lstar::inproc {

void close_on_exec_fds() {
    DIR* dir = ::opendir("/proc/self/fd");
    if (!dir) return;
    std::vector<int> doomed;
    while (dirent* e = ::readdir(dir)) {
        int fd = std::atoi(e->d_name);
        if (e->d_name[0] != '.' && fd != ::dirfd(dir) && (::fcntl(fd, F_GETFD) & FD_CLOEXEC)) doomed.push_back(fd);
    }
    ::closedir(dir);
    for (int fd : doomed) ::close(fd);
}

bool run_image(SyscallPath& path, TraceOutput* out, std::string* error) {
    const ImageArgs& args = *image_args();
    // Without FSGSBASE (or with LSTAR_INPROC_NO_FSGSBASE set, to exercise that path)
    // the thread pointer is swapped with arch_prctl.
    lstar_inproc_have_fsgsbase = (::getauxval(AT_HWCAP2) & 2) != 0 &&  // HWCAP2_FSGSBASE
                                 !::getenv("LSTAR_INPROC_NO_FSGSBASE");
    lstar_inproc_runtime_fs = get_fs();

    // The page the clone trampoline's parent traps from: outside lstar's text.
    void* page = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) return *error = fmt::format("mmap: {}", std::strerror(errno)), false;
    static constexpr unsigned char kTrap[] = {0x0f, 0x05, 0x0f, 0x0b};  // syscall; ud2
    std::memcpy(page, kTrap, sizeof kTrap);
    ::mprotect(page, 4096, PROT_READ | PROT_EXEC);
    lstar_inproc_report_page = page;

    std::vector<std::string> envp;
    for (char** e = environ; *e; ++e) envp.emplace_back(*e);
    LoadedProgram program;
    if (!load_program(args.load_path, args.argv, envp, &program, error)) return false;

    auto* runtime = new Runtime(path, out, args);
    // The program's heap starts on a page, as after a kernel exec.
    auto brk_now = static_cast<std::uint64_t>(sys(SYS_brk, 0));
    runtime->runtime_brk = static_cast<std::uint64_t>(sys(SYS_brk, static_cast<long>((brk_now + 4095) & ~4095ull)));
    void* exec_stack = ::mmap(nullptr, kExecStackSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (exec_stack != MAP_FAILED) runtime->exec_stack_top = static_cast<char*>(exec_stack) + kExecStackSize;
    char resolved[PATH_MAX];
    runtime->exe_path = ::realpath(program.path.c_str(), resolved) ? resolved : program.path;
    pid_t pid = static_cast<pid_t>(sys(SYS_getpid));
    runtime->add_main_thread(pid);
    g_runtime = runtime;

    KernelSigaction action{reinterpret_cast<std::uint64_t>(&lstar_inproc_sigsys_entry),
                           SA_SIGINFO | 0x04000000 /* SA_RESTORER */,
                           reinterpret_cast<std::uint64_t>(&lstar_inproc_restorer), kAllSignals};
    if (long rc = sys(SYS_rt_sigaction, SIGSYS, ptr(&action), 0, 8); rc < 0)
        return *error = fmt::format("rt_sigaction(SIGSYS): {}", std::strerror(static_cast<int>(-rc))), false;
    std::uint64_t sigsys = kSigsysBit;
    sys(SYS_rt_sigprocmask, SIG_UNBLOCK, ptr(&sigsys), 0, 8);

    // What ps and top show: the program's name, not lstar's.
    std::string name = program.path.substr(program.path.rfind('/') + 1);
    ::prctl(PR_SET_NAME, name.c_str(), 0, 0, 0);

    runtime->report_exec(args, envp);
    start_program(program);
}

}  // namespace lstar::inproc
