#include "cli/trace_options.hpp"

#include <getopt.h>
#include <signal.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <climits>
#include <cstring>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "table/xlat.hpp"
#include "trace/json_printer.hpp"

namespace lstar {

namespace {

std::optional<std::uint64_t> parse_delay_ns(std::string_view text);  // below, with the other values

// strace's list syntax: [!]item[,item]..., where "all" and "none" are items too.
struct TokenList {
    bool negate = false;
    std::vector<std::string_view> items;
};

TokenList split_list(std::string_view spec) {
    TokenList list;
    if (!spec.empty() && spec.front() == '!') {
        list.negate = true;
        spec.remove_prefix(1);
    }
    for (std::size_t start = 0; start <= spec.size();) {
        std::size_t end = std::min(spec.find(',', start), spec.size());
        list.items.push_back(spec.substr(start, end - start));
        start = end + 1;
    }
    return list;
}

template <class T>
std::optional<T> parse_number(std::string_view text) {
    T value{};
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return value;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return std::toupper(x) == std::toupper(y); });
}

// "SIGINT", "int", "2", "SIGRTMIN", "RT_3": a signal number, or 0.
int signal_from_name(std::string_view name) {
    if (auto n = parse_number<int>(name)) return *n > 0 && *n <= 64 ? *n : 0;
    if (name.size() > 3 && iequals(name.substr(0, 3), "SIG")) name.remove_prefix(3);
    if (iequals(name, "RTMIN")) return SIGRTMIN;
    if (name.size() > 3 && iequals(name.substr(0, 3), "RT_")) {
        auto n = parse_number<int>(name.substr(3));
        return n && SIGRTMIN + *n <= SIGRTMAX ? SIGRTMIN + *n : 0;
    }
    for (const XlatEntry& e : xlat_set("signals"))
        if (e.name.size() > 3 && iequals(e.name.substr(3), name)) return static_cast<int>(e.value);
    return 0;
}

struct NamedBit {
    std::string_view name;
    std::uint8_t bits;
};
constexpr NamedBit kStatusNames[] = {
    {"successful", kStatusSuccessful}, {"failed", kStatusFailed},         {"unfinished", kStatusUnfinished},
    {"unavailable", kStatusUnavailable}, {"detached", kStatusDetached},
};
constexpr NamedBit kQuietNames[] = {
    {"attach", kQuietAttach},
    {"exit", kQuietExit},
    {"exits", kQuietExit},
    {"path-resolution", kQuietPathResolution},
    {"personality", kQuietPersonality},
    {"thread-execve", kQuietThreadExecve},
    {"superseded", kQuietThreadExecve},
};

template <std::size_t N>
Result<std::uint8_t> parse_bit_set(std::string_view spec, const NamedBit (&names)[N], std::uint8_t all,
                                   std::string_view what) {
    TokenList list = split_list(spec);
    std::uint8_t bits = 0;
    for (std::string_view item : list.items) {
        if (item == "all") { bits = all; continue; }
        if (item == "none") continue;
        auto it = std::find_if(std::begin(names), std::end(names), [&](const NamedBit& n) { return n.name == item; });
        if (it == std::end(names)) return error(fmt::format("invalid {} '{}'", what, item), EINVAL);
        bits |= it->bits;
    }
    return list.negate ? static_cast<std::uint8_t>(~bits & all) : bits;
}

std::string_view canonical_qualifier(std::string_view spelling) {
    for (const QualifierSpelling& q : qualifier_spellings())
        if (q.spelling == spelling) return q.name;
    return {};
}

bool parse_uint(const char* text, unsigned* out) {
    auto v = parse_number<unsigned>(text);
    if (!v) return false;
    *out = *v;
    return true;
}

// -p "123", "123,456", "123 456": strace splits on commas and blanks.
Status parse_pids(std::string_view text, std::vector<pid_t>* out) {
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = std::min(text.find_first_of(", \t", start), text.size());
        std::string_view item = text.substr(start, end - start);
        start = end + 1;
        if (item.empty()) continue;
        auto pid = parse_number<int>(item);
        if (!pid || *pid <= 0) return error(fmt::format("Invalid process id: '{}'", item), EINVAL);
        out->push_back(*pid);
    }
    return {};
}

// A parser's value into *out, or its error.
template <class T>
Status assign(T* out, Result<T> parsed) {
    if (!parsed) return parsed.error();
    *out = std::move(parsed).value();
    return {};
}

enum LongOnly : int { kOptJson = 256, kOptSeccomp, kOptTrace, kOptSignal, kOptStatus, kOptAbbrev,
                      kOptVerbose, kOptRaw, kOptRead, kOptWrite, kOptQuiet, kOptInject, kOptFault,
                      kOptStringsInHex, kOptBackend, kOptOutputSeparately, kOptTimestamps, kOptDecodePids,
                      kOptAlwaysShowPid, kOptKillOnExit, kOptSyscallLimit, kOptStackTrace, kOptStackFrameLimit, kOptTimeline, kOptTimelineMinUs, kOptReport,
                      kOptDaemonize, kOptArgv0,
                      // strace's, not supported yet: refused by name.
                      kOptUnsupported };

