// The in-process runtime: execve, by a new runtime image through the kernel or
// by replacing the program in the same process.
#include <dirent.h>
#include <sys/socket.h>

#include "entry/inproc/exe_file.hpp"
#include "entry/inproc/exec_marks.hpp"
#include "entry/inproc/runtime.hpp"
#include "table/entry_meta.hpp"

namespace lstar::inproc {

// execve: the program's new image is a new runtime image that loads it, so the
// filter's traps keep landing in a handler. A file the runtime cannot load is
// refused here with the error the kernel would give, before the old image is gone.
std::uint64_t Runtime::exec(ThreadState& ts, ucontext_t* uc, std::uint64_t fs, bool at) {
    Task& task = ts.task;
    long dirfd = at ? static_cast<long>(task.arg(0)) : AT_FDCWD;
    long flags = at ? static_cast<long>(task.arg(4)) : 0;
    std::uint64_t path_arg = task.arg(at ? 1 : 0), argv_arg = task.arg(at ? 2 : 1);
    std::string shown;
    long failure = 0;
    if (strncpy_from_user(mem_, shown, UserPtr<const char>(path_arg), PATH_MAX) < 0) failure = -EFAULT;
    std::string load = shown;
    ProbedProgram probed;  // closed at return, or handed to the load of an exec in place
    if (at && !failure) failure = execveat_target(dirfd, flags, shown, &load);
    // The running program's own file, not lstar's (which the kernel's link names).
    if (load == "/proc/self/exe" || load == "/proc/thread-self/exe" || load == fmt::format("/proc/{}/exe", pid_))
        load = exe_path;
    else if (!failure && image_view.exec_path && !load.empty())
        load = image_view.exec_path(load);  // in a file-system view: the file the program names there
    if (!failure) {
        int probe = probe_executable(load.c_str(), &probed);
        if (probe == kNotX86_64 && args_.handover_fd >= 0 && task.abi == Abi::x86_64) {
            return exec_under_ptrace(ts, uc, fs, shown);
        } else if (probe == kNotX86_64) {
            warn(fmt::format("{}: not an x86_64 program: the in-process backend runs x86_64 programs only "
                             "(trace it with --backend=ptrace)", shown));
            failure = -ENOEXEC;
        } else if (probe < 0) {
            if (probe == -EACCES && execute_only(load))
                warn(fmt::format("{}: may be executed but not read: the in-process backend cannot load it "
                                 "(trace it with --backend=ptrace)", shown));
            failure = probe;
        }
    }
    std::vector<std::string> argv;
    if (!failure) failure = read_strings(argv_arg, &argv);
    if (failure) return run_call(ts, uc, fs, &failure);

    flush_now();
    // A vfork child shares the trace's buffer and the tracer with its parent, which
    // would write this call's entry as soon as it runs again: there, the call is
    // shown only by the new image (or whole, here, if the exec fails).
    bool borrowed = sys(SYS_getpid) != pid_;
    Verdict verdict = borrowed ? Verdict::proceed : enter(ts);
    if (verdict != Verdict::proceed) return complete(ts, uc, fs, verdict);
    ImageArgs next = args_;
    next.traced = ts.traced;
    next.sigsys_blocked = ts.sigsys_blocked;
    next.sigsys_ignored = sigsys_action_.handler == 1;
    next.exec_nr = static_cast<long>(task.nr());
    next.exec_tid = task.tid != sys(SYS_getpid) ? task.tid : 0;  // a thread: it takes the leader's id
    if (next.exec_tid && ts.traced && !borrowed) {
        // strace shows a thread's execve begun, broken by the line of the leader it
        // supersedes: the beginning is written here, and the new image resumes it
        // and ends the leader's call (report_exec); if the exec fails, it resumes here.
        path_.call_suspended(task);
        flush_now();
        path_.call_resumed(task);
        if (Task* leader = path_.tasks().find(pid_); leader && leader->phase == SyscallPhase::entered)
            if (ThreadState* lts = leader->find_state<ThreadState>(kBackendSlot); lts && lts->traced && leader->abi == Abi::x86_64) {
                next.leader_call.push_back(static_cast<long>(leader->nr()));
                for (int i = 0; i < kMaxArgs; ++i) next.leader_call.push_back(static_cast<long>(leader->arg(i)));
            }
    }
    next.exec_dirfd = dirfd;
    next.exec_flags = flags;
    next.shown_path = shown;
    next.load_path = load;
    next.argv = std::move(argv);
    if (can_exec_in_process()) {
        std::vector<std::string> envp;
        if (read_strings(task.arg(at ? 3 : 2), &envp) == 0) {
            pending_ = PendingExec{std::move(next), std::move(envp), mask_of(uc) & ~kSigsysBit, std::move(probed)};
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
    end_image();  // the new image starts afresh
    ts.call_fs = fs;
    enter_program_context(mask_of(uc) & ~kSigsysBit);
    long result = sys(SYS_execve, ptr(runtime_file()), ptr(pointers.data()), static_cast<long>(task.arg(at ? 3 : 2)));
    leave_program_context();
    if (borrowed) return run_call(ts, uc, fs, &result);
    return complete(ts, uc, fs, Verdict::proceed, &result);
}

// --backend=auto: a program the runtime cannot run (32-bit) goes on under
// ptrace. The supervisor seizes this thread, answering on a pipe whose write end
// travels with the request; then the program's own call runs from lstar's text,
// the first the supervisor's ptrace backend reports (the trap filter lets it
// through, and the new program's calls too: docs/inproc.md, "Hand-over").
// The runtime's descriptors close at the exec. If it fails, the supervisor has
// reported it and let go again, and the program gets the error from here.
std::uint64_t Runtime::exec_under_ptrace(ThreadState& ts, ucontext_t* uc, std::uint64_t fs, const std::string& shown) {
    Task& task = ts.task;
    flush_now();  // this process's lines come before those the supervisor writes for it
    int answer[2];
    long taken = sys(SYS_pipe2, ptr(answer), O_CLOEXEC);
    if (taken == 0) {
        HandOverRequest request{task.tid, ts.traced};
        iovec iov{&request, sizeof request};
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        cmsghdr* cm = CMSG_FIRSTHDR(&msg);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(cm), &answer[1], sizeof(int));
        long sent = sys(SYS_sendmsg, args_.handover_fd, ptr(&msg), MSG_NOSIGNAL);
        sys(SYS_close, answer[1]);
        char reply = 0;
        taken = sent;
        if (sent >= 0)
            do taken = sys(SYS_read, answer[0], ptr(&reply), 1);
            while (taken == -EINTR);
        sys(SYS_close, answer[0]);
        if (taken == 1 && reply != 'y') taken = -EPERM;
    }
    if (taken != 1) {
        warn(fmt::format("{}: not an x86_64 program, and lstar could not take it on under ptrace ({}): trace it "
                         "with --backend=ptrace", shown, std::strerror(taken < 0 ? static_cast<int>(-taken) : EPIPE)));
        long failure = -ENOEXEC;
        return run_call(ts, uc, fs, &failure);
    }
    std::vector<int> reserved = args_.reserved_fds();
    for (int fd : reserved) sys(SYS_fcntl, fd, F_SETFD, FD_CLOEXEC);
    end_image();
    std::uint64_t mask = mask_of(uc) & ~kSigsysBit;
    if (ts.sigsys_blocked) mask |= kSigsysBit;  // as the program believes it is: nothing traps from here on
    long a[kMaxArgs];
    for (int i = 0; i < kMaxArgs; ++i) a[i] = static_cast<long>(task.arg(i));
    enter_program_context(mask);
    long result = sys(static_cast<long>(task.nr()), a[0], a[1], a[2], a[3], a[4], a[5]);
    leave_program_context();
    for (int fd : reserved) sys(SYS_fcntl, fd, F_SETFD, 0);
    // Reported by the supervisor already.
    bool traced = std::exchange(ts.traced, false);
    std::uint64_t back = run_call(ts, uc, fs, &result);
    ts.traced = traced;
    return back;
}

// The kernel refuses setpgid on a child of the caller that has exec'd (EACCES,
// after the checks that come before it: its session); the in-process exec left
// its mark for that.
HandlerResult Runtime::setpgid_call(Task& task) {
    auto target = static_cast<pid_t>(task.arg(0));
    if (target <= 0 || target == pid_ || !exec_marks().marked(target)) return kPassThrough;
    std::vector<std::uint64_t> stat = proc_stat(target);
    if (stat.size() <= 4 || static_cast<pid_t>(stat[4]) != pid_ || sys(SYS_getsid, target) != sys(SYS_getsid, 0)) return kPassThrough;
    return emulated(-EACCES);
}

// What execveat runs, checked as the kernel checks it: its flags, its directory
// descriptor (where the path is relative, or empty with AT_EMPTY_PATH), a final
// symbolic link under AT_SYMLINK_NOFOLLOW. 0, or the error.
long Runtime::execveat_target(long dirfd, long flags, const std::string& path, std::string* load) {
    if (flags & ~long(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)) return -EINVAL;
    bool empty = path.empty() && (flags & AT_EMPTY_PATH);
    if (path.empty() && !empty) return -ENOENT;
    bool relative = empty || path[0] != '/';
    if (relative && dirfd != AT_FDCWD) {
        if (dirfd < 0 || reserved(dirfd) || sys(SYS_fcntl, dirfd, F_GETFD) < 0) return -EBADF;
        *load = empty ? fmt::format("/proc/self/fd/{}", dirfd) : fmt::format("/proc/self/fd/{}/{}", dirfd, path);
    }
    struct stat st{};
    if (!empty && (flags & AT_SYMLINK_NOFOLLOW) &&
        sys(SYS_newfstatat, dirfd, ptr(path.c_str()), ptr(&st), AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
        return -ELOOP;
    return 0;
}

// A NULL-terminated array of strings in the program's memory (execve's argv and
// envp): 0, or execve's error for it. A NULL array is an empty one, as on Linux.
long Runtime::read_strings(std::uint64_t array, std::vector<std::string>* out) {
    BlockReads pages(mem_);  // a read per page, not two per string
    for (std::uint64_t i = 0; array; ++i) {
        std::uint64_t p = 0;
        if (copy_from_user(pages, p, UserPtr<std::uint64_t>(array + 8 * i)) != 0) return -EFAULT;
        if (p == 0) break;
        if (out->size() > 1u << 20) return -E2BIG;
        if (strncpy_from_user(pages, out->emplace_back(), UserPtr<const char>(p), 1u << 17) < 0) return -EFAULT;
    }
    return 0;
}

// An exec needs a kernel exec of lstar only when this process shares its memory
// with another (a vfork child) or has other threads (the kernel ends them).
// Otherwise the runtime replaces the program itself: the same steps as
// binfmt_elf (drop the old mappings, reset what exec resets, load), minus
// starting a new lstar, which would cost more than the program's own exec.
bool Runtime::can_exec_in_process() {
    if (!lstar_allocator_regions || !exec_stack_top) return false;
    if (sys(SYS_getpid) != pid_) return false;  // a vfork child, in its parent's memory
    // (A thread whose leader has left takes the leader's id at exec: the kernel's work.)
    return live_threads_ == 1 && clones_in_flight_ == 0 && !leader_left_;
}

// Unmaps every mapping but lstar's own: its image, its heap (the allocator's
// regions, the brk area below the program's heap), its original stack (its
// environment and auxv), the vDSO, the pages the runtime made, and lstar's
// shared memfd mappings.
void Runtime::unmap_program() {
    std::string maps = own_maps();
    std::vector<std::pair<std::uintptr_t, std::uintptr_t>> keep, doomed;
    keep.reserve(64);
    doomed.reserve(64);
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
        // lstar's own shared state (the virtual view's record): memfds named lstar-*.
        if (line.find("/memfd:lstar-") != std::string_view::npos) continue;
        // Neighbouring mappings (a program's segments, its stack and guard) go in one munmap.
        if (!doomed.empty() && doomed.back().second == b) doomed.back().second = e;
        else doomed.emplace_back(b, e);
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
    lstar_inproc_fs_self = 0;  // the new program sets its own
    tid_by_fs_.clear();
    fs_per_thread_ = true;
    // What stays of the old program in lstar: its execve's open line, which the
    // report below replaces, as after a kernel exec.
    purge_outputs();
    path_.process_copied(thread(pid_).task);
    path_.tasks().for_each([](Task& task) {
        const Rseq& r = task.find_state<ThreadState>(kBackendSlot)->rseq;
        if (r.addr) sys(SYS_rseq, static_cast<long>(r.addr), static_cast<long>(r.len), 1, static_cast<long>(r.sig));
    });
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
    watch_default_signals();  // the defaults those handlers left
    live_threads_ = 1;
    stack_t no_stack{};
    no_stack.ss_flags = SS_DISABLE;
    sys(SYS_sigaltstack, ptr(&no_stack), 0);

    // Loaded before close-on-exec descriptors close, as the kernel opens the file
    // first: fexecve of one of them (execveat(fd, "", AT_EMPTY_PATH)) runs it.
    Result<LoadedProgram> loaded = load_program(image_view.exec_path ? job.args.shown_path : job.args.load_path, job.args.argv,
                                                job.envp, job.args.load_path, std::move(job.probed));
    if (!loaded) {
        warn(loaded.error().message);
        sys(SYS_exit_group, 127);
    }
    exec_marks().mark(pid_);  // before the descriptors close, as the kernel clears PF_FORKNOEXEC before
    close_on_exec_fds();
    const LoadedProgram& program = *loaded;
    char resolved[PATH_MAX];
    exe_path = ::realpath(program.path.c_str(), resolved) ? resolved : program.path;
    sites.forget();  // the old program's sites and their stubs are unmapped
    show_program_to_kernel(program, false);  // the old program's file is no longer mapped
    args_ = job.args;
    traced_ = job.args.traced;
    configure_sites();
    sigsys_action_ = KernelSigaction{args_.sigsys_ignored ? 1u : 0u, 0, 0, 0};
    apply_image_view(program);
    path_.tasks().clear();
    add_main_thread(pid_);
    std::string name = program.path.substr(program.path.rfind('/') + 1);
    ::prctl(PR_SET_NAME, name.c_str(), 0, 0, 0);
    report_exec(args_, job.envp);
    unlock();
    sys(SYS_rt_sigprocmask, SIG_SETMASK, ptr(&job.mask), 0, 8);
    start_program(program);
}

// The new image reports the execve that started it, with copies of what the
// call was given (the old image is gone): the line strace shows at its exit.
void Runtime::report_exec(const ImageArgs& args, const std::vector<std::string>& envp) {
    ThreadState& ts = thread(pid_);
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
    const SyscallDesc& row = syscall_table(Abi::x86_64)[static_cast<std::size_t>(args.exec_nr)];
    if (row.effective().entry == meta::sys_execveat::name) {
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
    if (args.exec_tid > 0 && args.exec_tid != pid_) {
        // Made by a thread, which has taken the leader's id: strace shows the call
        // begun in the thread (written by the former image), the leader's call
        // ended unfinished, the leader superseded, and the call resumed as the leader.
        path_.entry_seen(task);
        Task leader;
        if (args.leader_call.size() == 1 + kMaxArgs) {
            leader.tid = leader.tgid = pid_;
            leader.regs.orig_ax = static_cast<std::uint64_t>(args.leader_call[0]);
            for (int i = 0; i < kMaxArgs; ++i) syscall_arg(leader.regs, Abi::x86_64, i) = static_cast<std::uint64_t>(args.leader_call[1 + i]);
            leader.enter_ns = task.enter_ns;
            path_.entry_seen(leader);
        }
        path_.exec(task, args.exec_tid, leader.tid ? &leader : nullptr);
        task.retval = 0;
        path_.syscall_exit(task);
    } else {
        task.retval = 0;
        task.entered_elsewhere = true;
        path_.syscall_exit(task);
        task.entered_elsewhere = false;
    }
    task.phase = SyscallPhase::none;
    flush();
}

void close_on_exec_fds() {
    // Raw getdents64 into a buffer on the stack: opendir's 32 KiB buffer would be a
    // mapping of its own (mmap, faults, munmap) at every exec.
    long dir = sys(SYS_openat, AT_FDCWD, ptr("/proc/self/fd"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return;
    std::vector<int> doomed;
    alignas(8) char buf[2048];
    for (long n; (n = sys(SYS_getdents64, dir, ptr(buf), sizeof buf)) > 0;)
        for (long at = 0; at < n;) {
            const auto* e = reinterpret_cast<const dirent64*>(buf + at);  // the kernel's linux_dirent64
            at += e->d_reclen;
            if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
            long fd = std::atol(e->d_name);
            if (fd == dir) continue;
            long flags = sys(SYS_fcntl, fd, F_GETFD);
            if (flags >= 0 && (flags & FD_CLOEXEC)) doomed.push_back(static_cast<int>(fd));
        }
    sys(SYS_close, dir);
    for (int fd : doomed) sys(SYS_close, fd);
}

}  // namespace lstar::inproc
