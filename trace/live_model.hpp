// What `lstar top` shows, made from LiveFeed's events (trace/live_feed.hpp):
// per task its current call, calls and errors per second in the last interval
// and since the start; the busiest calls and the errors of the last interval;
// the cumulative -c table (trace/summary.hpp). Rendered as plain lines, so
// that the terminal part (cli/top_command.cpp) only draws them.
//
// Thread-safe: events come in on the session's thread, the view renders on its own.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "trace/live_feed.hpp"
#include "trace/summary.hpp"

namespace lstar {

enum class LiveSort : std::uint8_t { calls, errors, time };
std::string_view live_sort_name(LiveSort sort);
// "exited with 0", "killed by SIGKILL", "detached" (-1): a wait status as the view says it.
std::string how_it_went(std::int64_t status);

struct LiveCounts {
    std::uint64_t calls = 0, errors = 0, ns = 0;
    void add(const LiveCounts& o) { calls += o.calls, errors += o.errors, ns += o.ns; }
};

// How the view is asked to look.
struct LiveView {
    LiveSort sort = LiveSort::calls;
    std::string_view class_name;  // "%file", or "" for every call
    std::uint32_t class_bit = 0;  // its bit (0: every call)
    std::string title;            // the program, or the processes attached
    bool paused = false;
};

struct LiveLine {
    std::string text;
    bool heading = false;  // a title bar or a table's header
};

class LiveModel {
public:
    LiveModel();
    void apply(const LiveEvent& event);
    // The end of an interval `seconds` long: its figures become the last interval's.
    void tick(double seconds);
    // The session is over: how the program ended ("exited with 0").
    void end(std::string how);
    bool ended() const;
    // The processes of the tasks still on the path.
    std::vector<pid_t> live_processes() const;

    // The screen: at most `height` lines of at most `width` columns.
    std::vector<LiveLine> render(const LiveView& view, int width, int height) const;

private:
    struct PerCall {
        LiveCounts now, last;
    };
    struct TaskRow {
        pid_t tid = 0, pid = 0;
        std::string comm;
        bool live = true;
        std::int64_t status = 0;  // gone: the wait status, -1 detached
        bool in_call = false;
        std::string current;      // the call it waits in
        std::uint64_t since_ns = 0;
        std::unordered_map<const SyscallDesc*, PerCall> calls;
        LiveCounts total;         // every call, filtered or not
        std::unordered_map<const SyscallDesc*, LiveCounts> totals;
    };
    TaskRow& task(pid_t tid, pid_t pid);
    std::string read_comm(pid_t tid, pid_t pid) const;

    mutable std::mutex mutex_;
    std::map<pid_t, TaskRow> tasks_;
    std::unordered_map<const SyscallDesc*, PerCall> calls_;
    std::map<std::pair<const SyscallDesc*, int>, PerCall> errors_;  // by call and errno
    Summary summary_;  // since the start: -c's table
    double interval_s_ = 0;  // the last interval's length (0: none yet)
    std::string end_;
};

}  // namespace lstar
