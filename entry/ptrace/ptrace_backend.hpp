// The ptrace capture backend: stops each task at its system calls
// (PTRACE_SEIZE, PTRACE_GET_SYSCALL_INFO, or seccomp RET_TRACE stops when a
// prefilter narrows what must stop) and hands them to the system-call path.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "entry/backend.hpp"
#include "entry/ptrace/process_memory.hpp"
#include "kernel/syscall_path.hpp"

namespace lstar {

// BackendOptions as this backend reads them: cpu_times is the process's system
// CPU time (wait4's rusage) at each system-call stop, as strace -c takes it;
// signal_ip fetches the registers at signal-delivery stops (PTRACE_GETREGS), call_regs
// at every entry stop the path sees.
class PtraceBackend final : public Backend {
public:
    PtraceBackend(SyscallPath& path, BackendOptions options);
    ~PtraceBackend() override;
    PtraceBackend(const PtraceBackend&) = delete;
    PtraceBackend& operator=(const PtraceBackend&) = delete;

    static constexpr BackendTraits kTraits{.can_attach = true, .path_per_process = false};
    BackendTraits traits() const override { return kTraits; }
    Status open_outputs() override { return lstar::open_outputs(options_.outputs); }
    // Starts argv[0] (looked up in PATH) stopped under tracing.
    Status launch(const std::vector<std::string>& argv) override;
    // Seizes every thread of a running process.
    Status attach(pid_t pid) override;
    // Runs until no traced task is left, or until a detach request has been carried
    // out. Returns the wait status of the launched program (0 after an attach).
    int run() override;
    // Asks run() to detach from every task (attach mode) or to pass the signal on to
    // the launched program.
    void request_stop(int signo) override;

    // For the in-process supervisor (--backend=auto), which hands a process on to
    // this backend before it execs a program the runtime cannot run: seizes the
    // thread `tid`, which goes on to make that exec, reported as the first call
    // (`observed`: its calls, else it is only kept running). The process carries
    // the in-process trap filter, which lets through only calls made from lstar's
    // text: at each entry stop its ip is `allowed_ip` (in that text) while the
    // kernel checks the call, and the program's again at the exit stop.
    Status take_on(pid_t tid, bool observed, std::uint64_t allowed_ip);
    // A wait status the supervisor's waitpid got: true if it was one of this
    // backend's tasks (a stop is always one), and handled.
    bool on_wait_status(pid_t tid, int status, const rusage* usage);
    // The supervisor's count of the session's tasks, kept as tasks are made, exec
    // (the other threads end) and end.
    enum class TaskChange { created, exec, ended };
    std::function<void(pid_t tgid, TaskChange)> on_task_change;

private:
    struct Traced;  // the backend's state of a task (in the path's TaskRegistry)
    TaskRegistry& tasks() { return path_.tasks(); }
    Traced& track(pid_t tid, pid_t tgid);
    Traced* find(pid_t tid);
    void forget(pid_t tid);
    Traced& adopt_early_child(pid_t tid);
    void inherit(Traced& child, const Traced* creator);
    void resume(Traced& t, int signo);
    void on_syscall_stop(Traced& t);
    void on_event_stop(Traced& t, int event, int signo);
    void on_signal_stop(Traced& t, int signo);
    void on_exit_status(pid_t tid, int status);
    void on_stop(Traced& t, int status);
    // Under the in-process trap filter (take_on): the ip the kernel checks, and back.
    void lend_allowed_ip(Traced& t);
    void restore_program_ip(Traced& t, std::uint64_t ip);
    // After a task's exec event: resumed, or let go (-b execve).
    void after_exec(Traced& t);
    // The launched program, seized before its exec: the path hears of it.
    void hold_launched(pid_t pid);
    // -D: this process becomes the program (become_program execs it) and a grandchild
    // goes on as the tracer; returns in the tracer.
    Status launch_daemonized(const std::function<void()>& become_program);
    void fill_call_regs(Traced& t);  // BackendOptions::call_regs
    // The task's registers from task.regs: its arguments (and, with `number`, orig_ax), its result.
    void write_back(Traced& t, bool args, bool result, bool number);
    void call_again(Traced& t);
    bool handle_stop_request();
    void detach_all();
    // A traced task is about to trace or be traced (ptrace TRACEME, ATTACH, SEIZE):
    // lstar lets go of the tracee, so that the program's tracer sees what it sees
    // natively. False: the call goes on as it is (and fails, lstar being the tracer).
    bool step_aside(Traced& caller);
    // Detaches a task held in a stop, handing on `pass` (the signal it was about to get).
    void let_go(Traced& t, int pass);

    SyscallPath& path_;
    BackendOptions options_;
    unsigned long seize_options_ = 0;
    pid_t main_pid_ = 0;     // the launched program, whose status lstar returns
    int main_status_ = 0;
    bool skip_one_exec_ = false;  // -b execve: the launched program's first exec is not let go
    bool main_detached_ = false;  // -b execve let the launched program go
    bool attached_ = false;  // attach mode: detach rather than kill on a stop request
    bool stops_all_ = true;  // no prefilter: every call stops (PTRACE_SYSCALL)
    std::uint64_t stop_stime_ns_ = 0;
    std::uint64_t allowed_ip_ = 0;  // take_on's: an address in lstar's text  // options_.cpu_times: ru_stime of the stop being handled
};

}  // namespace lstar
