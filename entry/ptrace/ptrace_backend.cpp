#include "entry/ptrace/ptrace_backend.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>  // not <linux/ptrace.h>: the two clash; glibc's has all lstar needs
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "entry/find_program.hpp"
#include "entry/ptrace/seccomp_prefilter.hpp"
#include "kernel/task.hpp"

namespace lstar {

namespace {

using ptrace_syscall_info = __ptrace_syscall_info;  // glibc's name for struct ptrace_syscall_info

std::atomic<int> g_stop_signal{0};
// A traced task that request_stop() interrupts so that run() wakes up from waitpid
// even when no traced task would report anything (an idle process blocked in read).
std::atomic<pid_t> g_wake_tid{0};

std::uint64_t monotonic_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

long ptrace_call(int request, pid_t tid, unsigned long addr = 0, unsigned long data = 0) {
    return ::ptrace(static_cast<__ptrace_request>(request), tid, addr, data);
}

// A field of /proc/<tid>/status ("Tgid", "PPid"); `fallback` when unreadable.
pid_t read_status_id(pid_t tid, std::string_view field, pid_t fallback) {
    std::optional<ProcStatus> status = ProcStatus::read(tid);
    std::string text = status ? std::string(status->field(field)) : std::string();
    return text.empty() ? fallback : static_cast<pid_t>(std::strtol(text.c_str(), nullptr, 10));
}

pid_t read_tgid(pid_t tid) { return read_status_id(tid, "Tgid", tid); }

Abi abi_of(const ptrace_syscall_info& info) {
    if (info.arch == AUDIT_ARCH_I386) return Abi::i386;
    std::uint64_t nr = info.op == PTRACE_SYSCALL_INFO_SECCOMP ? info.seccomp.nr : info.entry.nr;
    return (nr & kX32SyscallBit) && nr != ~0ull ? Abi::x32 : Abi::x86_64;
}

std::string_view name_of(Abi abi, std::uint64_t nr) {
    long index = table_index(abi, nr);
    return index < 0 ? std::string_view() : syscall_table(abi)[static_cast<std::size_t>(index)].name;
}
bool is_exec(Abi abi, std::uint64_t nr) { return name_of(abi, nr) == "execve" || name_of(abi, nr) == "execveat"; }
bool is_ptrace(Abi abi, std::uint64_t nr) { return name_of(abi, nr) == "ptrace"; }

bool is_zombie(pid_t pid, pid_t tid) {
    std::ifstream status(fmt::format("/proc/{}/task/{}/status", pid, tid));
    std::string key, state;
    while (status >> key) {
        if (key == "State:") return (status >> state) && (state == "Z" || state == "X");
        status.ignore(4096, '\n');
    }
    return false;
}

bool is_group_stop_signal(int signo) {
    return signo == SIGSTOP || signo == SIGTSTP || signo == SIGTTIN || signo == SIGTTOU;
}

}  // namespace

// The backend's state of a task (its Task's kBackendSlot).
struct PtraceBackend::Traced : TaskState {
    Task& task;
    ProcessMemory mem;
    bool observed = true;      // hooks see this task (false: a child lstar follows only for the filter)
    bool exit_stop_wanted = false;  // in a call entered through a seccomp stop
    bool again = false;  // the call made once more (Task::again): its entry stops are the path's no more
    // The launched child before its execve: lstar's own code between fork and exec
    // (the SIGCONT that lets it go, the end of raise(), loading the filter). Like
    // strace, the path sees the program from its execve on.
    bool startup = false;
    bool announced = false;  // path_.new_task has been called for it
    // A signal the path asked for at an entry reported through seccomp, whose stop
    // cannot deliver signals (ptrace_event() drops the restart signal; a
    // syscall-entry stop sends it): sent with tgkill so that it is pending while the call runs, as strace's is (a waiting call
    // ends with ERESTARTSYS, then EINTR or a restart as the handler says); at its
    // delivery stop it gets the kernel's siginfo strace's injection has.
    int injected_signal = 0;
    // A process handed on by the in-process supervisor (take_on) and its children:
    // they carry its trap filter. program_ip: the ip the call was made at, while the
    // allowed one stands in (between entry and exit stops); child_ip: a new child's,
    // which starts with its parent's registers. hand_back: let go if the exec it was
    // taken on for fails (the runtime goes on).
    bool under_trap_filter = false;
    std::uint64_t program_ip = 0, child_ip = 0;
    bool hand_back = false;
    explicit Traced(Task& t) : task(t), mem(t.tid) { task.mem = &mem; }
};

PtraceBackend::PtraceBackend(SyscallPath& path, BackendOptions options) : path_(path), options_(std::move(options)) {}

PtraceBackend::~PtraceBackend() {
    // Nothing may be left stopped or orphaned: a launched program dies with lstar
    // (PTRACE_O_EXITKILL), an attached one is let go.
    if (attached_) detach_all();
}

void PtraceBackend::request_stop(int signo) {
    int saved_errno = errno;
    g_stop_signal.store(signo);
    // The flag alone is not enough: if the signal lands between run()'s check and its
    // waitpid, waitpid would sleep until some task reports. A PTRACE_INTERRUPT makes
    // one report. (ptrace is a plain system call: async-signal-safe.)
    if (pid_t tid = g_wake_tid.load()) ptrace_call(PTRACE_INTERRUPT, tid);
    errno = saved_errno;
}

PtraceBackend::Traced& PtraceBackend::track(pid_t tid, pid_t tgid) {
    if (Traced* known = find(tid)) return *known;
    Task& task = tasks().add(tid, tgid ? tgid : read_tgid(tid));
    return task.state<Traced>(kBackendSlot, task);
}

PtraceBackend::Traced* PtraceBackend::find(pid_t tid) {
    Task* task = tasks().find(tid);
    return task ? task->find_state<Traced>(kBackendSlot) : nullptr;
}

void PtraceBackend::forget(pid_t tid) {
    tasks().remove(tid);
    if (g_wake_tid.load() != tid) return;
    pid_t next = 0;
    tasks().for_each([&](Task& task) { next = next ? next : task.tid; });
    g_wake_tid.store(next);
}

Status PtraceBackend::launch(const std::vector<std::string>& argv) {
    if (argv.empty()) return error("no program to run: give one after the options", EINVAL);
    Result<std::string> found = options_.program_guest.empty() ? find_program(argv[0]) : options_.program_guest;
    if (!found) return found.error();
    const std::string& program = *found;

    // Three ways to stop: at every call (PTRACE_SYSCALL, no filter), only at the calls
    // the filter returns RET_TRACE for, or at none (nothing on the path needs any).
    std::optional<SeccompPrefilter> filter;
    // A hook that must see calls before the program's filters do needs a stop at each
    // call's entry, which comes before seccomp: no prefilter.
    // With -f, ptrace calls stop too: lstar steps aside for a tracer in the program.
    auto tracing = [this](const SyscallDesc& row) { return options_.follow_forks && row.name == "ptrace"; };
    if (options_.prefilter && !path_.decides_before_seccomp()) filter.emplace(path_, tracing);
    if (filter && filter->stops_everything()) filter.reset();  // a filter would only add cost
    bool stops_nothing = filter && filter->stops_nothing();
    if (stops_nothing) filter.reset();
    stops_all_ = !filter && !stops_nothing;
    options_.prefilter = filter.has_value();

    seize_options_ = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;
    // A filter is inherited by children: follow them all so that none meets a
    // RET_TRACE without a tracer (which fails the call with ENOSYS). Without a filter,
    // -f follows them only if something stops or hears of them.
    if (filter || (options_.follow_forks && (stops_all_ || path_.has_hooks())))
        seize_options_ |= PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE;
    if (filter) seize_options_ |= PTRACE_O_TRACESECCOMP;

    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);

