// The one process runner of the tests (unit, loader and integration): a child,
// forked, with its stdout and stderr captured through pipes, a bounded wait
// (a hang guard only: no timing is asserted), and its status as waitpid gives it.
// The child is either an argv to exec or a function that must _exit or exec.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace lstar::test {

struct ProcessOptions {
    std::string input;                  // written to stdin, then closed
    std::chrono::seconds timeout{240};  // a hang guard only: the process (group) is killed after it
    std::vector<std::string> env;       // extra NAME=VALUE entries
    std::string cwd;
    bool stdin_null = false;            // stdin is /dev/null instead of a pipe holding `input`
    bool alarm_guard = false;           // also alarm(timeout) in the child: a guard that survives
                                        // an exec done in the same process (the user-space loader)
};

struct ProcessResult {
    std::string out;
    std::string err;
    int status = -1;  // the wait status; -1 when it could not be started
    bool timed_out = false;
    bool exited(int code) const;
    bool signaled(int sig) const;
    // The shell's convention: the exit status, 128 + the signal, or -1.
    int exit_code() const;
    std::string describe() const;  // "exited with 3", "killed by SIGSEGV", then the output, for messages
};

// Forks; the child gets a fresh process group, default signal dispositions and
// mask, no core files, opt.cwd and opt.env, then runs child() (which must _exit
// or exec: if it returns, the child exits with 127).
ProcessResult run_child(const std::function<void()>& child, const ProcessOptions& opt = {});

// execvp(argv) as the child.
ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& opt = {});

// execve(path, argv, envp) as the child (no PATH search, exactly that environment);
// *exec_errno is the errno execve failed with, 0 when the program ran.
ProcessResult run_exec(const std::string& path, const std::vector<std::string>& argv,
                       const std::vector<std::string>& envp, int* exec_errno, const ProcessOptions& opt = {});

// /bin/sh -c command.
ProcessResult run_shell(const std::string& command, const ProcessOptions& opt = {});

// What run_child does in the child before child(): for callers that fork themselves.
void prepare_child(const ProcessOptions& opt);
// prepare_child, then execvp(argv); exits 127 with a message if it cannot.
[[noreturn]] void exec_child(const std::vector<std::string>& argv, const ProcessOptions& opt);

}  // namespace lstar::test
