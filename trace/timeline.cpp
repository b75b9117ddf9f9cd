#include "trace/timeline.hpp"

#include <cerrno>
#include <cstring>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "trace/json_printer.hpp"
#include "trace/run_events.hpp"

namespace lstar {

namespace {

// What the timeline keeps of one task (thread) while the run is read.
struct TrackState {
    std::int64_t pid = 0;
    std::string comm;
    bool had_call = false;
    std::uint64_t first_mid_ns = 0;       // the middle of its first call (a flow from its clone ends there)
    std::vector<std::uint64_t> waiting;   // flows to end at its next call (clone before it ran, execve)
    std::uint64_t dropped = 0, dropped_ns = 0;
    bool dropped_unwritten = false;       // the counter lags behind `dropped`
    std::uint64_t last_ns = 0;
};

class TimelineWriter {
public:
    TimelineWriter(std::FILE* out, const TimelineOptions& options) : out_(out), min_ns_(options.min_us * 1000) {
        buf_ = R"({"displayTimeUnit":"ns","traceEvents":[)";
        buf_ += '\n';
    }

    void object(const nlohmann::json& j) {
        std::string_view type = json_str(j, "type");
        std::int64_t tid = json_int(j, "tid"), pid = json_int(j, "pid");
        std::uint64_t ns = static_cast<std::uint64_t>(json_int(j, "mono_ns"));
        TrackState& t = track(tid, pid);
        if (ns > t.last_ns) t.last_ns = ns;
        if (type == "syscall") call(j, tid, t, ns);
        else if (type == "signal") instant(tid, t, ns, json_str(j, "signal", "signal"), "signal", "siginfo",
                                               j.contains("siginfo") && j["siginfo"].is_object() ? value_text(j["siginfo"]) : std::string(json_str(j, "siginfo")));
        else if (type == "exit") {
            std::string what = j.contains("status") && j["status"].is_number()
                                   ? fmt::format("exit {}", json_int(j, "status"))
                                   : fmt::format("killed by {}", json_str(j, "signal", "?"));
            instant(tid, t, ns, what, "process", "", "");
        } else if (type == "superseded") {
            instant(tid, t, ns, "superseded", "process", "former_tid", std::to_string(json_int(j, "former_tid")));
        } else if (type == "attach") {
            if (std::string_view comm = json_str(j, "comm"); !comm.empty()) t.comm = comm;
            instant(tid, t, ns, "attach", "process", "", "");
        } else if (type == "detach") {
            instant(tid, t, ns, "detach", "process", "", "");
        }
    }

    TimelineStats finish() {
        for (auto& [tid, t] : tracks_) {
            if (t.dropped_unwritten) counter(tid, t, t.last_ns);
            if (!t.comm.empty()) {
                metadata("thread_name", t.pid, tid, t.comm);
            }
        }
        // A process is named by its leader, or else by a thread that has a name.
        std::unordered_map<std::int64_t, std::string> process_names;
        for (auto& [tid, t] : tracks_)
            if (!t.comm.empty() && (tid == t.pid || !process_names.contains(t.pid))) process_names[t.pid] = t.comm;
        for (auto& [pid, name] : process_names) metadata("process_name", pid, pid, name);
        buf_ += "\n],\"otherData\":{\"producer\":\"lstar trace --timeline\"";
        fmt::format_to(std::back_inserter(buf_), ",\"calls\":{},\"dropped_calls\":{},\"min_us\":{}}}}}\n",
                       stats_.calls, stats_.dropped, min_ns_ / 1000);
        flush(true);
        return stats_;
    }

    bool failed() const { return std::ferror(out_); }
    void skipped(std::uint64_t n) { stats_.skipped = n; }

private:
    TrackState& track(std::int64_t tid, std::int64_t pid) {
        TrackState& t = tracks_[tid];
        if (t.pid == 0) t.pid = pid;
        return t;
    }

    void call(const nlohmann::json& j, std::int64_t tid, TrackState& t, std::uint64_t ns) {
        std::uint64_t dur = static_cast<std::uint64_t>(json_int(j, "dur_ns"));
        bool unfinished = j.value("unfinished", false);
        const SyscallDesc* row = run_object_row(j);
        std::string_view name = json_str(j, "name", "?");
        std::int64_t ret = json_int(j, "ret", -1);
        bool ok = j.contains("ret") && j["ret"].is_number() && (ret < -4095 || ret >= 0);
        // A task's first call and a flow's end are kept: flows bind to them.
        TaskEffect effect = ok && row ? task_effect(*row) : TaskEffect::none;
        if (dur < min_ns_ && !unfinished && t.had_call && t.waiting.empty() && effect == TaskEffect::none) {
            ++t.dropped;
            t.dropped_ns += dur;
            t.dropped_unwritten = true;
            ++stats_.dropped;
            return;
        }
        if (t.dropped_unwritten) counter(tid, t, ns);
        ++stats_.calls;
        std::uint64_t mid = ns + dur / 2;
        begin_event(name, row ? category(*row) : std::string("unknown"), "X", ns, t.pid, tid);
        fmt::format_to(std::back_inserter(buf_), ",\"dur\":{}", micros(dur));
        buf_ += ",\"args\":{";
        auto decoded = j.find("decoded");
        bool first = true;
        if (decoded != j.end() && decoded->is_array()) {
            for (std::size_t i = 0; i < decoded->size(); ++i) {
                std::string key = row && i < row->effective().nargs ? std::string(row->effective().args[i].name) : fmt::format("arg{}", i);
                arg(first, key, decoded_text(j, i));
            }
        }
        arg(first, "result", unfinished ? std::string("? (unfinished)") : result_text(j));
        if (std::string_view e = json_str(j, "errno"); !e.empty()) arg(first, "errno", e);
        if (j.value("injected", false)) arg(first, "injected", "true");
        buf_ += "}}";
        // Flows into this call: from the clone that made the task, or the execve before it.
        if (!t.had_call) t.first_mid_ns = mid;
        t.had_call = true;
        for (std::uint64_t id : t.waiting) flow_end(id, mid, t.pid, tid);
        t.waiting.clear();
        if (effect != TaskEffect::none) {
            std::uint64_t id = ++flows_;
            flow_start(id, name, mid, t.pid, tid);
            if (effect == TaskEffect::new_image) {
                t.waiting.push_back(id);
                auto path_arg = static_cast<std::size_t>(program_arg(row->effective()));
                if (std::string path = decoded_text(j, path_arg); !path.empty()) t.comm = comm_of_exec_path(path);
            } else {
                // The new task's id is the result; a thread shares the process.
                TrackState& child = track(ret, made_thread(j) ? t.pid : ret);
                if (child.comm.empty()) child.comm = t.comm;
                if (child.had_call) flow_end(id, child.first_mid_ns, child.pid, ret);
                else child.waiting.push_back(id);
            }
        }
        flush(false);
    }

