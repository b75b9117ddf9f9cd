// `lstar trace` options: strace's command line, parsed into one struct.
// The parser only parses; trace_command runs what it describes.
#pragma once

#include <bitset>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cli/policy_options.hpp"
#include "cli/view_options.hpp"
#include "inject/fault_injection.hpp"
#include "table/result.hpp"
#include "trace/trace_config.hpp"

namespace lstar {

// The whole command line: what the tracer shows (TraceConfig), and what the
// session around it is given.
struct TraceCommand : TraceConfig {
    std::string backend;              // --backend (checked against the backends entry/ has); "": the default
    std::vector<Injection> injections; // -e inject=, -e fault= (later ones win)
    ViewOptions view;                  // the virtual view (cli/view_options.hpp)
    PolicyOptions policy;              // the sandbox (cli/policy_options.hpp), watched as it works
    std::string timeline_path;         // --timeline: Trace Event Format JSON
    std::uint64_t timeline_min_us = 0; // --timeline-min-us
    std::string report_path;           // --report: the HTML report
};

struct ParseOutcome {
    enum Kind : std::uint8_t {
        run,     // config is complete: run it
        exit,    // -h or -V: `text` goes to stdout, exit 0
        error,   // `text` is the one-line error (without "lstar: "); exit 1
    } kind = run;
    std::string text;
    bool show_help_hint = false;  // strace adds "Try 'strace -h' for more information." after some errors
    int status = 1;               // an error's exit status (the view's options: kViewUsageStatus)
};

// Parses `lstar trace`'s argv (argv[0] is "trace"). Uses getopt, so it is not reentrant.
ParseOutcome parse_trace_args(int argc, char** argv, TraceCommand* config);

// Every option the parser takes ("-f", "--follow-forks", the view's and the sandbox's),
// but strace's that it refuses by name: each is one --help must name.
std::vector<std::string> trace_option_names();

// The usage text for -h and the version line for -V.
std::string trace_usage();

// The individual parsers, shared with tests. Each error is a strace-like
// one-line message naming the bad item (strace's own words where it has them).
Status parse_qualifier(std::string_view expr, TraceCommand* config);  // "-e EXPR", into *config
// Each spelling of a -e qualifier ("t", "trace"), the qualifier it names, and whether
// its value is (or, for inject and fault, starts with) a set of calls.
struct QualifierSpelling {
    std::string_view spelling, name;
    bool calls;
};
std::span<const QualifierSpelling> qualifier_spellings();
Result<std::bitset<65>> parse_signal_set(std::string_view spec);
Result<std::uint8_t> parse_status_set(std::string_view spec);
Result<std::uint8_t> parse_quiet_set(std::string_view spec);
Result<FdSet> parse_fd_set(std::string_view spec);
bool parse_sort_by(std::string_view name, SortBy* out);  // false: not a column name (the caller words it)
Result<std::vector<SummaryColumn>> parse_summary_columns(std::string_view spec);
// "SET:error=ENOENT:when=2+" after "inject=" (fault: "fault=", error and when only,
// error ENOSYS by default).
Result<Injection> parse_injection(std::string_view spec, bool fault);

}  // namespace lstar
