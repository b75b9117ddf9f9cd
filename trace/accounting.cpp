#include "trace/accounting.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace lstar {

// The pipe the images' counts travel through. In the session: both ends until
// the backend has carried the write end away, then the read end. In an image:
// the write end alone (adopted).
class Accounting::Channel final : public SessionOutput {
public:
    explicit Channel(Summary& summary) : summary_(summary) {}
    ~Channel() override {
        for (int fd : {read_fd_, write_fd_})
            if (fd >= 0) ::close(fd);
    }

    std::vector<int> fds() const override {
        if (write_fd_ < 0 && !adopted_) {
            int p[2];
            // Close-on-exec: only the copies a backend makes on purpose reach a program.
            if (::pipe2(p, O_CLOEXEC) != 0) return {};
            read_fd_ = p[0];
            write_fd_ = p[1];
        }
        return {write_fd_};
    }
    void adopt(std::span<const int> fds) override {
        if (read_fd_ >= 0) ::close(read_fd_);
        read_fd_ = -1;
        write_fd_ = fds.empty() ? -1 : fds[0];
        adopted_ = true;
    }
    void handed_on() override {
        if (write_fd_ >= 0) ::close(write_fd_);
        write_fd_ = -1;
    }
    int collect_fd() const override { return adopted_ ? -1 : read_fd_; }
    bool collect() override {
        char buf[4096];
        ssize_t n = ::read(read_fd_, buf, sizeof buf);
        if (n < 0 && errno == EINTR) return true;
        if (n <= 0) {
            ::close(read_fd_);
            read_fd_ = -1;
            return false;
        }
        pending_.append(buf, static_cast<std::size_t>(n));
        std::size_t whole = pending_.size() - pending_.size() % Summary::kRecordSize;
        summary_.merge(std::string_view(pending_).substr(0, whole));
        pending_.erase(0, whole);
        return true;
    }

    bool adopted() const { return adopted_; }
    // This image's counts, in writes that a pipe keeps whole (at most PIPE_BUF bytes).
    void send(const std::string& records) {
        constexpr std::size_t kPiece = (4096 / Summary::kRecordSize) * Summary::kRecordSize;
        for (std::size_t at = 0; at < records.size(); at += kPiece) {
            std::size_t n = std::min(kPiece, records.size() - at);
            while (::write(write_fd_, records.data() + at, n) < 0 && errno == EINTR) {}
        }
    }

private:
    Summary& summary_;
    mutable int read_fd_ = -1, write_fd_ = -1;
    bool adopted_ = false;
    std::string pending_;
};

Accounting::Accounting(Tracer& tracer, const TraceConfig& config)
    : tracer_(tracer), config_(config), channel_(std::make_unique<Channel>(summary_)) {}

Accounting::~Accounting() = default;

SessionOutput& Accounting::channel() { return *channel_; }

void Accounting::on_exit(Task& task) {
    if (!task.sc || !tracer_.showed(task)) return;
    // An i386 socketcall/ipc counts as the call it stands for, as strace counts it.
    const SyscallDesc* row = task.sc;
    if (std::string_view shown = Decoder::shown_name(task); !shown.empty())
        if (const SyscallDesc* sub = find_syscall(task.sc->abi, shown)) row = sub;
    // System CPU time from entry to exit, as strace measures by default; -w: wall time.
    std::uint64_t ns = config_.wall_clock ? task.exit_ns - task.enter_ns
                       : task.exit_stime_ns > task.enter_stime_ns ? task.exit_stime_ns - task.enter_stime_ns
                                                                  : 0;
    summary_.record(*row, is_error_value(task.retval), ns);
}

void Accounting::on_image_end() {
    if (!channel_->adopted()) return;
    std::string records;
    summary_.serialize(records);
    summary_.clear();
    channel_->send(records);
}

void Accounting::finish() {
    if (printed_ || channel_->adopted()) return;
    printed_ = true;
    std::string table;
    if (config_.json) summary_.print_json(table);
    else summary_.print(config_.sort, config_.columns, table);
    tracer_.write_block(table);
}

}  // namespace lstar
