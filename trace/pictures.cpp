#include "trace/pictures.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "trace/report.hpp"

namespace lstar {

RunPictures::RunPictures(const TraceConfig& config, PictureOptions options) : options_(std::move(options)), config_(config) {
    if (!wanted()) return;
    // Every call object, attach and exit: whatever the user's own trace leaves out.
    config_.json = true;
    config_.summary = SummaryMode::off;
    config_.output_separately = false;
    config_.output_append = false;
    config_.syscall_limit = -1;
    config_.quiet = 0;
    config_.status = kStatusAll;
    run_path_ = (options_.timeline_path.empty() ? options_.report_path : options_.timeline_path) + ".run.jsonl";
    config_.output_path = run_path_;
    out_ = std::make_unique<TraceOutput>(run_path_);
    tracer_ = std::make_unique<Tracer>(*out_, config_);
}

Status write_file_atomically(const std::string& path, const std::function<Status(std::FILE*)>& write) {
    std::string tmp = path + ".tmp";
    std::FILE* f = std::fopen(tmp.c_str(), "we");
    if (!f) return error(fmt::format("cannot create '{}': {}", tmp, std::strerror(errno)), errno);
    Status s = write(f);
    if (std::fclose(f) != 0 && s) s = error(fmt::format("cannot write '{}': {}", tmp, std::strerror(errno)), errno);
    if (s && std::rename(tmp.c_str(), path.c_str()) != 0)
        s = error(fmt::format("cannot rename '{}' to '{}': {}", tmp, path, std::strerror(errno)), errno);
    if (!s) ::unlink(tmp.c_str());
    return s;
}

Status RunPictures::finish() {
    if (!wanted()) return {};
    tracer_->finish();
    out_->flush();
    Status s;
    if (!options_.timeline_path.empty()) {
        std::ifstream run(run_path_);
        s = write_file_atomically(options_.timeline_path, [&](std::FILE* f) -> Status {
            Result<TimelineStats> stats = write_timeline(run, f, options_.timeline);
            if (!stats) return stats.error();
            return {};
        });
    }
    if (s && !options_.report_path.empty()) {
        std::ifstream run(run_path_);
        ReportOptions report;
        report.title = config_.argv.empty() ? fmt::format("lstar trace -p {}", fmt::join(config_.attach, ",")) : fmt::format("{}", fmt::join(config_.argv, " "));
        s = write_file_atomically(options_.report_path, [&](std::FILE* f) { return write_report(run, f, report); });
    }
    ::unlink(run_path_.c_str());
    return s;
}

}  // namespace lstar
