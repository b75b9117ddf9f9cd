// The supervisor: the lstar the user started. It loads the trap filter into a
// child, execs the first runtime image there, and waits for the whole tree
// (as a child subreaper, orphans come back to it). It never stops anything:
// if it is killed, the program goes on untraced-by-nobody but intact.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "entry/bpf_program.hpp"
#include "entry/find_program.hpp"
#include "entry/inproc/inproc.hpp"
#include "entry/inproc/loader.hpp"
#include "entry/inproc/trap_filter.hpp"
#include "table/syscall_nr.hpp"
#include "trace/summary.hpp"

// The bounds of lstar's text (the GNU linker's names); lstar is linked at a
// fixed address, so they are the same in every runtime image.
extern "C" char __executable_start[];
extern "C" char etext[];

namespace lstar::inproc {

namespace {

std::atomic<int> g_forward_signal{0};
void on_forward_signal(int signo) { g_forward_signal.store(signo); }

// Where the runtime's descriptors go: high, out of the way of the program's.
int reserved_fd_base() {
    rlimit r{};
    if (::getrlimit(RLIMIT_NOFILE, &r) != 0 || r.rlim_cur < 64) return 10;
    return static_cast<int>(std::min<rlim_t>(r.rlim_cur, 1024) - 8);
}

}  // namespace

bool supervise(SyscallPath& path, const Launch& launch, TraceOutput* out, int* status, std::string* error) {
    std::string program;
    if (launch.argv.empty()) return *error = "no program to run: give one after the options", false;
    if (!find_program(launch.argv[0], &program, error)) return false;
    if (int probe = probe_executable(program.c_str()); probe != 0) {
        *error = probe < 0 ? fmt::format("cannot run '{}': {}", program, std::strerror(-probe))
                           : fmt::format("cannot run '{}' in-process: not an x86_64 program", program);
        return false;
    }
    int base = reserved_fd_base();
    ImageArgs args;
    args.trace_fd = ::fcntl(out ? out->fd() : STDERR_FILENO, F_DUPFD, base);
    args.message_fd = ::fcntl(STDERR_FILENO, F_DUPFD, base);
    // -c: every process of the tree writes its counts into a pipe as it ends.
    int reports = -1;
    if (launch.counts) {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) return *error = fmt::format("pipe: {}", std::strerror(errno)), false;
        reports = fds[0];
        args.report_fd = ::fcntl(fds[1], F_DUPFD, base);
        ::close(fds[1]);
    }
    if (args.trace_fd < 0 || args.message_fd < 0 || (launch.counts && args.report_fd < 0))
        return *error = fmt::format("cannot reserve descriptors for the trace: {}", std::strerror(errno)), false;
    args.cpu_times = launch.cpu_times;
    args.traced = true;
    args.follow = launch.follow;
    args.exec_nr = nr::x86_64::execve;
    args.exec_dirfd = AT_FDCWD;
    args.shown_path = args.load_path = program;
    args.argv = launch.argv;
    args.command = launch.command;

    TrapFilterSpec spec;
    spec.text_begin = reinterpret_cast<std::uint64_t>(__executable_start);
    spec.text_end = reinterpret_cast<std::uint64_t>(etext);
    spec.reserved_fds = {args.trace_fd, args.message_fd};
    if (args.report_fd >= 0) spec.reserved_fds.push_back(args.report_fd);
    std::vector<sock_filter> filter = build_trap_filter(path, spec);
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    if (out) out->flush();
    std::fflush(stdout);
    std::fflush(stderr);
    pid_t child = ::fork();
    if (child < 0) return *error = fmt::format("fork: {}", std::strerror(errno)), false;
    if (child == 0) {
        if (!bpf::install(filter)) {
            fmt::print(stderr, "lstar: cannot load the trap filter: {}\n", std::strerror(errno));
            ::_exit(127);
        }
        // The child already is an lstar image with the path set up: it becomes the
        // first runtime image without an exec of its own, after doing what exec
        // would have done to lstar's descriptors.
        close_on_exec_fds();  // the report pipe's read end among them
        if (out) out->adopt(args.trace_fd, args.message_fd);
        set_image_args(args);
        std::string load_error;
        run_image(path, out, &load_error);
        fmt::print(stderr, "lstar: {}\n", load_error);
        ::_exit(127);
    }
    ::close(args.trace_fd);
    ::close(args.message_fd);
    if (args.report_fd >= 0) ::close(args.report_fd);

    // ^C and ^\ reach the program from the terminal; lstar waits to report how it ends.
    // A TERM or HUP sent to lstar is passed on.
    ::signal(SIGINT, SIG_IGN);
    ::signal(SIGQUIT, SIG_IGN);
    struct sigaction sa {};
    sa.sa_handler = on_forward_signal;
    sigemptyset(&sa.sa_mask);
    for (int signo : {SIGTERM, SIGHUP}) ::sigaction(signo, &sa, nullptr);

    // Reports arrive in whole records (each write is at most PIPE_BUF bytes of them).
    std::string pending;
    auto drain = [&](bool wait) {
        if (reports < 0) return;
        pollfd p{reports, POLLIN, 0};
        if (::poll(&p, 1, wait ? 10 : 0) <= 0) return;
        char buf[4096];
        ssize_t n = ::read(reports, buf, sizeof buf);
        if (n <= 0) {
            ::close(reports);
            reports = -1;
            return;
        }
        pending.append(buf, static_cast<std::size_t>(n));
        std::size_t whole = pending.size() - pending.size() % Summary::kRecordSize;
        path.report(std::string_view(pending).substr(0, whole));
        pending.erase(0, whole);
    };
    bool main_done = false;
    for (;;) {
        int st = 0;
        // With a report pipe to empty, no blocking wait: a full pipe would hold up
        // the processes that write to it, and so their exits.
        pid_t pid = ::waitpid(-1, &st, __WALL | (reports >= 0 ? WNOHANG : 0));
        if (pid == 0) {
            drain(true);
            continue;
        }
        if (pid < 0) {
            if (errno == EINTR) {
                if (int signo = g_forward_signal.exchange(0); signo && !main_done) ::kill(child, signo);
                continue;
            }
            break;  // ECHILD: the whole tree is gone
        }
        if (pid == child) {
            *status = st;
            main_done = true;
        }
        // A process that exits reports it itself; one killed by a signal cannot.
        if (WIFSIGNALED(st)) {
            // Without -f the program alone writes the trace, and the entry of a call
            // it was waiting in may end it (a file tells): that call ends unfinished.
            if (pid == child && !launch.follow && out && out->is_file()) {
                out->flush();
                struct stat sb {};
                char last = '\n';
                std::string self = fmt::format("/proc/self/fd/{}", out->fd());  // lstar's is write-only
                int fd = ::open(self.c_str(), O_RDONLY | O_CLOEXEC);
                if (fd >= 0 && ::fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0)
                    ::pread(fd, &last, 1, sb.st_size - 1);
                if (fd >= 0) ::close(fd);
                if (last != '\n') out->write(" <unfinished ...>) = ?\n");
            }
            Task task;
            task.tid = task.tgid = pid;
            path.task_exit(task, st);
        }
    }
    while (reports >= 0) drain(true);
    return true;
}

}  // namespace lstar::inproc