    // In the process that becomes the program, once lstar holds it: load the filter,
    // which from here on applies to this process and all it starts, and exec.
    auto become_program = [&] {
        apply_environment(options_.environment);
        enter_directory(options_.cwd);
        if (filter && !filter->load()) {
            print_error(error(fmt::format("cannot install the seccomp prefilter: {}", std::strerror(errno)), errno));
            ::_exit(127);
        }
        enter_confinement(options_.confinement);
        if (options_.run_as)
            if (int err = become_user(*options_.run_as, program); err < 0) {
                print_error(error(fmt::format("cannot run '{}' as user {}: {}", program, options_.run_as->name, std::strerror(-err)), -err));
                ::_exit(127);
            }
        ::execv(program.c_str(), args.data());
        print_error(error(fmt::format("cannot run '{}': {}", program, std::strerror(errno)), errno));
        ::_exit(127);
    };
    skip_one_exec_ = true;
    if (options_.daemonize) return launch_daemonized(become_program);

    pid_t pid = ::fork();
    if (pid < 0) return error(fmt::format("fork: {}", std::strerror(errno)), errno);
    if (pid == 0) {
        // Stop so that the parent can seize us before exec.
        ::raise(SIGSTOP);
        become_program();
    }
    int status;
    if (::waitpid(pid, &status, WSTOPPED) != pid || !WIFSTOPPED(status))
        return error("the program did not stop before exec");
    if (ptrace_call(PTRACE_SEIZE, pid, 0, seize_options_) < 0) {
        int err = errno;
        ::kill(pid, SIGKILL);
        return error(fmt::format("PTRACE_SEIZE {}: {}", pid, std::strerror(err)), err);
    }
    hold_launched(pid);
    ::kill(pid, SIGCONT);
    return {};
}

void PtraceBackend::hold_launched(pid_t pid) {
    main_pid_ = pid;
    g_wake_tid.store(pid);
    Traced& t = track(pid, pid);
    t.startup = true;
    t.announced = true;
    path_.new_task(t.task, nullptr);
}