constexpr option kLongOptions[] = {
    {"output", required_argument, nullptr, 'o'},
    {"output-append-mode", no_argument, nullptr, 'A'},
    {"attach", required_argument, nullptr, 'p'},
    {"follow-forks", no_argument, nullptr, 'f'},
    {"columns", required_argument, nullptr, 'a'},
    {"string-limit", required_argument, nullptr, 's'},
    {"no-abbrev", no_argument, nullptr, 'v'},
    {"decode-fds", optional_argument, nullptr, 'y'},
    {"const-print-style", required_argument, nullptr, 'X'},
    {"syscall-number", no_argument, nullptr, 'n'},
    {"syscall-times", optional_argument, nullptr, 'T'},
    {"relative-timestamps", optional_argument, nullptr, 'r'},
    {"absolute-timestamps", optional_argument, nullptr, kOptTimestamps},
    {"timestamps", optional_argument, nullptr, kOptTimestamps},
    {"output-separately", no_argument, nullptr, kOptOutputSeparately},
    {"decode-pids", required_argument, nullptr, kOptDecodePids},
    {"always-show-pid", no_argument, nullptr, kOptAlwaysShowPid},
    {"kill-on-exit", no_argument, nullptr, kOptKillOnExit},
    {"syscall-limit", required_argument, nullptr, kOptSyscallLimit},
    {"detach-on", required_argument, nullptr, 'b'},
    {"interruptible", required_argument, nullptr, 'I'},
    {"stack-traces", optional_argument, nullptr, kOptStackTrace},
    {"stack-trace", optional_argument, nullptr, kOptStackTrace},
    {"stack-trace-frame-limit", required_argument, nullptr, kOptStackFrameLimit},
    {"daemonize", optional_argument, nullptr, kOptDaemonize},
    {"user", required_argument, nullptr, 'u'},
    {"summary-syscall-overhead", required_argument, nullptr, 'O'},
    {"debug", no_argument, nullptr, kOptUnsupported},
    {"secontext", optional_argument, nullptr, kOptUnsupported},
    {"tips", optional_argument, nullptr, kOptUnsupported},
    {"kvm", required_argument, nullptr, kOptUnsupported},
    {"argv0", required_argument, nullptr, kOptArgv0},
    {"instruction-pointer", no_argument, nullptr, 'i'},
    {"trace-path", required_argument, nullptr, 'P'},
    {"successful-only", no_argument, nullptr, 'z'},
    {"failed-only", no_argument, nullptr, 'Z'},
    {"summary-only", no_argument, nullptr, 'c'},
    {"summary", no_argument, nullptr, 'C'},
    {"summary-sort-by", required_argument, nullptr, 'S'},
    {"summary-columns", required_argument, nullptr, 'U'},
    {"summary-wall-clock", no_argument, nullptr, 'w'},
    {"env", required_argument, nullptr, 'E'},
    {"help", no_argument, nullptr, 'h'},
    {"version", no_argument, nullptr, 'V'},
    {"json", optional_argument, nullptr, kOptJson},
    {"seccomp-bpf", no_argument, nullptr, kOptSeccomp},
    {"trace", required_argument, nullptr, kOptTrace},
    {"signal", required_argument, nullptr, kOptSignal},
    {"status", required_argument, nullptr, kOptStatus},
    {"abbrev", required_argument, nullptr, kOptAbbrev},
    {"verbose", required_argument, nullptr, kOptVerbose},
    {"raw", required_argument, nullptr, kOptRaw},
    {"read", required_argument, nullptr, kOptRead},
    {"write", required_argument, nullptr, kOptWrite},
    {"quiet", optional_argument, nullptr, kOptQuiet},
    {"inject", required_argument, nullptr, kOptInject},
    {"fault", required_argument, nullptr, kOptFault},
    {"strings-in-hex", optional_argument, nullptr, kOptStringsInHex},
    {"backend", required_argument, nullptr, kOptBackend},
    {"timeline", required_argument, nullptr, kOptTimeline},
    {"timeline-min-us", required_argument, nullptr, kOptTimelineMinUs},
    {"report", required_argument, nullptr, kOptReport},
    {nullptr, 0, nullptr, 0},
};

// Long options that are "-e NAME=VALUE" spelled differently.
std::string_view qualifier_of_long_option(int opt) {
    switch (opt) {
    case kOptTrace: return "trace";
    case kOptSignal: return "signal";
    case kOptStatus: return "status";
    case kOptAbbrev: return "abbrev";
    case kOptVerbose: return "verbose";
    case kOptRaw: return "raw";
    case kOptRead: return "read";
    case kOptWrite: return "write";
    case kOptQuiet: return "quiet";
    case kOptInject: return "inject";
    case kOptFault: return "fault";
    default: return {};
    }
}

ParseOutcome error_outcome(std::string text, bool hint = false) {
    return ParseOutcome{ParseOutcome::error, std::move(text), hint};
}
ParseOutcome error_outcome(const Error& e, bool hint = false) { return error_outcome(e.message, hint); }

// Options given as counts (-q, -qq, -qqq) that only mean something once all are read.
struct Counts {
    int quiet = 0;
    bool quiet_set = false;  // -q or -e quiet= given
    int follow = 0;
    int hex = 0;            // -x, -xx
    bool hex_long = false;  // --strings-in-hex given
    int stamps = 0;         // -t, -tt, -ttt
    bool stamps_long = false;  // --timestamps= given
    int decode_fds = 0;     // -y, -yy
    int stack = 0;          // -k, -kk
    bool kill_on_exit = false;
    int daemonize = 0;      // -D, -DD, -DDD (or --daemonize=)
};

// s, ms, us, ns (strace's str2timescale): the digits after the point.
std::optional<TimePrecision> parse_precision(std::string_view text) {
    static constexpr std::pair<std::string_view, int> kUnits[] = {{"s", 0}, {"ms", 3}, {"us", 6}, {"ns", 9}};
    for (auto [name, digits] : kUnits)
        if (iequals(name, text)) return TimePrecision{digits};
    return std::nullopt;
}

// --timestamps=[[format:]FORMAT][,[precision:]PRECISION]: strace's parse_ts_arg,
// every token either a format (none, time, unix) or a precision.
bool parse_timestamps(std::string_view spec, TraceCommand* cfg) {
    std::optional<StampFormat> format;
    for (std::string_view token : split_list(spec).items) {
        bool may_format = true, may_precision = true;
        if (token.size() >= 7 && iequals(token.substr(0, 7), "format:")) token.remove_prefix(7), may_precision = false;
        else if (token.size() >= 10 && iequals(token.substr(0, 10), "precision:")) token.remove_prefix(10), may_format = false;
        if (may_format) {
            static constexpr std::pair<std::string_view, StampFormat> kFormats[] = {
                {"none", StampFormat::none}, {"time", StampFormat::time}, {"unix", StampFormat::unix_}};
            auto it = std::find_if(std::begin(kFormats), std::end(kFormats), [&](auto& f) { return iequals(f.first, token); });
            if (it != std::end(kFormats)) { format = it->second; continue; }
        }
        if (may_precision) {
            if (auto p = parse_precision(token)) { cfg->stamp_precision = *p; continue; }
        }
        return false;
    }
    // No format given: the time of day (strace keeps an earlier format).
    if (format) cfg->stamps = *format;
    else if (cfg->stamps == StampFormat::none) cfg->stamps = StampFormat::time;
    return true;
}

// -e decode-fds=SET: path, socket, dev, pidfd (all, none, !).
Result<std::uint8_t> parse_decode_fds(std::string_view spec) {
    static constexpr NamedBit kNames[] = {
        {"path", kDecodeFdPath}, {"socket", kDecodeFdSocket}, {"dev", kDecodeFdDev}, {"pidfd", kDecodeFdPidfd}};
    return parse_bit_set(spec, kNames, kDecodeFdAll, "decode-fds");
}

// The option as the user spelled it: "-r", or "--relative-timestamps" (long_name).
std::string option_spelling(int c, const char* long_name) {
    if (long_name) return fmt::format("--{}", long_name);
    return fmt::format("-{}", static_cast<char>(c));
}

ParseOutcome unsupported(std::string_view what) {
    return error_outcome(fmt::format("option '{}' of strace is not supported yet", what));
}

// --strings-in-hex=: strace's names, in any case.
std::optional<HexStrings> parse_strings_in_hex(const char* arg) {
    if (!arg) return HexStrings::all;
    static constexpr std::pair<std::string_view, HexStrings> kNames[] = {
        {"none", HexStrings::none},
        {"non-ascii-chars", HexStrings::non_ascii_chars},
        {"non-ascii", HexStrings::non_ascii},
        {"all", HexStrings::all},
    };
    for (auto [name, value] : kNames)
        if (iequals(name, arg)) return value;
    return std::nullopt;
}

