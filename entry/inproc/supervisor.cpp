// The in-process backend as the session drives it (entry/backend.hpp). In the
// lstar the user started it is the supervisor: it loads the trap filter into a
// child, execs the first runtime image there, and waits for the whole tree
// (as a child subreaper, orphans come back to it). It never stops anything:
// if it is killed, the kernel kills every process of the program (the lifeline).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>

#include <fmt/format.h>

#include "entry/backend.hpp"
#include "entry/bpf_program.hpp"
#include "entry/find_program.hpp"
#include "entry/inproc/exe_file.hpp"
#include "entry/inproc/exec_marks.hpp"
#include "entry/inproc/inproc.hpp"
#include "entry/inproc/loader.hpp"
#include "entry/inproc/session_tasks.hpp"
#include "entry/inproc/trap_filter.hpp"
#include "entry/ptrace/ptrace_backend.hpp"
#include "table/syscall_nr.hpp"

// The bounds of lstar's text (the GNU linker's names); lstar is linked at a
// fixed address, so they are the same in every runtime image.
extern "C" char __executable_start[];
extern "C" char etext[];

namespace lstar::inproc {

namespace {

std::atomic<int> g_forward_signal{0};

// Where the runtime's descriptors go. Above the program's soft RLIMIT_NOFILE
// when the hard limit leaves room: they then take nothing of its budget, and
// it cannot dup onto them (EBADF, EINVAL, as natively). Else high below it.
// The soft limit is raised while they are placed (`restore` puts it back).
constexpr rlim_t kReservedRoom = 16;
int reserved_fd_base(rlimit* restore) {
    if (::getrlimit(RLIMIT_NOFILE, restore) != 0) return 10;
    rlimit r = *restore;
    if (r.rlim_cur >= 64 && r.rlim_cur <= (1u << 20) && r.rlim_max >= r.rlim_cur + kReservedRoom) {
        r.rlim_cur += kReservedRoom;
        if (::setrlimit(RLIMIT_NOFILE, &r) == 0) return static_cast<int>(restore->rlim_cur);
    }
    if (r.rlim_cur < 64) return 10;
    return static_cast<int>(std::min<rlim_t>(r.rlim_cur, 1024) - 8);
}

class InprocBackend final : public Backend {
public:
    InprocBackend(SyscallPath& path, BackendOptions options) : path_(path), options_(std::move(options)) {
        // Carried into every image, as the outputs are.
        options_.outputs.push_back(&exec_marks());
        options_.outputs.push_back(&image_copy());
        options_.outputs.push_back(&session_tasks());
    }

    BackendTraits traits() const override { return kTraits; }
    Status launch(const std::vector<std::string>& argv) override;
    Status attach(pid_t) override {
        return error("--backend=inproc cannot attach to a running process (-p): use --backend=ptrace", EINVAL);
    }
    Status open_outputs() override;
    int run() override;
    void request_stop(int signo) override { g_forward_signal.store(signo); }
    // A runtime image runs the path for its program, whatever the path needs.
    bool may_step_aside() const override { return !image_args(); }
    std::function<long()> session_task_count() const override {
        return [] { return lstar::inproc::session_tasks().total(); };
    }

private:
    Status start(const std::vector<std::string>& argv);
    // --backend=auto's hand-over: the channel's end and the ptrace backend the
    // processes it takes on go to.
    Status open_hand_over(int base, ImageArgs* args);
    void serve_hand_overs();
    void on_wait_status(pid_t pid, int status, const rusage* usage);