Status PtraceBackend::take_on(pid_t tid, bool observed, std::uint64_t allowed_ip) {
    constexpr unsigned long kOptions = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL |
                                       PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE;
    // Every child is followed, observed or not: the filter is inherited, and only
    // this backend makes its calls pass.
    if (ptrace_call(PTRACE_SEIZE, tid, 0, kOptions) < 0 || ptrace_call(PTRACE_INTERRUPT, tid) < 0)
        return error(fmt::format("PTRACE_SEIZE {}: {}", tid, std::strerror(errno)), errno);
    allowed_ip_ = allowed_ip;
    seize_options_ = kOptions;
    stops_all_ = true;
    bool known = tasks().find(tid) != nullptr;  // the supervisor's first process is a task of the path already
    Traced& t = track(tid, 0);
    t.startup = t.hand_back = t.under_trap_filter = true;
    t.observed = observed;
    t.announced = true;
    if (!g_wake_tid.load()) g_wake_tid.store(tid);
    if (observed && !known) path_.new_task(t.task, nullptr);
    return {};
}

void PtraceBackend::lend_allowed_ip(Traced& t) {
    user_regs_struct regs;
    if (ptrace_call(PTRACE_GETREGS, t.task.tid, 0, reinterpret_cast<unsigned long>(&regs)) < 0) return;
    t.program_ip = regs.rip;
    regs.rip = allowed_ip_;
    ptrace_call(PTRACE_SETREGS, t.task.tid, 0, reinterpret_cast<unsigned long>(&regs));
}

// Unless the call has set an ip of its own (exec, a signal return).
void PtraceBackend::restore_program_ip(Traced& t, std::uint64_t ip) {
    user_regs_struct regs;
    if (ptrace_call(PTRACE_GETREGS, t.task.tid, 0, reinterpret_cast<unsigned long>(&regs)) < 0 || regs.rip != allowed_ip_)
        return;
    regs.rip = ip;
    ptrace_call(PTRACE_SETREGS, t.task.tid, 0, reinterpret_cast<unsigned long>(&regs));
}

namespace {

// Reads exactly n bytes from a pipe; false at its end (the writer is gone).
bool read_all(int fd, void* buf, std::size_t n) {
    auto* p = static_cast<char*>(buf);
    while (n) {
        ssize_t got = ::read(fd, p, n);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return false;
        p += got;
        n -= static_cast<std::size_t>(got);
    }
    return true;
}

}  // namespace

// strace -D: the process lstar was started as becomes the program (the shell
// that ran lstar waits for the program itself, and its pid is the program's),
// and lstar goes on as its grandchild, which seizes it. The child in between
// leaves at once, so the tracer is reparented away from the program's tree;
// -DD puts the tracer into a process group of its own, -DDD into a session of
// its own, out of reach of the terminal's signals to the program's group.
Status PtraceBackend::launch_daemonized(const std::function<void()>& become_program) {
    // to_program: the tracer's pid, then one byte once the program is held (EOF:
    // the tracer gave up); to_tracer: one byte once the program lets it trace.
    int to_program[2], to_tracer[2];
    if (::pipe2(to_program, O_CLOEXEC) < 0) return error(fmt::format("pipe: {}", std::strerror(errno)), errno);
    if (::pipe2(to_tracer, O_CLOEXEC) < 0) {
        int err = errno;
        ::close(to_program[0]);
        ::close(to_program[1]);
        return error(fmt::format("pipe: {}", std::strerror(err)), err);
    }
    pid_t program_pid = ::getpid();
    auto close_pipes = [&] {
        for (int fd : {to_program[0], to_program[1], to_tracer[0], to_tracer[1]}) ::close(fd);
    };
    pid_t middle = ::fork();
    if (middle < 0) {
        int err = errno;
        close_pipes();
        return error(fmt::format("fork: {}", std::strerror(err)), err);
    }
    if (middle > 0) {
        ::close(to_program[1]);
        ::close(to_tracer[0]);
        int status;
        while (::waitpid(middle, &status, 0) < 0 && errno == EINTR) {}
        pid_t tracer = 0;
        if (!read_all(to_program[0], &tracer, sizeof tracer)) {
            print_error(error("-D: cannot start the tracer process"));
            ::_exit(1);
        }
        // Yama's ptrace_scope 1 lets a process trace only its descendants unless the
        // tracee names it (EINVAL without Yama: nothing to do).
        ::prctl(PR_SET_PTRACER, static_cast<unsigned long>(tracer), 0, 0, 0);
        char go = 1;
        if (::write(to_tracer[1], &go, 1) != 1) ::_exit(1);
        if (!read_all(to_program[0], &go, 1)) ::_exit(1);
        ::close(to_program[0]);
        ::close(to_tracer[1]);
        become_program();
        ::_exit(127);
    }
    // The child in between: it makes the tracer, tells the program its pid, and leaves.
    ::close(to_program[0]);
    ::close(to_tracer[1]);
    pid_t grandchild = ::fork();
    if (grandchild != 0) {
        if (grandchild > 0 && ::write(to_program[1], &grandchild, sizeof grandchild) == sizeof grandchild) ::_exit(0);
        ::_exit(1);
    }
    // The tracer, from here on the session's process.
    if (options_.daemonize >= 3) ::setsid();
    else if (options_.daemonize == 2) ::setpgid(0, 0);
    char go;
    auto give_up = [&](Error e) {
        ::close(to_program[1]);
        ::close(to_tracer[0]);
        return e;
    };
    if (!read_all(to_tracer[0], &go, 1)) return give_up(error("the program ended before lstar could trace it"));
    if (ptrace_call(PTRACE_SEIZE, program_pid, 0, seize_options_) < 0) {
        int err = errno;
        return give_up(error(fmt::format("PTRACE_SEIZE {}: {}", program_pid, std::strerror(err)), err));
    }
    // Held at its next step: the stop's resume is what makes its calls stop.
    ptrace_call(PTRACE_INTERRUPT, program_pid);
    hold_launched(program_pid);
    if (::write(to_program[1], &go, 1) != 1) {
        int err = errno;
        return give_up(error(fmt::format("cannot start the program: {}", std::strerror(err)), err));
    }
    ::close(to_program[1]);
    ::close(to_tracer[0]);
    return {};
}

