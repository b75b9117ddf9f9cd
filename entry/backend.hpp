// The capture backend contract. A backend puts a program's system calls on the
// path: it launches a program (or attaches to running processes), stops each
// task at the calls the path needs, fills the Task (pt_regs, ABI, user memory
// through Task::mem), calls SyscallPath::syscall_enter / syscall_exit and
// carries out what they decide (the resume actions: run the call with the
// arguments the path left in task.regs, skip it with task.retval, kill the
// task, deliver task.resume_signal, write back a replaced result), and reports
// the tasks' lifecycle through the path (new task, exec, signal, exit,
// detach, process copied, call suspended/resumed, image end).
//
// Nothing outside entry/ knows a backend's internals: the session picks one by
// name and drives it through this interface.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "entry/run_as.hpp"
#include "kernel/confinement.hpp"
#include "kernel/session_output.hpp"
#include "kernel/syscall_path.hpp"
#include "table/result.hpp"

namespace lstar {

// What the virtual view (handlers/) changes in each new image of the program, as
// the backend sets up or finds its initial stack.
struct ImageView {
    // AT_SYSINFO_EHDR becomes AT_IGNORE: with no vDSO, libc (and a Go runtime) makes
    // its clock reads as system calls, which reach the path.
    bool hide_vdso = false;
    // The 16 bytes AT_RANDOM points at (the stack protector's and libc's seed).
    std::function<void(std::uint8_t* out16)> at_random;
    // The host's name of a file an exec names in the program's view (the program, a
    // #! interpreter, PT_INTERP), for a backend that loads images itself; "" when the
    // view has none. Unset: no file-system view.
    std::function<std::string(const std::string& name)> exec_path;
    bool any() const { return hide_vdso || at_random; }
};
// Applies it to an initial stack: `sp` points at argc; the words are 8 bytes wide,
// or 4 for an i386 image.
void apply_image_view(UserMemory& mem, std::uint64_t sp, bool wide, const ImageView& view);

// What every backend is told, whichever it is.
struct BackendOptions {
    bool follow_forks = false;  // -f: children (fork, vfork, clone) go on the path too
    bool prefilter = true;      // calls nothing on the path needs run untouched in the host kernel
    bool cpu_times = false;     // record each call's system CPU time (Task::enter/exit_stime_ns, for -c)
    bool signal_ip = false;     // -i: Task::regs.ip is known at signal delivery
    // -D...: the launched program keeps lstar's process and lstar traces it from a
    // grandchild (TraceConfig::daemonize's levels); a backend that cannot refuses it.
    int daemonize = 0;
    bool detach_on_exec = false;  // -b execve: let go of a task at its exec (not the launched program's first)
    // -k: Task::regs holds every register at a call's entry, not only the number, the
    // arguments, ip and sp (an unwinder starts from the caller's callee-saved registers).
    bool call_regs = false;
    // The lstar subcommand and its options, without the program ("trace", "-f", ...):
    // how a backend that starts new images of lstar (inproc) starts them.
    std::vector<std::string> command;
    // What the path's stages write to (the trace, -c's counts): kept out of the
    // program's reach, flushed before a task may wait or die, carried into images.
    std::vector<SessionOutput*> outputs;
    // -E: changes to the launched program's environment ("VAR=VAL" sets, "VAR" removes).
    std::vector<std::string> environment;
    // The policy sandbox a launched program enters just before its image is loaded.
    const Confinement* confinement = nullptr;
    ImageView image_view;  // the virtual view's changes to each new image
    // The file-system view's start (--root, --bind, --cwd): the program's file as
    // the view finds it, by its guest name (for a backend whose exec goes through
    // the path, which translates it) and its host name (for one that loads the file
    // itself); and the host directory it starts in. Empty: argv[0] on the host's
    // PATH, in lstar's own directory.
    std::string program_guest, program_host, cwd;
    const RunAs* run_as = nullptr;  // -u: the user the launched program runs as (ptrace backend)
    // --backend=auto chose inproc: a process that execs a program the in-process
    // backend cannot run goes on under ptrace (a forced inproc refuses that exec).
    bool hand_over_to_ptrace = false;
};

// A backend that starts new images of lstar starts them as "lstar MARKER ...":
// whether argv[1] is such a marker, and (argv[0] being the marker) the lstar
// command line the image runs. The backend keeps what else it was given.
bool is_image_command(std::string_view arg);
Result<std::vector<std::string>> image_command(int argc, char** argv);

// Whether this process is an image a backend started (its command line is the
// session's again, but the session's set-up, such as the sandbox, is done).
bool is_backend_image();

// Enters the launched program's confinement, if any; on failure prints why and
// _exits 127, as a failed exec does. For the launched child only.
void enter_confinement(const Confinement* confinement);

// Each output opened, in order.
Status open_outputs(std::span<SessionOutput* const> outputs);
// The -E changes applied to this process's environment (a launched program's, before exec).
void apply_environment(const std::vector<std::string>& changes);
// In a launched child: the directory it starts in (BackendOptions::cwd; empty: stays);
// a failure is said and the child ends with 127.
void enter_directory(const std::string& dir);

// What a backend can do, for the session and the stages to adapt to it.
struct BackendTraits {
    bool can_attach = false;  // -p
    // Each process of the traced tree runs its own copy of the path (its stages see
    // only that process's tasks).
    bool path_per_process = false;
    // Each exec of the program runs lstar's own binary first (a new runtime image),
    // which a sandbox must then let it read and execute.
    bool execs_itself = false;
};

class Backend {
public:
    virtual ~Backend() = default;

