#include "trace/tracer.hpp"

#include <string.h>
#include <sys/wait.h>

#include <fmt/format.h>

#include "trace/format.hpp"

namespace lstar {

Tracer::Tracer(TraceOutput& out, TraceOptions options) : out_(out), options_(std::move(options)) {}

void Tracer::begin_line(const Task& task) {
    interrupt_open_line();
    line_.clear();
    if (options_.pid_column) fmt::format_to(std::back_inserter(line_), "{:<5} ", task.tid);
    else if (prefix_) fmt::format_to(std::back_inserter(line_), "[pid {:>5}] ", task.tid);
}

// Another task is about to print while a line is open: close it the strace way.
void Tracer::interrupt_open_line() {
    if (!open_line_) return;
    out_.write(" <unfinished ...>\n");
    tasks_[open_line_].printing = false;
    open_line_ = 0;
}

void Tracer::end_line() {
    line_ += '\n';
    out_.write(line_);
    line_.clear();
}

Verdict Tracer::on_enter(Task& task) {
    if (!(task.sc ? options_.selected.contains(*task.sc) : options_.selected.unknown()))
        return Verdict::proceed;
    begin_line(task);
    line_ += task.syscall_name();
    line_ += '(';
    format_args_raw(task, line_);
    out_.write(line_);
    column_ = line_.size();
    line_.clear();
    open_line_ = task.tid;
    tasks_[task.tid].printing = true;
    return Verdict::proceed;
}

void Tracer::on_exit(Task& task) {
    auto it = tasks_.find(task.tid);
    if (it == tasks_.end() || !it->second.printing) {
        // Interrupted by another task's line (or never begun): resume it.
        if (!(task.sc ? options_.selected.contains(*task.sc) : options_.selected.unknown())) return;
        begin_line(task);
        fmt::format_to(std::back_inserter(line_), "<... {} resumed>", task.syscall_name());
        column_ = 0;
    }
    line_ += ')';
    pad_to_column(line_, column_, 40);
    line_ += "= ";
    format_result(task, line_);
    end_line();
    open_line_ = 0;
    tasks_[task.tid].printing = false;
}

void Tracer::on_new_task(Task& task, Task*) {
    tasks_[task.tid];
    if (++live_tasks_ > 1 && options_.follow_forks) prefix_ = true;
}

void Tracer::on_signal(Task& task, const siginfo_t& info) {
    begin_line(task);
    fmt::format_to(std::back_inserter(line_), "--- {} ", signal_name(info.si_signo));
    format_siginfo(info, line_);
    line_ += " ---";
    end_line();
}

void Tracer::on_exec(Task& task, pid_t former_tid) {
    if (former_tid != task.tid) {
        // The thread that ran execve took over the leader's id.
        auto it = tasks_.find(former_tid);
        if (it != tasks_.end()) {
            tasks_[task.tid] = it->second;
            tasks_.erase(it);
            if (open_line_ == former_tid) open_line_ = task.tid;
        }
    }
}

void Tracer::on_task_exit(Task& task, int status) {
    auto it = tasks_.find(task.tid);
    bool in_call = task.phase == SyscallPhase::entered;
    if (in_call && it != tasks_.end() && it->second.printing && open_line_ == task.tid) {
        // A call that never returned (exit_group, or killed inside it).
        line_ = ")";
        pad_to_column(line_, column_, 40);
        line_ += "= ?";
        end_line();
        open_line_ = 0;
    }
    begin_line(task);
    if (WIFEXITED(status)) fmt::format_to(std::back_inserter(line_), "+++ exited with {} +++", WEXITSTATUS(status));
    else fmt::format_to(std::back_inserter(line_), "+++ killed by {}{} +++", signal_name(WTERMSIG(status)),
                        WCOREDUMP(status) ? " (core dumped)" : "");
    end_line();
    if (it != tasks_.end()) tasks_.erase(it);
    --live_tasks_;
}

void Tracer::on_detach(Task& task) {
    if (open_line_ == task.tid) interrupt_open_line();
    tasks_.erase(task.tid);
    out_.flush();
}

}  // namespace lstar