Status PtraceBackend::attach(pid_t pid) {
    // A filter could not be removed again on detach, so attach always stops every call.
    options_.prefilter = false;
    stops_all_ = true;
    attached_ = true;
    seize_options_ = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC;
    if (options_.follow_forks)
        seize_options_ |= PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE;
    pid_t tgid = read_tgid(pid);
    std::string dir = fmt::format("/proc/{}/task", pid);
    // Threads may be created while we seize: repeat until a pass finds none new.
    for (bool found_new = true; found_new;) {
        found_new = false;
        DIR* d = ::opendir(dir.c_str());
        if (!d)
            return error(errno == ENOENT ? fmt::format("cannot attach to process {}: no such process", pid)
                                         : fmt::format("cannot attach to process {}: {}", pid, std::strerror(errno)),
                         errno);
        while (dirent* e = ::readdir(d)) {
            pid_t tid = static_cast<pid_t>(std::atoi(e->d_name));
            if (tid <= 0 || find(tid)) continue;
            if (ptrace_call(PTRACE_SEIZE, tid, 0, seize_options_) < 0) {
                if (errno == ESRCH) continue;  // the thread exited meanwhile
                // A thread that has exited but is not reaped yet (a leader that left with
                // pthread_exit stays a zombie until the last thread ends): nothing to trace.
                if (errno == EPERM && is_zombie(pid, tid)) continue;
                int err = errno;
                ::closedir(d);
                detach_all();
                return error(fmt::format("cannot attach to process {}: {}", tid, std::strerror(err)), err);
            }
            ptrace_call(PTRACE_INTERRUPT, tid);
            if (!g_wake_tid.load()) g_wake_tid.store(tid);
            Traced& t = track(tid, tgid);
            t.announced = true;
            path_.new_task(t.task, nullptr);
            found_new = true;
        }
        ::closedir(d);
    }
    return {};
}

void PtraceBackend::resume(Traced& t, int signo) {
    int op = (stops_all_ || t.exit_stop_wanted) ? PTRACE_SYSCALL : PTRACE_CONT;
    ptrace_call(op, t.task.tid, 0, static_cast<unsigned long>(signo));  // ESRCH: it died; waitpid says so
}

// The registers the syscall info leaves out (callee-saved ones, flags, segments); the
// number, arguments, ip and sp stay as the info gave them.
void PtraceBackend::fill_call_regs(Traced& t) {
    user_regs_struct regs;
    if (ptrace_call(PTRACE_GETREGS, t.task.tid, 0, reinterpret_cast<unsigned long>(&regs)) < 0) return;
    PtRegs& r = t.task.regs;
    r.r15 = regs.r15; r.r14 = regs.r14; r.r13 = regs.r13; r.r12 = regs.r12;
    r.r11 = regs.r11; r.flags = regs.eflags; r.cs = regs.cs; r.ss = regs.ss;
    if (t.task.abi == Abi::i386) {
        r.r10 = regs.r10; r.r9 = regs.r9; r.r8 = regs.r8;  // not arguments of int $0x80
    } else {
        r.bp = regs.rbp; r.bx = regs.rbx;
    }
}

void PtraceBackend::write_back(Traced& t, bool args, bool result, bool number) {
    user_regs_struct regs;
    if (ptrace_call(PTRACE_GETREGS, t.task.tid, 0, reinterpret_cast<unsigned long>(&regs)) < 0) return;
    const PtRegs& r = t.task.regs;
    if (args) {
        // Only orig_ax and the six argument registers of the call's ABI: task.regs holds
        // nothing else (the rest of it is zero), and rbx, rbp (x86_64) or r8..r10
        // (int $0x80 from 64-bit code) are the program's own values, not arguments.
        if (number) regs.orig_rax = r.orig_ax;
        if (t.task.abi == Abi::i386) {
            regs.rbx = r.bx; regs.rcx = r.cx; regs.rdx = r.dx;
            regs.rsi = r.si; regs.rdi = r.di; regs.rbp = r.bp;
        } else {
            regs.rdi = r.di; regs.rsi = r.si; regs.rdx = r.dx;
            regs.r10 = r.r10; regs.r8 = r.r8; regs.r9 = r.r9;
        }
    }
    if (result) regs.rax = static_cast<unsigned long long>(t.task.retval);
    ptrace_call(PTRACE_SETREGS, t.task.tid, 0, reinterpret_cast<unsigned long>(&regs));
}