// One option of the command line; nullopt to go on.
// long_name: the long option's name when it was given as one (for messages).
std::optional<ParseOutcome> apply_option(int c, const char* arg, const char* long_name, TraceCommand* cfg, Counts* counts) {
    const char* given = long_name;
    auto invalid_arg = [&](char opt) {
        return error_outcome(fmt::format("invalid -{} argument: '{}'", opt, arg), true);
    };
    switch (c) {
    case 'f': cfg->follow_forks = true; ++counts->follow; break;
    case 'o': cfg->output_path = arg; break;
    case 'A': cfg->output_append = true; break;
    case 'p': if (Status s = parse_pids(arg, &cfg->attach); !s) return error_outcome(s.error()); break;
    case 'e':
        if (Status s = parse_qualifier(arg, cfg); !s) return error_outcome(s.error());
        counts->quiet_set |= std::string_view(arg).starts_with("quiet=") || std::string_view(arg).starts_with("q=");
        break;
    case 'a': if (!parse_uint(arg, &cfg->column)) return invalid_arg('a'); break;
    case 's': if (!parse_uint(arg, &cfg->string_limit)) return invalid_arg('s'); break;
    case 'v': cfg->abbrev = SyscallSet::none(); break;
    case 'y':
        if (!arg) { ++counts->decode_fds; break; }  // -y: paths, -yy: everything
        if (Status s = assign(&cfg->decode_fds, parse_decode_fds(arg)); !s) return error_outcome(s.error());
        counts->decode_fds = -1;
        break;
    case 'Y': cfg->decode_pid_comm = true; break;
    case kOptDecodePids:
        if (Status s = parse_qualifier(fmt::format("decode-pids={}", arg), cfg); !s) return error_outcome(s.error());
        break;
    case kOptOutputSeparately: cfg->output_separately = true; break;
    case kOptAlwaysShowPid: cfg->always_show_pid = true; break;
    case kOptArgv0: cfg->argv0 = arg; break;
    case kOptKillOnExit: counts->kill_on_exit = true; break;
    case kOptSyscallLimit: {
        auto n = parse_number<long long>(arg);
        if (!n || *n <= 0) return error_outcome(fmt::format("invalid --syscall-limit argument: '{}'", arg), true);
        cfg->syscall_limit = *n;
        break;
    }
    case 'b':
        if (std::strcmp(arg, "execve")) return error_outcome(fmt::format("Syscall '{}' for -b isn't supported", arg));
        cfg->detach_on_execve = true;
        break;
    case 'D': ++counts->daemonize; break;
    case kOptDaemonize: {
        // strace's names for -D, -DD and -DDD.
        static constexpr std::pair<std::string_view, int> kForms[] = {
            {"grandchild", 1}, {"pgroup", 2}, {"pgrp", 2}, {"session", 3}};
        int level = arg ? 0 : 1;
        for (auto [name, n] : kForms)
            if (arg && name == arg) level = n;
        if (!level) return error_outcome(fmt::format("invalid --daemonize argument: '{}'", arg), true);
        counts->daemonize = level;
        break;
    }
    case kOptUnsupported: return unsupported(option_spelling(c, given));
    case 'k':
        // -k: symbols; -kk: and source lines (strace's libdw build).
        if (++counts->stack > 2) return error_outcome("Too many -k options");
        cfg->stack_trace = counts->stack == 1 ? StackTraceMode::symbol : StackTraceMode::source;
        break;
    case kOptStackTrace:
        if (!arg || !std::strcmp(arg, "symbol")) cfg->stack_trace = StackTraceMode::symbol;
        else if (!std::strcmp(arg, "source")) cfg->stack_trace = StackTraceMode::source;
        else return error_outcome(fmt::format("invalid {} argument: '{}'", option_spelling(c, given), arg), true);
        break;
    case kOptStackFrameLimit: {
        auto n = parse_number<long long>(arg);
        if (!n || *n <= 0 || *n > 0x3fffffff)
            return error_outcome(fmt::format("invalid {} argument: '{}'", option_spelling(c, given), arg), true);
        cfg->stack_frame_limit = static_cast<unsigned>(*n);
        break;
    }
    case 'u': cfg->user = arg; break;
    case 'O': {
        // strace's time specification; what tracing a call costs, taken off each call's -c time.
        std::optional<std::uint64_t> ns = parse_delay_ns(arg);
        if (!ns) return error_outcome(fmt::format("invalid {} argument: '{}'", option_spelling(c, given), arg), true);
        cfg->summary_overhead_ns = *ns;
        break;
    }
    case 'd': return unsupported(option_spelling(c, given));  // refused(), below
    case 'X':
        if (!std::strcmp(arg, "raw")) cfg->xlat = XlatStyle::raw;
        else if (!std::strcmp(arg, "abbrev")) cfg->xlat = XlatStyle::abbrev;
        else if (!std::strcmp(arg, "verbose")) cfg->xlat = XlatStyle::verbose;
        else return invalid_arg('X');
        break;
    case 't': ++counts->stamps; break;
    case kOptTimestamps:
        counts->stamps_long = true;
        if (!parse_timestamps(arg ? arg : "format:time", cfg))
            return error_outcome(fmt::format("invalid {} argument: '{}'", option_spelling(c, given), arg), true);
        break;
    case 'r':
    case 'T': {
        // --relative-timestamps[=PRECISION], --syscall-times[=PRECISION]: microseconds by default.
        std::optional<TimePrecision> p = arg ? parse_precision(arg) : TimePrecision{};
        if (!p) return error_outcome(fmt::format("invalid {} argument: '{}'", option_spelling(c, given), arg), true);
        (c == 'r' ? cfg->relative : cfg->durations) = true;
        (c == 'r' ? cfg->relative_precision : cfg->duration_precision) = *p;
        break;
    }
    case 'n': cfg->numbers = true; break;
    case 'i': cfg->instruction_pointer = true; break;
    case 'x':
        if (counts->hex_long) return error_outcome("-x and --strings-in-hex cannot be provided simultaneously");
        ++counts->hex;
        cfg->strings_in_hex = counts->hex > 1 ? HexStrings::all : HexStrings::non_ascii;
        break;
    case kOptStringsInHex: {
        if (counts->hex) return error_outcome("-x and --strings-in-hex cannot be provided simultaneously");
        auto style = parse_strings_in_hex(arg);
        if (!style) return error_outcome(fmt::format("invalid --strings-in-hex argument: '{}'", arg), true);
        cfg->strings_in_hex = *style;
        counts->hex_long = true;
        break;
    }
    case kOptBackend:
        cfg->backend = arg;
        break;
    case kOptTimeline: cfg->timeline_path = arg; break;
    case kOptTimelineMinUs: {
        auto n = parse_number<long long>(arg);
        if (!n || *n < 0) {
            ParseOutcome bad = error_outcome(fmt::format("invalid --timeline-min-us argument: '{}' (a number of microseconds)", arg));
            bad.status = 2;
            return bad;
        }
        cfg->timeline_min_us = static_cast<std::uint64_t>(*n);
        break;
    }
    case kOptReport: cfg->report_path = arg; break;
    case 'q': ++counts->quiet; counts->quiet_set = true; break;
    case 'P': cfg->paths.emplace_back(arg); break;
    case 'z': cfg->status = kStatusSuccessful; break;
    case 'Z': cfg->status = kStatusFailed; break;
    case 'c': cfg->summary = SummaryMode::only; break;
    case 'C': cfg->summary = SummaryMode::also; break;
    case 'S': if (!parse_sort_by(arg, &cfg->sort)) return error_outcome(fmt::format("invalid sortby: '{}'", arg), true); break;
    case 'U':
        if (Status s = assign(&cfg->columns, parse_summary_columns(arg)); !s) return error_outcome(s.error(), true);
        break;
    case 'w': cfg->wall_clock = true; break;
    case 'I': {
        // strace's levels by number or name. lstar never blocks signals while
        // decoding: every level behaves like 1 (anywhere).
        static constexpr std::string_view kLevels[] = {"anywhere", "waiting", "never", "never_tstp"};
        unsigned level = 0;
        bool named = std::any_of(std::begin(kLevels), std::end(kLevels), [&](std::string_view l) { return iequals(l, arg); });
        if (!named && (!parse_uint(arg, &level) || level < 1 || level > 4)) return invalid_arg('I');
        break;
    }
    case 'E': cfg->env.emplace_back(arg); break;
    case 'h': return ParseOutcome{ParseOutcome::exit, trace_usage()};
    case 'V': return ParseOutcome{ParseOutcome::exit, fmt::format("lstar trace -- version {}\n",
#ifdef LSTAR_VERSION
                                                                   LSTAR_VERSION
#else
                                                                   "0.1.0"
#endif
                                                                   )};
    case kOptJson:
        // --json is the current schema; --json=1 the first one, for readers written for it.
        cfg->json = true;
        if (!arg) cfg->json_version = kJsonSchemaVersion;
        else if (std::string_view(arg) == "1" || std::string_view(arg) == "2") cfg->json_version = arg[0] - '0';
        else return error_outcome(fmt::format("invalid --json argument: '{}' (the schema version: 1 or 2)", arg), true);
        break;
    case kOptSeccomp: break;  // lstar always installs its seccomp prefilter when launching
    default: {
        if (c >= kPolicyOptionFirst) {
            if (Status s = take_policy_option(cfg->policy, c, arg); !s) {
                ParseOutcome bad = error_outcome(s.error());
                bad.status = 2;
                return bad;
            }
            break;
        }
        if (is_view_option(c)) {
            if (Status s = parse_view_option(c, arg, &cfg->view); !s) {
                ParseOutcome bad = error_outcome(s.error());
                bad.status = kViewUsageStatus;
                return bad;
            }
            break;
        }
        std::string_view name = qualifier_of_long_option(c);
        if (name.empty()) return error_outcome(fmt::format("invalid option -- '{}'", static_cast<char>(c)), true);
        if (c == kOptQuiet) counts->quiet_set = true;
        if (c == kOptQuiet && !arg) { counts->quiet = 1; break; }
        if (Status s = parse_qualifier(fmt::format("{}={}", name, arg), cfg); !s) return error_outcome(s.error());
    }
    }
    return std::nullopt;
}

