// The in-process backend. The program runs in a process whose image is lstar:
// lstar loads the program beside itself (entry/inproc/loader) and a seccomp
// filter turns each system call the path needs into a SIGSYS in the calling
// thread, whose handler (the entry) saves pt_regs, runs the path and makes the
// call from lstar's own text. No context switch to another process: a call on
// the path costs a signal delivery, not two ptrace stops.
//
// A supervisor (the lstar the user started) forks, loads the filter and execs
// lstar's runtime image; an execve in the program execs a new runtime image in
// its place, so the filter and the runtime hold across exec, fork and clone.
#pragma once

#include <sys/types.h>

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "kernel/syscall_path.hpp"
#include "entry/backend.hpp"
#include "kernel/session_output.hpp"
#include "entry/inproc/site_patch.hpp"

namespace lstar::inproc {

// What one runtime image is given (on its command line, after "__inproc").
struct ImageArgs {
    int message_fd = -1;          // lstar's own stderr (reserved)
    std::vector<int> output_fds;  // the session's outputs' descriptors, in order (reserved)
    int lifeline_fd = -1;         // the read end of a pipe only the supervisor writes (reserved):
                                  // each process of the program is killed when it closes
    int handover_fd = -1;         // --backend=auto: where the runtime asks the supervisor to take a
                                  // process on under ptrace before it execs a program the runtime
                                  // cannot run (32-bit); -1: such an exec fails with ENOEXEC (reserved)
    bool traced = true;           // this process's calls go through the path
    bool follow = false;          // -f: its children's too
    bool own_seccomp = false;     // the program has loaded a seccomp filter of its own
    bool cpu_times = false;       // -c: each call's system CPU time (else only wall time)
    bool sigsys_blocked = false;  // the program's SIGSYS, as it believes it is: blocked (the mask
    bool sigsys_ignored = false;  // goes through exec), ignored (stays so)
    PatchMode patch = PatchMode::libraries;  // which call sites may be patched (LSTAR_INPROC_PATCH)
    long exec_nr = 0;             // the call that started the program (execve, execveat) ...
    int exec_tid = 0;             // ... made by this thread (0: the process's leader)
    std::vector<long> leader_call;  // ... while the leader was in this traced call (number and
                                    // six arguments; empty: none), which the exec ends unfinished
    long exec_dirfd = 0, exec_flags = 0;  // ... with these arguments, shown as its trace line
    std::string shown_path;       // the path as that call got it
    std::string load_path;        // the file to load
    std::vector<std::string> argv;     // the program's argv
    std::vector<std::string> command;  // the lstar subcommand and its options, without the program

    std::vector<int> reserved_fds() const;     // the runtime's own descriptors
    std::vector<std::string> encode() const;  // {"__inproc", ...}
    // argv[0] is "__inproc".
    static Result<ImageArgs> decode(int argc, char** argv);
};

// What a runtime sends on ImageArgs::handover_fd (with the write end of the pipe
// the answer comes on: 'y' once the supervisor traces the thread).
struct HandOverRequest {
    pid_t tid;
    bool traced;  // its calls are reported (else the supervisor only keeps it running)
};

// Set in a runtime image (main saw "__inproc"), null in the lstar the user ran.
const ImageArgs* image_args();
void set_image_args(ImageArgs args);

// Runtime image: loads the program, installs the SIGSYS entry, reports the
// execve that started it and jumps to it. Returns only if the program cannot be
// loaded: what went wrong.
// `view`: the virtual view's changes to each image it loads.
Error run_image(SyscallPath& path, std::span<SessionOutput* const> outputs, const ImageView& view);

// What exec does to descriptors: those marked close-on-exec are closed.
void close_on_exec_fds();

// What the in-process backend can do (Backend::traits).
inline constexpr BackendTraits kTraits{.can_attach = false, .path_per_process = true, .execs_itself = true};
// The backend (supervisor.cpp): in the lstar the user started, the supervisor of
// the program's tree; in a runtime image, the loader of its program.
Result<std::unique_ptr<Backend>> make_backend(SyscallPath& path, BackendOptions options);

}  // namespace lstar::inproc