    std::string category(const SyscallDesc& row) {
        std::string c = class_list(row);
        if (row.effective().flags & kMayBlock) c += c.empty() ? "blocking" : ",blocking";
        return c.empty() ? "other" : c;
    }

    static std::string micros(std::uint64_t ns) { return fmt::format("{}.{:03}", ns / 1000, ns % 1000); }

    void begin_event(std::string_view name, std::string_view cat, std::string_view ph, std::uint64_t ns, std::int64_t pid,
                     std::int64_t tid) {
        if (events_++) buf_ += ",\n";
        buf_ += "{\"name\":";
        append_json_string(buf_, name);
        buf_ += ",\"cat\":";
        append_json_string(buf_, cat);
        fmt::format_to(std::back_inserter(buf_), R"(,"ph":"{}","ts":{},"pid":{},"tid":{})", ph, micros(ns), pid, tid);
    }

    void arg(bool& first, std::string_view key, std::string_view value) {
        if (!first) buf_ += ',';
        first = false;
        append_json_string(buf_, key);
        buf_ += ':';
        append_json_string(buf_, value);
    }

    void instant(std::int64_t tid, TrackState& t, std::uint64_t ns, std::string_view name, std::string_view cat,
                 std::string_view key, std::string_view value) {
        begin_event(name, cat, "i", ns, t.pid, tid);
        buf_ += ",\"s\":\"t\"";
        if (!key.empty()) {
            buf_ += ",\"args\":{";
            bool first = true;
            arg(first, key, value);
            buf_ += '}';
        }
        buf_ += '}';
    }

    void flow_start(std::uint64_t id, std::string_view name, std::uint64_t ns, std::int64_t pid, std::int64_t tid) {
        begin_event(name, "process", "s", ns, pid, tid);
        fmt::format_to(std::back_inserter(buf_), ",\"id\":{}}}", id);
    }
    void flow_end(std::uint64_t id, std::uint64_t ns, std::int64_t pid, std::int64_t tid) {
        begin_event("started", "process", "f", ns, pid, tid);
        fmt::format_to(std::back_inserter(buf_), ",\"bp\":\"e\",\"id\":{}}}", id);
    }

    // A counter per track (counters belong to a process: the thread is in the name).
    void counter(std::int64_t tid, TrackState& t, std::uint64_t ns) {
        begin_event(fmt::format("dropped calls (tid {})", tid), "lstar", "C", ns, t.pid, tid);
        fmt::format_to(std::back_inserter(buf_), R"(,"args":{{"calls":{},"us":{}}}}})", t.dropped, t.dropped_ns / 1000);
        t.dropped_unwritten = false;
    }

    void metadata(std::string_view what, std::int64_t pid, std::int64_t tid, std::string_view name) {
        begin_event(what, "__metadata", "M", 0, pid, tid);
        buf_ += ",\"args\":{\"name\":";
        append_json_string(buf_, name);
        buf_ += "}}";
    }

    void flush(bool all) {
        if (!all && buf_.size() < (1u << 20)) return;
        std::fwrite(buf_.data(), 1, buf_.size(), out_);
        buf_.clear();
    }

    std::FILE* out_;
    std::uint64_t min_ns_;
    std::string buf_;
    std::uint64_t events_ = 0, flows_ = 0;
    std::unordered_map<std::int64_t, TrackState> tracks_;
    TimelineStats stats_;
};

}  // namespace

Result<TimelineStats> write_timeline(std::istream& run, std::FILE* out, const TimelineOptions& options) {
    TimelineWriter writer(out, options);
    RunReadStats read = for_each_run_object(run, [&](const nlohmann::json& j) { writer.object(j); });
    writer.skipped(read.skipped);
    TimelineStats stats = writer.finish();
    if (std::fflush(out) != 0 || writer.failed()) return error(fmt::format("cannot write the timeline: {}", std::strerror(errno)), errno);
    return stats;
}

}  // namespace lstar
