// The tracing stage of enter/exit work: strace's lines (or JSON objects) for
// the selected calls, signals and task events, and the -c statistics.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "kernel/syscall_path.hpp"
#include "trace/json_value.hpp"
#include "trace/output.hpp"
#include "trace/stack_trace.hpp"
#include "trace/trace_config.hpp"

namespace lstar {

class CallFormatter;  // the Decoder behind -e raw= / -e abbrev= (tracer.cpp)

class Tracer final : public Hook {
public:
    Tracer(TraceOutput& out, const TraceConfig& config);
    ~Tracer() override;

    Verdict on_enter(Task& task) override;
    void on_exit(Task& task) override;
    // Only the selected calls need to stop: the prefilter lets the others run at
    // native speed. -P, -z/-Z, -e status= and -c filter among the selected ones.
    // -k also stops at the calls that change the mappings, whose exits make the
    // unwinder read a process's modules again.
    bool needs(const SyscallDesc& row) const override {
        return config_.trace.contains(row) || (unwinder_ && (row.effective().flags & kRemaps));
    }
    bool needs_unknown_numbers() const override { return config_.trace.unknown(); }
    void on_new_task(Task& child, Task* parent) override;
    void on_signal(Task& task, const siginfo_t& info) override;
    // Signal lines are printed (not -c alone, not -e signal=none).
    bool needs_signals() const override { return config_.prints_calls() && (config_.signals >> 1).any(); }
    void on_entry_seen(Task& task) override;
    void on_exec(Task& task, pid_t former_tid, Task* replaced) override;
    void on_task_exit(Task& task, int wait_status) override;
    void on_detach(Task& task) override;
    void on_process_copy(Task& self) override;
    void on_call_suspended(Task& task) override;
    void on_call_resumed(Task& task) override;
    // Each process traces its own tasks (the in-process backend) and -f: no tracer
    // knows them all, and "[pid N]" (strace's form while several are traced) goes
    // by how many the session traces, as `count` says (empty: on every line).
    void count_tasks_with(std::function<long()> count) {
        session_tasks_ = std::move(count);
        prefix_all_ = !session_tasks_;
    }
    // --syscall-limit: called once that many calls have been shown.
    void on_limit_reached(std::function<void()> f) { limit_reached_ = std::move(f); }

    // The end of the session: what -p announces is announced. trace_command calls it
    // at the end in case a task went away unreported.
    void finish();
    // Whether the call the task has just left was selected (shown, or counted by -c).
    bool showed(const Task& task) const;
    // How many tasks this tracer follows now.
    int live_tasks() const { return live_tasks_; }
    // Text that is no part of any call's line (-c's table): an open line is broken first.
    void write_block(std::string_view text);

    // Whether this call passes -e trace= and -P: strace tampers (-e inject=) only
    // with the calls it traces.
    bool selects(Task& task) const;

private:
    struct PerTask {
        bool selected = false;    // the current call passed -e trace= and -P
        std::uint64_t showed = 0; // task.calls of the last selected call that returned
        std::uint64_t call = 0;   // task.calls when on_enter last ran (a call skipped by an
                                  // earlier stage of enter work never reaches on_enter)
        bool line_open = false;   // its entry part ends the output so far (its file's, with -ff)
        std::size_t open_column = 0;  // how much of that line is written
        int exit_from = 0;        // the first argument shown at exit
        std::uint64_t last_nr = 0;
        std::string pending;      // -e status=: the entry part, printed at exit if the result qualifies
        std::array<std::string, kMaxArgs> json_args;  // --json: arguments decoded at entry
        CallStack stack;          // -k: the stack at entry, shown after the call's line
        bool former_image = false; // the task is known from a former image of its process
                                   // (on_entry_seen), not counted among those followed
    };