// The call made once more with the arguments the path now gives it: back to the
// call instruction (2 bytes: syscall, int $0x80, sysenter, as the kernel restarts a
// call), the number in ax; its entry stops pass, its exit stop is the path's.
void PtraceBackend::call_again(Traced& t) {
    user_regs_struct regs;
    if (ptrace_call(PTRACE_GETREGS, t.task.tid, 0, reinterpret_cast<unsigned long>(&regs)) == 0) {
        write_back(t, true, false, true);
        ptrace_call(PTRACE_GETREGS, t.task.tid, 0, reinterpret_cast<unsigned long>(&regs));
        regs.rax = t.task.regs.orig_ax;
        regs.rip -= 2;
        ptrace_call(PTRACE_SETREGS, t.task.tid, 0, reinterpret_cast<unsigned long>(&regs));
    }
    t.again = true;
    t.exit_stop_wanted = true;
    resume(t, 0);
}

void PtraceBackend::on_syscall_stop(Traced& t) {
    ptrace_syscall_info info;
    if (ptrace_call(PTRACE_GET_SYSCALL_INFO, t.task.tid, sizeof info, reinterpret_cast<unsigned long>(&info)) <= 0)
        return resume(t, 0);
    Task& task = t.task;
    if (t.under_trap_filter && info.op == PTRACE_SYSCALL_INFO_ENTRY) lend_allowed_ip(t);
    if (t.under_trap_filter && info.op == PTRACE_SYSCALL_INFO_EXIT && t.program_ip)
        restore_program_ip(t, std::exchange(t.program_ip, 0));
    if (info.op == PTRACE_SYSCALL_INFO_ENTRY || info.op == PTRACE_SYSCALL_INFO_SECCOMP) {
        bool via_seccomp = info.op == PTRACE_SYSCALL_INFO_SECCOMP;
        const auto& nr_args = via_seccomp ? info.seccomp.args : info.entry.args;
        if (t.again) {
            // The call made once more: the path has it under way already.
            std::uint64_t nr = via_seccomp ? info.seccomp.nr : info.entry.nr;
            if (nr == task.regs.orig_ax && info.instruction_pointer == task.regs.ip) {
                t.exit_stop_wanted = true;
                return resume(t, 0);
            }
            t.again = false;  // a handler of the program's left for elsewhere (siglongjmp): it never came
        }
        task.abi = abi_of(info);
        task.regs = PtRegs{};
        task.regs.orig_ax = via_seccomp ? info.seccomp.nr : info.entry.nr;
        task.regs.ax = static_cast<std::uint64_t>(-ENOSYS);
        for (int i = 0; i < kMaxArgs; ++i) syscall_arg(task.regs, task.abi, i) = nr_args[i];
        task.regs.ip = info.instruction_pointer;
        task.regs.sp = info.stack_pointer;
        task.regs.cs = task.abi == Abi::i386 ? kUserCs32 : kUserCs64;
        task.enter_ns = monotonic_ns();
        task.enter_stime_ns = task.exit_stime_ns = stop_stime_ns_;
        if (t.startup) {
            if (!is_exec(task.abi, task.regs.orig_ax)) return resume(t, 0);
            t.startup = false;
        }
        if (options_.follow_forks && is_ptrace(task.abi, task.regs.orig_ax) && step_aside(t)) return;
        if (!t.observed) return resume(t, 0);
        t.exit_stop_wanted = true;
        if (options_.call_regs) fill_call_regs(t);
        switch (path_.syscall_enter(task)) {
        case Verdict::proceed:
            if (task.args_changed) write_back(t, true, false, true);
            break;
        case Verdict::skip:
            // orig_ax = -1: the kernel runs no call; the result is set at the exit stop.
            task.regs.orig_ax = ~0ull;
            write_back(t, true, false, true);
            task.regs.orig_ax = via_seccomp ? info.seccomp.nr : info.entry.nr;
            break;
        case Verdict::kill:
            ::kill(task.tid, SIGKILL);
            return;
        }
        int signo = task.resume_signal;
        task.resume_signal = 0;
        if (signo && via_seccomp) {
            if (::syscall(SYS_tgkill, task.tgid, task.tid, signo) == 0) t.injected_signal = signo;
            signo = 0;
        }
        return resume(t, signo);
    }
    if (info.op == PTRACE_SYSCALL_INFO_EXIT) {
        t.exit_stop_wanted = false;
        // The exec it was taken on for failed (a success ends hand_back at its exec
        // event): the in-process runtime goes on with it, tracing it as before.
        auto hand_back = [&] {
            ptrace_call(PTRACE_DETACH, task.tid, 0, 0);  // quietly: no "detached" line
            forget(task.tid);
        };
        bool handing_back = t.hand_back && !t.startup && is_exec(task.abi, task.regs.orig_ax);
        // An exit with no entry seen: the call was under way when lstar attached.
        if (!t.observed || task.phase != SyscallPhase::entered) return handing_back ? hand_back() : resume(t, 0);
        task.exit_ns = monotonic_ns();
        task.exit_stime_ns = stop_stime_ns_;
        bool skipped = task.skipped;
        if (!skipped) task.retval = info.exit.rval;
        // Exit work may give the program its own arguments back (a name the
        // file-system view rewrote): the call's registers are the program's again.
        task.args_changed = false;
        t.again = false;
        path_.syscall_exit(task);
        if (task.again) return call_again(t);
        if (skipped || task.retval_changed || task.args_changed)
            write_back(t, task.args_changed, skipped || task.retval_changed, false);
        return handing_back ? hand_back() : resume(t, 0);
    }
    resume(t, 0);
}

