#include "cli/session.hpp"

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include "entry/find_program.hpp"
#include "entry/inproc/inproc.hpp"

namespace lstar {

int fail(int status, const std::string& message) {
    fmt::print(stderr, "lstar: {}\n", message);
    return status;
}

namespace {

void on_stop_signal(int signo) { PtraceBackend::request_stop(signo); }

void install_signal_handlers(bool attached) {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;  // no SA_RESTART: waitpid returns EINTR
    sigemptyset(&sa.sa_mask);
    for (int signo : {SIGTERM, SIGHUP}) ::sigaction(signo, &sa, nullptr);
    // A launched program shares lstar's terminal: ^C and ^\ reach it directly, and
    // lstar waits to report how it ends. After -p they mean "detach".
    if (attached) {
        for (int signo : {SIGINT, SIGQUIT}) ::sigaction(signo, &sa, nullptr);
    } else {
        ::signal(SIGINT, SIG_IGN);
        ::signal(SIGQUIT, SIG_IGN);
    }
    ::signal(SIGPIPE, SIG_IGN);
}

[[noreturn]] void die_like(int signo) {
    rlimit no_core{0, 0};
    ::setrlimit(RLIMIT_CORE, &no_core);
    ::signal(signo, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, signo);
    ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
    ::kill(::getpid(), signo);
    ::_exit(128 + signo);  // a signal whose default is not to terminate
}

// The end of a launched program's session: the trace flushed, then lstar ends
// as the program did.
int exit_like(int status, TraceOutput* out) {
    if (out) out->flush();
    std::fflush(stdout);
    std::fflush(stderr);
    if (WIFSIGNALED(status)) die_like(WTERMSIG(status));
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

}  // namespace

// The in-process backend: a runtime image loads the program and becomes it; the
// lstar the user started supervises.
int run_inproc(SyscallPath& path, const SessionOptions& options, TraceOutput* out) {
    std::string error;
    if (inproc::image_args()) {
        inproc::run_image(path, out, &error);  // returns only if the program cannot be loaded
        return fail(127, error);
    }
    inproc::Launch launch{options.argv, options.command, options.ptrace.follow_forks, options.counts,
                          options.ptrace.cpu_times};
    int status = 0;
    if (!inproc::supervise(path, launch, out, &status, &error)) {
        if (out) out->discard();
        return fail(1, error);
    }
    return exit_like(status, out);
}

// Nothing on the path (lstar run without handlers): no call needs to stop, so
// the prefilter would let every one through; lstar steps aside and execs the
// program in its own place, leaving only its start-up as overhead.
int exec_in_place(const std::vector<std::string>& argv) {
    std::string program, error;
    if (!find_program(argv[0], &program, &error)) return fail(1, error);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::fflush(stdout);
    std::fflush(stderr);
    ::execv(program.c_str(), args.data());
    return fail(1, fmt::format("cannot run '{}': {}", program, std::strerror(errno)));
}

int run_session(SyscallPath& path, const SessionOptions& options, TraceOutput* out) {
    if (path.idle() && options.attach.empty() && options.ptrace.prefilter && !inproc::image_args())
        return exec_in_place(options.argv);
    if (options.backend == Backend::inproc || inproc::image_args()) return run_inproc(path, options, out);
    PtraceBackend backend(path, options.ptrace);
    std::string error;
    bool attached = options.argv.empty();
    if (attached) {
        for (pid_t pid : options.attach) {
            if (!backend.attach(pid, &error)) {
                if (out) out->discard();
                return fail(1, error);
            }
        }
    } else if (!backend.launch(options.argv, &error)) {
        if (out) out->discard();
        return fail(1, error);
    }
    install_signal_handlers(attached);
    int status = backend.run();
    if (!attached) return exit_like(status, out);
    if (out) out->flush();
    std::fflush(stdout);
    std::fflush(stderr);
    return 0;
}

}  // namespace lstar
