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

namespace lstar {

int fail(int status, const std::string& message) {
    print_error(error(message));
    return status;
}

namespace {

Backend* g_backend = nullptr;  // the session's, for the signal handlers

void on_stop_signal(int signo) {
    if (g_backend) g_backend->request_stop(signo);
}

void install_signal_handlers(Backend& backend, bool attached) {
    g_backend = &backend;
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;  // no SA_RESTART: a backend's wait returns EINTR
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

void flush_all(const BackendOptions& options) {
    for (SessionOutput* out : options.outputs) out->flush();
    std::fflush(stdout);
    std::fflush(stderr);
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

// The end of a launched program's session: the outputs flushed, then lstar
// ends as the program did.
int exit_like(int status, const BackendOptions& options) {
    flush_all(options);
    if (WIFSIGNALED(status)) die_like(WTERMSIG(status));
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

// Nothing on the path (lstar run without handlers): no call needs to stop, so
// the prefilter would let every one through; lstar steps aside and execs the
// program in its own place, leaving only its start-up as overhead.
int exec_in_place(const std::vector<std::string>& argv, const Confinement* confinement) {
    Result<std::string> program = find_program(argv[0]);
    if (!program) return fail(1, program.error().message);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::fflush(stdout);
    std::fflush(stderr);
    enter_confinement(confinement);
    ::execv(program->c_str(), args.data());
    return fail(1, fmt::format("cannot run '{}': {}", *program, std::strerror(errno)));
}

int give_up(const BackendOptions& options, const Error& error) {
    for (SessionOutput* out : options.outputs) out->discard();
    return fail(1, error.message);
}

}  // namespace

int run_session(Backend& backend, const SyscallPath& path, const BackendOptions& backend_options,
                const SessionOptions& options) {
    bool attached = options.argv.empty();
    bool supervised = backend_options.confinement && backend_options.confinement->needs_supervisor();
    if (!attached && path.idle() && backend_options.prefilter && backend.may_step_aside() && !supervised)
        return exec_in_place(options.argv, backend_options.confinement);
    if (Status s = backend.open_outputs(); !s) return fail(1, s.error().message);
    // A stop signal that comes while lstar attaches must detach, not kill lstar with
    // the tasks half attached: held until the handlers are in place.
    sigset_t stop_signals, before;
    sigemptyset(&stop_signals);
    for (int signo : {SIGTERM, SIGHUP, SIGINT, SIGQUIT}) sigaddset(&stop_signals, signo);
    if (attached) ::sigprocmask(SIG_BLOCK, &stop_signals, &before);
    if (attached) {
        for (pid_t pid : options.attach)
            if (Status s = backend.attach(pid); !s) return give_up(backend_options, s.error());
    } else if (Status s = backend.launch(options.argv); !s) {
        return give_up(backend_options, s.error());
    }
    install_signal_handlers(backend, attached);
    if (attached) ::sigprocmask(SIG_SETMASK, &before, nullptr);
    if (options.at_start) options.at_start();
    int status = backend.run();
    if (options.at_end) options.at_end(status);
    if (!attached && options.end_like_program) return exit_like(status, backend_options);
    flush_all(backend_options);
    return 0;
}

}  // namespace lstar
