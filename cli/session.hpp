// Runs one tracing session: a program launched or processes attached, every
// call through the path, until they are gone. Shared by `run` and `trace`.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "entry/backend.hpp"
#include "entry/ptrace/ptrace_backend.hpp"
#include "kernel/syscall_path.hpp"
#include "trace/output.hpp"

namespace lstar {

struct SessionOptions {
    Backend backend = Backend::ptrace;
    PtraceOptions ptrace;
    // The lstar subcommand and its options without the program ("trace", "-f", ...):
    // what the in-process backend's runtime images are started with.
    std::vector<std::string> command;
    bool counts = false;  // -c, -C: the in-process backend's processes report their counts
    std::vector<std::string> argv;  // the program to launch, or empty
    std::vector<pid_t> attach;      // -p: processes to attach to
};

// Returns lstar's exit status: the program's own; when the program died of a
// signal, lstar dies of it too (after flushing) and does not return. `out` is
// flushed before that and removed again if the program could not be started.
int run_session(SyscallPath& path, const SessionOptions& options, TraceOutput* out);

// Prints "lstar: <message>" on stderr and returns `status`.
int fail(int status, const std::string& message);

}  // namespace lstar
