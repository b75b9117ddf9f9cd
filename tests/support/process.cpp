#include "tests/support/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <sstream>

namespace lstar::test {

bool ProcessResult::exited(int code) const {
    return !timed_out && status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == code;
}
bool ProcessResult::signaled(int sig) const {
    return !timed_out && status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == sig;
}
int ProcessResult::exit_code() const {
    if (status == -1) return -1;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}
std::string ProcessResult::describe() const {
    std::ostringstream s;
    if (timed_out) s << "timed out (killed by the test)";
    else if (status == -1) s << "could not be started";
    else if (WIFEXITED(status)) s << "exited with " << WEXITSTATUS(status);
    else if (WIFSIGNALED(status)) s << "killed by signal " << WTERMSIG(status) << " (" << ::strsignal(WTERMSIG(status)) << ")";
    else s << "status " << status;
    s << "\n--- stdout ---\n" << out.substr(0, 4000) << "\n--- stderr ---\n" << err.substr(0, 4000);
    return s.str();
}

void prepare_child(const ProcessOptions& opt) {
    // A fresh process group, so that a timed-out run can be killed whole; default
    // signal handling and mask, no core files.
    ::setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int s = 1; s < NSIG; ++s) ::signal(s, SIG_DFL);
    rlimit no_core{0, 0};
    ::setrlimit(RLIMIT_CORE, &no_core);
    if (!opt.cwd.empty() && ::chdir(opt.cwd.c_str()) != 0) ::_exit(126);
    for (const auto& e : opt.env) ::putenv(const_cast<char*>(e.c_str()));
    if (opt.alarm_guard) ::alarm(static_cast<unsigned>(opt.timeout.count()));
}

namespace {

[[noreturn]] void exec_argv(const std::vector<std::string>& argv) {
    std::vector<char*> args;
    for (const auto& s : argv) args.push_back(const_cast<char*>(s.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::dprintf(2, "lstar test: cannot run %s: %s\n", args[0], ::strerror(errno));
    ::_exit(127);
}

}  // namespace

void exec_child(const std::vector<std::string>& argv, const ProcessOptions& opt) {
    prepare_child(opt);
    exec_argv(argv);
}

namespace {

void kill_all(pid_t pid) {
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
}

}  // namespace

ProcessResult run_child(const std::function<void()>& child, const ProcessOptions& opt) {
    ProcessResult r;
    int in[2] = {-1, -1}, out[2], err[2];
    if ((!opt.stdin_null && ::pipe2(in, O_CLOEXEC)) || ::pipe2(out, O_CLOEXEC) || ::pipe2(err, O_CLOEXEC)) {
        r.err = "pipe failed";
        return r;
    }
    pid_t pid = ::fork();
    if (pid < 0) {
        r.err = std::string("fork failed: ") + ::strerror(errno);
        return r;
    }
    if (pid == 0) {
        if (opt.stdin_null) {
            int null = ::open("/dev/null", O_RDONLY);
            ::dup2(null, 0);
        } else {
            ::dup2(in[0], 0);
        }
        ::dup2(out[1], 1);
        ::dup2(err[1], 2);
        prepare_child(opt);
        child();
        ::_exit(127);
    }
    if (!opt.stdin_null) {
        ::close(in[0]);
        // Feed stdin (small inputs only) and close it.
        if (!opt.input.empty()) {
            ssize_t n = ::write(in[1], opt.input.data(), opt.input.size());
            (void)n;
        }
        ::close(in[1]);
    }
    ::close(out[1]);
    ::close(err[1]);
    auto deadline = std::chrono::steady_clock::now() + opt.timeout;
    if (opt.alarm_guard) deadline += std::chrono::seconds(5);  // the child's own alarm goes first
    pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    std::string* sinks[2] = {&r.out, &r.err};
    int open_fds = 2;
    while (open_fds > 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            r.timed_out = true;
            kill_all(pid);
            break;
        }
        int n = ::poll(fds, 2, static_cast<int>(std::min<long long>(left.count(), 1000)));
        if (n < 0 && errno != EINTR) break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            char buf[65536];
            ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
            if (got > 0) {
                sinks[i]->append(buf, static_cast<std::size_t>(got));
            } else if (got == 0 || errno != EINTR) {
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            }
        }
    }
    for (auto& f : fds)
        if (f.fd >= 0) ::close(f.fd);
    // Output is closed; the process itself may still be finishing.
    while (true) {
        int status;
        pid_t w = ::waitpid(pid, &status, WNOHANG);
        if (w == pid) {
            r.status = status;
            break;
        }
        if (w < 0 && errno != EINTR) break;
        if (std::chrono::steady_clock::now() >= deadline) {
            r.timed_out = true;
            kill_all(pid);
            ::waitpid(pid, &r.status, 0);
            break;
        }
        ::usleep(2000);
    }
    if (r.timed_out) ::kill(-pid, SIGKILL);  // nothing of it may outlive the test
    return r;
}

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& opt) {
    return run_child([&] { exec_argv(argv); }, opt);
}

ProcessResult run_exec(const std::string& path, const std::vector<std::string>& argv,
                       const std::vector<std::string>& envp, int* exec_errno, const ProcessOptions& opt) {
    *exec_errno = 0;
    int report[2];
    if (::pipe2(report, O_CLOEXEC) != 0) {
        *exec_errno = errno;
        return ProcessResult{"", "pipe failed"};
    }
    auto strings = [](const std::vector<std::string>& v) {
        std::vector<char*> out;
        for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
        out.push_back(nullptr);
        return out;
    };
    ProcessResult r = run_child(
        [&] {
            auto a = strings(argv), e = strings(envp);
            ::execve(path.c_str(), a.data(), e.data());
            int err = errno;
            (void)!::write(report[1], &err, sizeof err);  // the write end closes on a successful exec
            ::_exit(126);
        },
        opt);
    ::close(report[1]);
    int err = 0;
    if (::read(report[0], &err, sizeof err) == sizeof err) *exec_errno = err;
    ::close(report[0]);
    return r;
}

ProcessResult run_shell(const std::string& command, const ProcessOptions& opt) {
    return run_process({"/bin/sh", "-c", command}, opt);
}

}  // namespace lstar::test
