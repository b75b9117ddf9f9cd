#include "trace/live_feed.hpp"

#include <cstring>

#include "trace/pipe_channel.hpp"
#include "trace/run_events.hpp"

namespace lstar {

namespace {

// A record: its length (2 bytes, the whole record's), then the fixed fields, then the text.
constexpr std::size_t kFixed = 2 + 1 + 4 + 4 + 1 + 4 + 8 + 8;
constexpr std::size_t kMaxText = 200;
// An image writes what it holds once it is this big, or this old.
constexpr std::size_t kFlushBytes = 3072;
constexpr std::uint64_t kFlushNs = 100'000'000;

template <class T>
void put(std::string& out, T v) {
    out.append(reinterpret_cast<const char*>(&v), sizeof v);
}
template <class T>
T take(const char*& p) {
    T v;
    std::memcpy(&v, p, sizeof v);
    p += sizeof v;
    return v;
}

}  // namespace

const SyscallDesc* LiveEvent::row() const { return find_syscall(abi, nr); }

void LiveEvent::pack(std::string& out) const {
    std::size_t n = std::min(text.size(), kMaxText);
    put(out, static_cast<std::uint16_t>(kFixed + n));
    put(out, static_cast<std::uint8_t>(kind));
    put(out, static_cast<std::int32_t>(tid));
    put(out, static_cast<std::int32_t>(pid));
    put(out, static_cast<std::uint8_t>(abi));
    put(out, nr);
    put(out, retval);
    put(out, ns);
    out.append(text, 0, n);
}

bool LiveEvent::unpack(std::string_view& in, LiveEvent* e) {
    if (in.size() < kFixed) return false;
    std::uint16_t size;
    std::memcpy(&size, in.data(), 2);
    if (size < kFixed || in.size() < size) return false;
    const char* p = in.data() + 2;
    e->kind = static_cast<Kind>(take<std::uint8_t>(p));
    e->tid = take<std::int32_t>(p);
    e->pid = take<std::int32_t>(p);
    std::uint8_t abi = take<std::uint8_t>(p);
    e->abi = abi < kAbiCount ? static_cast<Abi>(abi) : Abi::x86_64;
    e->nr = take<std::uint32_t>(p);
    e->retval = take<std::int64_t>(p);
    e->ns = take<std::uint64_t>(p);
    e->text.assign(p, in.data() + size);
    in.remove_prefix(size);
    return true;
}

// The pipe the images' records travel through, behind a buffer in each image.
class LiveFeed::Channel final : public PipeChannel {
public:
    explicit Channel(const Sink& sink) : sink_(sink) {}

    bool pending() const override { return urgent_ || buffer_.size() >= kFlushBytes; }
    void flush() override {
        // Whole records in each write (at most PIPE_BUF bytes: the pipe keeps it whole).
        std::string_view rest = buffer_;
        while (!rest.empty()) {
            std::size_t n = 0;
            for (std::string_view r = rest; !r.empty();) {
                std::uint16_t size;
                std::memcpy(&size, r.data(), 2);
                if (n + size > 4096) break;
                n += size;
                r.remove_prefix(size);
            }
            if (!write_whole(rest.substr(0, n))) break;  // the session is gone: nothing to tell it
            rest.remove_prefix(n);
        }
        buffer_.clear();
        urgent_ = false;
    }
    void purge() override {
        buffer_.clear();
        urgent_ = false;
    }

    // at_ns: when it happened (CLOCK_MONOTONIC), 0 if unknown.
    void add(const LiveEvent& e, bool now, std::uint64_t at_ns) {
        if (buffer_.empty()) first_ns_ = at_ns;  // the oldest record held
        e.pack(buffer_);
        urgent_ = urgent_ || now || (at_ns > first_ns_ && at_ns - first_ns_ >= kFlushNs);
        if (now) flush();
    }

private:
    std::size_t take(std::string_view data) override {
        std::string_view in = data;
        LiveEvent e;
        while (LiveEvent::unpack(in, &e)) sink_(e);
        return data.size() - in.size();
    }