// What only the whole command line decides; an error in the combination, or nullopt.
std::optional<ParseOutcome> apply_counts(const Counts& counts, TraceCommand* cfg) {
    if (counts.stamps && counts.stamps_long)
        return error_outcome("-t and --absolute-timestamps cannot be provided simultaneously");
    if (counts.stamps) {
        // -t: time of day; -tt: with microseconds; -ttt: seconds since the epoch with microseconds.
        cfg->stamps = counts.stamps >= 3 ? StampFormat::unix_ : StampFormat::time;
        cfg->stamp_precision = TimePrecision{counts.stamps >= 2 ? 6 : 0};
    }
    if (counts.decode_fds == 1) cfg->decode_fds = kDecodeFdPath;
    else if (counts.decode_fds >= 2) cfg->decode_fds = kDecodeFdAll;
    if (counts.kill_on_exit && !cfg->attach.empty())
        return error_outcome("--kill-on-exit and -p/--attach are mutually exclusive options");
    if (counts.daemonize > 3)
        return error_outcome(fmt::format("Too many -D's ({}), maximum supported -D count is 3", counts.daemonize), true);
    cfg->daemonize = counts.daemonize;
    if (cfg->daemonize && cfg->argv.empty()) return error_outcome("PROG [ARGS] must be specified with -D/--daemonize", true);
    if (counts.follow > 1) cfg->output_separately = true;  // -ff
    // -q: attach and personality messages; -qq: exit status lines too; -qqq: everything.
    if (counts.quiet >= 1) cfg->quiet |= kQuietAttach | kQuietPersonality;
    if (counts.quiet >= 2) cfg->quiet |= kQuietExit;
    if (counts.quiet >= 3) cfg->quiet = kQuietAll;
    // strace: a program traced into a file runs without attach messages unless -q/-e quiet= say otherwise.
    if (!counts.quiet_set && !cfg->output_path.empty() && !cfg->argv.empty())
        cfg->quiet |= kQuietAttach | kQuietPersonality;
    return std::nullopt;
}

}  // namespace

Result<std::bitset<65>> parse_signal_set(std::string_view spec) {
    TokenList list = split_list(spec);
    std::bitset<65> set;
    for (std::string_view item : list.items) {
        if (item == "all") { set.set(); continue; }
        if (item == "none") continue;
        int signo = signal_from_name(item);
        if (!signo) return error(fmt::format("invalid signal '{}'", item), EINVAL);
        set.set(static_cast<std::size_t>(signo));
    }
    return list.negate ? ~set : set;
}

Result<std::uint8_t> parse_status_set(std::string_view spec) {
    return parse_bit_set(spec, kStatusNames, kStatusAll, "status");
}

Result<std::uint8_t> parse_quiet_set(std::string_view spec) {
    return parse_bit_set(spec, kQuietNames, kQuietAll, "quiet");
}

Result<FdSet> parse_fd_set(std::string_view spec) {
    TokenList list = split_list(spec);
    FdSet set;
    set.negate = list.negate;
    for (std::string_view item : list.items) {
        if (item == "all") { set.all = true; continue; }
        if (item == "none") continue;
        auto fd = parse_number<int>(item);
        if (!fd || *fd < 0) return error(fmt::format("invalid descriptor '{}'", item), EINVAL);
        set.fds.push_back(*fd);
    }
    std::sort(set.fds.begin(), set.fds.end());
    return set;
}

