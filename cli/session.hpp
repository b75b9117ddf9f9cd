// Runs one session: a program launched or processes attached through a
// backend, every call on the path, until they are gone. Shared by `run` and
// `trace`.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "entry/backend.hpp"
#include "kernel/syscall_path.hpp"

namespace lstar {

struct SessionOptions {
    std::vector<std::string> argv;  // the program to launch, or empty
    std::vector<pid_t> attach;      // -p: processes to attach to
    // Called once the program (or the attached processes) has ended, with the wait
    // status, before lstar ends like it: what a command writes from the whole run.
    std::function<void(int status)> at_end;
    // Called once the program is launched (or the processes attached) and lstar's
    // signal handlers are in place, before the session runs (lstar top's view).
    std::function<void()> at_start;
    // Whether lstar ends as the launched program did (its status, its signal);
    // false: 0 (lstar top, whose user ended the program). at_end may change it.
    bool end_like_program = true;
};

// Returns lstar's exit status: the program's own; when the program died of a
// signal, lstar dies of it too (after flushing) and does not return. The
// backend's outputs are flushed before that, and discarded if the program could
// not be started.
int run_session(Backend& backend, const SyscallPath& path, const BackendOptions& backend_options,
                const SessionOptions& options);

// Prints "lstar: <message>" on stderr (print_error) and returns `status`: how
// every command ends on a failure.
int fail(int status, const std::string& message);

}  // namespace lstar