    const Sink& sink_;
    std::string buffer_;  // an image's records not yet written
    std::uint64_t first_ns_ = 0;
    bool urgent_ = false;
};

std::string entry_text(const Decoder& decoder, Task& task) {
    std::string out;
    if (std::string_view shown = Decoder::shown_name(task); !shown.empty()) out += shown;
    else if (task.sc && !task.sc->name.empty()) out += task.sc->name;
    else out += task.syscall_name();
    out += '(';
    int n = decoder.shown_args(task);
    int i = 0;
    for (; i < n && !decoder.shown_at_exit(task, i); ++i) {
        if (i) out += ", ";
        decoder.format_arg(task, i, out);
    }
    if (i < n) out += i ? ", ..." : "...";
    out += ')';
    return out;
}

LiveFeed::LiveFeed(Sink sink)
    : sink_(std::move(sink)), decoder_(DecodeOptions{}), channel_(std::make_unique<Channel>(sink_)) {}

LiveFeed::~LiveFeed() = default;

SessionOutput& LiveFeed::channel() { return *channel_; }

void LiveFeed::emit(const LiveEvent& event, bool now, std::uint64_t at_ns) {
    if (channel_->adopted()) channel_->add(event, now, at_ns);
    else sink_(event);
}

// The program a task's execve names, for the command name its exec gives it.
struct ExecName : TaskState {
    std::string path;  // as decoded: quoted
};

Verdict LiveFeed::on_enter(Task& task) {
    if (task.sc)
        if (int arg = program_arg(task.sc->effective()); arg >= 0) {
            ExecName& name = state<ExecName>(task);
            name.path.clear();
            decoder_.format_arg(task, arg, name.path);
        }
    // Only a call that may wait is seen in progress: the others are counted as they return.
    if (!task.sc || !(task.sc->effective().flags & kMayBlock)) return Verdict::proceed;
    LiveEvent e;
    e.kind = LiveEvent::Kind::enter;
    e.tid = task.tid;
    e.pid = task.tgid;
    e.abi = task.sc->abi;
    e.nr = static_cast<std::uint32_t>(task.sc->nr);
    e.ns = task.enter_ns;
    e.text = entry_text(decoder_, task);
    emit(e, true, task.enter_ns);
    return Verdict::proceed;
}

void LiveFeed::on_exit(Task& task) {
    if (!task.sc) return;
    LiveEvent e;
    e.kind = LiveEvent::Kind::exit;
    e.tid = task.tid;
    e.pid = task.tgid;
    // An i386 socketcall/ipc counts as the call it stands for, as -c counts it.
    const SyscallDesc* row = task.sc;
    if (std::string_view shown = Decoder::shown_name(task); !shown.empty())
        if (const SyscallDesc* sub = find_syscall(task.sc->abi, shown)) row = sub;
    e.abi = row->abi;
    e.nr = static_cast<std::uint32_t>(row->nr);
    e.retval = task.retval;
    e.ns = task.exit_ns > task.enter_ns ? task.exit_ns - task.enter_ns : 0;
    emit(e, false, task.exit_ns);
    // An execve that entered in the image it replaced (the in-process backend's new
    // image reports it): its arguments are readable here, and name the program.
    if (int arg = program_arg(task.sc->effective()); arg >= 0 && task.entered_elsewhere && task.retval == 0) {
        std::string path;
        decoder_.format_arg(task, arg, path);
        LiveEvent named{LiveEvent::Kind::exec, task.tid, task.tgid};
        named.text = comm_of_exec_path(path);
        emit(named, true, 0);
    }
}

void LiveFeed::on_new_task(Task& child, Task* parent) {
    LiveEvent e{LiveEvent::Kind::task, child.tid, child.tgid};
    e.retval = parent ? parent->tid : 0;
    emit(e, true, 0);
}

void LiveFeed::on_exec(Task& task, pid_t former_tid, Task*) {
    if (former_tid != task.tid) emit(LiveEvent{LiveEvent::Kind::gone, former_tid, task.tgid}, false, 0);
    LiveEvent e{LiveEvent::Kind::exec, task.tid, task.tgid};
    if (ExecName* name = find_state<ExecName>(task)) e.text = comm_of_exec_path(name->path);
    emit(e, true, 0);
}

void LiveFeed::on_task_exit(Task& task, int wait_status) {
    LiveEvent e{LiveEvent::Kind::gone, task.tid, task.tgid};
    e.retval = wait_status;
    emit(e, true, 0);
}

void LiveFeed::on_detach(Task& task) {
    LiveEvent e{LiveEvent::Kind::gone, task.tid, task.tgid};
    e.retval = -1;
    emit(e, true, 0);
}

// A fork child's copy of its parent's records is the parent's to write.
void LiveFeed::on_process_copy(Task&) { channel_->purge(); }

void LiveFeed::on_image_end() {
    if (channel_->adopted()) channel_->flush();
}

}  // namespace lstar
