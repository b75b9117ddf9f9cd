// `lstar top`'s source: a hook that reports each call's exit (and the entry of
// a call that may block, decoded: what the task is waiting in) and the tasks'
// comings and goings, as LiveEvents for a live view (trace/live_model.hpp).
//
// Where the path runs in the session's own process (ptrace), the events go to
// the sink at once. Where each process of the program runs its own path (the
// in-process backend's images), an image packs them into records and writes
// them, whole, to a pipe that the session reads (this stage's SessionOutput, as
// -c's counts travel): at once for a blocking call's entry and a task's end,
// else at most every 100 ms or 3 KiB, so the view lags by no more.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "kernel/session_output.hpp"
#include "kernel/syscall_path.hpp"
#include "trace/decode.hpp"

namespace lstar {

struct LiveEvent {
    enum class Kind : std::uint8_t {
        task,   // a task is on the path (tid, pid; retval: the task it was made by, or 0)
        exec,   // its process runs a new program: text is its command name (or "": unknown)
        enter,  // it entered a call that may block: text is the call as far as known at entry
        exit,   // a call returned: retval, ns its wall time
        gone,   // it exited (retval: the wait status) or was let go (-1)
    };
    Kind kind = Kind::task;
    pid_t tid = 0, pid = 0;
    Abi abi = Abi::x86_64;
    std::uint32_t nr = 0;
    std::int64_t retval = 0;
    std::uint64_t ns = 0;    // exit: the call's wall time; enter: when it began (CLOCK_MONOTONIC)
    std::string text;

    const SyscallDesc* row() const;
    // The record an image writes, and back (false: not a whole record).
    void pack(std::string& out) const;
    static bool unpack(std::string_view& in, LiveEvent* out);
};

class LiveFeed final : public Hook {
public:
    using Sink = std::function<void(const LiveEvent&)>;
    explicit LiveFeed(Sink sink);
    ~LiveFeed() override;

    Verdict on_enter(Task& task) override;
    void on_exit(Task& task) override;
    // Every call: the view counts them all, and filters by class itself.
    bool needs(const SyscallDesc&) const override { return true; }
    bool needs_unknown_numbers() const override { return true; }
    void on_new_task(Task& child, Task* parent) override;
    void on_exec(Task& task, pid_t former_tid, Task* replaced) override;
    void on_task_exit(Task& task, int wait_status) override;
    void on_detach(Task& task) override;
    void on_process_copy(Task& self) override;
    void on_image_end() override;

    // Where the images' records travel (see above).
    SessionOutput& channel();

private:
    class Channel;
    void emit(const LiveEvent& event, bool now, std::uint64_t at_ns);

    Sink sink_;
    Decoder decoder_;
    std::unique_ptr<Channel> channel_;
};

// The call as far as it is known at entry, as a tracer shows it while the task
// waits: "read(0, ...)", "nanosleep({tv_sec=1, tv_nsec=0}, ...)".
std::string entry_text(const Decoder& decoder, Task& task);

}  // namespace lstar