    SyscallPath& path_;
    BackendOptions options_;
    pid_t child_ = 0;
    int lifeline_ = -1;  // the write end: open as long as this process lives
    int hand_over_ = -1;
    std::unique_ptr<PtraceBackend> handed_on_;
    int status_ = 0;        // the program's wait status
    bool main_done_ = false;
};

Status InprocBackend::open_outputs() {
    const ImageArgs* image = image_args();
    if (!image) return lstar::open_outputs(options_.outputs);
    for (SessionOutput* out : options_.outputs) out->share_buffer(false);
    // The channels the supervisor opened, at the descriptors it reserved for them.
    std::span<const int> fds = image->output_fds;
    for (SessionOutput* out : options_.outputs) {
        std::size_t n = std::min(out->fds().size(), fds.size());
        out->adopt(fds.first(n));
        fds = fds.subspan(n);
    }
    return {};
}

Status InprocBackend::launch(const std::vector<std::string>& argv) {
    if (!image_args()) return start(argv);
    // A runtime image: it loads the program and becomes it. If it cannot, the
    // program's exec has failed past the point of no return: as in a shell's
    // child, the message and status 127.
    Error failed = run_image(path_, options_.outputs, options_.image_view);
    for (SessionOutput* out : options_.outputs) out->flush();
    print_error(failed);
    ::_exit(127);
}

Status InprocBackend::start(const std::vector<std::string>& argv) {
    if (argv.empty()) return error("no program to run: give one after the options", EINVAL);
    Result<std::string> found = options_.program_host.empty() ? find_program(argv[0]) : options_.program_host;
    if (!found) return found.error();
    const std::string& program = *found;
    set_exec_names(options_.image_view.exec_path);
    if (int probe = probe_executable(program.c_str()); probe != 0)
        return probe < 0 ? error(fmt::format("cannot run '{}': {}", program, std::strerror(-probe)), -probe)
                         : error(fmt::format("cannot run '{}' in-process: not an x86_64 program", program), ENOEXEC);
    ImageArgs args;
    if (const char* mode = std::getenv("LSTAR_INPROC_PATCH"); mode && !parse_patch_mode(mode, &args.patch))
        return error(fmt::format("LSTAR_INPROC_PATCH={}: not a patch mode; give off, libraries (the default) or all",
                                 mode),
                     EINVAL);
    rlimit limit{};
    int base = reserved_fd_base(&limit);
    // The session's outputs and lstar's own stderr move out of the program's way
    // (the program's descriptors stay as they were).
    args.message_fd = ::fcntl(STDERR_FILENO, F_DUPFD, base);
    bool reserved = args.message_fd >= 0;
    for (SessionOutput* out : options_.outputs) out->share_buffer(true);
    for (SessionOutput* out : options_.outputs)
        for (int fd : out->fds()) {
            if (fd < 0) {  // a channel the session does without (no copy of lstar's image)
                args.output_fds.push_back(-1);
                continue;
            }
            int moved = ::fcntl(fd, F_DUPFD, base);
            reserved = reserved && moved >= 0;
            args.output_fds.push_back(moved);
        }
    // The lifeline: every process of the program holds the read end, with itself
    // as its owner and SIGKILL as its SIGIO; when the supervisor ends, however it
    // ends, the write end closes and the kernel kills them all (as ptrace's
    // PTRACE_O_EXITKILL does). The runtime claims it in each process (claim_lifeline).
    int lifeline[2];
    if (reserved && ::pipe2(lifeline, O_CLOEXEC) == 0) {
        args.lifeline_fd = ::fcntl(lifeline[0], F_DUPFD, base);
        ::close(lifeline[0]);
        lifeline_ = lifeline[1];
        reserved = args.lifeline_fd >= 0;
    } else {
        reserved = false;
    }
    if (reserved && options_.hand_over_to_ptrace) {
        Status opened = open_hand_over(base, &args);
        reserved = bool(opened);
        if (!reserved) errno = opened.error().err;
    }
    int failed = errno;
    ::setrlimit(RLIMIT_NOFILE, &limit);
    if (!reserved)
        return error(fmt::format("cannot reserve descriptors for the trace: {}", std::strerror(failed)), failed);
    args.cpu_times = options_.cpu_times;
    args.traced = true;
    args.follow = options_.follow_forks;
    args.exec_nr = nr::x86_64::execve;
    args.exec_dirfd = AT_FDCWD;
    args.shown_path = args.load_path = program;
    if (!options_.program_guest.empty()) args.shown_path = options_.program_guest;  // its name in the view
    args.argv = argv;
    args.command = options_.command;

    TrapFilterSpec spec;
    spec.text_begin = reinterpret_cast<std::uint64_t>(__executable_start);
    spec.text_end = reinterpret_cast<std::uint64_t>(etext);
    spec.reserved_fds = args.reserved_fds();
    Result<std::vector<sock_filter>> filter = build_trap_filter(path_, spec);
    if (!filter) return filter.error();
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    for (SessionOutput* out : options_.outputs) out->flush();
    std::fflush(stdout);
    std::fflush(stderr);
    session_tasks().expect(1);  // the program, counted before it runs
    pid_t child = ::fork();
    if (child < 0) return error(fmt::format("fork: {}", std::strerror(errno)), errno);
    if (child == 0) {
        if (!bpf::install(*filter)) {
            print_error(error(fmt::format("cannot load the trap filter: {}", std::strerror(errno)), errno));
            ::_exit(127);
        }
        // Before close_on_exec_fds: the sandbox's Landlock ruleset is one of those.
        enter_confinement(options_.confinement);
        // The child already is an lstar image with the path set up: it becomes the
        // first runtime image without an exec of its own, after doing what exec
        // would have done to lstar's descriptors.
        close_on_exec_fds();  // the ends of the outputs that only the supervisor reads among them
        apply_environment(options_.environment);
        enter_directory(options_.cwd);
        set_image_args(args);
        static_cast<void>(open_outputs());  // adopts the reserved descriptors: cannot fail here
        static_cast<void>(launch(argv));    // does not return
    }
    for (int fd : args.reserved_fds()) ::close(fd);
    for (SessionOutput* out : options_.outputs) out->handed_on();
    child_ = child;
    session_tasks().settle(child, 1);
    // The stages hear of the program as the first task: a death by a signal, which
    // the program cannot report itself, is reported here.
    path_.new_task(path_.tasks().add(child, child), nullptr);
    return {};
}

// The hand-over channel: a datagram socket whose other end every runtime has
// (SOCK_SEQPACKET: one request per message, and the sender's credentials, which
// the kernel vouches for, with each).
Status InprocBackend::open_hand_over(int base, ImageArgs* args) {
    int ends[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends) < 0)
        return error(fmt::format("socketpair: {}", std::strerror(errno)), errno);
    int on = 1;
    ::setsockopt(ends[0], SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
    ::fcntl(ends[0], F_SETFL, O_NONBLOCK);
    hand_over_ = ends[0];
    args->handover_fd = ::fcntl(ends[1], F_DUPFD, base);
    ::close(ends[1]);
    if (args->handover_fd < 0) return error(fmt::format("fcntl: {}", std::strerror(errno)), errno);
    handed_on_ = std::make_unique<PtraceBackend>(path_, options_);
    handed_on_->on_task_change = [](pid_t tgid, PtraceBackend::TaskChange change) {
        switch (change) {
        case PtraceBackend::TaskChange::created:
            session_tasks().expect(1);
            session_tasks().settle(tgid, 1);
            break;
        case PtraceBackend::TaskChange::exec: session_tasks().one_left(tgid); break;
        case PtraceBackend::TaskChange::ended: session_tasks().end(tgid, 1); break;
        }
    };
    return {};
}

// Each request: seize the thread (only one of the process that sent it), then
// answer on the pipe that came with it.
void InprocBackend::serve_hand_overs() {
    for (;;) {
        HandOverRequest request{};
        iovec iov{&request, sizeof request};
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(ucred))];
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        ssize_t got = ::recvmsg(hand_over_, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) return;
        if (got == 0) {  // no process has the other end any more
            ::close(std::exchange(hand_over_, -1));
            return;
        }
        int answer = -1;
        std::optional<ucred> sender;
        for (cmsghdr* cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
            if (cm->cmsg_level != SOL_SOCKET) continue;
            if (cm->cmsg_type == SCM_RIGHTS && answer < 0) std::memcpy(&answer, CMSG_DATA(cm), sizeof answer);
            if (cm->cmsg_type == SCM_CREDENTIALS) std::memcpy(&sender.emplace(), CMSG_DATA(cm), sizeof(ucred));
        }
        if (answer < 0) continue;
        struct stat st{};
        bool own = got == static_cast<ssize_t>(sizeof request) && sender && request.tid > 0 &&
                   ::stat(fmt::format("/proc/{}/task/{}", sender->pid, request.tid).c_str(), &st) == 0;
        Status taken = own ? handed_on_->take_on(request.tid, request.traced,
                                                 reinterpret_cast<std::uint64_t>(__executable_start))
                           : error("not a thread of the process that asked", EPERM);
        char reply = taken ? 'y' : 'n';
        static_cast<void>(::write(answer, &reply, 1));
        ::close(answer);
    }
}

