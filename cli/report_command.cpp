// lstar report RUN.jsonl [-o REPORT.html] [--timeline FILE.json [--timeline-min-us N]]:
// the pictures of a run that `lstar trace --json -o RUN.jsonl` wrote
// (trace/report.hpp, trace/timeline.hpp; docs/pictures.md).
#include <getopt.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/session.hpp"
#include "trace/pictures.hpp"
#include "trace/report.hpp"
#include "trace/run_events.hpp"

namespace {

constexpr std::string_view kReportUsage =
    "Usage: lstar report RUN.jsonl [-o REPORT.html] [--timeline FILE.json [--timeline-min-us N]]\n"
    "\n"
    "Makes pictures of a run that `lstar trace --json -o RUN.jsonl` wrote:\n"
    "  -o, --output FILE       a self-contained HTML report (default: standard output)\n"
    "  --timeline FILE         a Trace Event Format timeline for Perfetto UI or chrome://tracing\n"
    "                          (then no report unless -o is given too)\n"
    "  --timeline-min-us N     leave calls shorter than N microseconds out of the timeline\n"
    "  -h, --help              show this help\n";

}  // namespace

namespace lstar {
std::string report_usage() { return std::string(kReportUsage); }
}  // namespace lstar

int report_command(int argc, char** argv) {
    using namespace lstar;
    enum { kTimeline = 256, kMinUs };
    static const option longopts[] = {
        {"output", required_argument, nullptr, 'o'},      {"timeline", required_argument, nullptr, kTimeline},
        {"timeline-min-us", required_argument, nullptr, kMinUs}, {"help", no_argument, nullptr, 'h'},
        {nullptr, 0, nullptr, 0},
    };
    std::string output, timeline;
    TimelineOptions timeline_options;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":ho:", longopts, nullptr)) != -1) {
        switch (c) {
        case 'o': output = optarg; break;
        case kTimeline: timeline = optarg; break;
        case kMinUs: {
            char* end = nullptr;
            errno = 0;
            unsigned long long n = std::strtoull(optarg, &end, 10);
            if (errno || !*optarg || *end || *optarg == '-')
                return fail(2, fmt::format("report: invalid --timeline-min-us argument '{}' (a number of microseconds)", optarg));
            timeline_options.min_us = n;
            break;
        }
        case 'h': fmt::print("{}", kReportUsage); return 0;
        case ':': return fail(2, fmt::format("report: option '{}' requires an argument", argv[optind - 1]));
        default: return fail(2, fmt::format("report: unrecognized option '{}' (see lstar report --help)", argv[optind - 1]));
        }
    }
    if (optind + 1 != argc) return fail(2, "report: give one run (lstar report RUN.jsonl -o REPORT.html; see lstar report --help)");
    std::string run_path = argv[optind];
    // Bad input leaves nothing behind: the run is checked before anything is written.
    {
        std::ifstream run(run_path);
        if (!run) return fail(2, fmt::format("report: cannot read '{}': {}", run_path, std::strerror(errno)));
        RunReadStats stats = for_each_run_object(run, [](const nlohmann::json&) {});
        if (stats.objects == 0)
            return fail(2, fmt::format("report: '{}' holds no lstar JSON objects (make one with lstar trace --json -o {})", run_path, run_path));
    }
    if (!timeline.empty()) {
        std::ifstream run(run_path);
        Status s = write_file_atomically(timeline, [&](std::FILE* f) -> Status {
            Result<TimelineStats> stats = write_timeline(run, f, timeline_options);
            if (!stats) return stats.error();
            return {};
        });
        if (!s) return fail(1, s.error().message);
        if (output.empty()) return 0;
    }
    std::ifstream run(run_path);
    ReportOptions options;
    options.title = run_path;
    Status s = output.empty() || output == "-" ? write_report(run, stdout, options)
                                               : write_file_atomically(output, [&](std::FILE* f) { return write_report(run, f, options); });
    return s ? 0 : fail(1, s.error().message);
}