namespace {
struct ColumnName {
    std::string_view name;
    std::optional<SummaryColumn> column;  // nullopt: "none"/"nothing"
};
// strace's column names and their aliases (-S and -U share them).
constexpr ColumnName kColumnNames[] = {
    {"time", SummaryColumn::time_percent},       {"time_percent", SummaryColumn::time_percent},
    {"time-percent", SummaryColumn::time_percent}, {"time_total", SummaryColumn::total_time},
    {"time-total", SummaryColumn::total_time},   {"total_time", SummaryColumn::total_time},
    {"total-time", SummaryColumn::total_time},   {"min_time", SummaryColumn::min_time},
    {"min-time", SummaryColumn::min_time},       {"shortest", SummaryColumn::min_time},
    {"time_min", SummaryColumn::min_time},       {"time-min", SummaryColumn::min_time},
    {"longest", SummaryColumn::max_time},        {"max_time", SummaryColumn::max_time},
    {"max-time", SummaryColumn::max_time},       {"time_max", SummaryColumn::max_time},
    {"time-max", SummaryColumn::max_time},       {"avg_time", SummaryColumn::avg_time},
    {"avg-time", SummaryColumn::avg_time},       {"time_avg", SummaryColumn::avg_time},
    {"time-avg", SummaryColumn::avg_time},       {"calls", SummaryColumn::calls},
    {"count", SummaryColumn::calls},             {"error", SummaryColumn::errors},
    {"errors", SummaryColumn::errors},           {"name", SummaryColumn::name},
    {"syscall", SummaryColumn::name},            {"syscall_name", SummaryColumn::name},
    {"syscall-name", SummaryColumn::name},       {"none", std::nullopt},
    {"nothing", std::nullopt},
};
const ColumnName* find_column(std::string_view name) {
    for (const ColumnName& c : kColumnNames)
        if (c.name == name) return &c;
    return nullptr;
}
}  // namespace

bool parse_sort_by(std::string_view name, SortBy* out) {
    const ColumnName* c = find_column(name);
    if (!c) return false;
    if (!c->column) { *out = SortBy::nothing; return true; }
    switch (*c->column) {
    case SummaryColumn::time_percent:
    case SummaryColumn::total_time: *out = SortBy::time; break;
    case SummaryColumn::min_time: *out = SortBy::min_time; break;
    case SummaryColumn::max_time: *out = SortBy::max_time; break;
    case SummaryColumn::avg_time: *out = SortBy::avg_time; break;
    case SummaryColumn::calls: *out = SortBy::calls; break;
    case SummaryColumn::errors: *out = SortBy::errors; break;
    case SummaryColumn::name: *out = SortBy::name; break;
    }
    return true;
}

Result<std::vector<SummaryColumn>> parse_summary_columns(std::string_view spec) {
    std::vector<SummaryColumn> columns;
    for (std::string_view item : split_list(spec).items) {
        const ColumnName* c = find_column(item);
        if (!c || !c->column) return error(fmt::format("unknown column name: '{}'", item), EINVAL);
        if (std::find(columns.begin(), columns.end(), *c->column) != columns.end())
            return error(fmt::format("call summary column has been provided more than once: '{}'", item), EINVAL);
        columns.push_back(*c->column);
    }
    // Without the name column the table means nothing: strace always adds it.
    if (std::find(columns.begin(), columns.end(), SummaryColumn::name) == columns.end())
        columns.push_back(SummaryColumn::name);
    return columns;
}

namespace {

// strace's time specification: a decimal number (strtod), optionally followed by
// s, ms, us or ns; microseconds without a suffix.
std::optional<std::uint64_t> parse_delay_ns(std::string_view text) {
    std::string s(text);
    char* end = nullptr;
    errno = 0;
    double v = std::strtod(s.c_str(), &end);
    if (end == s.c_str() || errno || !std::isfinite(v) || v < 0) return std::nullopt;
    std::string_view unit(end);
    double scale = 1e3;
    if (unit == "s") scale = 1e9;
    else if (unit == "ms") scale = 1e6;
    else if (unit == "us" || unit.empty()) scale = 1e3;
    else if (unit == "ns") scale = 1;
    else return std::nullopt;
    double ns = v * scale;
    if (ns > 1e18) return std::nullopt;
    return static_cast<std::uint64_t>(ns);
}

// A byte count with an optional K, M or G (powers of 1024).
std::optional<std::uint64_t> parse_size(std::string_view text) {
    std::uint64_t scale = 1;
    if (!text.empty()) {
        switch (text.back()) {
        case 'K': case 'k': scale = 1ull << 10; break;
        case 'M': case 'm': scale = 1ull << 20; break;
        case 'G': case 'g': scale = 1ull << 30; break;
        default: break;
        }
        if (scale != 1) text.remove_suffix(1);
    }
    auto n = parse_number<std::uint64_t>(text);
    if (!n || *n > UINT64_MAX / scale) return std::nullopt;
    return *n * scale;
}

// when=FIRST[..LAST][+[STEP]]: FIRST and STEP 1..65535, LAST 1..65534.
bool parse_when(std::string_view text, InjectRule* rule) {
    std::size_t plus = text.find('+');
    std::string_view range = text.substr(0, plus);
    std::size_t dots = range.find("..");
    auto first = parse_number<std::uint32_t>(range.substr(0, dots));
    if (!first || *first < 1 || *first > 65535) return false;
    rule->first = *first;
    rule->last = UINT32_MAX;
    rule->step = 0;
    if (dots != std::string_view::npos) {
        auto last = parse_number<std::uint32_t>(range.substr(dots + 2));
        if (!last || *last < 1 || *last > 65534 || *last < *first) return false;
        rule->last = *last;
        rule->step = 1;  // FIRST..LAST: every invocation in the range
    }
    if (plus != std::string_view::npos) {
        std::string_view step = text.substr(plus + 1);
        if (step.empty()) {
            rule->step = 1;
        } else {
            auto n = parse_number<std::uint32_t>(step);
            if (!n || *n < 1 || *n > 65535) return false;
            rule->step = *n;
        }
    }
    return true;
}

std::optional<int> parse_errno(std::string_view text) {
    if (auto n = parse_number<int>(text)) {
        if (*n >= 1 && *n <= 4095) return *n;
        return std::nullopt;
    }
    for (const XlatEntry& e : xlat_set("errno"))
        if (e.name == text && e.value >= 1 && e.value <= 4095) return static_cast<int>(e.value);
    return std::nullopt;
}

}  // namespace

