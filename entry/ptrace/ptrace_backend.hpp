// The ptrace capture backend: stops each task at its system calls
// (PTRACE_SEIZE, PTRACE_GET_SYSCALL_INFO, or seccomp RET_TRACE stops when a
// prefilter narrows what must stop) and hands them to the system-call path.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "entry/ptrace/process_memory.hpp"
#include "kernel/syscall_path.hpp"

namespace lstar {

struct PtraceOptions {
    bool follow_forks = false;  // -f: trace children (fork, vfork, clone)
    bool prefilter = true;      // install a seccomp-bpf filter so that only needed calls stop
    // Record the process's system CPU time (wait4's rusage) at each system-call stop
    // in Task::enter_stime_ns / exit_stime_ns, for strace -c's time column.
    bool cpu_times = false;
    // strace -i: fetch the registers at signal-delivery stops (PTRACE_GETREGS), so that
    // Task::regs.ip is the task's instruction pointer while Hook::on_signal runs.
    bool signal_ip = false;
};

class PtraceBackend {
public:
    PtraceBackend(SyscallPath& path, PtraceOptions options);
    ~PtraceBackend();
    PtraceBackend(const PtraceBackend&) = delete;
    PtraceBackend& operator=(const PtraceBackend&) = delete;

    // Starts argv[0] (looked up in PATH) stopped under tracing. Returns false with a
    // one-line message in *error when it cannot.
    bool launch(const std::vector<std::string>& argv, std::string* error);
    // Seizes every thread of a running process. Returns false with *error set.
    bool attach(pid_t pid, std::string* error);

    // Runs until no traced task is left, or until a detach request has been carried
    // out. Returns the wait status of the launched program (0 after an attach).
    int run();

    // Async-signal-safe: asks run() to detach from every task (attach mode) or to pass
    // the signal on to the launched program.
    static void request_stop(int signo);

private:
    struct Traced;  // per-task backend state
    Traced& track(pid_t tid, pid_t tgid);
    Traced* find(pid_t tid);
    void forget(pid_t tid);
    Traced& adopt_early_child(pid_t tid);
    void resume(Traced& t, int signo);
    void on_syscall_stop(Traced& t);
    void on_event_stop(Traced& t, int event, int signo);
    void on_signal_stop(Traced& t, int signo);
    void on_exit_status(pid_t tid, int status);
    void write_back(Traced& t, bool args, bool result);
    bool handle_stop_request();
    void detach_all();

    SyscallPath& path_;
    PtraceOptions options_;
    unsigned long seize_options_ = 0;
    std::unordered_map<pid_t, std::unique_ptr<Traced>> tasks_;
    pid_t main_pid_ = 0;     // the launched program, whose status lstar returns
    int main_status_ = 0;
    bool attached_ = false;  // attach mode: detach rather than kill on a stop request
    bool stops_all_ = true;  // no prefilter: every call stops (PTRACE_SYSCALL)
    std::uint64_t stop_stime_ns_ = 0;  // options_.cpu_times: ru_stime of the stop being handled
};

}  // namespace lstar