    virtual BackendTraits traits() const = 0;
    // Starts argv[0] (looked up in PATH) with its calls on the path.
    virtual Status launch(const std::vector<std::string>& argv) = 0;
    // Puts every thread of a running process on the path.
    virtual Status attach(pid_t pid) = 0;
    // Runs until no task is left (or a stop request has been carried out). Returns
    // the launched program's wait status, 0 after attach.
    virtual int run() = 0;
    // Async-signal-safe: lstar got SIGTERM or SIGHUP (or SIGINT/SIGQUIT after
    // attach): detach from attached tasks, pass the signal on to a launched program.
    virtual void request_stop(int signo) = 0;
    // Opens the outputs (before launch or attach): a new session's are opened; an
    // image a backend started adopts the ones it carried there.
    virtual Status open_outputs() = 0;
    // Whether the session may exec the program in lstar's place when nothing on the
    // path needs any call (false where this process must run the path anyway).
    virtual bool may_step_aside() const { return true; }
    // Where each process runs its own path (BackendTraits::path_per_process): how
    // many tasks the whole session traces now (empty: not known).
    virtual std::function<long()> session_task_count() const { return {}; }
};

// The backends there are, by name ("ptrace" first; "auto" last, which picks one: the default).
std::span<const std::string_view> backend_names();
// --backend=auto: "inproc" for a launched program that the in-process backend
// serves as well as ptrace would, else "ptrace" (`why`, when given, says what
// decided). An empty name (no --backend) is LSTAR_BACKEND if set, else auto.
// `ptrace_only`: the caller's own reason for ptrace (an option only it has),
// empty when none. Any other name is returned as it is; a backend's image keeps
// the backend that started it. Choosing inproc sets options.hand_over_to_ptrace.
std::string choose_backend(std::string_view name, const std::vector<std::string>& argv, BackendOptions& options,
                           std::string_view ptrace_only, std::string* why = nullptr);
// What a backend by that name can do, before it is made.
Result<BackendTraits> backend_traits(std::string_view name);
// A backend by name, on this path with these options.
Result<std::unique_ptr<Backend>> make_backend(std::string_view name, SyscallPath& path, BackendOptions options);

}  // namespace lstar