void PtraceBackend::on_event_stop(Traced& t, int event, int signo) {
    unsigned long msg = 0;
    switch (event) {
    case PTRACE_EVENT_FORK:
    case PTRACE_EVENT_VFORK:
    case PTRACE_EVENT_CLONE: {
        ptrace_call(PTRACE_GETEVENTMSG, t.task.tid, 0, reinterpret_cast<unsigned long>(&msg));
        pid_t child = static_cast<pid_t>(msg);
        bool thread = event == PTRACE_EVENT_CLONE && read_tgid(child) == t.task.tgid;
        bool fresh = !find(child);
        Traced& c = track(child, thread ? t.task.tgid : child);
        if (fresh) inherit(c, &t);
        if (fresh || !c.announced) {
            c.observed = t.observed && options_.follow_forks;
            c.task.abi = t.task.abi;
            c.announced = true;
            if (c.observed) path_.new_task(c.task, &t.task);
        }
        break;
    }
    case PTRACE_EVENT_EXEC: {
        ptrace_call(PTRACE_GETEVENTMSG, t.task.tid, 0, reinterpret_cast<unsigned long>(&msg));
        if (on_task_change) on_task_change(t.task.tgid, TaskChange::exec);
        // The new image has not run yet: its stack is as the kernel built it.
        if (t.observed && options_.image_view.any()) {
            user_regs_struct regs;
            if (ptrace_call(PTRACE_GETREGS, t.task.tid, 0, reinterpret_cast<unsigned long>(&regs)) == 0)
                apply_image_view(t.mem, regs.rsp, regs.cs != kUserCs32, options_.image_view);
        }
        pid_t former = static_cast<pid_t>(msg);
        pid_t leader = t.task.tid;  // t is replaced below when another thread ran execve
        if (former != leader) {
            // A non-leader thread ran execve: it now has the leader's id, and its state
            // (in the middle of execve) replaces the old leader's. The process stays
            // observed if its leader was (a thread lstar follows only for the filter
            // must not take the program out of the trace).
            bool leader_observed = t.observed;
            if (Traced* execing = find(former)) {
                execing->task.tid = execing->task.tgid = leader;
                execing->mem.retarget(leader);
                execing->observed = execing->observed || leader_observed;
                execing->startup = execing->hand_back = false;
                // The path hears of it while the old leader is still there to be ended.
                if (execing->observed) path_.exec(execing->task, former, &t.task);
                tasks().take_over(former, leader);
                if (g_wake_tid.load() == former) g_wake_tid.store(leader);
                return after_exec(*find(leader));
            }
        }
        Traced& now = track(leader, leader);
        now.startup = now.hand_back = false;
        if (now.observed) path_.exec(now.task, leader, nullptr);  // (an untracked thread's exec: as the leader's)
        return after_exec(now);
    }
    case PTRACE_EVENT_STOP:
        if (is_group_stop_signal(signo)) {
            // A group stop: the task stays stopped until SIGCONT, but still reports.
            ptrace_call(PTRACE_LISTEN, t.task.tid);
            return;
        }
        break;  // PTRACE_INTERRUPT or a new child's first stop
    default:
        break;
    }
    resume(t, 0);
}

void PtraceBackend::after_exec(Traced& t) {
    // -b execve (strace's): a process that has exec'd is let go, its execve shown
    // unfinished; the launched program's first exec is the start of the trace.
    bool first = skip_one_exec_ && t.task.tgid == main_pid_;
    if (first) skip_one_exec_ = false;
    if (!options_.detach_on_exec || first || !t.observed) return resume(t, 0);
    if (t.task.tgid == main_pid_) main_detached_ = true;
    let_go(t, 0);
}

