#include "trace/tracer.hpp"

#include <limits.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fmt/format.h>

#include "trace/decode.hpp"
#include "trace/decode_ctx.hpp"
#include "trace/format.hpp"
#include "trace/json_printer.hpp"
#include "trace/json_value.hpp"

namespace lstar {

namespace {

std::uint64_t clock_ns(clockid_t clock) {
    timespec ts;
    ::clock_gettime(clock, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

std::uint64_t arg_value(const Task& task, int i) {
    std::uint64_t v = task.arg(i);
    return task.abi == Abi::i386 ? v & 0xffffffffu : v;
}

// The call's name without allocating for the common case of a known number.
std::string_view call_name(const Task& task, std::string& scratch) {
    if (std::string_view shown = Decoder::shown_name(task); !shown.empty()) return shown;  // i386 socketcall
    if (task.sc && !task.sc->name.empty()) return task.sc->name;
    scratch = task.syscall_name();
    return scratch;
}

std::string_view errno_of(std::int64_t ret) {
    return is_error_value(ret) ? errno_name(static_cast<int>(-ret)) : std::string_view();
}

}  // namespace

// The Decoder for each call: -e raw= and -e abbrev= choose among four.
class CallFormatter {
public:
    explicit CallFormatter(const TraceConfig& config) : config_(config) {
        DecodeOptions base = config.decode_options();
        for (int raw = 0; raw < 2; ++raw)
            for (int verbose = 0; verbose < 2; ++verbose) {
                DecodeOptions o = base;
                o.raw = raw;
                o.verbose_structs = verbose;
                decoders_.emplace_back(o);
            }
    }
    int shown_args(Task& task) const { return pick(task).shown_args(task); }
    bool at_exit(Task& task, int i) const { return pick(task).shown_at_exit(task, i); }
    void arg(Task& task, int i, std::string& out, TypedSpans* typed = nullptr) const {
        pick(task).format_arg(task, i, out, typed);
    }
    void result(Task& task, std::string& out, TypedSpans* typed = nullptr) const {
        pick(task).format_result(task, out, typed);
    }
    void siginfo(Task& task, const siginfo_t& info, std::string& out, TypedSpans* typed = nullptr) const {
        decoders_.front().format_siginfo(task, info, out, typed);
    }

private:
    const Decoder& pick(const Task& task) const {
        bool raw = task.sc && in_set(config_.raw, task);
        bool verbose = task.sc && !in_set(config_.abbrev, task);
        return decoders_[raw * 2 + verbose];
    }
    const TraceConfig& config_;
    std::vector<Decoder> decoders_;  // [raw][verbose]
};

Tracer::Tracer(TraceOutput& out, const TraceConfig& config)
    : out_(out), config_(config), fmt_(std::make_unique<CallFormatter>(config)) {
    deferred_ = config.status != kStatusAll;
    separate_ = config.output_separately && !config.output_path.empty();
    calls_left_ = config.syscall_limit;
    // strace's print_pid_pfx: -o FILE with -f or several -p (not -ff: one task a file).
    pid_column_ = !config.output_path.empty() && !config.output_separately &&
                  (config.follow_forks || config.attach.size() > 1);
    wall_offset_ns_ = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
    for (const std::string& p : config.paths) {
        paths_.push_back(p);
        // strace matches the path as given and as it resolves.
        if (char* real = ::realpath(p.c_str(), nullptr)) {
            if (p != real) paths_.emplace_back(real);
            ::free(real);
        }
    }
    if (config.stack_trace != StackTraceMode::off)
        unwinder_ = std::make_unique<StackUnwinder>(config.stack_trace, config.stack_frame_limit);
    line_.reserve(4096);
    // -x for the printers that quote without the decoder's options at hand.
    set_quote_style(config.strings_in_hex);
}

Tracer::~Tracer() = default;

bool Tracer::selects(Task& task) const {
    return in_set(config_.trace, task) &&
           (paths_.empty() || touches_path(task));
}

// -P: a path argument equal to one of the paths, or a descriptor open on one.
bool Tracer::touches_path(Task& task) const {
    if (!task.sc || !task.mem) return false;
    const EntryMeta& meta = task.sc->effective();
    char buf[PATH_MAX];
    auto matches = [&](std::string_view s) {
        for (const std::string& p : paths_)
            if (p == s) return true;
        return false;
    };
    for (int i = 0; i < meta.nargs; ++i) {
        ArgKind kind = meta.args[i].kind;
        if (kind == ArgKind::path) {
            long n = task.mem->read_string(task.arg(i), buf, sizeof buf - 1);
            if (n >= 0 && matches(std::string_view(buf, static_cast<std::size_t>(n)))) return true;
        } else if (kind == ArgKind::fd || kind == ArgKind::dirfd) {
            int fd = static_cast<int>(task.arg(i));
            if (fd < 0) continue;
            char link[64];
            fmt::format_to_n(link, sizeof link - 1, "/proc/{}/fd/{}\0", task.tid, fd);
            ssize_t n = ::readlink(link, buf, sizeof buf);
            if (n > 0 && matches(std::string_view(buf, static_cast<std::size_t>(n)))) return true;
        }
    }
    return false;
}

// ---- text lines -------------------------------------------------------------

namespace {
// ".123" for a precision of 3 digits: the first digits of the nanoseconds.
void append_fraction(std::string& out, std::uint64_t ns, TimePrecision p) {
    if (!p.digits) return;
    std::uint64_t scale = 1;
    for (int d = p.digits; d < 9; ++d) scale *= 10;
    fmt::format_to(std::back_inserter(out), ".{:0{}}", ns % 1000000000u / scale, p.digits);
}
}  // namespace

void Tracer::append_timestamp() {
    auto it = std::back_inserter(line_);
    if (config_.stamps != StampFormat::none) {
        std::uint64_t now = clock_ns(CLOCK_REALTIME);
        time_t sec = static_cast<time_t>(now / 1000000000u);
        if (config_.stamps == StampFormat::unix_) {
            fmt::format_to(it, "{}", sec);
        } else {
            tm local;
            ::localtime_r(&sec, &local);
            fmt::format_to(it, "{:02}:{:02}:{:02}", local.tm_hour, local.tm_min, local.tm_sec);
        }
        append_fraction(line_, now, config_.stamp_precision);
        line_ += ' ';
    }
    if (config_.relative) {
        std::uint64_t now = clock_ns(CLOCK_MONOTONIC);
        std::uint64_t delta = last_stamp_ns_ ? now - last_stamp_ns_ : 0;
        last_stamp_ns_ = now;
        // strace: "(+     0.000123) " after an absolute time stamp.
        bool after_stamp = config_.stamps != StampFormat::none;
        fmt::format_to(it, "{}{:6}", after_stamp ? "(+" : "", delta / 1000000000u);
        append_fraction(line_, delta, config_.relative_precision);
        line_ += after_stamp ? ") " : " ";
    }
}

// The leader of a line: task id, time stamps, call number (strace's printleader).
void Tracer::begin_line(const Task& task, std::uint64_t nr, bool ip_known) {
    interrupt_open_line(&task);
    line_.clear();
    // -Y: the task's command name after its id, as last seen (strace keeps it from
    // the task's start and each execve, so a task that is gone still has it).
    std::string comm;
    if (config_.decode_pid_comm) {
        TaskTrace& t = state<TaskTrace>(const_cast<Task&>(task));
        if (t.comm.empty()) t.comm = process_comm(task.tid);
        comm = t.comm;
    }
    if (pid_column_ || config_.always_show_pid) {
        if (comm.empty()) fmt::format_to(std::back_inserter(line_), "{:<5} ", task.tid);
        else fmt::format_to(std::back_inserter(line_), "{}<{}> ", task.tid, comm);
    } else if ((prefix_all_ || (session_tasks_ ? session_tasks_() : live_tasks_) + uncounted_ > 1) && config_.output_path.empty()) {
        fmt::format_to(std::back_inserter(line_), "[pid {:>5}{}] ", task.tid, comm.empty() ? "" : "<" + comm + ">");
    }
    append_timestamp();
    if (config_.numbers) fmt::format_to(std::back_inserter(line_), "[{:>4}] ", nr);
    if (config_.instruction_pointer) {
        // strace: as wide as the task's word (8 digits for i386 and x32).
        std::size_t width = task.abi == Abi::x86_64 ? 16 : 8;
        if (ip_known) {
            fmt::format_to(std::back_inserter(line_), "[{:0{}x}] ", task.regs.ip, width);
        } else {
            line_ += '[';
            line_.append(width, '?');
            line_ += "] ";
        }
    }
}

// Another line is about to begin while one is open: close it the strace way.
// With -ff only the task's own line can be open in its file (strace: "SIGKILL
// nuked us after syscall entry").
void Tracer::interrupt_open_line(const Task* next) {
    Task* open = open_task_;
    if (separate_) {
        PerTask* t = next ? find_per_task(*next) : nullptr;
        if (!t || !t->line_open) return;
        open = const_cast<Task*>(next);
    }
    if (!open) return;
    out_for(*open).write(" <unfinished ...>\n");
    if (PerTask* t = find_per_task(*open)) t->line_open = false;
    if (open_task_ == open) open_task_ = nullptr;
}

bool Tracer::line_is_open(const Task& task, const PerTask& t) const {
    return t.line_open && (separate_ || open_task_ == &task);
}

TraceOutput& Tracer::out_for(Task& task) {
    if (!separate_) return out_;
    TaskTrace& t = state<TaskTrace>(task);
    if (!t.file) {
        // strace -ff: FILE.TID, made when the task is first seen.
        auto file = std::make_unique<TraceOutput>(fmt::format("{}.{}", config_.output_path, task.tid), config_.output_append);
        if (Status s = file->open(); !s) {
            out_.message(fmt::format("lstar: {}\n", s.error().message));
            return out_;
        }
        t.file = std::move(file);
    }
    return *t.file;
}

// "name(args known at entry, " — the rest is shown at exit (Decoder::shown_at_exit).
void Tracer::format_entry(Task& task, PerTask& t, std::string& out) {
    out += call_name(task, scratch_);
    out += '(';
    int n = fmt_->shown_args(task);
    int i = 0;
    for (; i < n && !fmt_->at_exit(task, i); ++i) {
        if (i) out += ", ";
        fmt_->arg(task, i, out);
    }
    if (i < n && i > 0) out += ", ";
    t.exit_from = i;
}

void Tracer::format_exit_args(Task& task, const PerTask& t, std::string& out) {
    int n = fmt_->shown_args(task);
    for (int i = t.exit_from; i < n; ++i) {
        if (i > t.exit_from) out += ", ";
        fmt_->arg(task, i, out);
    }
}

// ") = result <duration>\n" after the arguments; `written` is what the line had
// on the output before line_.
void Tracer::finish_line(Task& task, std::size_t written, bool returned) {
    line_ += ')';
    pad_to_column(line_, written, config_.column);
    line_ += "= ";
    if (!returned) {
        line_ += "?\n";
        return;
    }
    fmt_->result(task, line_);
    if (task.tampered & kTamperResult) line_ += " (INJECTED)";
    if (task.tampered & kTamperDelay) line_ += " (DELAYED)";
    if (config_.durations) {
        std::uint64_t d = task.exit_ns - task.enter_ns;
        fmt::format_to(std::back_inserter(line_), " <{}", d / 1000000000u);
        append_fraction(line_, d, config_.duration_precision);
        line_ += '>';
    }
    line_ += '\n';
}

// Starts the exit part of a call's line: the held-back line (-e status=), the
// rest of the line still open, or "<... name resumed>" after other lines came
// between. Returns how much of the line is already written.
std::size_t Tracer::resume_line(Task& task, PerTask& t) {
    if (deferred_) {
        begin_line(task, task.nr());
        line_ += t.pending;
        return 0;
    }
    if (line_is_open(task, t)) {
        line_.clear();
        return t.open_column;
    }
    begin_line(task, task.nr());
    fmt::format_to(std::back_inserter(line_), "<... {} resumed>", call_name(task, scratch_));
    return 0;
}

void Tracer::print_call_exit(Task& task, PerTask& t) {
    std::size_t written = resume_line(task, t);
    format_exit_args(task, t, line_);
    finish_line(task, written, true);
    append_dumps(task);
    append_stack(t);
    open_task_ = nullptr;
    t.line_open = false;
    emit(task);
}

// A call that will never return: the task died in it, or lstar let it go.
void Tracer::print_unfinished(Task& task, PerTask& t, std::string_view why) {
    std::size_t written = resume_line(task, t);
    // strace: the arguments due at exit will never come.
    if (t.exit_from < fmt_->shown_args(task)) line_ += why;
    finish_line(task, written, false);
    append_stack(t);
    open_task_ = nullptr;
    t.line_open = false;
    emit(task);
}

// -e read= / -e write=: the data the call moved on a selected descriptor.
void Tracer::append_dumps(Task& task) {
    if ((config_.read_fds.empty() && config_.write_fds.empty()) || !task.sc || !task.mem) return;
    if (is_error_value(task.retval)) return;
    const EntryMeta& meta = task.sc->effective();
    long fd = -1;
    for (int i = 0; i < meta.nargs && fd < 0; ++i)
        if (meta.args[i].kind == ArgKind::fd) fd = static_cast<int>(task.arg(i));
    if (fd < 0) return;
    bool reads = config_.read_fds.contains(fd), writes = config_.write_fds.contains(fd);
    std::vector<unsigned char> data;
    auto dump = [&](std::uint64_t addr, std::uint64_t len) {
        data.resize(len);
        long n = len ? task.mem->read(addr, data.data(), len) : 0;
        if (n > 0) append_hex_dump(line_, data.data(), static_cast<std::size_t>(n));
    };
    auto dump_iov = [&](std::uint64_t iov, std::uint64_t count, std::uint64_t limit) {
        bool compat = task.abi == Abi::i386;
        for (std::uint64_t k = 0; k < count && limit; ++k) {
            std::uint64_t base = 0, len = 0;
            if (compat) {
                std::uint32_t v[2];
                if (task.mem->read(iov + k * 8, v, sizeof v) != sizeof v) return;
                base = v[0], len = v[1];
            } else {
                std::uint64_t v[2];
                if (task.mem->read(iov + k * 16, v, sizeof v) != sizeof v) return;
                base = v[0], len = v[1];
            }
            len = std::min(len, limit);
            limit -= len;
            fmt::format_to(std::back_inserter(line_), " * {} bytes in buffer {}\n", len, k);
            dump(base, len);
        }
    };
    auto ret = static_cast<std::uint64_t>(task.retval);
    for (int i = 0; i < meta.nargs; ++i) {
        const ArgMeta& a = meta.args[i];
        std::uint64_t count = a.related >= 0 ? arg_value(task, a.related) : 0;
        switch (a.kind) {
        case ArgKind::out_buf: if (reads) dump(task.arg(i), ret); break;
        case ArgKind::in_buf: if (writes && a.related >= 0) dump(task.arg(i), count); break;
        case ArgKind::iovec_out: if (reads) dump_iov(task.arg(i), count, ret); break;
        case ArgKind::iovec_in: if (writes) dump_iov(task.arg(i), count, ret); break;
        default: break;
        }
    }
}

// -k: the stack taken at the call's entry, under its line.
void Tracer::append_stack(PerTask& t) {
    if (!unwinder_) return;
    append_stack_text(line_, t.stack);
    t.stack = {};
}

// ---- JSON -------------------------------------------------------------------

void Tracer::json_arg(Task& task, int i, std::string& out) {
    out.clear();
    if (config_.json_version == 1) return fmt_->arg(task, i, out);
    text_.clear();
    typed_.clear();
    fmt_->arg(task, i, text_, &typed_);
    json_value(text_, &typed_, out);
}

void Tracer::json_call(Task& task, PerTask& t, bool returned) {
    bool v1 = config_.json_version == 1;
    JsonLine j(line_, config_.json_version);
    j.begin("syscall", task, task.enter_ns, wall_ns(task.enter_ns))
        .field_str("abi", abi_name(task.abi))
        .field_u("nr", task.nr())
        .field_str("name", call_name(task, scratch_));
    int n = fmt_->shown_args(task);
    j.open_array("args");
    for (int i = 0; i < n; ++i) j.item_u(arg_value(task, i));
    j.close_array().open_array("decoded");
    for (int i = 0; i < n; ++i) {
        if (i >= t.exit_from) {
            if (returned) json_arg(task, i, t.json_args[i]);
            else t.json_args[i] = v1 ? "?" : R"({"unknown":true})";  // never shown: the call did not return
        }
        if (v1) j.item_str(t.json_args[i]);
        else j.item_json(t.json_args[i]);
    }
    j.close_array();
    if (returned) {
        j.field("ret", task.retval);
        std::string_view err = errno_of(task.retval);
        if (err.empty()) j.field_null("errno");
        else j.field_str("errno", err);
        if (v1) {
            scratch_.clear();
            fmt_->result(task, scratch_);
            j.field_str("result", scratch_);
        } else if (!err.empty()) {
            j.field_null("result").field_str("strerror", errno_message(static_cast<int>(-task.retval)));
        } else {
            text_.clear();
            typed_.clear();
            scratch_.clear();
            detail_.clear();
            fmt_->result(task, text_, &typed_);
            json_result(text_, &typed_, scratch_, detail_);
            j.field_json("result", scratch_);
            if (!detail_.empty()) j.field_json("detail", detail_);
        }
        j.field_u("dur_ns", task.exit_ns - task.enter_ns);
        if (task.tampered & kTamperResult) j.field("injected", true);
        if (task.tampered & kTamperDelay) j.field("delayed", true);
    } else {
        j.field_null("ret").field_null("errno").field("unfinished", true);
    }
    if (unwinder_) {
        append_stack_json(line_, t.stack);
        t.stack = {};
    }
    j.end();
    emit(task);
}

// ---- hooks ------------------------------------------------------------------

Verdict Tracer::on_enter(Task& task) {
    if (!attached_.empty()) announce_attached();
    PerTask& t = per_task(task);
    t.last_nr = task.nr();
    t.call = task.calls;
    t.selected = selects(task);
    if (!t.selected || !config_.prints_calls()) return Verdict::proceed;
    Decoder::capture_entry(task);  // in/out values shown at exit next to their entry value
    // The caller's stack as it made the call (execve's is gone by its exit).
    if (unwinder_ && !state<TaskTrace>(task).launch_exec) t.stack = unwinder_->capture(task);
    if (config_.json) {
        // Arguments known at entry are decoded now: execve's are gone by its exit.
        int n = fmt_->shown_args(task);
        int i = 0;
        for (; i < n && !fmt_->at_exit(task, i); ++i) json_arg(task, i, t.json_args[i]);
        t.exit_from = i;
        return Verdict::proceed;
    }
    if (deferred_) {
        t.pending.clear();
        format_entry(task, t, t.pending);
        return Verdict::proceed;
    }
    begin_line(task, task.nr());
    format_entry(task, t, line_);
    t.open_column = line_.size();
    emit(task);
    open_task_ = &task;
    t.line_open = true;
    return Verdict::proceed;
}

void Tracer::on_exit(Task& task) {
    if (unwinder_ && task.sc && (task.sc->effective().flags & kRemaps) && !is_error_value(task.retval))
        unwinder_->mappings_changed(task.tgid);
    PerTask* known = task.entered_elsewhere ? &per_task(task) : find_per_task(task);
    if (!known) return;
    if (known->call != task.calls && (task.skipped || task.entered_elsewhere)) {
        // Tracing did not see the call enter: an earlier stage of enter work (policy,
        // fault injection) skipped it, or it entered in the image an execve replaced.
        // strace shows such calls whole, so the line is made now.
        on_enter(task);
    }
    PerTask& t = *known;
    if (!t.selected) return;
    t.selected = false;
    t.showed = task.calls;
    bool failed = is_error_value(task.retval);
    if (!status_shown(failed ? kStatusFailed : kStatusSuccessful)) return;
    if (config_.prints_calls()) {
        if (config_.json) json_call(task, t, true);
        else print_call_exit(task, t);
    }
    // --syscall-limit counts the calls shown (or counted by -c), as strace does.
    if (calls_left_ > 0 && --calls_left_ == 0) {
        if (!(config_.quiet & kQuietAttach)) out_.message("lstar: System call limit has been reached, detaching tracees\n");
        if (limit_reached_) limit_reached_();
    }
}

void Tracer::on_new_task(Task& task, Task* parent) {
    per_task(task);
    ++live_tasks_;
    if (separate_) out_for(task);
    if (!parent && config_.attach.empty()) state<TaskTrace>(task).launch_exec = true;
    if (!parent && !config_.attach.empty()) {
        // -p: every thread of the process is seized (strace -f -p does that; strace -p
        // without -f only the thread given). Announced together once all are seized.
        if (attached_.empty() || attached_.back().first != task.tgid) attached_.emplace_back(task.tgid, 0);
        ++attached_.back().second;
        return;
    }
    if (!attached_.empty()) announce_attached();
    // strace announces what it attaches to: -p processes and -f children, not the
    // program it starts, unless it started it from a grandchild (-D).
    if ((parent || config_.daemonize) && !(config_.quiet & kQuietAttach)) {
        if (config_.json && config_.prints_calls()) {
            JsonLine(line_, config_.json_version).begin("attach", task, clock_ns(CLOCK_MONOTONIC), clock_ns(CLOCK_REALTIME)).field_str("comm", process_comm(task.tid)).end();
            emit(task);
        } else {
            out_.message(fmt::format("lstar: Process {} attached\n", task.tid));
        }
    }
}

// strace -f -p: "Process N attached with M threads", or "Process N attached" for one.
// The trace then looks like strace -f -p's: with more than one thread the lines
// carry the thread's id ("[pid N] ", or a first column with -o).
void Tracer::announce_attached() {
    int threads = 0;
    for (auto [pid, n] : attached_) {
        threads += n;
        if (config_.quiet & kQuietAttach) continue;
        if (config_.json && config_.prints_calls()) {
            Task t;
            t.tid = t.tgid = pid;
            JsonLine(line_, config_.json_version).begin("attach", t, clock_ns(CLOCK_MONOTONIC), clock_ns(CLOCK_REALTIME)).field("threads", static_cast<std::int64_t>(n)).field_str("comm", process_comm(pid)).end();
            out_.write(line_);
            line_.clear();
        } else if (n > 1) {
            out_.message(fmt::format("lstar: Process {} attached with {} threads\n", pid, n));
        } else {
            out_.message(fmt::format("lstar: Process {} attached\n", pid));
        }
    }
    if (threads > 1 && !config_.output_path.empty() && !separate_) pid_column_ = true;
    attached_.clear();
}

void Tracer::on_signal(Task& task, const siginfo_t& info) {
    if (!attached_.empty()) announce_attached();
    // The backend's own SIGCONT that starts a launched program is not the program's
    // business (the in-process tracer runs in the program: its SIGCONT is the program's).
    if (info.si_signo == SIGCONT && info.si_code == SI_USER && info.si_pid == ::getpid() && task.tgid != ::getpid()) return;
    if (!config_.prints_calls() || info.si_signo < 0 || info.si_signo > 64 || !config_.signals[info.si_signo]) return;
    if (config_.json) {
        std::uint64_t now = clock_ns(CLOCK_MONOTONIC);
        scratch_.clear();
        JsonLine j(line_, config_.json_version);
        j.begin("signal", task, now, wall_ns(now))
            .field("signo", static_cast<std::int64_t>(info.si_signo))
            .field_str("signal", signal_name(info.si_signo))
            .field("code", static_cast<std::int64_t>(info.si_code));
        if (config_.json_version == 1) {
            fmt_->siginfo(task, info, scratch_);
            j.field_str("siginfo", scratch_);
        } else {
            text_.clear();
            typed_.clear();
            fmt_->siginfo(task, info, text_, &typed_);
            json_value(text_, &typed_, scratch_);
            j.field_json("siginfo", scratch_);
        }
        j.end();
        emit(task);
        return;
    }
    begin_line(task, per_task(task).last_nr);
    fmt::format_to(std::back_inserter(line_), "--- {} ", signal_name(info.si_signo));
    fmt_->siginfo(task, info, line_);
    line_ += " ---\n";
    emit(task);
}

// A call whose line began in a former image of the process (the in-process
// backend: a thread's execve, and the call of the leader it supersedes): its
// state as on_enter leaves it, the line written and broken there.
void Tracer::on_entry_seen(Task& task) {
    PerTask& t = per_task(task);
    t = PerTask{};
    t.last_nr = task.nr();
    t.call = task.calls;
    t.selected = selects(task);
    t.former_image = true;
    int n = fmt_->shown_args(task);
    while (t.exit_from < n && !fmt_->at_exit(task, t.exit_from)) ++t.exit_from;
    // What is shown of it at its exit: the whole line where lines are held back
    // (-e status=), the arguments decoded at entry with --json (as far as the
    // registers tell where its memory is gone, task.mem null: the leader's).
    if (!t.selected) return;
    if (config_.json) {
        for (int i = 0; i < t.exit_from; ++i) json_arg(task, i, t.json_args[i]);
    } else if (deferred_) {
        format_entry(task, t, t.pending);
    }
}

void Tracer::on_exec(Task& task, pid_t former_tid, Task* replaced) {
    if (!attached_.empty()) announce_attached();
    if (unwinder_) unwinder_->forget(task.tgid);  // a new image, perhaps of another architecture
    if (TaskTrace* t = find_state<TaskTrace>(task)) t->launch_exec = false;
    if (config_.decode_pid_comm) state<TaskTrace>(task).comm = process_comm(task.tid);
    if (former_tid == task.tid) return;
    // The thread that ran execve took over the leader's id; the old leader is gone
    // without an exit of its own. strace: the old leader's call ends unfinished
    // ("<... nanosleep resumed> <unfinished ...>) = ?"), then, with the execing
    // thread's line, "+++ superseded by execve in pid FORMER +++".
    PerTask* execing = find_per_task(task);
    if (!execing) return;
    if (PerTask* old = replaced ? find_per_task(*replaced) : nullptr) {
        if (old->selected && replaced->phase == SyscallPhase::entered) {
            old->selected = false;
            replaced->mem = nullptr;  // its memory is the new program's now
            if (config_.prints_calls() && status_shown(kStatusUnfinished)) {
                uncounted_ = old->former_image;  // followed until this line, as in its image
                if (config_.json) json_call(*replaced, *old, false);
                else print_unfinished(*replaced, *old, " <unfinished ...>");
                uncounted_ = 0;
            }
        }
        if (open_task_ == replaced) open_task_ = nullptr;
        if (!old->former_image) --live_tasks_;
        // strace -ff: the thread that took over the leader's id writes to its file.
        if (separate_) std::swap(state<TaskTrace>(task).file, state<TaskTrace>(*replaced).file);
    }
    PerTask& now = *execing;
    if (config_.prints_calls() && !(config_.quiet & kQuietThreadExecve)) {
        if (config_.json) {
            std::uint64_t ns = clock_ns(CLOCK_MONOTONIC);
            JsonLine(line_, config_.json_version).begin("superseded", task, ns, wall_ns(ns)).field("former_tid", static_cast<std::int64_t>(former_tid)).end();
        } else {
            begin_line(task, now.last_nr);
            fmt::format_to(std::back_inserter(line_), "+++ superseded by execve in pid {} +++\n", former_tid);
        }
        emit(task);
    }
}

// A fork child of the in-process backend starts from its parent's state: the
// parent's tasks and its open line are the parent's to finish.
void Tracer::on_process_copy(Task& self) {
    state<TaskTrace>(self) = TaskTrace{};
    live_tasks_ = 1;
    open_task_ = nullptr;
    line_.clear();
}

// The outer call's line is left unfinished, as strace leaves a line when another
// one comes between its entry and exit, and resumed after the inner call.
void Tracer::on_call_suspended(Task& task) {
    constexpr std::size_t kMaxDepth = 8;  // a handler that siglongjmps leaves its call behind
    TaskTrace& t = state<TaskTrace>(task);
    if (line_is_open(task, t.now)) interrupt_open_line(&task);
    if (t.suspended.size() == kMaxDepth) t.suspended.erase(t.suspended.begin());
    t.suspended.push_back(std::move(t.now));
    t.now = PerTask{};
}

void Tracer::on_call_resumed(Task& task) {
    TaskTrace& t = state<TaskTrace>(task);
    if (t.suspended.empty()) return;
    t.now = std::move(t.suspended.back());
    t.suspended.pop_back();
}

bool Tracer::showed(const Task& task) const {
    const PerTask* t = find_per_task(task);
    return t && t->showed == task.calls && task.calls != 0;
}

void Tracer::on_task_exit(Task& task, int status) {
    if (!attached_.empty()) announce_attached();
    PerTask* t = find_per_task(task);
    // A task whose calls another process traced into the same file (its own image,
    // in the in-process backend) was killed: the entry of a call it was waiting in
    // may end the file, and that call ends unfinished.
    if (t && task.calls == 0 && WIFSIGNALED(status) && out_for(task).file_ends_mid_line())
        out_for(task).write(" <unfinished ...>) = ?\n");
    if (t && t->selected && task.phase == SyscallPhase::entered) {
        // A call that never returned (exit_group, or killed inside it).
        t->selected = false;
        if (config_.prints_calls() && status_shown(kStatusUnfinished)) {
            if (config_.json) json_call(task, *t, false);
            else print_unfinished(task, *t, " <unfinished ...>");
        }
    }
    // strace: -qq (quiet=exit) hides "exited with" only, -e signal= decides "killed by".
    bool exit_shown = WIFEXITED(status) ? !(config_.quiet & kQuietExit) : config_.signals[WTERMSIG(status)];
    if (config_.prints_calls() && exit_shown) {
        if (config_.json) {
            std::uint64_t now = clock_ns(CLOCK_MONOTONIC);
            JsonLine j(line_, config_.json_version);
            j.begin("exit", task, now, wall_ns(now));
            if (WIFEXITED(status)) j.field("status", static_cast<std::int64_t>(WEXITSTATUS(status)));
            else j.field_null("status").field_str("signal", signal_name(WTERMSIG(status))).field("core", static_cast<bool>(WCOREDUMP(status)));
            j.end();
            emit(task);
        } else {
            begin_line(task, t ? t->last_nr : 0, /*ip_known=*/false);
            if (WIFEXITED(status)) fmt::format_to(std::back_inserter(line_), "+++ exited with {} +++\n", WEXITSTATUS(status));
            else fmt::format_to(std::back_inserter(line_), "+++ killed by {}{} +++\n", signal_name(WTERMSIG(status)),
                                WCOREDUMP(status) ? " (core dumped)" : "");
            emit(task);
        }
    }
    if (unwinder_ && task.tid == task.tgid) unwinder_->forget(task.tgid);
    task_gone(task);
}

void Tracer::on_detach(Task& task) {
    if (!attached_.empty()) announce_attached();
    PerTask* t = find_per_task(task);
    bool in_call = t && t->selected && task.phase == SyscallPhase::entered;
    if (!(config_.quiet & kQuietAttach) && !(config_.json && config_.prints_calls()))
        out_.message(fmt::format("lstar: Process {} detached\n", task.tid));
    if (in_call && config_.prints_calls() && !config_.json) {
        if (deferred_) {
            if (status_shown(kStatusDetached)) {
                begin_line(task, task.nr());
                line_ += t->pending;
                line_ += " <detached ...>\n";
                emit(task);
            }
        } else if (line_is_open(task, *t)) {
            // strace ends the call's line only when it is the last thing written; a
            // call whose line another one interrupted is left as it is.
            out_for(task).write(" <detached ...>\n");
            t->line_open = false;
            if (open_task_ == &task) open_task_ = nullptr;
        }
    }
    if (config_.json && config_.prints_calls()) {
        if (in_call && status_shown(kStatusDetached)) json_call(task, *t, false);
        std::uint64_t now = clock_ns(CLOCK_MONOTONIC);
        JsonLine(line_, config_.json_version).begin("detach", task, now, wall_ns(now)).end();
        emit(task);
    }
    out_for(task).flush();
    task_gone(task);
    out_.flush();
}

void Tracer::task_gone(Task& task) {
    if (open_task_ == &task) open_task_ = nullptr;
    if (TaskTrace* t = find_state<TaskTrace>(task)) *t = TaskTrace{};
    if (--live_tasks_ <= 0) finish();
}

void Tracer::finish() {
    if (!attached_.empty()) announce_attached();
}

void Tracer::write_block(std::string_view text) {
    interrupt_open_line(nullptr);
    line_.clear();
    out_.write(text);
    out_.flush();
}

}  // namespace lstar