    // The tracer's state of a task: its current call's, and those of the calls a
    // signal handler's calls interrupted (in-process backend), innermost last.
    struct TaskTrace : TaskState {
        PerTask now;
        std::vector<PerTask> suspended;
        std::unique_ptr<TraceOutput> file;  // -ff: FILE.TID
        std::string comm;                   // -Y: its command name
        // -k: until the launched program's first exec, its calls are lstar's own
        // (the execve of it), and their callers' stacks are lstar's.
        bool launch_exec = false;
    };
    PerTask& per_task(Task& task) { return state<TaskTrace>(task).now; }
    PerTask* find_per_task(const Task& task) const {
        TaskTrace* t = find_state<TaskTrace>(task);
        return t ? &t->now : nullptr;
    }
    bool touches_path(Task& task) const;
    bool status_shown(std::uint8_t status) const { return config_.status & status; }

    // Text lines.
    // ip_known: -i shows task.regs.ip, else "[????????????????]" (a task that is gone).
    void begin_line(const Task& task, std::uint64_t nr, bool ip_known = true);
    // Ends the open line the way strace does before `next` (nullptr: text that is
    // no task's) begins one.
    void interrupt_open_line(const Task* next);
    bool line_is_open(const Task& task, const PerTask& t) const;
    // Where a task's lines go: the trace, or with -ff its own file.
    TraceOutput& out_for(Task& task);
    void format_entry(Task& task, PerTask& t, std::string& out);
    void format_exit_args(Task& task, const PerTask& t, std::string& out);
    void finish_line(Task& task, std::size_t written, bool returned);
    std::size_t resume_line(Task& task, PerTask& t);
    void print_call_exit(Task& task, PerTask& t);
    void print_unfinished(Task& task, PerTask& t, std::string_view why);
    void append_dumps(Task& task);
    void append_stack(PerTask& t);
    void append_timestamp();

    // JSON objects.
    void json_call(Task& task, PerTask& t, bool returned);
    // Argument i as --json's version writes it: strace's text (1) or a JSON value (2).
    void json_arg(Task& task, int i, std::string& out);
    std::uint64_t wall_ns(std::uint64_t mono_ns) const { return mono_ns + wall_offset_ns_; }

    void task_gone(Task& task);
    void announce_attached();
    void emit(Task& task) { out_for(task).write(line_); line_.clear(); }

    TraceOutput& out_;
    const TraceConfig& config_;
    std::unique_ptr<CallFormatter> fmt_;
    std::unique_ptr<StackUnwinder> unwinder_;  // -k
    // --json version 2: an argument's text and its typed leaves, turned into JSON (trace/json_value.hpp).
    std::string text_, detail_;
    TypedSpans typed_;
    std::vector<std::string> paths_;  // -P, with their real paths
    bool separate_ = false;    // -ff -o FILE: each task's lines in FILE.TID
    bool deferred_ = false;    // -e status= filters: whole lines are printed at exit
    bool pid_column_ = false;  // "-o FILE -f": the id as a plain first column, like strace
    // The task whose line is unfinished at the end of the output (the tracer hears
    // of a task's end before its Task goes away, and forgets it there).
    Task* open_task_ = nullptr;
    int live_tasks_ = 0;
    // -p: the processes attached and how many threads each, announced as strace -f -p
    // does ("Process N attached with M threads") once every thread is seized.
    std::vector<std::pair<pid_t, int>> attached_;
    bool prefix_all_ = false;
    std::function<long()> session_tasks_;
    long uncounted_ = 0;  // tasks of a former image whose line is being written (on_exec)
    long long calls_left_ = -1;           // --syscall-limit: shown calls to go, -1 unlimited
    std::function<void()> limit_reached_;
    std::uint64_t last_stamp_ns_ = 0;     // -r: the previous line's time
    std::uint64_t wall_offset_ns_ = 0;    // CLOCK_REALTIME - CLOCK_MONOTONIC at start
    std::string line_;
    std::string scratch_;
};

}  // namespace lstar
