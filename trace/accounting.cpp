#include "trace/accounting.hpp"

#include <algorithm>

#include "trace/pipe_channel.hpp"

namespace lstar {

// The pipe the images' counts travel through, as fixed-size records.
class Accounting::Channel final : public PipeChannel {
public:
    explicit Channel(Summary& summary) : summary_(summary) {}

    // This image's counts, in writes that a pipe keeps whole (at most PIPE_BUF bytes).
    void send(const std::string& records) {
        constexpr std::size_t kPiece = (4096 / Summary::kRecordSize) * Summary::kRecordSize;
        for (std::size_t at = 0; at < records.size(); at += kPiece)
            write_whole(std::string_view(records).substr(at, std::min(kPiece, records.size() - at)));
    }

private:
    std::size_t take(std::string_view data) override {
        std::size_t whole = data.size() - data.size() % Summary::kRecordSize;
        summary_.merge(data.substr(0, whole));
        return whole;
    }
    Summary& summary_;
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
    ns = ns > config_.summary_overhead_ns ? ns - config_.summary_overhead_ns : 0;  // -O, as strace's count.c
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
    if (config_.json) summary_.print_json(table, config_.json_version);
    else summary_.print(config_.sort, config_.columns, table);
    tracer_.write_block(table);
}

}  // namespace lstar