Result<Injection> parse_injection(std::string_view spec, bool fault) {
    auto invalid = [&] { return error(fmt::format("invalid {} argument '{}'", fault ? "fault" : "inject", spec), EINVAL); };
    // lstar's keys are not strace's: say which one is wrong and how it is written.
    auto lstar_only = [&](std::string_view key, std::string_view why) {
        return error(fmt::format("invalid inject argument '{}': {}= {}", spec, key, why), EINVAL);
    };
    std::size_t colon = spec.find(':');
    Injection injection;
    LSTAR_TRY(assign(&injection.calls, SyscallSet::parse(spec.substr(0, colon))));
    InjectRule& rule = injection.rule;
    bool have_signal = false, have_delay = false;
    std::string_view rest = colon == std::string_view::npos ? std::string_view() : spec.substr(colon + 1);
    while (colon != std::string_view::npos) {
        colon = rest.find(':');
        std::string_view token = rest.substr(0, colon);
        rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
        std::size_t eq = token.find('=');
        if (eq == std::string_view::npos) return invalid();
        std::string_view key = token.substr(0, eq), value = token.substr(eq + 1);
        if (key == "when") {
            // strace's invocation range, or lstar's condition on an argument.
            if (value.find_first_of("=!<>&~") == std::string_view::npos) {
                if (!parse_when(value, &rule)) return invalid();
            } else {
                if (fault) return invalid();
                Result<ArgCondition> c = parse_condition(value);
                if (!c) return lstar_only(key, c.error().message);
                rule.conditions.push_back(std::move(c).value());
            }
        } else if (key == "error") {
            auto err = parse_errno(value);
            if (!err || rule.result != InjectRule::Result::none) return invalid();
            rule.result = InjectRule::Result::error;
            rule.value = *err;
        } else if (fault) {
            return invalid();  // -e fault= knows error= and when= only
        } else if (key == "retval") {
            // strtoull's view, as strace's: "-5" is 2^64-5.
            std::string v(value);
            char* end = nullptr;
            errno = 0;
            unsigned long long n = std::strtoull(v.c_str(), &end, 0);
            if (v.empty() || *end || errno || rule.result != InjectRule::Result::none) return invalid();
            rule.result = InjectRule::Result::retval;
            rule.value = static_cast<std::int64_t>(n);
        } else if (key == "signal") {
            int signo = signal_from_name(value);
            if (!signo || have_signal) return invalid();
            rule.signo = signo;
            have_signal = true;
        } else if (key == "delay_enter" || key == "delay_exit") {
            auto ns = parse_delay_ns(value);
            if (!ns) return invalid();
            (key == "delay_enter" ? rule.delay_enter_ns : rule.delay_exit_ns) = *ns;
            have_delay = true;
        } else if (key == "p") {
            std::string v(value);
            char* end = nullptr;
            double p = std::strtod(v.c_str(), &end);
            if (v.empty() || *end || !(p > 0.0 && p <= 1.0)) return lstar_only(key, "a probability in (0, 1], e.g. p=0.1");
            rule.probability = p;
        } else if (key == "seed" || key == "pid" || key == "tid" || key == "short" || key == "flip") {
            auto n = parse_number<std::uint64_t>(value);
            if (!n) return lstar_only(key, "a number");
            if (key == "seed") rule.seed = *n;
            else if (key == "short") rule.short_len = *n, rule.has_short = true;
            else if (*n < 1 || *n > (key == "flip" ? 4096u : static_cast<unsigned>(INT_MAX))) return lstar_only(key, "out of range");
            else if (key == "flip") rule.flip_bits = static_cast<unsigned>(*n);
            else (key == "pid" ? rule.pid : rule.tid) = static_cast<pid_t>(*n);
        } else if (key == "exe") {
            if (value.empty()) return lstar_only(key, "a program's path or file name (a glob)");
            rule.exe = std::string(value);
        } else if (key == "budget") {
            auto n = parse_size(value);
            if (!n || !*n) return lstar_only(key, "a byte count, with K, M or G: budget=1M");
            rule.budget = *n;
        } else if (key.size() == 4 && key.starts_with("arg") && key[3] >= '0' && key[3] <= '5') {
            std::string v(value);
            char* end = nullptr;
            errno = 0;
            std::uint64_t n = v[0] == '-' ? static_cast<std::uint64_t>(std::strtoll(v.c_str(), &end, 0))
                                          : std::strtoull(v.c_str(), &end, 0);
            if (v.empty() || *end || errno) return lstar_only(key, "a number");
            rule.rewrites.emplace_back(key[3] - '0', n);
        } else if (key == "syscall" || key == "poke_enter" || key == "poke_exit") {
            return error(fmt::format("inject: {}= is not supported by lstar", key), ENOTSUP);
        } else {
            return invalid();
        }
    }
    if (fault && rule.result == InjectRule::Result::none) {
        rule.result = InjectRule::Result::error;
        rule.value = ENOSYS;
    }
    if (rule.result == InjectRule::Result::none && !have_signal && !have_delay && !rule.rewrites_call() && !rule.flip_bits)
        return invalid();
    return injection;
}

// strace's one-letter and plural spellings of the -e qualifiers (also what the
// shell completions offer after -e).
std::span<const QualifierSpelling> qualifier_spellings() {
    static constexpr QualifierSpelling kSpellings[] = {
        {"t", "trace", true},     {"trace", "trace", true},     {"a", "abbrev", true},   {"abbrev", "abbrev", true},
        {"v", "verbose", true},   {"verbose", "verbose", true}, {"x", "raw", true},      {"raw", "raw", true},
        {"s", "signal", false},   {"signal", "signal", false},  {"signals", "signal", false},
        {"r", "read", false},     {"read", "read", false},      {"reads", "read", false},
        {"w", "write", false},    {"write", "write", false},    {"writes", "write", false},
        {"q", "quiet", false},    {"quiet", "quiet", false},    {"silent", "quiet", false}, {"silence", "quiet", false},
        {"status", "status", false}, {"decode-fds", "decode-fds", false}, {"kvm", "kvm", false},
        {"decode-pids", "decode-pids", false}, {"inject", "inject", true}, {"fault", "fault", true},
    };
    return kSpellings;
}

Status parse_qualifier(std::string_view expr, TraceCommand* cfg) {
    std::size_t eq = expr.find('=');
    std::string_view name = eq == std::string_view::npos ? std::string_view() : canonical_qualifier(expr.substr(0, eq));
    // "-e open" and "-e foo=bar" (no such qualifier) are both a trace= list, as in strace.
    if (name.empty()) return assign(&cfg->trace, SyscallSet::parse(expr));
    std::string_view value = expr.substr(eq + 1);
    if (name == "trace") return assign(&cfg->trace, SyscallSet::parse(value));
    if (name == "abbrev") return assign(&cfg->abbrev, SyscallSet::parse(value));
    if (name == "verbose") return assign(&cfg->verbose, SyscallSet::parse(value));
    if (name == "raw") return assign(&cfg->raw, SyscallSet::parse(value));
    if (name == "signal") return assign(&cfg->signals, parse_signal_set(value));
    if (name == "status") return assign(&cfg->status, parse_status_set(value));
    if (name == "quiet") return assign(&cfg->quiet, parse_quiet_set(value));
    if (name == "read") return assign(&cfg->read_fds, parse_fd_set(value));
    if (name == "write") return assign(&cfg->write_fds, parse_fd_set(value));
    if (name == "inject" || name == "fault") {
        Result<Injection> injection = parse_injection(value, name == "fault");
        if (!injection) return injection.error();
        cfg->injections.push_back(std::move(injection).value());
        return {};
    }
    if (name == "decode-fds") return assign(&cfg->decode_fds, parse_decode_fds(value));
    if (name == "decode-pids") {
        for (std::string_view item : split_list(value).items) {
            if (item == "comm") cfg->decode_pid_comm = true;
            else if (item == "pidns") cfg->decode_pid_ns = true;
            else if (item != "none") return error(fmt::format("invalid decode-pids '{}'", item), EINVAL);
        }
        return {};
    }
    return error(fmt::format("option '-e {}' of strace is not supported yet", expr.substr(0, eq)), ENOTSUP);
}