void PtraceBackend::on_signal_stop(Traced& t, int signo) {
    siginfo_t si;
    if (ptrace_call(PTRACE_GETSIGINFO, t.task.tid, 0, reinterpret_cast<unsigned long>(&si)) < 0) {
        // No siginfo: a group stop of a task seized before it stopped.
        ptrace_call(PTRACE_LISTEN, t.task.tid);
        return;
    }
    if (t.startup && signo == SIGCONT && si.si_code == SI_USER && si.si_pid == ::getpid()) {
        // The SIGCONT launch() sent to let the child go: lstar's, not the program's.
        return resume(t, 0);
    }
    if (signo == t.injected_signal && si.si_code == SI_TKILL && si.si_pid == ::getpid()) {
        t.injected_signal = 0;
        si = siginfo_t{};
        si.si_signo = signo;
        si.si_code = SI_KERNEL;
        ptrace_call(PTRACE_SETSIGINFO, t.task.tid, 0, reinterpret_cast<unsigned long>(&si));
    }
    if (t.observed) {
        user_regs_struct regs;
        if (options_.signal_ip &&
            ptrace_call(PTRACE_GETREGS, t.task.tid, 0, reinterpret_cast<unsigned long>(&regs)) == 0) {
            // Only for the hooks' view of this stop: the call's own ip comes back after.
            std::uint64_t call_ip = t.task.regs.ip;
            t.task.regs.ip = regs.rip;
            path_.signal(t.task, si);
            t.task.regs.ip = call_ip;
        } else {
            path_.signal(t.task, si);
        }
    }
    resume(t, signo);
}

// A new child whose first stop came before its parent's fork/clone event (waitpid
// reports tasks in any order). It runs on at once, so the path must know it now, not
// when the parent's event comes: its creator is found through /proc (its thread
// group for a thread, its parent process otherwise).
PtraceBackend::Traced& PtraceBackend::adopt_early_child(pid_t tid) {
    pid_t tgid = read_tgid(tid);
    pid_t creator_group = tgid != tid ? tgid : read_status_id(tid, "PPid", 0);
    Traced* creator = nullptr;
    tasks().for_each([&](Task& other) {
        if (other.tgid == creator_group && (!creator || other.tid == creator_group))
            creator = other.find_state<Traced>(kBackendSlot);
    });
    Traced& c = track(tid, tgid);
    c.observed = options_.follow_forks && (!creator || creator->observed);
    if (creator) c.task.abi = creator->task.abi;
    inherit(c, creator);
    c.announced = true;
    if (c.observed) path_.new_task(c.task, creator ? &creator->task : nullptr);
    return c;
}

// A new child: its creator's trap filter (and, until its first stop, the
// registers of the creator's call), and one task more for the count.
void PtraceBackend::inherit(Traced& child, const Traced* creator) {
    if (creator && creator->under_trap_filter) {
        child.under_trap_filter = true;
        child.child_ip = creator->program_ip;
    }
    if (on_task_change) on_task_change(child.task.tgid, TaskChange::created);
}

void PtraceBackend::on_exit_status(pid_t tid, int status) {
    if (Traced* t = find(tid)) {
        if (t->observed) path_.task_exit(t->task, status);
        if (on_task_change) on_task_change(t->task.tgid, TaskChange::ended);
        forget(tid);
    }
    if (tid == main_pid_) main_status_ = status;
}

bool PtraceBackend::handle_stop_request() {
    int signo = g_stop_signal.exchange(0);
    if (!signo) return false;
    if (attached_) {
        detach_all();
        return true;
    }
    if (main_pid_ && find(main_pid_)) ::kill(main_pid_, signo);
    return false;
}