void InprocBackend::on_wait_status(pid_t pid, int st, const rusage* usage) {
    bool ended = WIFEXITED(st) || WIFSIGNALED(st);
    if (pid == child_ && ended) {
        status_ = st;
        main_done_ = true;
        // Until it forked, it alone wrote, through a buffer it may have left text in.
        for (SessionOutput* out : options_.outputs) out->recover();
    }
    if (handed_on_ && handed_on_->on_wait_status(pid, st, usage)) {
        // Its lines go out as they end, among those the processes write themselves.
        for (SessionOutput* out : options_.outputs) out->flush_whole_lines();
        return;
    }
    // A process that exits reports it itself; one killed by a signal cannot.
    if (WIFSIGNALED(st)) {
        path_.task_exit(path_.tasks().add(pid, pid), st);
        path_.tasks().remove(pid);
        session_tasks().end_all(pid);
    }
}

// Waits for the whole tree, the hand-over requests and what flows back from the
// images (-c's counts: a full pipe would hold up the processes that write to it,
// and so their exits), woken by SIGCHLD through a signalfd.
int InprocBackend::run() {
    std::vector<SessionOutput*> collecting;
    for (SessionOutput* out : options_.outputs)
        if (out->collect_fd() >= 0) collecting.push_back(out);
    sigset_t child_signal, before;
    sigemptyset(&child_signal);
    sigaddset(&child_signal, SIGCHLD);
    ::sigprocmask(SIG_BLOCK, &child_signal, &before);
    int woken = ::signalfd(-1, &child_signal, SFD_CLOEXEC | SFD_NONBLOCK);
    bool tree_gone = false;
    while (!tree_gone || !collecting.empty()) {
        while (!tree_gone) {
            int st = 0;
            rusage usage{};
            pid_t pid = ::wait4(-1, &st, __WALL | WNOHANG, &usage);
            if (pid == 0) break;
            if (pid < 0 && errno == EINTR) continue;
            if (pid < 0) tree_gone = true;  // ECHILD
            else on_wait_status(pid, st, options_.cpu_times ? &usage : nullptr);
        }
        if (tree_gone && collecting.empty()) break;
        std::vector<pollfd> polls = {{woken, POLLIN, 0}, {tree_gone ? -1 : hand_over_, POLLIN, 0}};
        for (SessionOutput* out : collecting) polls.push_back({out->collect_fd(), POLLIN, 0});
        if (::poll(polls.data(), polls.size(), woken >= 0 ? -1 : 10) < 0) {
            // A TERM or HUP sent to lstar is passed on.
            if (int signo = g_forward_signal.exchange(0); signo && !main_done_) ::kill(child_, signo);
            continue;
        }
        signalfd_siginfo drained;
        while (woken >= 0 && ::read(woken, &drained, sizeof drained) > 0) {}
        if (polls[1].revents) serve_hand_overs();
        for (std::size_t i = polls.size(); i-- > 2;)
            if (polls[i].revents && !collecting[i - 2]->collect()) collecting.erase(collecting.begin() + static_cast<long>(i - 2));
    }
    if (woken >= 0) ::close(woken);
    ::sigprocmask(SIG_SETMASK, &before, nullptr);
    return status_;
}

}  // namespace

Result<std::unique_ptr<Backend>> make_backend(SyscallPath& path, BackendOptions options) {
    return std::unique_ptr<Backend>(std::make_unique<InprocBackend>(path, std::move(options)));
}

}  // namespace lstar::inproc
