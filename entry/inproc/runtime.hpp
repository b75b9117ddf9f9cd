// The in-process runtime: what the SIGSYS entry does for each trapped call.
// runtime.cpp has the entry and the common path of a call; runtime_signals.cpp,
// runtime_clone.cpp and runtime_exec.cpp the calls the runtime handles itself.
//
// It runs on the calling thread's stack, with every signal blocked and lstar's
// own thread pointer (gadgets.S swaps fs), under one lock per process:
// the path, the tracer and lstar's libc are shared by all the program's
// threads. The real call is made with the program's signal mask and thread
// pointer and without the lock, so that it may block, be interrupted by the
// program's own signal handlers (which may make calls of their own) or be
// left by a siglongjmp.
#pragma once

#include <asm/prctl.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/futex.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <dirent.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
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
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "entry/inproc/inproc.hpp"
#include "entry/inproc/loader.hpp"
#include "entry/inproc/runtime_calls.hpp"
#include "entry/inproc/session_tasks.hpp"
#include "entry/inproc/site_patch.hpp"
#include "entry/inproc/trap_filter.hpp"
#include "table/syscall_nr.hpp"

extern "C" {
long lstar_inproc_syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
long lstar_inproc_program_call(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
long lstar_inproc_int80(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
void lstar_inproc_restorer();
void lstar_inproc_sigsys_entry(int, siginfo_t*, void*);
void lstar_inproc_signal_entry(int, siginfo_t*, void*);
void lstar_inproc_clone_trampoline();
void lstar_inproc_call_on_stack(void* top, void (*fn)(void*), void* arg);
extern char lstar_inproc_program_call_done[];  // just after the syscall (int $0x80) of the program's call
extern char lstar_inproc_int80_done[];
// The allocator's mappings (allocator.cpp, linked into the lstar binary only).
int lstar_allocator_regions(std::uintptr_t* out, int max) __attribute__((weak));
void lstar_allocator_forked() __attribute__((weak));
extern char __executable_start[];
extern char etext[];
extern char _end[];
struct SignalRoute {
    std::uint64_t handler;  // the program's handler to run, 0 for none
    std::uint64_t fs;       // the thread pointer to run it with (without one: to return with)
};
SignalRoute lstar_inproc_on_sigsys(siginfo_t* info, ucontext_t* uc, std::uint64_t program_fs);
void lstar_inproc_after_sigsys(ucontext_t* uc);  // the program's SIGSYS handler has returned
SignalRoute lstar_inproc_on_signal(int sig, siginfo_t* info, ucontext_t* uc, std::uint64_t program_fs);
void lstar_inproc_after_signal(ucontext_t* uc);  // one of the program's other handlers has returned
extern unsigned char lstar_inproc_shows_sigreturn;  // the path takes rt_sigreturn (runtime_signals.cpp)
std::uint64_t lstar_inproc_on_patched(ucontext_t* uc, std::uint64_t program_fs);  // from a patched site

// The patched entry's frame (gadgets.S): how much of the FPU state it saves, and where.
extern std::uint64_t lstar_inproc_xsave_mask;
extern std::uint64_t lstar_inproc_patch_frame_size;
extern const std::uint64_t lstar_inproc_all_signals;
extern const std::uint32_t lstar_inproc_default_mxcsr;

// Shared with gadgets.S (defined in runtime.cpp).
extern unsigned char lstar_inproc_have_fsgsbase;
extern std::uint64_t lstar_inproc_runtime_fs;
extern void* lstar_inproc_report_page;
extern int lstar_inproc_lock_word;
extern unsigned char lstar_inproc_forked;
extern unsigned char lstar_inproc_fs_self;  // every thread pointer in use points at itself (gadgets.S)
extern int lstar_inproc_lifeline_fd;
void lstar_inproc_claim_lifeline();
}

namespace lstar::inproc {

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
constexpr std::uint64_t kSaRestorer = 0x04000000;  // SA_RESTORER, which glibc's headers do not export

inline long sys(long nr, long a1 = 0, long a2 = 0, long a3 = 0, long a4 = 0, long a5 = 0, long a6 = 0) {
    return lstar_inproc_syscall(nr, a1, a2, a3, a4, a5, a6);
}
inline long ptr(const void* p) { return reinterpret_cast<long>(p); }
// Sends this process's thread tid the signal with that siginfo (runtime_signals.cpp).
void resend(pid_t tid, int sig, const siginfo_t& info);

inline void set_fs(std::uint64_t value) {
    if (lstar_inproc_have_fsgsbase) asm volatile("wrfsbase %0" ::"r"(value) : "memory");
    else sys(SYS_arch_prctl, ARCH_SET_FS, static_cast<long>(value));
}
inline std::uint64_t get_fs() {
    std::uint64_t value = 0;
    if (lstar_inproc_have_fsgsbase) asm volatile("rdfsbase %0" : "=r"(value));
    else sys(SYS_arch_prctl, ARCH_GET_FS, ptr(&value));
    return value;
}

// The lock: 0 free, 1 held, 2 held with waiters, who sleep in the kernel (a
// waiting program must wait, not spin, whatever holds the lock: a stopped
// thread, a slow trace file).
inline void lock() {
    int seen = 0;
    if (__atomic_compare_exchange_n(&lstar_inproc_lock_word, &seen, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
        return;
    for (int spins = 0; spins < 64 && seen; ++spins) {
        __builtin_ia32_pause();
        seen = 0;
        if (__atomic_compare_exchange_n(&lstar_inproc_lock_word, &seen, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
            return;
    }
    while (__atomic_exchange_n(&lstar_inproc_lock_word, 2, __ATOMIC_ACQUIRE) != 0)
        sys(SYS_futex, ptr(&lstar_inproc_lock_word), FUTEX_WAIT_PRIVATE, 2, 0);
}
inline void unlock() {
    if (__atomic_exchange_n(&lstar_inproc_lock_word, 0, __ATOMIC_RELEASE) == 2)
        sys(SYS_futex, ptr(&lstar_inproc_lock_word), FUTEX_WAKE_PRIVATE, 1);
}

inline std::uint64_t monotonic_ns() {
    timespec ts;
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

// The calling thread's CPU time. Measured around the call alone, it is the
// call's system time (-c's time column, which strace takes from rusage).
inline std::uint64_t thread_cpu_ns() {
    timespec ts{};
    sys(SYS_clock_gettime, CLOCK_THREAD_CPUTIME_ID, ptr(&ts));
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

inline std::uint64_t& mask_of(ucontext_t* uc) { return *reinterpret_cast<std::uint64_t*>(&uc->uc_sigmask); }

// /proc/self/maps, whole, with the runtime's raw calls.
inline std::string own_maps() {
    std::string maps;
    long fd = sys(SYS_openat, AT_FDCWD, ptr("/proc/self/maps"), O_RDONLY | O_CLOEXEC);
    char chunk[8192];
    for (long n; fd >= 0 && (n = sys(SYS_read, fd, ptr(chunk), sizeof chunk)) > 0;) maps.append(chunk, static_cast<std::size_t>(n));
    if (fd >= 0) sys(SYS_close, fd);
    return maps;
}

// The process's own memory, reached as the kernel would: an unmapped address is
// -EFAULT, not a crash in lstar.
class SelfMemory final : public UserMemory {
public:
    pid_t pid = 0;
    long read(std::uint64_t addr, void* dst, std::size_t len) override {
        iovec local{dst, len}, remote{reinterpret_cast<void*>(addr), len};
        return sys(SYS_process_vm_readv, pid, ptr(&local), 1, ptr(&remote), 1, 0);
    }
    // A write is a read of the runtime's own bytes into the program's address (the
    // local side of process_vm_readv is where the kernel writes, with the same fault
    // and protection checks as process_vm_writev's remote side): a sandbox denies
    // process_vm_writev, a way into other processes, and the process must still
    // write its own memory.
    long write(std::uint64_t addr, const void* src, std::size_t len) override {
        iovec local{reinterpret_cast<void*>(addr), len}, remote{const_cast<void*>(src), len};
        return sys(SYS_process_vm_readv, pid, ptr(&local), 1, ptr(&remote), 1, 0);
    }
    long read_string(std::uint64_t addr, char* dst, std::size_t max) override {
        std::size_t done = 0;
        while (done < max) {
            std::size_t chunk = std::min<std::size_t>(max - done, 4096 - ((addr + done) & 4095));
            long n = read(addr + done, dst + done, chunk);
            if (n <= 0) return -EFAULT;  // faulted before the NUL, as strncpy_from_user (and the ptrace backend's)
            if (void* nul = std::memchr(dst + done, 0, static_cast<std::size_t>(n)))
                return static_cast<long>(done + (static_cast<char*>(nul) - (dst + done)));
            done += static_cast<std::size_t>(n);
            if (static_cast<std::size_t>(n) < chunk) return -EFAULT;
        }
        return static_cast<long>(max);
    }
    // The calling thread's own buffer (ThreadState::scratch): the program's stack
    // below its sp holds the SIGSYS frame.
    std::uint64_t scratch(Task& task, std::size_t len) override;
};

// A thread's rseq area, as the program registered it.
struct Rseq {
    std::uint64_t addr = 0, len = 0, sig = 0;
};

// The runtime's state of a thread (its Task's kBackendSlot).
struct ThreadState : TaskState {
    explicit ThreadState(Task& t) : task(t) {}
    Task& task;
    bool traced = true;
    Rseq rseq;  // unregistered before an in-process exec unmaps it (the kernel would fault writing it)
    std::vector<SyscallState> nested;  // calls under way below a signal handler's call on this thread
    int depth = 0;             // handler invocations under way on this thread (a siglongjmp
                               // out of a program's signal handler leaves one behind for good)
    SyscallState clone_call;   // a clone between its trap and its trampoline's report
    // SIGSYS as the program sees it on this thread. Never blocked for real (a trap
    // while it is would kill the process): blocked here, and one sent meanwhile is
    // held and sent again once the program unblocks it (runtime_signals.cpp).
    bool sigsys_blocked = false;
    std::vector<bool> sigsys_outer;  // the blocked state before each SIGSYS handler under way
    std::optional<siginfo_t> sigsys_pending;
    std::uint64_t held_now = 0;  // held_defaults() blocked for the call under way (drain_held)
    bool made_again = false;     // a handler interrupted the call, which the kernel makes again after it
    // -e inject=...:signal=SIG on a call that may wait: a timer of this thread's
    // sends SIG until it comes while the call is in the kernel (call_with_signal).
    struct Injection {
        int sig = 0;
        long timer = -1;
        int depth = 0;      // the handler depth of the call it is for
        bool came = false;  // it interrupted the call, or came as the call returned
    } injection;
    // The stop under way, for the runtime's handlers: the program's saved context and
    // its thread pointer (which a handler may change: arch_prctl).
    ucontext_t* uc = nullptr;
    std::uint64_t* fs = nullptr;
    std::uint64_t call_fs = 0;  // the program's thread pointer while the runtime makes its call
    char scratch[2 * 4096 + 256];  // SelfMemory::scratch for this thread's calls (two rewritten paths)
};

inline std::uint64_t SelfMemory::scratch(Task& task, std::size_t len) {
    auto* ts = task.find_state<ThreadState>(kBackendSlot);
    return ts && len <= sizeof ts->scratch ? reinterpret_cast<std::uint64_t>(ts->scratch) : 0;
}

struct KernelSigaction {
    std::uint64_t handler, flags, restorer, mask;
};

class Runtime {
public:
    Runtime(SyscallPath& path, std::span<SessionOutput* const> outputs, const ImageArgs& args)
        : path_(path), outputs_(outputs.begin(), outputs.end()), args_(args), calls_(this) {
        pid_ = static_cast<pid_t>(sys(SYS_getpid));
        mem_.pid = pid_;
        traced_ = args.traced;
        sigsys_action_.handler = args.sigsys_ignored ? 1 : 0;
        if (const SyscallDesc* row = find_syscall(Abi::x86_64, nr64::rt_sigreturn))
            lstar_inproc_shows_sigreturn = traced_ && path.needs_stop(*row);
    }

    // `trapped`: a SIGSYS of the trap filter, whose site may be patched; else a patched site's entry.
    std::uint64_t on_sigsys(siginfo_t* info, ucontext_t* uc, std::uint64_t fs, bool trapped = true);
    std::uint64_t finish_clone(ucontext_t* uc, std::uint64_t fs);
    SignalRoute on_signal(int sig, siginfo_t& info, ucontext_t* uc, std::uint64_t interrupted_fs);
    SignalRoute program_sigsys(const siginfo_t& info, ucontext_t* uc, std::uint64_t fs);
    void after_program_sigsys();
    void report_sigreturn(ucontext_t* uc);
    void add_main_thread(pid_t tid) {
        ThreadState& ts = thread(tid);
        ts.traced = traced_;
        ts.sigsys_blocked = args_.sigsys_blocked;
        if (args_.follow) session_tasks().one_left(tid);  // an exec through the kernel ended the other threads
    }
    // The virtual view on a loaded program's stack, before it starts (only where its
    // calls go through the path).
    void apply_image_view(const LoadedProgram& program) {
        if (traced_) lstar::apply_image_view(mem_, program.stack_pointer, true, image_view);
    }
    void report_exec(const ImageArgs& args, const std::vector<std::string>& envp);
    std::string exe_path;
    void* exec_stack_top = nullptr;    // where an in-process exec runs
    std::uint64_t runtime_brk = 0;     // the break before the program's heap
    ImageView image_view;              // applied to each program this runtime loads
    SitePatcher sites;                 // the program's call sites patched so far
    std::optional<std::vector<bool>> patchable_;  // patchable_calls(path_), worked out once per image
    // What may be patched depends on the path alone, which an in-process exec keeps.
    void configure_sites() {
        if (!patchable_) patchable_ = patchable_calls(path_);
        sites.configure(args_.patch, *patchable_, exe_path);
    }

private:
    friend struct RuntimeCalls;  // the one list of the calls below that the runtime handles

    // exec without the kernel: replace the program in this process (see exec()).
    bool can_exec_in_process();
    [[noreturn]] void exec_in_process();
    static void exec_in_process_entry(void* runtime) { static_cast<Runtime*>(runtime)->exec_in_process(); }
    void unmap_program();
    struct PendingExec {
        ImageArgs args;
        std::vector<std::string> envp;
        std::uint64_t mask = 0;
        ProbedProgram probed;  // the file as exec() probed it, for the load
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
    void suspend_current(ThreadState& ts);
    void leave(ThreadState& ts);
    // `mask`: the mask to make it with, for a call that sets its own (rt_sigsuspend).
    long call_as_program(const SyscallState& call, ucontext_t* uc, std::uint64_t fs,
                         std::optional<std::uint64_t> mask = std::nullopt);
    // A wait's own mask argument (kWaitMask) with the held defaults in it, in
    // lstar's memory for the call's duration: the set, or pselect6's {set, size}.
    struct WaitMask {
        std::uint64_t set = 0;
        struct {
            std::uint64_t set, size;
        } pack{};
    };
    void hold_in_wait_mask(const SyscallState& call, long* args, WaitMask& held);
    bool signal_during_call(const ThreadState& ts, int sig, ucontext_t* uc) const;
    long call_with_signal(ThreadState& ts, const SyscallState& call, ucontext_t* uc, std::uint64_t fs, int sig);
    bool injection_came(ThreadState& ts, int sig, siginfo_t& info, const ucontext_t* uc);
    void enter_program_context(std::uint64_t mask);
    void leave_program_context();
    std::uint64_t handler_fs(const ThreadState& ts, std::uint64_t interrupted) const;
    // The calls the runtime handles (runtime_calls.cpp binds them). A handler's
    // stop is its thread's (ThreadState::uc, fs).
    ThreadState& stop_of(const Task& task) { return *task.find_state<ThreadState>(kBackendSlot); }
    long sigaction_call(Task& task);
    long sigprocmask_call(Task& task);
    long compat_sigaction_call(Task& task);
    long sigpending_call(Task& task);
    long sigsuspend_call(Task& task);
    void report_signal(ThreadState& ts, const siginfo_t& info, ucontext_t* uc);
    bool watches_default(int signo) const;
    bool shows_defaults() const;
    void enter_made_again(ThreadState& ts);
    long interrupted_code(const Task& call) const;
    std::uint64_t held_defaults() const;
    void drain_held(ThreadState& ts, ucontext_t* uc);
public:
    void watch_default_signals();
private:
    void resend_pending_sigsys(ThreadState& ts);
    long close_range(const Task& task);
    HandlerResult readlink_exe(Task& task, int path_arg);
    HandlerResult prctl_seccomp(Task& task);
    long enter_strict_mode();
    HandlerResult ptrace_call(Task& task);
    HandlerResult seccomp_call(Task& task);
    HandlerResult arch_prctl_fs(Task& task);
    void note_thread_pointer(std::uint64_t tp, bool only);
    pid_t tid_of(std::uint64_t fs);
    void forget_thread_pointer(pid_t tid, std::uint64_t next);
    HandlerResult rseq_call(Task& task);
    HandlerResult exit_call(Task& task, bool group);
    HandlerResult setpgid_call(Task& task);
    HandlerResult wait_call(Task& task, bool waitid);
    std::uint64_t exec(ThreadState& ts, ucontext_t* uc, std::uint64_t fs, bool at);
    std::uint64_t exec_under_ptrace(ThreadState& ts, ucontext_t* uc, std::uint64_t fs, const std::string& shown);
    long read_strings(std::uint64_t array, std::vector<std::string>* out);
    long execveat_target(long dirfd, long flags, const std::string& path, std::string* load);
    std::uint64_t clone(ThreadState& ts, ucontext_t* uc, std::uint64_t fs, std::uint64_t flags);
    CloneTicket* take_ticket();
    // dup2 or dup3 onto one: past the soft limit (where they sit when there is room), what the
    // kernel says there; else busy.
    long dup_onto_reserved(const Task& task) const {
        rlimit limit{};
        sys(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, ptr(&limit));
        if (sys(SYS_fcntl, static_cast<long>(task.arg(0)), F_GETFD) < 0) return -EBADF;
        return task.arg(1) >= limit.rlim_cur ? -EBADF : -EBUSY;
    }
    bool reserved(long fd) const {
        std::vector<int> fds = args_.reserved_fds();
        return fd >= 0 && std::find(fds.begin(), fds.end(), fd) != fds.end();
    }
    // This process's image ends (exit, or an exec through the kernel): the stages
    // hand on what they must. Not in a vfork child, whose memory is its parent's.
    void end_image() {
        if (sys(SYS_getpid) == pid_) path_.image_end();
    }
public:
    // At the end of a call: what the outputs want written now. With -f, where
    // other processes may write to the same output, only whole lines: a line left
    // open here (a clone's, as its thread starts) would have theirs land inside it.
    void flush() {
        for (SessionOutput* out : outputs_) {
            if (!out->pending()) continue;
            if (args_.follow && !out->single_writer()) out->flush_whole_lines();
            else out->flush();
        }
    }
    // Before the process may wait, end or become another program: everything.
    void flush_now() {
        for (SessionOutput* out : outputs_) out->flush();
    }
private:
    void purge_outputs() {
        for (SessionOutput* out : outputs_) out->purge();
    }
    void warn(const std::string& text) {
        std::string line = (text.rfind("lstar: ", 0) == 0 ? "" : "lstar: ") + text + "\n";
        sys(SYS_write, args_.message_fd, ptr(line.data()), static_cast<long>(line.size()));
    }

    SyscallPath& path_;
    std::vector<SessionOutput*> outputs_;
    ImageArgs args_;
    pid_t pid_;
    bool traced_;
    SelfMemory mem_;
    std::vector<CloneTicket*> tickets_;
    KernelSigaction sigsys_action_{};  // the program's SIGSYS disposition, as it believes it is
    Rseq forking_rseq_;                // the forking thread's rseq area, which a fork child inherits
    bool forking_sigsys_blocked_ = false;  // and its SIGSYS blocked state
    std::uint64_t handled_signals_ = 0;  // signals the program set a handler for (bit signo-1)
    std::uint64_t watched_defaults_ = 0;  // defaults lstar's handler stands in for (watch_default_signals)
    KernelSigaction program_actions_[65] = {};  // those handlers and defaults, as the program set them
    int live_threads_ = 1;             // the program's threads (clone and exit are always trapped)
    bool leader_left_ = false;         // the main thread has exited while others run (exit_call)
    int clones_in_flight_ = 0;         // CLONE_VM clones between the trap and the parent's report
    std::unordered_map<std::uint64_t, pid_t> tid_by_fs_;  // each thread's thread pointer (tid_of)
    bool fs_per_thread_ = true;        // no thread shares another's thread pointer
    RuntimeCalls calls_;
};

extern Runtime* g_runtime;

}  // namespace lstar::inproc