bool PtraceBackend::step_aside(Traced& caller) {
    long request = static_cast<long>(caller.task.arg(0));
    if (request != PTRACE_TRACEME && request != PTRACE_ATTACH && request != PTRACE_SEIZE) return false;
    pid_t tracee = request == PTRACE_TRACEME ? caller.task.tid : static_cast<pid_t>(caller.task.arg(1));
    Traced* t = find(tracee);
    if (!t) return false;
    if (t->under_trap_filter) {
        // Its calls pass the in-process trap filter only through lstar (take_on).
        std::fprintf(stderr, "lstar: pid %d is to be traced: lstar cannot step aside for a tracer in a process the "
                             "in-process backend handed on to ptrace (use --backend=ptrace)\n", tracee);
        return false;
    }
    std::string tracer = request == PTRACE_TRACEME ? "its parent" : fmt::format("pid {}", caller.task.tid);
    if (options_.prefilter) {
        // The prefilter stays in the task: its RET_TRACE calls would fail with ENOSYS
        // under a tracer that did not ask for seccomp stops.
        std::fprintf(stderr, "lstar: pid %d is to be traced by %s: lstar cannot step aside for a tracer under its "
                             "seccomp prefilter (use --no-prefilter, or trace everything)\n", tracee, tracer.c_str());
        return false;
    }
    auto say = [&] {
        std::fprintf(stderr, "lstar: pid %d is traced by %s from here: lstar no longer follows it\n", tracee, tracer.c_str());
    };
    if (t == &caller) {
        // At its entry stop: detached there, it makes the call untraced.
        let_go(caller, 0);
        say();
        return true;
    }
    // Another task of the program: held at its next stop, then let go (a group stop
    // stays one after the detach, as the new tracer expects to find it).
    ptrace_call(PTRACE_INTERRUPT, tracee);
    for (;;) {
        int status;
        if (::waitpid(tracee, &status, __WALL) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (WIFEXITED(status) || WIFSIGNALED(status)) {
            on_exit_status(tracee, status);
            break;
        }
        int signo = WSTOPSIG(status), event = status >> 16;
        let_go(*t, event == 0 && signo != (SIGTRAP | 0x80) ? signo : 0);
        say();
        break;
    }
    resume(caller, 0);
    return true;
}

void PtraceBackend::let_go(Traced& t, int pass) {
    pid_t tid = t.task.tid;
    if (t.task.skipped && t.task.phase == SyscallPhase::entered) {
        // A skipped call still owes its result.
        write_back(t, false, true, false);
    }
    if (t.observed) path_.detach(t.task);
    ptrace_call(PTRACE_DETACH, tid, 0, static_cast<unsigned long>(pass));
    forget(tid);
}

void PtraceBackend::detach_all() {
    // Every task must be in a ptrace stop to be detached: interrupt the running ones,
    // hold each at its next stop, then let them go in strace's order (by id: a
    // process's leader, then its threads), handing back any signal each was about to get.
    tasks().for_each([](Task& task) { ptrace_call(PTRACE_INTERRUPT, task.tid); });
    std::map<pid_t, int> held;  // tid → the signal to pass on
    while (held.size() < tasks().size()) {
        // A leader that left with pthread_exit is a zombie that waitpid reports only
        // once its threads are gone: stop waiting when only such tasks are left.
        bool all_zombies = true;
        tasks().for_each([&](Task& task) {
            if (all_zombies && !held.count(task.tid) && !is_zombie(task.tgid, task.tid)) all_zombies = false;
        });
        if (all_zombies) break;
        int status;
        pid_t tid = ::waitpid(-1, &status, __WALL);
        if (tid < 0) {
            if (errno == EINTR) continue;
            break;
        }
        Traced* t = find(tid);
        if (!t) {
            // A child auto-attached (fork event) while lstar was detaching: let it go too.
            if (WIFSTOPPED(status)) ptrace_call(PTRACE_DETACH, tid, 0, 0);
            continue;
        }
        if (WIFEXITED(status) || WIFSIGNALED(status)) {
            held.erase(tid);
            on_exit_status(tid, status);
            continue;
        }
        int signo = WSTOPSIG(status);
        int event = status >> 16;
        int pass = 0;
        if (event == 0 && signo != (SIGTRAP | 0x80)) pass = signo;  // a signal-delivery stop
        held[tid] = pass;
    }
    for (auto [tid, pass] : held)
        if (Traced* t = find(tid)) let_go(*t, pass);
    // Tasks never held (zombie leaders) are let go when lstar exits.
    tasks().for_each([&](Task& task) {
        if (Traced* t = task.find_state<Traced>(kBackendSlot); t && t->observed) path_.detach(task);
    });
    tasks().clear();
    g_wake_tid.store(0);
}

void PtraceBackend::on_stop(Traced& t, int status) {
    if (t.child_ip) restore_program_ip(t, std::exchange(t.child_ip, 0));  // a new child, before it runs
    int signo = WSTOPSIG(status);
    int event = status >> 16;
    if (signo == (SIGTRAP | 0x80)) on_syscall_stop(t);
    else if (event == PTRACE_EVENT_SECCOMP) on_syscall_stop(t);
    else if (event) on_event_stop(t, event, signo);
    else on_signal_stop(t, signo);
}

bool PtraceBackend::on_wait_status(pid_t tid, int status, const rusage* usage) {
    Traced* known = find(tid);
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
        if (!known && tid != main_pid_) return false;
        on_exit_status(tid, status);
        return true;
    }
    if (!WIFSTOPPED(status)) return known != nullptr;
    if (usage)
        stop_stime_ns_ = static_cast<std::uint64_t>(usage->ru_stime.tv_sec) * 1000000000u +
                         static_cast<std::uint64_t>(usage->ru_stime.tv_usec) * 1000u;
    on_stop(known ? *known : adopt_early_child(tid), status);  // only a tracee stops for waitpid
    return true;
}

int PtraceBackend::run() {
    while (!tasks().empty()) {
        if (handle_stop_request()) break;
        if (path_.detach_all_requested()) {
            detach_all();
            break;
        }
        int status;
        // -c: the rusage of a stopped task is its process's (getrusage RUSAGE_BOTH), as
        // strace reads it; its ru_stime at the entry and exit stops brackets the call.
        rusage ru;
        pid_t tid = ::wait4(-1, &status, __WALL, options_.cpu_times ? &ru : nullptr);
        if (tid < 0) {
            if (errno == EINTR) continue;
            break;  // ECHILD: nothing left
        }
        on_wait_status(tid, status, options_.cpu_times ? &ru : nullptr);
    }
    // The launched program, let go at an exec (-b execve), is still lstar's child
    // (not with -D): lstar ends when it does, with its status.
    if (main_detached_ && !options_.daemonize)
        while (::waitpid(main_pid_, &main_status_, 0) < 0 && errno == EINTR) {}
    return main_status_;
}

}  // namespace lstar
