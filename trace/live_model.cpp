#include "trace/live_model.hpp"

#include <sys/wait.h>

#include <algorithm>
#include <ctime>
#include <fstream>

#include <fmt/format.h>

#include "trace/format.hpp"

namespace lstar {

namespace {

// The figure the view sorts by.
std::uint64_t key(const LiveCounts& c, LiveSort sort) {
    switch (sort) {
    case LiveSort::calls: return c.calls;
    case LiveSort::errors: return c.errors;
    case LiveSort::time: return c.ns;
    }
    return 0;
}

SortBy summary_sort(LiveSort sort) {
    switch (sort) {
    case LiveSort::calls: return SortBy::calls;
    case LiveSort::errors: return SortBy::errors;
    case LiveSort::time: return SortBy::time;
    }
    return SortBy::calls;
}

bool in_class(const SyscallDesc* row, std::uint32_t bit) { return !bit || (row && (row->effective().classes & bit)); }

std::string_view name_of(const SyscallDesc* row) { return row && !row->name.empty() ? row->name : "?"; }

// A count per second of the last interval.
std::string rate(std::uint64_t n, double seconds) {
    if (seconds <= 0) return "-";
    double r = static_cast<double>(n) / seconds;
    return r >= 10 || r == 0 ? fmt::format("{:.0f}", r) : fmt::format("{:.1f}", r);
}

void fit(std::string& s, int width) {
    if (width >= 0 && s.size() > static_cast<std::size_t>(width)) s.resize(static_cast<std::size_t>(width));
}

}  // namespace

std::string how_it_went(std::int64_t status) {
    if (status < 0) return "detached";
    int st = static_cast<int>(status);
    if (WIFEXITED(st)) return fmt::format("exited with {}", WEXITSTATUS(st));
    if (WIFSIGNALED(st)) return fmt::format("killed by {}", signal_name(WTERMSIG(st)));
    return "gone";
}

std::string_view live_sort_name(LiveSort sort) {
    switch (sort) {
    case LiveSort::calls: return "calls";
    case LiveSort::errors: return "errors";
    case LiveSort::time: return "time";
    }
    return "?";
}

LiveModel::LiveModel() = default;

std::string LiveModel::read_comm(pid_t tid, pid_t pid) const {
    std::ifstream f(fmt::format("/proc/{}/task/{}/comm", pid, tid));
    std::string comm;
    std::getline(f, comm);
    return comm;
}

LiveModel::TaskRow& LiveModel::task(pid_t tid, pid_t pid) {
    auto [it, made] = tasks_.try_emplace(tid);
    TaskRow& t = it->second;
    if (made || !t.live) {  // a new task (or a tid used again)
        t = TaskRow{};
        t.tid = tid;
        t.pid = pid;
        t.comm = read_comm(tid, pid);
    }
    return t;
}

void LiveModel::apply(const LiveEvent& e) {
    std::lock_guard lock(mutex_);
    switch (e.kind) {
    case LiveEvent::Kind::task: {
        auto parent = tasks_.find(static_cast<pid_t>(e.retval));
        bool known = tasks_.contains(e.tid) && tasks_[e.tid].live;
        TaskRow& t = task(e.tid, e.pid);
        // A child's name is its parent's until it execs (as the kernel copies it).
        if (!known && parent != tasks_.end() && parent->second.pid != e.pid) t.comm = parent->second.comm;
        break;
    }
    case LiveEvent::Kind::exec: {
        TaskRow& t = task(e.tid, e.pid);
        t.comm = e.text.empty() ? read_comm(e.tid, e.pid) : e.text;
        for (auto& [tid, other] : tasks_)  // the process's other threads are gone
            if (other.pid == e.pid && tid != e.tid && other.live) other.live = false, other.status = 0;
        break;
    }
    case LiveEvent::Kind::enter: {
        TaskRow& t = task(e.tid, e.pid);
        t.in_call = true;
        t.current = e.text;
        t.since_ns = e.ns;
        break;
    }
    case LiveEvent::Kind::exit: {
        TaskRow& t = task(e.tid, e.pid);
        t.in_call = false;
        const SyscallDesc* row = e.row();
        bool failed = is_error_value(e.retval);
        LiveCounts one{1, failed ? 1u : 0u, e.ns};
        t.calls[row].now.add(one);
        t.totals[row].add(one);
        t.total.add(one);
        calls_[row].now.add(one);
        if (failed) errors_[{row, static_cast<int>(-e.retval)}].now.add(one);
        if (row) summary_.record(*row, failed, e.ns);
        break;
    }
    case LiveEvent::Kind::gone: {
        auto it = tasks_.find(e.tid);
        if (it == tasks_.end()) break;
        it->second.live = false;
        it->second.in_call = false;
        it->second.status = e.retval;
        break;
    }
    }
}

void LiveModel::tick(double seconds) {
    std::lock_guard lock(mutex_);
    auto roll = [](auto& map) {
        for (auto& [_, c] : map) c.last = c.now, c.now = {};
    };
    for (auto& [_, t] : tasks_) roll(t.calls);
    roll(calls_);
    roll(errors_);
    interval_s_ = seconds;
}

void LiveModel::end(std::string how) {
    std::lock_guard lock(mutex_);
    end_ = std::move(how);
}

bool LiveModel::ended() const {
    std::lock_guard lock(mutex_);
    return !end_.empty();
}

std::vector<pid_t> LiveModel::live_processes() const {
    std::lock_guard lock(mutex_);
    std::vector<pid_t> pids;
    for (const auto& [_, t] : tasks_)
        if (t.live && std::find(pids.begin(), pids.end(), t.pid) == pids.end()) pids.push_back(t.pid);
    return pids;
}

std::vector<LiveLine> LiveModel::render(const LiveView& view, int width, int height) const {
    std::lock_guard lock(mutex_);
    std::vector<LiveLine> lines;
    auto add = [&](std::string text, bool heading = false) {
        if (static_cast<int>(lines.size()) >= height) return;
        fit(text, width);
        lines.push_back({std::move(text), heading});
    };
    std::uint64_t now_ns = 0;
    {
        timespec ts;
        ::clock_gettime(CLOCK_MONOTONIC, &ts);
        now_ns = static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u + static_cast<std::uint64_t>(ts.tv_nsec);
    }

    // Per task, what passes the class filter.
    struct Shown {
        const TaskRow* t;
        LiveCounts last, total;
    };
    std::vector<Shown> shown;
    LiveCounts all_last;
    int live = 0;
    for (const auto& [_, t] : tasks_) {
        Shown s{&t, {}, {}};
        for (const auto& [row, c] : t.calls)
            if (in_class(row, view.class_bit)) s.last.add(c.last);
        for (const auto& [row, c] : t.totals)
            if (in_class(row, view.class_bit)) s.total.add(c);
        all_last.add(s.last);
        live += t.live;
        shown.push_back(s);
    }
    std::stable_sort(shown.begin(), shown.end(), [&](const Shown& a, const Shown& b) {
        if (a.t->live != b.t->live) return a.t->live;
        if (key(a.last, view.sort) != key(b.last, view.sort)) return key(a.last, view.sort) > key(b.last, view.sort);
        return key(a.total, view.sort) > key(b.total, view.sort);
    });

    std::string state = view.paused ? "  [paused]" : "";
    if (!end_.empty()) state += fmt::format("  [{}: q to quit]", end_);
    add(fmt::format("lstar top: {}  tasks {}/{}  {} calls/s  {} errors/s  sort: {}  class: {}{}", view.title, live,
                    tasks_.size(), rate(all_last.calls, interval_s_), rate(all_last.errors, interval_s_),
                    live_sort_name(view.sort), view.class_name.empty() ? "all" : view.class_name, state),
        true);
    add("");

    // The tasks: about half the screen at most.
    int task_rows = std::max(1, std::min(static_cast<int>(shown.size()), (height - 4) / 2 - 1));
    add(fmt::format("{:>7} {:>7} {:<15} {:>8} {:>7} {:>10} {:>8} {:>9}  {}", "TID", "PID", "COMMAND", "CALLS/s",
                    "ERRS/s", "CALLS", "ERRORS", "TIME(s)", "CURRENT CALL"),
        true);
    for (int i = 0; i < task_rows && i < static_cast<int>(shown.size()); ++i) {
        const Shown& s = shown[static_cast<std::size_t>(i)];
        const TaskRow& t = *s.t;
        std::string current = !t.live   ? fmt::format("<{}>", how_it_went(t.status))
                              : t.in_call ? fmt::format("{} [{:.1f}s]", t.current,
                                                        static_cast<double>(now_ns > t.since_ns ? now_ns - t.since_ns : 0) / 1e9)
                                          : std::string("-");
        add(fmt::format("{:>7} {:>7} {:<15} {:>8} {:>7} {:>10} {:>8} {:>9.3f}  {}", t.tid, t.pid, t.comm,
                        t.live ? rate(s.last.calls, interval_s_) : "-", t.live ? rate(s.last.errors, interval_s_) : "-",
                        s.total.calls, s.total.errors, static_cast<double>(s.total.ns) / 1e9, current));
    }
    add("");

    // The busiest calls of the last interval, and its errors, side by side.
    std::vector<std::pair<const SyscallDesc*, LiveCounts>> busiest;
    for (const auto& [row, c] : calls_)
        if (c.last.calls && in_class(row, view.class_bit)) busiest.emplace_back(row, c.last);
    std::stable_sort(busiest.begin(), busiest.end(), [&](const auto& a, const auto& b) {
        if (key(a.second, view.sort) != key(b.second, view.sort)) return key(a.second, view.sort) > key(b.second, view.sort);
        return name_of(a.first) < name_of(b.first);
    });
    std::vector<std::pair<std::pair<const SyscallDesc*, int>, std::uint64_t>> failures;
    for (const auto& [what, c] : errors_)
        if (c.last.calls && in_class(what.first, view.class_bit)) failures.emplace_back(what, c.last.calls);
    std::stable_sort(failures.begin(), failures.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    constexpr int kLeft = 58;
    std::string interval = fmt::format("(last {:.1f}s)", interval_s_);
    add(fmt::format("{:<{}}{}", fmt::format("{:<27} {:>8} {:>7} {:>10}", "BUSIEST CALLS " + interval, "CALLS/s", "ERRS/s", "us/call"),
                    kLeft, fmt::format("{:<32} {:>8}", "ERRORS " + interval, "ERRS/s")),
        true);
    constexpr int kPanelRows = 5;
    for (int i = 0; i < kPanelRows; ++i) {
        std::string left, right;
        if (i < static_cast<int>(busiest.size())) {
            auto& [row, c] = busiest[static_cast<std::size_t>(i)];
            left = fmt::format("{:<27} {:>8} {:>7} {:>10.1f}", name_of(row), rate(c.calls, interval_s_),
                               rate(c.errors, interval_s_), c.calls ? static_cast<double>(c.ns) / 1e3 / static_cast<double>(c.calls) : 0.0);
        }
        if (i < static_cast<int>(failures.size())) {
            auto& [what, n] = failures[static_cast<std::size_t>(i)];
            right = fmt::format("{:<18} {:<13} {:>8}", name_of(what.first), errno_name(what.second), rate(n, interval_s_));
        }
        if (left.empty() && right.empty()) break;
        add(fmt::format("{:<{}}{}", left, kLeft, right));
    }
    add("");

    // -c's table since the start, of the calls in the class.
    Summary summary = summary_;
    if (view.class_bit) summary.keep_only([&](const SyscallDesc& row) { return in_class(&row, view.class_bit); });
    add("SINCE THE START (lstar trace -c -w)", true);
    if (summary.empty()) {
        add("(no calls yet)");
    } else {
        std::string table;
        static const std::vector<SummaryColumn> kColumns = {SummaryColumn::time_percent, SummaryColumn::total_time,
                                                             SummaryColumn::avg_time,     SummaryColumn::calls,
                                                             SummaryColumn::errors,       SummaryColumn::name};
        summary.print(summary_sort(view.sort), kColumns, table);
        std::size_t at = 0;
        while (at < table.size() && static_cast<int>(lines.size()) < height - 1) {
            std::size_t end = table.find('\n', at);
            if (end == std::string::npos) end = table.size();
            add(table.substr(at, end - at), at == 0);
            at = end + 1;
        }
    }
    return lines;
}

}  // namespace lstar
