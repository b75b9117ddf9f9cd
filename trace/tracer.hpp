// The tracing stage of enter/exit work: one strace-style line per call.
#pragma once

#include <string>
#include <unordered_map>

#include "kernel/syscall_path.hpp"
#include "trace/output.hpp"
#include "trace/syscall_set.hpp"

namespace lstar {

struct TraceOptions {
    SyscallSet selected = SyscallSet::all();  // -e trace=
    bool follow_forks = false;                // -f: prefix lines with the task id once there are several
    bool pid_column = false;                  // "-o FILE -f": the id as a plain first column, like strace
};

class Tracer final : public Hook {
public:
    Tracer(TraceOutput& out, TraceOptions options);

    Verdict on_enter(Task& task) override;
    void on_exit(Task& task) override;
    bool needs(const SyscallDesc& row) const override { return options_.selected.contains(row); }
    bool needs_unknown_numbers() const override { return options_.selected.unknown(); }
    void on_new_task(Task& child, Task* parent) override;
    void on_signal(Task& task, const siginfo_t& info) override;
    void on_exec(Task& task, pid_t former_tid) override;
    void on_task_exit(Task& task, int wait_status) override;
    void on_detach(Task& task) override;

private:
    struct PerTask {
        bool printing = false;  // its line for the current call has begun
    };
    void begin_line(const Task& task);
    void interrupt_open_line();
    void end_line();

    TraceOutput& out_;
    TraceOptions options_;
    std::unordered_map<pid_t, PerTask> tasks_;
    pid_t open_line_ = 0;  // the task whose line is unfinished at the end of the output
    std::size_t column_ = 0;  // how much of the open line is already written
    int live_tasks_ = 0;
    bool prefix_ = false;  // several tasks have been traced: lines carry their id
    std::string line_;
};

}  // namespace lstar
