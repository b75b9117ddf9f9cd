#include "cli/trace_options.hpp"

#include <getopt.h>
#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "table/xlat.hpp"

namespace lstar {

namespace {

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

// strace's one-letter and plural spellings of the -e qualifiers.
std::string_view canonical_qualifier(std::string_view name) {
    struct Alias { std::string_view alias, name; };
    static constexpr Alias kAliases[] = {
        {"t", "trace"},     {"trace", "trace"},     {"a", "abbrev"},   {"abbrev", "abbrev"},
        {"v", "verbose"},   {"verbose", "verbose"}, {"x", "raw"},      {"raw", "raw"},
        {"s", "signal"},    {"signal", "signal"},   {"signals", "signal"},
        {"r", "read"},      {"read", "read"},       {"reads", "read"},
        {"w", "write"},     {"write", "write"},     {"writes", "write"},
        {"q", "quiet"},     {"quiet", "quiet"},     {"silent", "quiet"}, {"silence", "quiet"},
        {"status", "status"}, {"decode-fds", "decode-fds"},
        {"inject", "inject"}, {"fault", "fault"},
    };
    for (const Alias& a : kAliases)
        if (a.alias == name) return a.name;
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
                      kOptStringsInHex, kOptBackend };

constexpr option kLongOptions[] = {
    {"output", required_argument, nullptr, 'o'},
    {"output-append-mode", no_argument, nullptr, 'A'},
    {"attach", required_argument, nullptr, 'p'},
    {"follow-forks", no_argument, nullptr, 'f'},
    {"columns", required_argument, nullptr, 'a'},
    {"string-limit", required_argument, nullptr, 's'},
    {"no-abbrev", no_argument, nullptr, 'v'},
    {"decode-fds", no_argument, nullptr, 'y'},
    {"const-print-style", required_argument, nullptr, 'X'},
    {"syscall-number", no_argument, nullptr, 'n'},
    {"syscall-times", no_argument, nullptr, 'T'},
    {"relative-timestamps", no_argument, nullptr, 'r'},
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
    {"json", no_argument, nullptr, kOptJson},
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
};

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
std::optional<ParseOutcome> apply_option(int c, const char* arg, TraceCommand* cfg, Counts* counts) {
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
    case 'y': cfg->fd_paths = true; break;
    case 'X':
        if (!std::strcmp(arg, "raw")) cfg->xlat = XlatStyle::raw;
        else if (!std::strcmp(arg, "abbrev")) cfg->xlat = XlatStyle::abbrev;
        else if (!std::strcmp(arg, "verbose")) cfg->xlat = XlatStyle::verbose;
        else return invalid_arg('X');
        break;
    case 't': ++cfg->timestamps; break;
    case 'r': cfg->relative = true; break;
    case 'T': cfg->durations = true; break;
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
        unsigned level = 0;
        if (!parse_uint(arg, &level) || level < 1 || level > 4) return invalid_arg('I');
        break;  // lstar never blocks signals while decoding: every level behaves like 1
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
    case kOptJson: cfg->json = true; break;
    case kOptSeccomp: break;  // lstar always installs its seccomp prefilter when launching
    default: {
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

void apply_counts(const Counts& counts, TraceCommand* cfg) {
    // -q: attach and personality messages; -qq: exit status lines too; -qqq: everything.
    if (counts.quiet >= 1) cfg->quiet |= kQuietAttach | kQuietPersonality;
    if (counts.quiet >= 2) cfg->quiet |= kQuietExit;
    if (counts.quiet >= 3) cfg->quiet = kQuietAll;
    // strace: a program traced into a file runs without attach messages unless -q/-e quiet= say otherwise.
    if (!counts.quiet_set && !cfg->output_path.empty() && !cfg->argv.empty())
        cfg->quiet |= kQuietAttach | kQuietPersonality;
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
            if (!parse_when(value, &rule)) return invalid();
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
    if (rule.result == InjectRule::Result::none && !have_signal && !have_delay) return invalid();
    return injection;
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
    // decode-fds: lstar knows paths only.
    if (value == "path" || value == "all") cfg->fd_paths = true;
    else if (value == "none") cfg->fd_paths = false;
    else return error(fmt::format("invalid decode-fds '{}'", value), EINVAL);
    return {};
}

ParseOutcome parse_trace_args(int argc, char** argv, TraceCommand* cfg) {
    // "+": stop at the first non-option, so that the program's own options are its own.
    // ":": report a missing argument as ':' rather than '?'.
    static constexpr const char* kShort = "+:a:AcCe:E:fhiI:no:p:P:qrs:S:tTU:vVwxX:yzZ";
    optind = 0;  // glibc: full reinitialisation (parsing may run more than once in a process)
    opterr = 0;
    Counts counts;
    int c;
    static const std::vector<option> long_options = with_view_options(kLongOptions);
    while ((c = getopt_long(argc, argv, kShort, long_options.data(), nullptr)) != -1) {
        if (c == '?') {
            if (optopt) return error_outcome(fmt::format("invalid option -- '{}'", static_cast<char>(optopt)), true);
            return error_outcome(fmt::format("unrecognized option '{}'", argv[optind - 1]), true);
        }
        if (c == ':') {
            if (optopt && optopt < 256)
                return error_outcome(fmt::format("option requires an argument -- '{}'", static_cast<char>(optopt)), true);
            return error_outcome(fmt::format("option '{}' requires an argument", argv[optind - 1]), true);
        }
        if (auto outcome = apply_option(c, optarg, cfg, &counts)) return *outcome;
    }
    for (int i = optind; i < argc; ++i) cfg->argv.emplace_back(argv[i]);
    apply_counts(counts, cfg);
    if (cfg->argv.empty() && cfg->attach.empty()) return error_outcome("must have PROG [ARGS] or -p PID", true);
    if (!cfg->argv.empty() && !cfg->attach.empty())
        return error_outcome("-p together with a program is not supported: give one or the other");
    if (counts.follow > 1) return error_outcome("-ff (output into separate files) is not supported");
    return ParseOutcome{};
}

std::string trace_usage() {
    return "Usage: lstar trace [-ACcfhinqrtTvVwxyzZ] [-a COLUMN] [-e EXPR]... [-o FILE] [-s STRSIZE]\n"
           "                   [-X FORMAT] [-S SORTBY] [-U COLUMNS] [-P PATH]... [-p PID]... [--json]\n"
           "                   { -p PID | [-E VAR=VAL]... [--] PROG [ARGS] }\n"
           "strace's command line, strace's output.\n\n"
           "Filtering:\n"
           "  -e trace=[!][?]{SYSCALL|%CLASS|/REGEX|all|none}[,...]   trace only these calls\n"
           "                 (-e SYSCALL,... is the same)\n"
           "  -e signal=SET  print only these signals      -e status=SET  successful, failed,\n"
           "                                                  unfinished, unavailable, detached\n"
           "  -z / -Z        successful / failed calls only  -P PATH       calls that touch PATH\n"
           "Output format:\n"
           "  -a COLUMN      result column (default 40)     -o FILE       trace to FILE (-A appends)\n"
           "  -s STRSIZE     string bytes shown (32)         -v            unabbreviated structures\n"
           "  -y             paths of descriptors            -X FORMAT     raw, abbrev, verbose constants\n"
           "  -e raw=SET, -e abbrev=SET, -e verbose=SET       per-call decoding\n"
           "  -e read=FDS, -e write=FDS                      hex dumps of the data on these fds\n"
           "  -t, -tt, -ttt  wall-clock time stamps          -r            time since the previous line\n"
           "  -T             time spent in each call         -n            system call numbers\n"
           "  -i             instruction pointer at each call\n"
           "  -x             non-ASCII strings in hex        -xx           all strings in hex\n"
           "  --strings-in-hex=[none|non-ascii-chars|non-ascii|all]   the same; non-ascii-chars:\n"
           "                 \\xNN instead of octal escapes\n"
           "  -q, -qq, -e quiet=SET   fewer attach/detach and exit messages\n"
           "  --json         one JSON object per event (docs/json-schema.md)\n"
           "Tampering:\n"
           "  -e inject=SET[:error=ERRNO|:retval=VALUE][:signal=SIG][:delay_enter=DELAY]\n"
           "            [:delay_exit=DELAY][:when=FIRST[..LAST][+[STEP]]]   change these calls\n"
           "  -e fault=SET[:error=ERRNO][:when=EXPR]         fail them (ENOSYS by default)\n"
           "Statistics:\n"
           "  -c             summary table only              -C            lines and the summary\n"
           "  -w             wall time from entry to exit in the table (default: system CPU time)\n"
           "  -S SORTBY      time, calls, errors, name, nothing, min-time, max-time, avg-time\n"
           "  -U COLUMNS     time-percent,total-time,min-time,max-time,avg-time,calls,errors,name\n"
           "Startup:\n"
           "  -f             follow forks                    -p PID        attach (repeatable, PID,PID...)\n"
           "  -E VAR[=VAL]   set or remove VAR for the program\n"
           "  --backend=ptrace|inproc   how calls are caught: a tracer process (default), or\n"
           "                 a SIGSYS inside the program (much faster; no -p; docs/inproc.md)\n"
           "  -h, -V         this help, the version\n" +
           std::string(view_usage());
}

}  // namespace lstar
