// -c / -C: the accounting stage of exit work (Stage::accounting). It counts
// the calls the tracer selects, as strace counts what it traces, and prints
// strace's table once every task is gone.
//
// Where each process of a tree runs its own path (the in-process backend's
// images), each counts its own calls and, as its image ends, writes them as
// whole records into a pipe that the session's Accounting reads and adds up:
// the pipe is this stage's SessionOutput, which the backend carries to every
// image like the trace itself.
#pragma once

#include <cstdint>
#include <string>

#include "kernel/session_output.hpp"
#include "kernel/syscall_path.hpp"
#include "trace/summary.hpp"
#include "trace/tracer.hpp"

namespace lstar {

class Accounting final : public Hook {
public:
    Accounting(Tracer& tracer, const TraceConfig& config);
    ~Accounting() override;

    void on_exit(Task& task) override;
    // The tracer's selection stops the calls; counting them needs no stop of its own.
    bool needs(const SyscallDesc&) const override { return false; }
    bool needs_unknown_numbers() const override { return false; }
    void on_process_copy(Task&) override { summary_.clear(); }  // the parent's counts are the parent's
    void on_image_end() override;
    void on_task_exit(Task&, int) override { print_when_done(); }
    void on_detach(Task&) override { print_when_done(); }

    // Where the images' counts travel (see above).
    SessionOutput& channel();
    // Prints the table, once, unless another process prints it.
    void finish();

private:
    class Channel;
    void print_when_done() {
        if (tracer_.live_tasks() <= 0) finish();
    }

    Tracer& tracer_;
    const TraceConfig& config_;
    Summary summary_;
    std::unique_ptr<Channel> channel_;
    bool printed_ = false;
};

}  // namespace lstar