namespace {

// strace's short options, then its long ones, the view's and the sandbox's.
constexpr const char* kShortOptions = "+:a:Ab:cCdDe:E:fhiI:kno:O:p:P:qrs:S:tTu:U:vVwxX:yYzZ";

const std::vector<option>& long_options() {
    static const std::vector<option> options = with_policy_options(with_view_options(kLongOptions));
    return options;
}

// strace's options that lstar refuses by name (the parser knows them to say so).
bool refused(int c) { return c == kOptUnsupported || c == 'd'; }

}  // namespace

std::vector<std::string> trace_option_names() {
    std::vector<std::string> out;
    for (const char* c = kShortOptions; *c; ++c)
        if (std::isalnum(static_cast<unsigned char>(*c)) && !refused(*c)) out.push_back(std::string("-") + *c);
    for (const option& o : long_options())
        if (o.name && !refused(o.val)) out.push_back(std::string("--") + o.name);
    return out;
}

ParseOutcome parse_trace_args(int argc, char** argv, TraceCommand* cfg) {
    // "+": stop at the first non-option, so that the program's own options are its own.
    // ":": report a missing argument as ':' rather than '?'.
    optind = 0;  // glibc: full reinitialisation (parsing may run more than once in a process)
    opterr = 0;
    Counts counts;
    int c;
    const std::vector<option>& options = long_options();
    int long_index = -1;
    while ((c = getopt_long(argc, argv, kShortOptions, options.data(), &long_index)) != -1) {
        const char* long_name = long_index >= 0 ? options[static_cast<std::size_t>(long_index)].name : nullptr;
        long_index = -1;
        if (c == '?') {
            if (optopt) return error_outcome(fmt::format("invalid option -- '{}'", static_cast<char>(optopt)), true);
            return error_outcome(fmt::format("unrecognized option '{}'", argv[optind - 1]), true);
        }
        if (c == ':') {
            if (optopt && optopt < 256)
                return error_outcome(fmt::format("option requires an argument -- '{}'", static_cast<char>(optopt)), true);
            return error_outcome(fmt::format("option '{}' requires an argument", argv[optind - 1]), true);
        }
        if (auto outcome = apply_option(c, optarg, long_name, cfg, &counts)) return *outcome;
    }
    for (int i = optind; i < argc; ++i) cfg->argv.emplace_back(argv[i]);
    if (auto outcome = apply_counts(counts, cfg)) return *outcome;
    if (cfg->argv.empty() && cfg->attach.empty()) return error_outcome("must have PROG [ARGS] or -p PID", true);
    if (!cfg->argv.empty() && !cfg->attach.empty())
        return error_outcome("-p together with a program is not supported: give one or the other");
    return ParseOutcome{};
}

std::string trace_usage() {
    // strace's groups, in strace's order; "(not supported yet)" marks strace's options
    // lstar refuses by name.
    return "Usage: lstar trace [-ACdffhikqqrtttTvVwxxyyYzZ] [-I N] [-b execve] [-e EXPR]...\n"
           "                   [-a COLUMN] [-o FILE] [-s STRSIZE] [-X FORMAT] [-O OVERHEAD]\n"
           "                   [-S SORTBY] [-P PATH]... [-p PID]... [-U COLUMNS] [--seccomp-bpf]\n"
           "                   [--json[=1|2]] [--backend=ptrace|inproc|auto]\n"
           "                   { -p PID | [-DDD] [-E VAR=VAL]... [-u USER] PROG [ARGS] }\n"
           "strace's command line, strace's output.\n\n"
           "General:\n"
           "  -e EXPR        a qualifying expression: OPTION=[!]all or OPTION=[!]VAL1[,VAL2]...\n"
           "     options:    trace, abbrev, verbose, raw, signal, read, write, fault,\n"
           "                 inject, status, quiet, decode-fds, decode-pids (kvm: not supported yet)\n"
           "\n"
           "Startup:\n"
           "  -E VAR=VAL, --env=VAR=VAL   put VAR=VAL in the environment for command\n"
           "  -E VAR, --env=VAR           remove VAR from the environment for command\n"
           "  -p PID, --attach=PID        trace process with process id PID, may be repeated\n"
           "  -u USER, --user=USER        run command as USER: a user name (with its groups)\n"
           "                              or UID:GID (lstar must be root; ptrace backend)\n"
           "  --argv0=NAME                set PROG's argv[0] to NAME\n"
           "  --kill-on-exit              kill the traced processes if lstar exits\n"
           "                              (a launched program always is; not with -p)\n"
           "  --backend=ptrace|inproc|auto   how calls are caught: a tracer process, a SIGSYS\n"
           "                              inside the program (much faster; no -p), or auto (the\n"
           "                              default; LSTAR_BACKEND=NAME changes it): inproc where it\n"
           "                              serves the program as ptrace would (docs/inproc.md)\n"
           "\n"
           "Tracing:\n"
           "  -b execve, --detach-on=execve   detach from a process when it execs (not its first exec)\n"
           "  -D, --daemonize[=grandchild]    run the tracer as a detached grandchild, not as the\n"
           "                                  tracee's parent (the tracee keeps lstar's pid)\n"
           "  -DD, --daemonize=pgroup         ... in its own process group\n"
           "  -DDD, --daemonize=session       ... in its own session\n"
           "  -f, --follow-forks          follow forks\n"
           "  -ff, --follow-forks --output-separately\n"
           "                              follow forks with output into separate files\n"
           "                              (FILE.TID for each task, with -o FILE)\n"
           "  -I INTERRUPTIBLE, --interruptible=INTERRUPTIBLE\n"
           "                              1/anywhere, 2/waiting, 3/never, 4/never_tstp; lstar\n"
           "                              never blocks signals while decoding (all act as 1)\n"
           "  --syscall-limit=LIMIT       detach all tracees after LIMIT calls are shown\n"
           "\n"
           "Filtering:\n"
           "  -e trace=[!][?]{{SYSCALL|GROUP|all|/REGEX}[@64|@32|@x32]|none},\n"
           "   --trace=...                trace only specified syscalls (-e SYSCALL,... too)\n"
           "     groups:     %clock, %creds, %desc, %file, %fstat, %fstatfs %ipc, %lstat,\n"
           "                 %memory, %net, %process, %pure, %signal, %stat, %%stat,\n"
           "                 %statfs, %%statfs\n"
           "  -e signal=SET, --signal=SET print only the signals from SET\n"
           "  -e status=SET, --status=SET print only system calls with the return statuses in SET\n"
           "     statuses:   successful, failed, unfinished, unavailable, detached\n"
           "  -P PATH, --trace-path=PATH  trace accesses to PATH\n"
           "  -z, --successful-only       print only syscalls that returned without an error code\n"
           "  -Z, --failed-only           print only syscalls that returned with an error code\n"
           "\n"
           "Output format:\n"
           "  -a COLUMN, --columns=COLUMN alignment COLUMN for printing syscall results (40)\n"
           "  -e abbrev=SET, --abbrev=SET abbreviate output for the syscalls in SET\n"
           "  -e verbose=SET, --verbose=SET   dereference structures for the syscalls in SET\n"
           "  -e raw=SET, --raw=SET       print undecoded arguments for the syscalls in SET\n"
           "  -e read=SET, --read=SET     dump the data read from the file descriptors in SET\n"
           "  -e write=SET, --write=SET   dump the data written to the file descriptors in SET\n"
           "  -e quiet=SET, --quiet=SET   suppress various informational messages\n"
           "     messages:   attach, exit, path-resolution, personality, thread-execve\n"
           "  -e decode-fds=SET, --decode-fds=SET\n"
           "     details:    dev (device major/minor), path (file path), pidfd (associated PID),\n"
           "                 socket (shown as its path, socket:[INODE]: details not decoded yet)\n"
           "  -i, --instruction-pointer   print instruction pointer at time of syscall\n"
           "  -k, --stack-trace[=symbol], --stack-traces[=symbol]\n"
           "                              obtain stack trace between each syscall\n"
           "  -kk, --stack-trace=source   obtain stack trace and source info between each syscall\n"
           "                              (elfutils' libdwfl; the ptrace backend, x86_64 tasks)\n"
           "  --stack-trace-frame-limit=LIMIT   obtain no more than this amount of frames\n"
           "                              when backtracing a syscall (default 256)\n"
           "  -n, --syscall-number        print syscall number\n"
           "  -o FILE, --output=FILE      send trace output to FILE instead of stderr\n"
           "  -A, --output-append-mode    open the file provided in the -o option in append mode\n"
           "  --output-separately         output into separate files (by appending pid to file names)\n"
           "  --always-show-pid           show the PID column on every line, for one process too\n"
           "  -q, --quiet=attach,personality   suppress messages about attaching, detaching, etc.\n"
           "  -qq, --quiet=attach,personality,exit   and about process exit status as well\n"
           "  -qqq, --quiet=all           suppress all suppressible messages\n"
           "  -r, --relative-timestamps[=PRECISION]   print relative timestamp\n"
           "     precision:  one of s, ms, us, ns; default is microseconds\n"
           "  -s STRSIZE, --string-limit=STRSIZE   limit length of print strings (default 32)\n"
           "  --absolute-timestamps=[[format:]FORMAT[,[precision:]PRECISION]], --timestamps=...\n"
           "     format:     none, time, or unix; default is time\n"
           "     precision:  one of s, ms, us, ns; default is seconds\n"
           "  -t, -tt, -ttt               absolute timestamp: time, time with usecs, unix with usecs\n"
           "  -T, --syscall-times[=PRECISION]   print time spent in each syscall (default us)\n"
           "  -v, --no-abbrev             verbose mode: print entities unabbreviated\n"
           "  --strings-in-hex=non-ascii-chars   use hex instead of octal in escape sequences\n"
           "  -x, --strings-in-hex=non-ascii     print non-ASCII strings in hex\n"
           "  -xx, --strings-in-hex[=all]        print all strings in hex\n"
           "  -X FORMAT, --const-print-style=FORMAT   raw, abbrev, verbose constants and flags\n"
           "  -y, --decode-fds[=path]     print paths associated with file descriptor arguments\n"
           "  -yy, --decode-fds=all       all the details above\n"
           "  --decode-pids=pidns         print process ids of other pid namespaces also in lstar's\n"
           "  -Y, --decode-pids=comm      print command names associated with PIDs\n"
           "  --json[=VERSION]            one JSON object per event (docs/json-schema.md); VERSION 2\n"
           "                              (the default) or 1, whose arguments are strace's text\n"
           "  --timeline=FILE             also write a Perfetto/chrome://tracing timeline\n"
           "                              (Trace Event Format JSON, docs/pictures.md)\n"
           "  --timeline-min-us=N         leave calls shorter than N us out of it (counted)\n"
           "  --report=FILE               also write an HTML report of the run (lstar report)\n"
           "\n"
           "Statistics:\n"
           "  -c, --summary-only          count time, calls, and errors for each syscall and\n"
           "                              report summary\n"
           "  -C, --summary               like -c, but also print the regular output\n"
           "  -O OVERHEAD, --summary-syscall-overhead=OVERHEAD   set the overhead taken off\n"
           "                              each call's time (s, ms, us or ns; us by default)\n"
           "  -S SORTBY, --summary-sort-by=SORTBY   time, min-time, max-time, avg-time,\n"
           "                              calls, errors, name, nothing (default time)\n"
           "  -U COLUMNS, --summary-columns=COLUMNS   time-percent, total-time, min-time,\n"
           "                              max-time, avg-time, calls, errors, name\n"
           "  -w, --summary-wall-clock    summarise syscall latency (default is system time)\n"
           "\n"
           "Tampering:\n"
           "  -e inject=SET[:error=ERRNO|:retval=VALUE][:signal=SIG][:delay_enter=DELAY]\n"
           "            [:delay_exit=DELAY][:when=WHEN], --inject=...\n"
           "                              perform syscall tampering for the syscalls in SET\n"
           "     delay:      microseconds or NUMBER{s|ms|us|ns}\n"
           "     when:       FIRST[..LAST][+[STEP]]\n"
           "   lstar's conditions (all must hold; each counts only the calls that meet them):\n"
           "     when=ARG OP VALUE   an argument by the table's name or kind, or argN (from 0);\n"
           "                         OP == != < <= > >= & (bits set), ~ (glob on a string):\n"
           "                         when=path~/etc/*  when=flags&O_CREAT  when=fd==3\n"
           "     p=P[:seed=N]        only a seeded share P of the selected calls\n"
           "     pid=N, tid=N, exe=GLOB   only this process, thread or program\n"
           "   lstar's effects: short=N (read or write at most N bytes), budget=SIZE (ENOSPC once\n"
           "     SIZE bytes were written to a descriptor), argN=V (run with argument N set to V),\n"
           "     flip=N (N seeded bit flips in what a read returns); see docs/fault-injection.md\n"
           "  -e fault=SET[:error=ERRNO][:when=WHEN], --fault=...\n"
           "                              synonym for -e inject with default ERRNO ENOSYS\n"
           "\n"
           "Miscellaneous:\n"
           "  -d, --debug                 (not supported yet)\n"
           "  -h, --help                  print help message\n"
           "  --seccomp-bpf               accepted: lstar always filters with seccomp-bpf\n"
           "  --tips, --secontext         (not supported yet)\n"
           "  -V, --version               print version\n" +
           std::string(view_usage()) + "\n" + kPolicyUsage;
}

}  // namespace lstar
