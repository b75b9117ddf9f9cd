// `lstar trace` against /usr/bin/strace: the same small programs under both,
// with the same options, compared after normalising pids, addresses and times.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "tests/support/process.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

struct Result {
    int status = -1;  // exit status, or 128 + signal
    std::string out, err, trace;  // stdout, stderr, and the -o file when there was one
};

std::string read_file(const std::string& path) {
    std::ifstream f(path);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

std::string temp_path(const char* tag) {
    return std::string(::testing::TempDir()) + "lstar-trace-" + tag + "-" + std::to_string(::getpid());
}

// Runs argv with stdin from /dev/null and stdout/stderr captured (the one runner,
// tests/support/process.hpp).
Result run(const std::vector<std::string>& argv) {
    lstar::test::ProcessOptions opt;
    opt.stdin_null = true;
    lstar::test::ProcessResult p = lstar::test::run_process(argv, opt);
    Result r;
    r.status = p.exit_code();
    r.out = std::move(p.out);
    r.err = std::move(p.err);
    return r;
}

// Runs `<tracer> <options> -o FILE <prog>` and returns the trace in .trace.
Result trace_with(const std::string& tracer, std::vector<std::string> options, const std::string& prog,
                  bool to_file = true) {
    std::vector<std::string> argv{tracer};
    if (tracer == LSTAR_BIN) argv.emplace_back("trace");
    std::string trace_path = temp_path(tracer == LSTAR_BIN ? "lstar" : "strace");
    argv.insert(argv.end(), options.begin(), options.end());
    if (to_file) argv.insert(argv.end(), {"-o", trace_path});
    argv.push_back(std::string(TRACE_PROGS_DIR) + "/" + prog);
    Result r = run(argv);
    if (to_file) {
        r.trace = read_file(trace_path);
        ::unlink(trace_path.c_str());
    } else {
        r.trace = r.err;
    }
    return r;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::stringstream s(text);
    for (std::string line; std::getline(s, line);) lines.push_back(line);
    return lines;
}

// Times, addresses and ids (pids, which differ between runs) become placeholders.
std::string normalise(std::string line) {
    static const std::regex duration(R"(<\d+\.\d{6}>)"), address(R"(0x[0-9a-f]+)"), big(R"(\b\d{3,}\b)");
    line = std::regex_replace(line, duration, "<T>");
    line = std::regex_replace(line, address, "0xADDR");
    // A number that differs between the runs (a pid: 302 in one, 32765 in the other
    // after the pids wrapped) also moves the column of " = ": one space then.
    if (!std::regex_search(line, big)) return line;
    static const std::regex aligned(R"(\) +(= ))");
    return std::regex_replace(std::regex_replace(line, big, "N"), aligned, ") $1");
}

// -f -o FILE: strips the pid column, joins "<unfinished ...>" with its
// "<... resumed>", and returns the lines sorted (processes interleave freely).
std::vector<std::string> joined_calls(const std::string& trace) {
    static const std::regex leader(R"(^(\d+) +(.*)$)"), resumed(R"(^<\.\.\. \w+ resumed>(.*)$)");
    std::map<std::string, std::string> pending;
    std::vector<std::string> calls;
    for (const std::string& line : lines_of(trace)) {
        std::smatch m;
        if (!std::regex_match(line, m, leader)) {
            calls.push_back(normalise(line));
            continue;
        }
        std::string pid = m[1], rest = m[2];
        const std::string unfinished = " <unfinished ...>";
        if (rest.size() > unfinished.size() && rest.ends_with(unfinished)) {
            pending[pid] = rest.substr(0, rest.size() - unfinished.size());
            continue;
        }
        std::smatch r;
        if (std::regex_match(rest, r, resumed)) rest = pending[pid] + std::string(r[1]);
        // The column of "= " depends on how the line was split: compare without it.
        rest = std::regex_replace(rest, std::regex(R"(\) +=)"), ") =");
        calls.push_back(normalise(rest));
    }
    std::sort(calls.begin(), calls.end());
    return calls;
}

std::vector<std::string> normalised_lines(const std::string& trace) {
    std::vector<std::string> out;
    for (const std::string& line : lines_of(trace)) out.push_back(normalise(line));
    return out;
}

struct CountRow {
    long calls = 0, errors = 0;
    bool operator==(const CountRow&) const = default;
};

// The rows of a -c table: name → calls, errors.
std::map<std::string, CountRow> summary_rows(const std::string& text) {
    static const std::regex row(R"(^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(\d*)\s+(\w+)$)");
    std::map<std::string, CountRow> rows;
    for (const std::string& line : lines_of(text)) {
        std::smatch m;
        if (!std::regex_match(line, m, row)) continue;
        rows[m[3]] = CountRow{std::stol(m[1]), m[2].length() ? std::stol(m[2]) : 0};
    }
    return rows;
}

class TraceVsStrace : public ::testing::Test {
protected:
    void SetUp() override {
        if (::access(STRACE_BIN, X_OK) != 0) GTEST_SKIP() << STRACE_BIN << " is not installed (apt-get install strace)";
        Result probe = run({STRACE_BIN, "-o", "/dev/null", "/bin/true"});
        if (probe.status != 0) GTEST_SKIP() << "strace cannot trace here (ptrace not permitted?): " << probe.err;
    }
};

TEST_F(TraceVsStrace, SummaryCountsMatchStraceAndTheProgram) {
    Result l = trace_with(LSTAR_BIN, {"-c"}, "calls", false);
    Result s = trace_with(STRACE_BIN, {"-c"}, "calls", false);
    EXPECT_EQ(l.status, 3);
    EXPECT_EQ(s.status, 3);
    EXPECT_EQ(l.out, "hello\n");
    auto lrows = summary_rows(l.err), srows = summary_rows(s.err);
    EXPECT_EQ(lrows, srows) << "lstar:\n" << l.err << "strace:\n" << s.err;
    EXPECT_EQ(lrows["getpid"], (CountRow{3, 0}));
    EXPECT_EQ(lrows["openat"], (CountRow{2, 2}));
    EXPECT_EQ(lrows["close"], (CountRow{1, 1}));
    EXPECT_EQ(lrows["write"], (CountRow{1, 0}));
    EXPECT_EQ(lrows.count("exit_group"), 0u) << "a call that never returns is not counted";
    // The layout: strace's header, dashes and total row.
    auto lines = lines_of(l.err);
    ASSERT_GE(lines.size(), 4u);
    EXPECT_EQ(lines[0], "% time     seconds  usecs/call     calls    errors syscall");
    EXPECT_EQ(lines[1], "------ ----------- ----------- --------- --------- ----------------");
    EXPECT_TRUE(std::regex_match(lines.back(), std::regex(R"(^100\.00 +\d+\.\d{6} +\d+ +\d+ +\d+ total$)")))
        << lines.back();
}

// Bad options given to lstar trace and to strace: exit 1 and the same message (and
// "Try ... -h" line where `hint`), each under its own name.
void expect_refused_as_strace(const std::vector<std::string>& opts, const std::string& message, bool hint) {
    std::vector<std::string> largv{LSTAR_BIN, "trace"}, sargv{STRACE_BIN};
    largv.insert(largv.end(), opts.begin(), opts.end());
    sargv.insert(sargv.end(), opts.begin(), opts.end());
    largv.push_back("/bin/true");
    sargv.push_back("/bin/true");
    Result l = run(largv), s = run(sargv);
    EXPECT_EQ(l.status, 1);
    EXPECT_EQ(s.status, 1);
    EXPECT_EQ(l.err, "lstar: " + message + "\n" + (hint ? "Try 'lstar trace -h' for more information.\n" : ""));
    EXPECT_EQ(s.err, std::string(STRACE_BIN) + ": " + message + "\n" + (hint ? "Try '" STRACE_BIN " -h' for more information.\n" : ""));
}

// -O: the overhead taken off each call's time, never below zero. With a second of
// it every time is zero, so the whole table is strace's, on both backends.
TEST_F(TraceVsStrace, SummaryOverheadTakenOffEachCall) {
    Result s = trace_with(STRACE_BIN, {"-c", "-O", "1s"}, "calls", false);
    EXPECT_NE(s.err.find("  0.00    0.000000           0         3           getpid"), std::string::npos) << s.err;
    for (const char* backend : {"--backend=ptrace", "--backend=inproc"}) {
        Result l = trace_with(LSTAR_BIN, {backend, "-c", "--summary-syscall-overhead=1s"}, "calls", false);
        EXPECT_EQ(l.status, 3);
        EXPECT_EQ(l.err, s.err) << backend;
    }
    for (auto [opts, message] : std::vector<std::pair<std::vector<std::string>, std::string>>{
             {{"-O", "xx"}, "invalid -O argument: 'xx'"},
             {{"--summary-syscall-overhead=-5"}, "invalid --summary-syscall-overhead argument: '-5'"},
             {{"-O", "1h"}, "invalid -O argument: '1h'"}}) {
        expect_refused_as_strace(opts, message, true);
    }
}

TEST_F(TraceVsStrace, SummaryWithFilterAndSortByCalls) {
    Result l = trace_with(LSTAR_BIN, {"-c", "-S", "calls", "-e", "trace=getpid,openat,close"}, "calls", false);
    Result s = trace_with(STRACE_BIN, {"-c", "-S", "calls", "-e", "trace=getpid,openat,close"}, "calls", false);
    auto names = [](const std::string& text) {
        std::vector<std::string> v;
        for (const std::string& line : lines_of(text))
            if (std::regex_search(line, std::regex(R"( (getpid|openat|close)$)"))) v.push_back(line.substr(line.rfind(' ') + 1));
        return v;
    };
    EXPECT_EQ(names(l.err), (std::vector<std::string>{"getpid", "openat", "close"}));
    EXPECT_EQ(names(l.err), names(s.err));
    EXPECT_EQ(summary_rows(l.err), summary_rows(s.err));
}

TEST_F(TraceVsStrace, SummaryAlsoWithLines) {
    Result l = trace_with(LSTAR_BIN, {"-C", "-e", "trace=getpid"}, "calls");
    EXPECT_NE(l.trace.find("getpid()"), std::string::npos) << l.trace;
    EXPECT_NE(l.trace.find("+++ exited with 3 +++"), std::string::npos);
    EXPECT_EQ(summary_rows(l.trace)["getpid"], (CountRow{3, 0})) << l.trace;
}

TEST_F(TraceVsStrace, SelectedCallsLineByLine) {
    for (const char* set : {"trace=getpid,close,write", "trace=%desc", "trace=/^(getp|clo)"}) {
        Result l = trace_with(LSTAR_BIN, {"-e", set}, "calls");
        Result s = trace_with(STRACE_BIN, {"-e", set}, "calls");
        EXPECT_EQ(normalised_lines(l.trace), normalised_lines(s.trace)) << set << "\nlstar:\n" << l.trace << "strace:\n" << s.trace;
    }
}

TEST_F(TraceVsStrace, SuccessfulAndFailedOnly) {
    for (const char* opt : {"-z", "-Z"}) {
        std::vector<std::string> opts{opt, "-e", "trace=getpid,openat,close,write,exit_group"};
        Result l = trace_with(LSTAR_BIN, opts, "calls");
        Result s = trace_with(STRACE_BIN, opts, "calls");
        EXPECT_EQ(normalised_lines(l.trace), normalised_lines(s.trace)) << opt << "\nlstar:\n" << l.trace << "strace:\n" << s.trace;
    }
    // -e status=failed is -Z.
    Result a = trace_with(LSTAR_BIN, {"-e", "status=failed", "-e", "trace=openat,close"}, "calls");
    Result b = trace_with(LSTAR_BIN, {"-Z", "-e", "trace=openat,close"}, "calls");
    EXPECT_EQ(a.trace, b.trace);
}

TEST_F(TraceVsStrace, AlignmentColumn) {
    for (const char* column : {"20", "60"}) {
        std::vector<std::string> opts{"-a", column, "-e", "trace=getpid,close,write"};
        Result l = trace_with(LSTAR_BIN, opts, "calls");
        Result s = trace_with(STRACE_BIN, opts, "calls");
        EXPECT_EQ(normalised_lines(l.trace), normalised_lines(s.trace)) << "lstar:\n" << l.trace << "strace:\n" << s.trace;
    }
}

TEST_F(TraceVsStrace, DurationsAndTimestampsFormat) {
    Result l = trace_with(LSTAR_BIN, {"-T", "-tt", "-e", "trace=getpid"}, "calls");
    auto lines = lines_of(l.trace);
    ASSERT_EQ(lines.size(), 4u) << l.trace;  // three calls, then the exit line
    for (int i = 0; i < 3; ++i)
        EXPECT_TRUE(std::regex_match(lines[i], std::regex(R"(^\d\d:\d\d:\d\d\.\d{6} getpid\(\) += \d+ <\d+\.\d{6}>$)")))
            << lines[i];
    EXPECT_TRUE(std::regex_match(lines[3], std::regex(R"(^\d\d:\d\d:\d\d\.\d{6} \+\+\+ exited with 3 \+\+\+$)")));
    Result s = trace_with(STRACE_BIN, {"-T", "-tt", "-e", "trace=getpid"}, "calls");
    static const std::regex stamp(R"(^\d\d:\d\d:\d\d\.\d{6} )");
    auto strip = [&](const std::string& t) {
        std::vector<std::string> v;
        for (const auto& line : lines_of(t)) v.push_back(normalise(std::regex_replace(line, stamp, "")));
        return v;
    };
    EXPECT_EQ(strip(l.trace), strip(s.trace));

    Result t = trace_with(LSTAR_BIN, {"-ttt", "-r", "-e", "trace=getpid"}, "calls");
    for (const auto& line : lines_of(t.trace))
        EXPECT_TRUE(std::regex_search(line, std::regex(R"(^\d{9,}\.\d{6} \(\+ +\d+\.\d{6}\) )"))) << line;  // strace: "(+ relative) " after a time stamp
}

TEST_F(TraceVsStrace, SyscallNumbers) {
    // exit_group is traced: the exit line shows the task's last call's number, which
    // lstar knows only for the calls that stop (strace stops them all).
    Result l = trace_with(LSTAR_BIN, {"-n", "-e", "trace=getpid,write,exit_group"}, "calls");
    Result s = trace_with(STRACE_BIN, {"-n", "-e", "trace=getpid,write,exit_group"}, "calls");
    EXPECT_EQ(normalised_lines(l.trace), normalised_lines(s.trace)) << "lstar:\n" << l.trace << "strace:\n" << s.trace;
}

TEST_F(TraceVsStrace, FollowForksToFile) {
    std::vector<std::string> opts{"-f", "-e", "trace=getppid,close,getpid"};
    Result l = trace_with(LSTAR_BIN, opts, "forks");
    Result s = trace_with(STRACE_BIN, opts, "forks");
    EXPECT_EQ(l.status, 0);
    // Every line carries the pid column.
    for (const auto& line : lines_of(l.trace)) EXPECT_TRUE(std::regex_search(line, std::regex(R"(^\d+ +\S)"))) << line;
    EXPECT_EQ(joined_calls(l.trace), joined_calls(s.trace)) << "lstar:\n" << l.trace << "strace:\n" << s.trace;
    // Traced into a file, a program's children are followed silently, as with strace.
    EXPECT_EQ(l.err, "");
    EXPECT_EQ(s.err, "");
}

TEST_F(TraceVsStrace, FollowForksToStderrPrefixes) {
    Result l = trace_with(LSTAR_BIN, {"-f", "-q", "-e", "trace=getppid"}, "forks", false);
    int prefixed = 0;
    for (const auto& line : lines_of(l.err)) prefixed += std::regex_search(line, std::regex(R"(^\[pid +\d+\] getppid\(\))"));
    EXPECT_EQ(prefixed, 3) << l.err;
    EXPECT_EQ(l.err.find("attached"), std::string::npos) << "-q hides attach messages";
    Result loud = trace_with(LSTAR_BIN, {"-f", "-e", "trace=none"}, "forks", false);
    static const std::regex attach_line(R"((^|\n)lstar: Process \d+ attached\n)");
    auto attached = std::distance(std::sregex_iterator(loud.err.begin(), loud.err.end(), attach_line),
                                  std::sregex_iterator());
    EXPECT_EQ(attached, 3) << loud.err;
    // Once the children are gone, the parent's lines lose the prefix again.
    EXPECT_TRUE(std::regex_search(l.err, std::regex(R"(\n\+\+\+ exited with 0 \+\+\+\n$)"))) << l.err;
}

TEST_F(TraceVsStrace, SignalsAndKilledChildren) {
    std::vector<std::string> opts{"-f", "-e", "trace=none"};
    Result l = trace_with(LSTAR_BIN, opts, "signals");
    Result s = trace_with(STRACE_BIN, opts, "signals");
    auto events = [](const std::string& trace) {
        std::vector<std::string> v;
        for (const auto& line : lines_of(trace)) {
            std::smatch m;
            if (std::regex_search(line, m, std::regex(R"((--- SIG\w+ |\+\+\+ .* \+\+\+))"))) v.push_back(m[1]);
        }
        std::sort(v.begin(), v.end());
        return v;
    };
    EXPECT_EQ(events(l.trace), events(s.trace)) << "lstar:\n" << l.trace << "strace:\n" << s.trace;
    EXPECT_NE(l.trace.find("+++ killed by SIGKILL +++"), std::string::npos);
    // -e signal= limits which signals are shown.
    Result only = trace_with(LSTAR_BIN, {"-f", "-e", "trace=none", "-e", "signal=SIGCHLD"}, "signals");
    EXPECT_EQ(only.trace.find("SIGUSR1"), std::string::npos) << only.trace;
    EXPECT_NE(only.trace.find("--- SIGCHLD "), std::string::npos) << only.trace;
    // -qq drops the exit lines.
    Result quiet = trace_with(LSTAR_BIN, {"-qq", "-e", "trace=getpid"}, "calls");
    EXPECT_EQ(quiet.trace.find("+++"), std::string::npos) << quiet.trace;
}

TEST_F(TraceVsStrace, ReadAndWriteDumps) {
    std::vector<std::string> opts{"-e", "trace=read,write", "-e", "read=all", "-e", "write=all"};
    Result l = trace_with(LSTAR_BIN, opts, "rw");
    Result s = trace_with(STRACE_BIN, opts, "rw");
    auto dumps = [](const std::string& trace) {
        std::vector<std::string> v;
        for (const auto& line : lines_of(trace))
            if (line.starts_with(" | ")) v.push_back(line);
        return v;
    };
    EXPECT_EQ(dumps(l.trace).size(), 7u) << l.trace;  // 3 lines written, the same 3 read, "hello\n"
    EXPECT_EQ(dumps(l.trace), dumps(s.trace)) << "lstar:\n" << l.trace << "strace:\n" << s.trace;
}

TEST_F(TraceVsStrace, TracePath) {
    std::vector<std::string> opts{"-P", "/nonexistent/lstar-trace-test"};
    Result l = trace_with(LSTAR_BIN, opts, "calls");
    Result s = trace_with(STRACE_BIN, opts, "calls");
    auto calls = [](const std::string& trace) {
        std::vector<std::string> v;
        for (const auto& line : lines_of(trace)) v.push_back(line.substr(0, line.find('(')));
        return v;
    };
    EXPECT_EQ(calls(l.trace), (std::vector<std::string>{"openat", "openat", "+++ exited with 3 +++"})) << l.trace;
    EXPECT_EQ(calls(l.trace), calls(s.trace));
}

TEST_F(TraceVsStrace, BadOptionsExitOneWithStracesMessage) {
    for (auto [opt, message] : std::vector<std::pair<std::string, std::string>>{
             {"trace=foo", "invalid system call 'foo'"}, {"signal=FOO", "invalid signal 'FOO'"}}) {
        Result l = run({LSTAR_BIN, "trace", "-e", opt, "/bin/true"});
        Result s = run({STRACE_BIN, "-e", opt, "/bin/true"});
        EXPECT_EQ(l.status, 1);
        EXPECT_EQ(s.status, 1);
        EXPECT_EQ(l.err, "lstar: " + message + "\n");
        EXPECT_EQ(s.err, std::string(STRACE_BIN) + ": " + message + "\n");
    }
    Result l = run({LSTAR_BIN, "trace", "-Q", "/bin/true"});
    EXPECT_EQ(l.status, 1);
    EXPECT_EQ(l.err, "lstar: invalid option -- 'Q'\nTry 'lstar trace -h' for more information.\n");
}

TEST_F(TraceVsStrace, StringsInHexLineByLine) {
    // Text, binary data (with a NUL, and past the -s limit), a plain path and a UTF-8 one.
    for (std::vector<std::string> hex : std::vector<std::vector<std::string>>{
             {}, {"-x"}, {"-xx"}, {"-x", "-x"}, {"--strings-in-hex"}, {"--strings-in-hex=non-ascii"},
             {"--strings-in-hex=non-ascii-chars"}, {"--strings-in-hex=none"}, {"-x", "-s", "64"}}) {
        std::vector<std::string> opts = hex;
        opts.insert(opts.end(), {"-e", "trace=write,openat"});
        Result l = trace_with(LSTAR_BIN, opts, "strings");
        Result s = trace_with(STRACE_BIN, opts, "strings");
        EXPECT_EQ(l.status, 0);
        EXPECT_EQ(lines_of(l.trace).size(), 10u) << l.trace;  // 8 calls (one path into an unmapped page), SIGUSR1, the exit
        std::string what = hex.empty() ? "(none)" : hex.front() + (hex.size() > 1 ? " " + hex[1] : "");
        EXPECT_EQ(normalised_lines(l.trace), normalised_lines(s.trace)) << what << "\nlstar:\n" << l.trace << "strace:\n" << s.trace;
    }
    Result x = trace_with(LSTAR_BIN, {"-x", "-e", "trace=openat"}, "strings");
    EXPECT_NE(x.trace.find(R"(openat(AT_FDCWD, "/nonexistent/lstar-trace-test", O_RDONLY))"), std::string::npos) << x.trace;
    EXPECT_NE(x.trace.find(R"("\x2f\x6e\x6f\x6e\x65\x78\x69\x73\x74\x65\x6e\x74\x2f\x63\x61\x66\xc3\xa9")"), std::string::npos)
        << x.trace;
}

TEST_F(TraceVsStrace, BadStringsInHexOptionsLikeStrace) {
    for (auto [opts, message, hint] : std::vector<std::tuple<std::vector<std::string>, std::string, bool>>{
             {{"--strings-in-hex=foo"}, "invalid --strings-in-hex argument: 'foo'", true},
             {{"-x", "--strings-in-hex=all"}, "-x and --strings-in-hex cannot be provided simultaneously", false},
             {{"--strings-in-hex", "-x"}, "-x and --strings-in-hex cannot be provided simultaneously", false}}) {
        expect_refused_as_strace(opts, message, hint);
    }
}

// -i: "[ip] " after the time stamps and the call number. The test programs are
// static and not position independent, so the addresses are strace's exactly.
std::vector<std::string> with_ips(const std::string& trace) {
    static const std::regex ip_prefix(R"(^((?:\d+ +)?)(\[[0-9a-f]{16}\]|\[\?{16}\]) (.*)$)");
    std::vector<std::string> v;
    for (const std::string& line : lines_of(trace)) {
        std::smatch m;
        if (!std::regex_match(line, m, ip_prefix)) {
            v.push_back("no ip: " + line);
            continue;
        }
        // The pid column (-f) goes; the rest is compared as usual, the ip exactly.
        std::string rest = std::regex_replace(std::string(m[3]), std::regex(R"(\) +=)"), ") =");
        v.push_back(std::string(m[2]) + " " + normalise(rest));
    }
    return v;
}

TEST_F(TraceVsStrace, InstructionPointerLineByLine) {
    // A call's ip is after its syscall instruction; a signal's is where the task
    // stopped for it (here raise()'s, not the traced calls'); an exited task has none.
    std::vector<std::string> opts{"-i", "-e", "trace=write,openat"};
    Result l = trace_with(LSTAR_BIN, opts, "strings");
    Result s = trace_with(STRACE_BIN, opts, "strings");
    EXPECT_EQ(l.status, 0);
    EXPECT_EQ(with_ips(l.trace), with_ips(s.trace)) << "lstar:\n" << l.trace << "strace:\n" << s.trace;
    std::smatch write_ip, signal_ip;
    EXPECT_TRUE(std::regex_search(l.trace, write_ip, std::regex(R"(\[([0-9a-f]{16})\] write\()"))) << l.trace;
    EXPECT_TRUE(std::regex_search(l.trace, signal_ip, std::regex(R"(\n\[([0-9a-f]{16})\] --- SIGUSR1 \{)"))) << l.trace;
    EXPECT_NE(write_ip[1], signal_ip[1]) << l.trace;
    EXPECT_TRUE(std::regex_search(l.trace, std::regex(R"(\n\[\?{16}\] \+\+\+ exited with 0 \+\+\+\n$)"))) << l.trace;
    // With -x, -tt and -n: time, number, ip, then the call.
    Result all = trace_with(LSTAR_BIN, {"-i", "-x", "-tt", "-n", "-e", "trace=write"}, "strings");
    Result sall = trace_with(STRACE_BIN, {"-i", "-x", "-tt", "-n", "-e", "trace=write"}, "strings");
    static const std::regex leader(R"(^\d\d:\d\d:\d\d\.\d{6} \[ +\d+\] \[[0-9a-f?]{16}\] (write\(|--- |\+\+\+ ))");
    for (const auto& line : lines_of(all.trace)) EXPECT_TRUE(std::regex_search(line, leader)) << line;
    for (const auto& line : lines_of(sall.trace)) EXPECT_TRUE(std::regex_search(line, leader)) << line;
    EXPECT_EQ(lines_of(all.trace).size(), lines_of(sall.trace).size()) << all.trace << sall.trace;
}

// Both backends: in-process, a signal that comes as the runtime makes the
// program's call comes where the call returns, as the program sees it.
TEST_F(TraceVsStrace, InstructionPointerOfSignalsAndKilledChildren) {
    for (const char* backend : {"--backend=ptrace", "--backend=inproc"}) {
        SCOPED_TRACE(backend);
        std::vector<std::string> opts{"-i", "-f", "-e", "trace=kill"};
        Result s = trace_with(STRACE_BIN, opts, "signals");
        opts.insert(opts.begin(), backend);
        Result l = trace_with(LSTAR_BIN, opts, "signals");
        // SIGCHLD's ip is left out: the parent gets it on its way out of kill() or in
        // wait4(), as the tracer's reaping of the child happens to go.
        auto lines = [](const std::string& trace) {
            std::vector<std::string> v;
            for (std::string& x : with_ips(trace))
                if (x.find("--- SIGCHLD ") == std::string::npos) v.push_back(std::move(x));
            std::sort(v.begin(), v.end());
            return v;
        };
        std::vector<std::string> lv = lines(l.trace);
        EXPECT_EQ(lv, lines(s.trace)) << "lstar:\n" << l.trace << "strace:\n" << s.trace;
        EXPECT_EQ(std::count_if(lv.begin(), lv.end(), [](const std::string& x) { return x.starts_with("[?"); }), 2) << l.trace;
        // In-process, a SIGCHLD at its default is shown only if it comes while the
        // parent waits in a call (docs/inproc.md): here it may come before the wait.
        if (std::string_view(backend) == "--backend=ptrace") {
            EXPECT_TRUE(std::regex_search(l.trace, std::regex(R"(\n\d+ +\[[0-9a-f]{16}\] --- SIGCHLD \{)"))) << l.trace;
        }
    }
}

// The seconds column of a -c table: name → seconds.
std::map<std::string, double> summary_seconds(const std::string& text) {
    static const std::regex row(R"(^\s*[\d.]+\s+([\d.]+)\s+\d+\s+\d+\s+\d*\s+(\w+)$)");
    std::map<std::string, double> rows;
    for (const std::string& line : lines_of(text)) {
        std::smatch m;
        if (std::regex_match(line, m, row)) rows[m[2]] = std::stod(m[1]);
    }
    return rows;
}

TEST_F(TraceVsStrace, SummaryTimeIsSystemCpuTimeUnlessWallClock) {
    // cputime: three 100 ms sleeps (no CPU), then 16 reads of 16 MiB from /dev/zero
    // (system CPU). strace -c charges a call the system CPU time between its entry
    // and exit stops; -w the wall time. Both tools must show the same picture.
    for (const std::string& tool : {std::string(LSTAR_BIN), std::string(STRACE_BIN)}) {
        Result cpu = trace_with(tool, {"-c"}, "cputime", false);
        Result wall = trace_with(tool, {"-c", "-w"}, "cputime", false);
        ASSERT_EQ(cpu.status, 0) << tool << cpu.err;
        ASSERT_EQ(wall.status, 0) << tool << wall.err;
        auto c = summary_seconds(cpu.err), w = summary_seconds(wall.err);
        ASSERT_TRUE(c.count("clock_nanosleep") && c.count("read")) << tool << "\n" << cpu.err;
        ASSERT_TRUE(w.count("clock_nanosleep") && w.count("read")) << tool << "\n" << wall.err;
        EXPECT_LT(c["clock_nanosleep"], 0.05) << tool << ": sleeping costs no CPU\n" << cpu.err;
        EXPECT_GT(c["read"], 0.0) << tool << ": clearing 256 MiB costs system CPU\n" << cpu.err;
        EXPECT_GT(c["read"], c["clock_nanosleep"]) << tool << "\n" << cpu.err;
        EXPECT_GE(w["clock_nanosleep"], 0.29) << tool << ": -w is wall time\n" << wall.err;
        EXPECT_GT(w["clock_nanosleep"], w["read"]) << tool << "\n" << wall.err;
    }
    // --json's summary carries the same time as the table.
    Result j = trace_with(LSTAR_BIN, {"-c", "--json"}, "cputime", false);
    nlohmann::json summary = nlohmann::json::parse(lines_of(j.err).back());
    for (const auto& row : summary["calls"]) {
        if (row["name"] == "clock_nanosleep") {
            EXPECT_LT(row["total_ns"].get<double>(), 5e7) << j.err;
        }
    }
}

TEST_F(TraceVsStrace, InjectLineByLine) {
    // Each: the options, and what the program's stdout must be under both.
    std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"-e", "inject=getpid:retval=42:when=2", "-e", "inject=openat:error=EACCES", "-e", "trace=getpid,openat,close"},
         "hello\n"},
        {{"-e", "fault=getpid:when=2..3", "-e", "trace=getpid"}, "hello\n"},
        {{"-e", "inject=getpid,close:error=ENOENT:when=1+2", "-e", "trace=getpid,close"}, "hello\n"},
        {{"-e", "inject=openat:error=2:when=2+", "-T", "-e", "trace=openat"}, "hello\n"},
        // strace tampers only with the calls it traces: the write is not traced and happens;
        // -P narrows the injection too.
        {{"-e", "inject=write:retval=6", "-e", "trace=getpid"}, "hello\n"},
        {{"-P", "/nonexistent/lstar-trace-test", "-e", "inject=openat,close:error=EPERM"}, "hello\n"},
        {{"-e", "inject=close:delay_enter=10ms:error=EIO", "-e", "inject=getpid:delay_exit=1ms:when=2", "-e",
          "trace=close,getpid"},
         "hello\n"},
        {{"--inject=%desc:error=EBADF", "-e", "trace=%desc"}, ""},
        // A signal on entering the third getpid, with and without a fault.
        {{"-e", "inject=getpid:signal=SIGUSR1:when=3", "-e", "trace=getpid"}, ""},
        {{"-e", "inject=getpid:error=EPERM:signal=USR1:when=3", "-e", "trace=getpid"}, ""},
        // A later -e inject= for the same call replaces the earlier one.
        {{"-e", "inject=getpid:retval=1", "-e", "inject=getpid:retval=7:when=3", "-e", "trace=getpid"}, "hello\n"},
    };
    for (const auto& [opts, out] : cases) {
        std::string what;
        for (const auto& o : opts) what += o + " ";
        Result s = trace_with(STRACE_BIN, opts, "calls");
        EXPECT_EQ(s.out, out) << what;
        // Both backends: the in-process one applies the rules inside the program.
        for (const char* backend : {"--backend=ptrace", "--backend=inproc"}) {
            std::vector<std::string> with_backend = opts;
            with_backend.insert(with_backend.begin(), backend);
            Result l = trace_with(LSTAR_BIN, with_backend, "calls");
            EXPECT_EQ(l.status, s.status) << backend << " " << what;
            EXPECT_EQ(l.out, out) << backend << " " << what;
            EXPECT_EQ(normalised_lines(l.trace), normalised_lines(s.trace))
                << backend << " " << what << "\nlstar:\n" << l.trace << "strace:\n" << s.trace;
        }
    }
    // The exact line.
    Result l = trace_with(LSTAR_BIN, {"-e", "inject=openat:error=ENOENT", "-e", "trace=openat"}, "calls");
    EXPECT_EQ(lines_of(l.trace).front(),
              R"(openat(AT_FDCWD, "/nonexistent/lstar-trace-test", O_RDONLY) = -1 ENOENT (No such file or directory) (INJECTED))");
}

// signal= is pending while the call runs, as strace's: a waiting read ends with
// ERESTARTSYS, and the handler without SA_RESTART makes it EINTR; with SA_RESTART
// the read is made again; a read that does not wait returns first. Both backends
// (in-process a timer of the thread's sends it once the call is in the kernel:
// docs/fault-injection.md).
TEST_F(TraceVsStrace, InjectedSignalInterruptsAWaitingCall) {
    std::vector<std::string> opts{"-e", "trace=read", "-e", "inject=read:signal=SIGUSR1:when=1"};
    const std::string interrupted = "= ? ERESTARTSYS (To be restarted if SA_RESTART is set)\n--- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_KERNEL} ---\n";
    struct Case {
        const char* mode;
        const char* out;
        std::string trace;  // a part of the trace
    };
    for (const Case& c : {Case{"eintr", "read -1 Interrupted system call\n", interrupted},
                          Case{"restart", "read 1 \n", interrupted + "read("},
                          Case{"ready", "read 1 \n", "= 1\n--- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_KERNEL} ---\n"}}) {
        ::setenv("INTERRUPTED_MODE", c.mode, 1);
        Result s = trace_with(STRACE_BIN, opts, "interrupted");
        EXPECT_EQ(s.out, c.out) << c.mode;
        EXPECT_NE(s.trace.find(c.trace), std::string::npos) << c.mode << "\n" << s.trace;
        for (const char* backend : {"--backend=ptrace", "--backend=inproc"}) {
            std::vector<std::string> with_backend = opts;
            with_backend.insert(with_backend.begin(), backend);
            Result l = trace_with(LSTAR_BIN, with_backend, "interrupted");
            EXPECT_EQ(l.out, s.out) << c.mode << " " << backend;
            EXPECT_EQ(normalised_lines(l.trace), normalised_lines(s.trace))
                << c.mode << " " << backend << "\nlstar:\n" << l.trace << "strace:\n" << s.trace;
            EXPECT_NE(l.trace.find(c.trace), std::string::npos) << c.mode << " " << backend << "\n" << l.trace;
        }
    }
    ::unsetenv("INTERRUPTED_MODE");
}

TEST_F(TraceVsStrace, InjectCountsPerProcess) {
    // Invocations are counted per task: each child's first getppid fails.
    std::vector<std::string> opts{"-f", "-e", "inject=getppid:error=ESRCH:when=1", "-e", "trace=getppid,close"};
    Result l = trace_with(LSTAR_BIN, opts, "forks");
    Result s = trace_with(STRACE_BIN, opts, "forks");
    EXPECT_EQ(l.status, 0);
    EXPECT_EQ(joined_calls(l.trace), joined_calls(s.trace)) << "lstar:\n" << l.trace << "strace:\n" << s.trace;
    int injected = 0;
    for (const auto& line : lines_of(l.trace)) injected += line.find("ESRCH (No such process) (INJECTED)") != std::string::npos;
    EXPECT_EQ(injected, 3) << l.trace;
}

TEST_F(TraceVsStrace, InjectDelays) {
    // delay_enter is inside the call's -T time (the task waits before the call runs),
    // delay_exit after it; both mark the line "(DELAYED)".
    for (const std::string& tool : {std::string(LSTAR_BIN), std::string(STRACE_BIN)}) {
        Result l = trace_with(tool, {"-T", "-e", "inject=close:delay_enter=50ms:error=EIO", "-e", "trace=close"}, "calls");
        auto lines = lines_of(l.trace);
        ASSERT_FALSE(lines.empty()) << l.trace;
        std::smatch m;
        ASSERT_TRUE(std::regex_search(
            lines[0], m, std::regex(R"(= -1 EIO \(Input/output error\) \(INJECTED\) \(DELAYED\) <(\d+\.\d+)>$)")))
            << tool << ": " << lines[0];
        EXPECT_GE(std::stod(m[1]), 0.045) << tool << ": " << lines[0];
        Result e = trace_with(tool, {"-T", "-e", "inject=getpid:delay_exit=20000", "-e", "trace=getpid"}, "calls");
        EXPECT_EQ(e.status, 3);
        auto elines = lines_of(e.trace);
        ASSERT_EQ(elines.size(), 4u) << e.trace;  // a delay alone changes no result
        // (The call's own time is not bounded here: under load it may take long, and
        // no test asserts on time from above.)
        for (int i = 0; i < 3; ++i)
            EXPECT_TRUE(std::regex_match(elines[i], std::regex(R"(^getpid\(\) += \d+ \(DELAYED\) <\d+\.\d{6}>$)")))
                << tool << ": " << elines[i];
    }
}

TEST_F(TraceVsStrace, BadInjectOptionsLikeStrace) {
    for (const char* opt : {"inject=getpid", "inject=getpid:error=FOO", "inject=getpid:error=ENOENT:retval=1",
                            "inject=foo:error=ENOENT", "inject=getpid:when=0", "inject=getpid:error=5000",
                            "inject=getpid:bogus=1", "fault=getpid:retval=3", "inject=getpid:delay_enter=xx",
                            "inject=getpid:signal=SIGFOO", "inject=getpid:error=EPERM:when=3..2"}) {
        Result l = run({LSTAR_BIN, "trace", "-e", opt, "/bin/true"});
        Result s = run({STRACE_BIN, "-e", opt, "/bin/true"});
        EXPECT_EQ(l.status, 1) << opt;
        EXPECT_EQ(s.status, 1) << opt;
        std::string msg = s.err.substr(s.err.find(": ") + 2);
        EXPECT_EQ(l.err, "lstar: " + msg) << opt;
    }
}

TEST(TraceJson, OneObjectPerEvent) {
    Result r = trace_with(LSTAR_BIN, {"--json=1", "-e", "trace=getpid,openat"}, "calls");  // version 1: tests/trace/json_v2_test.cpp has 2
    EXPECT_EQ(r.status, 3);
    int getpids = 0, openats = 0, exits = 0;
    for (const auto& line : lines_of(r.trace)) {
        nlohmann::json j = nlohmann::json::parse(line);  // throws on invalid JSON
        EXPECT_EQ(j["v"], 1);
        EXPECT_TRUE(j["pid"].is_number() && j["tid"].is_number() && j["mono_ns"].is_number() && j["wall_ns"].is_number());
        if (j["type"] == "syscall") {
            EXPECT_EQ(j["abi"], "x86_64");
            EXPECT_EQ(j["args"].size(), j["decoded"].size());
            EXPECT_TRUE(j["dur_ns"].is_number());
            if (j["name"] == "getpid") {
                ++getpids;
                EXPECT_EQ(j["nr"], 39);
                EXPECT_EQ(j["ret"], j["pid"]);
                EXPECT_TRUE(j["errno"].is_null());
            } else if (j["name"] == "openat") {
                ++openats;
                EXPECT_EQ(j["ret"], -2);
                EXPECT_EQ(j["errno"], "ENOENT");
            }
        } else if (j["type"] == "exit") {
            ++exits;
            EXPECT_EQ(j["status"], 3);
        }
    }
    EXPECT_EQ(getpids, 3);
    EXPECT_EQ(openats, 2);
    EXPECT_EQ(exits, 1);
}

}  // namespace

namespace {

// The files "-ff -o BASE" made: their contents, with each file's own pid and
// the others' replaced, sorted (which child is which is the order of the pids).
std::vector<std::string> separate_files(const std::string& base) {
    std::vector<std::pair<long, std::string>> files;
    std::string dir = base.substr(0, base.rfind('/')), stem = base.substr(base.rfind('/') + 1);
    for (const std::string& line : lines_of(run({"/bin/ls", dir}).out)) {
        if (!line.starts_with(stem + ".")) continue;
        std::string path = dir + "/" + line;
        files.emplace_back(std::stol(line.substr(stem.size() + 1)), read_file(path));
        ::unlink(path.c_str());
    }
    std::sort(files.begin(), files.end());
    std::vector<std::string> out;
    for (auto& [pid, text] : files) {
        std::string t;
        for (const std::string& line : lines_of(text)) t += normalise(line) + "\n";
        out.push_back(t);
    }
    return out;
}

}  // namespace

TEST_F(TraceVsStrace, OutputSeparatelyOneFilePerProcess) {
    auto files_of = [](const std::string& tool, const std::vector<std::string>& ff) {
        std::string base = temp_path(tool == LSTAR_BIN ? "ffl" : "ffs");
        std::vector<std::string> argv{tool};
        if (tool == LSTAR_BIN) argv.emplace_back("trace");
        argv.insert(argv.end(), ff.begin(), ff.end());
        argv.insert(argv.end(), {"-o", base, "-e", "trace=getppid,close,getpid,exit_group",
                                 std::string(TRACE_PROGS_DIR) + "/forks"});
        Result r = run(argv);
        EXPECT_EQ(r.status, 0) << r.err;
        EXPECT_EQ(r.err, "");
        return separate_files(base);
    };
    std::vector<std::string> l = files_of(LSTAR_BIN, {"-ff"});
    ASSERT_EQ(l.size(), 4u) << "the parent and three children";
    EXPECT_EQ(l, files_of(STRACE_BIN, {"-ff"}));
    // No pid column in a file of its own.
    EXPECT_EQ(std::regex_replace(l[1], std::regex(R"(\) +=)"), ") ="),
              "getppid() = N\nclose(-2) = -1 EBADF (Bad file descriptor)\nexit_group(1) = ?\n+++ exited with 1 +++\n");
    // --output-separately is -ff's second f (strace 6.1 ignores it after one -f, a bug
    // later versions fixed: their manual's meaning is lstar's).
    EXPECT_EQ(files_of(LSTAR_BIN, {"-f", "--output-separately"}), l);
    // Without -o, -ff is -f, as in strace.
    Result plain = trace_with(LSTAR_BIN, {"-ff", "-q", "-e", "trace=getppid"}, "forks", false);
    Result splain = trace_with(STRACE_BIN, {"-ff", "-q", "-e", "trace=getppid"}, "forks", false);
    EXPECT_EQ(lines_of(plain.err).size(), 10u) << plain.err;
    EXPECT_EQ(joined_calls(plain.err), joined_calls(splain.err)) << plain.err << splain.err;
}

// strace's time stamp forms: the same shape under both (digits stripped).
TEST_F(TraceVsStrace, TimestampFormsAndPrecisions) {
    static const std::regex digits(R"(\d)");
    for (std::vector<std::string> opts : std::vector<std::vector<std::string>>{
             {"-t"}, {"-tt"}, {"-ttt"}, {"--timestamps"}, {"--timestamps=unix,us"}, {"--timestamps=unix,ns"},
             {"--absolute-timestamps=format:time,precision:ms"}, {"--timestamps=precision:ns"}, {"--timestamps=none"},
             {"-r"}, {"--relative-timestamps=ms"}, {"--relative-timestamps=s"}, {"-t", "-r"},
             {"--timestamps=unix,ms", "--relative-timestamps=ns"}, {"-T"}, {"--syscall-times=ns"},
             {"--syscall-times=s"}, {"--syscall-times=ms", "-tt"}}) {
        std::string what;
        for (const auto& o : opts) what += o + " ";
        opts.insert(opts.end(), {"-e", "trace=getpid"});
        Result l = trace_with(LSTAR_BIN, opts, "calls"), s = trace_with(STRACE_BIN, opts, "calls");
        auto shape = [&](const std::string& t) {
            std::vector<std::string> v;
            for (const auto& line : lines_of(t)) v.push_back(std::regex_replace(line, digits, "D"));
            return v;
        };
        EXPECT_EQ(shape(l.trace), shape(s.trace)) << what << "\nlstar:\n" << l.trace << "strace:\n" << s.trace;
    }
}

// -y, -yy and -e decode-fds=: devices, files and pidfds as strace shows them.
TEST_F(TraceVsStrace, DecodeFdsDetails) {
    for (std::vector<std::string> opts : std::vector<std::vector<std::string>>{
             {"-y"}, {"-yy"}, {"--decode-fds=dev"}, {"-e", "decode-fds=pidfd"}, {"--decode-fds=path,pidfd"},
             {"--decode-fds=all"}, {"-e", "decode-fds=!path"}}) {
        std::string what;
        for (const auto& o : opts) what += o + " ";
        opts.insert(opts.end(), {"-e", "trace=read,close,pidfd_send_signal"});
        Result l = trace_with(LSTAR_BIN, opts, "fds"), s = trace_with(STRACE_BIN, opts, "fds");
        EXPECT_EQ(normalised_lines(l.trace), normalised_lines(s.trace)) << what << "\nlstar:\n" << l.trace << "strace:\n" << s.trace;
    }
    Result l = trace_with(LSTAR_BIN, {"-yy", "-e", "trace=read,pidfd_send_signal"}, "fds");
    EXPECT_TRUE(std::regex_search(l.trace, std::regex(R"(read\(\d+</dev/null<char 1:3>>, "", 1\) += 0)"))) << l.trace;
    EXPECT_TRUE(std::regex_search(l.trace, std::regex(R"(pidfd_send_signal\(\d+<pid:\d+>, 0, NULL, 0\))"))) << l.trace;
}

// -Y: "PID<comm>" for process ids and in the pid prefix; the tracer's own name
// (the program before its execve) differs by tool.
TEST_F(TraceVsStrace, DecodePidsComm) {
    auto tracer_names = [](std::string t) {
        return std::regex_replace(std::regex_replace(t, std::regex("<(lstar|strace)>"), "<TRACER>"), std::regex(R"(\) +=)"), ") =");
    };
    for (std::vector<std::string> opts : std::vector<std::vector<std::string>>{
             {"-Y", "-e", "trace=kill,getpid,getppid,pidfd_open,clone,wait4"}, {"--decode-pids=comm", "-f", "-e", "trace=kill,exit_group"},
             {"-e", "decode-pids=comm", "-e", "trace=kill"}}) {
        std::string what;
        for (const auto& o : opts) what += o + " ";
        Result l = trace_with(LSTAR_BIN, opts, "fds"), s = trace_with(STRACE_BIN, opts, "fds");
        // A child's SIGCHLD: strace, not tracing the child, shows the zombie's name;
        // lstar's ptrace backend follows every child (its seccomp filter is inherited)
        // and has reaped it by then, so the name is gone.
        auto calls = [&](const std::string& t) {
            std::vector<std::string> v;
            for (const auto& x : joined_calls(t))
                v.push_back(std::regex_replace(tracer_names(x), std::regex(R"(si_pid=N(<fds>)?)"), "si_pid=N"));
            return v;
        };
        std::vector<std::string> lv = calls(l.trace), sv = calls(s.trace);
        EXPECT_EQ(lv, sv) << what << "\nlstar:\n" << l.trace << "strace:\n" << s.trace;
    }
    Result l = trace_with(LSTAR_BIN, {"-Y", "-e", "trace=kill"}, "fds");
    EXPECT_TRUE(std::regex_search(l.trace, std::regex(R"(^kill\(\d+<fds>, 0\) += 0$)", std::regex::multiline))) << l.trace;
}

// -yy: each socket by its protocol and addresses (sock_diag), as strace shows it.
TEST_F(TraceVsStrace, SocketDetails) {
    std::string path = temp_path("unix-dgram");
    auto traced = [&](const std::string& tracer, std::vector<std::string> opts) {
        opts.insert(opts.end(), {"-yy", "-e", "trace=close,socket", "-o"});
        std::string out = temp_path(tracer == LSTAR_BIN ? "lstar-sockets" : "strace-sockets");
        std::vector<std::string> argv{tracer};
        if (tracer == LSTAR_BIN) argv.emplace_back("trace");
        argv.insert(argv.end(), opts.begin(), opts.end());
        argv.insert(argv.end(), {out, std::string(TRACE_PROGS_DIR) + "/sockets", path});
        Result r = run(argv);
        EXPECT_EQ(r.status, 0) << r.err;
        std::string text = read_file(out);
        ::unlink(out.c_str());
        return text;
    };
    std::string s = traced(STRACE_BIN, {});
    ASSERT_NE(s.find("<TCP:[127.0.0.1:"), std::string::npos) << s;
    for (const char* backend : {"--backend=ptrace", "--backend=inproc"}) {
        std::string l = traced(LSTAR_BIN, {backend});
        EXPECT_EQ(normalised_lines(l), normalised_lines(s)) << backend << "\nlstar:\n" << l << "strace:\n" << s;
        EXPECT_NE(l.find("<UNIX:[") , std::string::npos) << l;
        EXPECT_NE(l.find(",\"" + path + "\"]>"), std::string::npos) << l;
        EXPECT_NE(l.find("socket(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT)"), std::string::npos) << l;
        EXPECT_NE(l.find("<NETLINK:[AUDIT:"), std::string::npos) << l;
    }
}

// AF_PACKET: socket()'s protocol as htons(ETH_P_...), struct sockaddr_ll field by field.
TEST_F(TraceVsStrace, PacketSockets) {
    std::vector<std::string> opts{"-e", "trace=socket,bind"};
    Result s = trace_with(STRACE_BIN, opts, "packet");
    ASSERT_NE(s.trace.find("htons(ETH_P_ALL)"), std::string::npos) << s.trace;
    for (const char* backend : {"--backend=ptrace", "--backend=inproc"}) {
        std::vector<std::string> with = opts;
        with.emplace_back(backend);
        Result l = trace_with(LSTAR_BIN, with, "packet");
        EXPECT_EQ(l.status, 0) << l.err;
        EXPECT_EQ(l.trace, s.trace) << backend;
        EXPECT_NE(l.trace.find("sll_addr=[0x1, 0xab, 00, 0x10, 0xff, 0x5, 0x6, 0x7, ...]"), std::string::npos) << l.trace;
        EXPECT_NE(l.trace.find("htons(0x1234 /* ETH_P_??? */)"), std::string::npos) << l.trace;
    }
}

// "+++ killed by SIG +++" follows -e signal= and not -qq, which hides only
// "+++ exited with N +++" (strace's print_signalled and print_exited).
TEST_F(TraceVsStrace, KilledLineFollowsTheSignalSetNotQuiet) {
    for (std::vector<std::string> opts : std::vector<std::vector<std::string>>{
             {"-qq"}, {"-e", "signal=none"}, {"-e", "signal=SIGTERM", "-qq"}, {"-e", "signal=!SIGTERM"}}) {
        std::string what;
        for (const auto& o : opts) what += o + " ";
        opts.insert(opts.end(), {"-e", "trace=none", "-o"});
        auto traced = [&](const std::string& tracer) {
            std::string path = temp_path(tracer == LSTAR_BIN ? "lstar-killed" : "strace-killed");
            std::vector<std::string> argv{tracer};
            if (tracer == LSTAR_BIN) argv.emplace_back("trace");
            argv.insert(argv.end(), opts.begin(), opts.end());
            argv.insert(argv.end(), {path, "/bin/sh", "-c", "kill -TERM $$"});
            Result r = run(argv);
            std::string text = read_file(path);
            ::unlink(path.c_str());
            return std::regex_replace(text, std::regex(R"(si_pid=\d+)"), "si_pid=N");
        };
        std::string l = traced(LSTAR_BIN), s = traced(STRACE_BIN);
        EXPECT_EQ(l, s) << what;
        EXPECT_EQ(s.find("+++ killed by SIGTERM +++") != std::string::npos, what != "-e signal=none " && what != "-e signal=!SIGTERM ") << what << s;
    }
}

// --decode-pids=pidns: a pid namespace's ids, and lstar's for them, as strace
// shows them (the program makes the namespace: it needs CAP_SYS_ADMIN).
TEST_F(TraceVsStrace, DecodePidsPidns) {
    std::vector<std::string> opts{"-f", "--decode-pids=pidns", "-e", "trace=getpid,getppid,gettid,kill,wait4", "-e", "signal=none"};
    Result l = trace_with(LSTAR_BIN, opts, "pidns"), s = trace_with(STRACE_BIN, opts, "pidns");
    if (s.status == 77) GTEST_SKIP() << "no pid namespace may be made here (unshare(CLONE_NEWPID) needs CAP_SYS_ADMIN)";
    ASSERT_EQ(l.status, 0) << l.err;
    EXPECT_EQ(joined_calls(l.trace), joined_calls(s.trace)) << "lstar:\n" << l.trace << "strace:\n" << s.trace;
    // The ids lstar names are its own tasks': the namespace's init is the one that waits.
    std::smatch init;
    std::regex getpid(R"(^(\d+) +(getpid\(\)|<\.\.\. getpid resumed>\)) += 1 /\* (\d+) in strace's PID NS \*/)", std::regex::multiline);
    ASSERT_TRUE(std::regex_search(l.trace, init, getpid)) << l.trace;
    EXPECT_EQ(init[1], init[3]) << l.trace;
    EXPECT_TRUE(std::regex_search(l.trace, std::regex(R"(kill\(2 /\* \d+ in strace's PID NS \*/, SIGTERM\) = 0)"))) << l.trace;
    // Its decoder runs in lstar's namespace: the in-process backend's would run in the program's.
    Result inproc = trace_with(LSTAR_BIN, {"--backend=inproc", "--decode-pids=pidns"}, "pidns");
    EXPECT_NE(inproc.status, 0);
    EXPECT_NE(inproc.err.find("--decode-pids=pidns needs --backend=ptrace"), std::string::npos) << inproc.err;
}

// -u USERNAME: the program runs with the user's ids and groups, as under strace.
TEST_F(TraceVsStrace, RunAsUser) {
    if (::geteuid() != 0) GTEST_SKIP() << "-u needs root";
    if (read_file("/etc/passwd").find("\nnobody:") == std::string::npos) GTEST_SKIP() << "no user 'nobody' in /etc/passwd";
    auto traced = [&](const std::string& tracer) {
        std::vector<std::string> argv{tracer};
        if (tracer == LSTAR_BIN) argv.emplace_back("trace");
        argv.insert(argv.end(), {"-u", "nobody", "-e", "trace=getuid,geteuid,getgid,getegid", "-e", "signal=none", "--",
                                 "/bin/sh", "-c", "id -u; id -g; id -G"});
        return run(argv);
    };
    Result l = traced(LSTAR_BIN), s = traced(STRACE_BIN);
    EXPECT_EQ(l.status, 0) << l.err;
    EXPECT_EQ(l.out, s.out);
    EXPECT_NE(l.out.find("65534\n"), std::string::npos) << l.out;
    EXPECT_EQ(l.err, s.err);
    // UID:GID (strace 6.9's form, not in Debian's 6.1): those ids, that group alone.
    Result ids = run({LSTAR_BIN, "trace", "-u", "4321:8765", "-e", "trace=setgroups,setregid,setreuid", "--", "/bin/sh", "-c",
                      "id -u; id -g; id -G"});
    EXPECT_EQ(ids.status, 0) << ids.err;
    EXPECT_EQ(ids.out, "4321\n8765\n8765\n");
    for (const char* bad : {"4321:", ":8765", "43x1:0", "4294967295:0", "0:99999999999"}) {
        Result r = run({LSTAR_BIN, "trace", "-u", bad, "true"});
        EXPECT_EQ(r.status, 1) << bad;
        EXPECT_EQ(r.err, std::string("lstar: -u ") + bad +
                             ": not a user name nor UID:GID (two numbers below 4294967295): give e.g. -u nobody or -u 65534:65534\n");
    }
    Result missing = run({LSTAR_BIN, "trace", "-u", "lstar-no-such-user", "true"});
    EXPECT_EQ(missing.status, 1);
    EXPECT_EQ(missing.err, "lstar: -u lstar-no-such-user: no such user in /etc/passwd: give a user name it lists\n");
    Result inproc = run({LSTAR_BIN, "trace", "--backend=inproc", "-u", "nobody", "true"});
    EXPECT_EQ(inproc.status, 1);
    EXPECT_EQ(inproc.err, "lstar: -u needs --backend=ptrace (not inproc)\n");
}

// --argv0 (strace 6.5+, so not compared): the program found by the name given runs with another argv[0].
TEST(TraceOptionsEndToEnd, Argv0) {
    for (const char* backend : {"--backend=ptrace", "--backend=inproc"}) {
        Result r = run({LSTAR_BIN, "trace", backend, "--argv0=hello", "-e", "trace=execve", "--", "sh", "-c", "echo $0"});
        EXPECT_EQ(r.status, 0) << backend << r.err;
        EXPECT_EQ(r.out, "hello\n") << backend;
        EXPECT_TRUE(std::regex_search(r.err, std::regex(R"(^execve\("/[^"]*/sh", \["hello", "-c", "echo \$0"\])"))) << backend << r.err;
    }
    Result missing = run({LSTAR_BIN, "trace", "--argv0=x", "--", "lstar-no-such-program"});
    EXPECT_EQ(missing.status, 1);
    EXPECT_EQ(missing.err, "lstar: cannot find 'lstar-no-such-program' in PATH: check the program name or give its path\n");
}

// --always-show-pid (strace 6.5+, so not compared): the pid column on every line.
TEST(TraceOptionsEndToEnd, AlwaysShowPid) {
    for (bool to_file : {true, false}) {
        Result l = trace_with(LSTAR_BIN, {"--always-show-pid", "-e", "trace=getpid"}, "calls", to_file);
        auto lines = lines_of(l.trace);
        ASSERT_EQ(lines.size(), 4u) << l.trace;
        for (const auto& line : lines) EXPECT_TRUE(std::regex_search(line, std::regex(R"(^\d+ +(getpid\(\)|\+\+\+))"))) << line;
    }
}

// --syscall-limit (strace 6.3+): after N shown calls every task is let go and
// the program runs on untraced to its end.
TEST(TraceOptionsEndToEnd, SyscallLimitDetachesAndTheProgramGoesOn) {
    Result l = trace_with(LSTAR_BIN, {"--syscall-limit=2", "-e", "trace=getpid"}, "calls", false);
    EXPECT_EQ(l.status, 0) << "lstar exits as strace does, without waiting for the program";
    auto lines = lines_of(l.err);
    ASSERT_GE(lines.size(), 3u) << l.err;
    EXPECT_TRUE(std::regex_match(lines[0], std::regex(R"(getpid\(\) += \d+)"))) << l.err;
    EXPECT_TRUE(std::regex_match(lines[1], std::regex(R"(getpid\(\) += \d+)"))) << l.err;
    EXPECT_EQ(lines[2], "lstar: System call limit has been reached, detaching tracees") << l.err;
    EXPECT_TRUE(std::regex_match(lines[3], std::regex(R"(lstar: Process \d+ detached)"))) << l.err;
    EXPECT_EQ(lines.size(), 4u) << l.err;
    // The program still writes its line: its third getpid and the rest ran untraced.
    EXPECT_EQ(l.out, "hello\n");
    // Quiet: no messages.
    Result q = trace_with(LSTAR_BIN, {"--syscall-limit=1", "-q", "-e", "trace=getpid"}, "calls", false);
    EXPECT_EQ(lines_of(q.err).size(), 1u) << q.err;
}

TEST(TraceOptionsEndToEnd, StraceOptionsNotSupportedYetExitOne) {
    for (const char* opt : {"--secontext", "--tips"}) {
        std::vector<std::string> argv{LSTAR_BIN, "trace", opt};
        argv.emplace_back("/bin/true");
        Result r = run(argv);
        EXPECT_EQ(r.status, 1) << opt;
        EXPECT_EQ(r.err, "lstar: option '" + std::string(opt) + "' of strace is not supported yet\n") << opt;
    }
}

// -b execve: a process that execs (not the launched program's first exec) is let
// go, its execve shown unfinished, as strace shows it; its children are not traced.
TEST_F(TraceVsStrace, DetachOnExecve) {
    const std::string script = "/bin/true; sh -c 'exit 4'; echo $?";
    std::map<std::string, Result> runs;
    for (const std::string tracer : {LSTAR_BIN, STRACE_BIN}) {
        std::string trace_path = temp_path("detach-on");
        std::vector<std::string> argv{tracer};
        if (tracer == LSTAR_BIN) argv.emplace_back("trace");
        argv.insert(argv.end(), {"-f", "-b", "execve", "-e", "trace=execve,exit_group,getppid", "-o", trace_path,
                                 "/bin/sh", "-c", script});
        Result r = run(argv);
        r.trace = read_file(trace_path);
        ::unlink(trace_path.c_str());
        runs[tracer] = r;
    }
    const Result& l = runs[LSTAR_BIN];
    const Result& s = runs[STRACE_BIN];
    EXPECT_EQ(l.status, 0) << l.err;
    EXPECT_EQ(l.out, "4\n") << "the program runs on untraced";
    EXPECT_EQ(l.out, s.out);
    EXPECT_EQ(joined_calls(l.trace), joined_calls(s.trace)) << "lstar:\n" << l.trace << "strace:\n" << s.trace;
    // Two processes let go at their exec, the shell traced to its end.
    static const std::regex detached(R"(execve\(.* <detached \.\.\.>$)");
    auto lines = lines_of(l.trace);
    EXPECT_EQ(std::count_if(lines.begin(), lines.end(), [](const std::string& x) { return std::regex_search(x, detached); }), 2)
        << l.trace;
    // The launched program itself, let go at its second exec: lstar still ends with its status.
    Result own = run({LSTAR_BIN, "trace", "-b", "execve", "-e", "trace=execve", "/bin/sh", "-c", "exec sh -c 'exit 3'"});
    EXPECT_EQ(own.status, 3) << own.err;
    EXPECT_TRUE(std::regex_search(own.err, std::regex(R"(execve\("/usr/bin/sh", \["sh", "-c", "exit 3"\], 0x[0-9a-f]+ /\* \d+ vars \*/lstar: Process \d+ detached\n <detached \.\.\.>\n$)")))
        << own.err;
    // Bad input: strace's words.
    Result bad = run({LSTAR_BIN, "trace", "-b", "open", "/bin/true"});
    EXPECT_EQ(bad.status, 1);
    EXPECT_EQ(bad.err, "lstar: Syscall 'open' for -b isn't supported\n");
    Result inproc = run({LSTAR_BIN, "trace", "--backend=inproc", "-b", "execve", "/bin/true"});
    EXPECT_EQ(inproc.status, 1);
    EXPECT_EQ(inproc.err, "lstar: -b execve with --backend=inproc is not supported: use the ptrace backend\n");
}

// -D, -DD, -DDD: the program keeps the process lstar was started as (the caller's
// child, with lstar's pid); the tracer is a grandchild that is not the program's
// parent, in the caller's process group (-D), its own group (-DD) or its own
// session (-DDD). The caller's read of the output ends when the tracer is gone.
TEST(TraceOptionsEndToEnd, DaemonizedTracer) {
    // The program prints its parent, its tracer, and the process group and session
    // of both (fields 5 and 6 of /proc/PID/stat).
    const std::string script =
        "t=$(awk '/^TracerPid/{print $2}' /proc/$$/status); "
        "echo $$ $PPID $t $(cut -d' ' -f5,6 /proc/$$/stat) $(cut -d' ' -f4,5,6 /proc/$t/stat)";
    for (auto [option, level] : std::vector<std::pair<std::string, int>>{
             {"-D", 1}, {"-DD", 2}, {"-DDD", 3}, {"--daemonize", 1}, {"--daemonize=pgroup", 2}, {"--daemonize=session", 3}}) {
        lstar::test::ProcessOptions opt;
        opt.stdin_null = true;
        lstar::test::ProcessResult p =
            lstar::test::run_process({LSTAR_BIN, "trace", option, "-e", "trace=getppid", "/bin/sh", "-c", script}, opt);
        ASSERT_EQ(p.exit_code(), 0) << option << ": " << p.describe();
        std::istringstream fields(p.out);
        long self = 0, parent = 0, tracer = 0, pgrp = 0, session = 0, tracer_parent = 0, tracer_pgrp = 0, tracer_session = 0;
        ASSERT_TRUE(fields >> self >> parent >> tracer >> pgrp >> session >> tracer_parent >> tracer_pgrp >> tracer_session)
            << option << ": " << p.out;
        EXPECT_EQ(parent, ::getpid()) << option << ": the program is the caller's own child";
        EXPECT_NE(tracer, 0) << option;
        EXPECT_NE(tracer_parent, self) << option << ": the tracer is not the program's child";
        EXPECT_EQ(tracer_pgrp == pgrp, level == 1) << option;
        EXPECT_EQ(tracer_session == session, level < 3) << option;
        // strace -D announces the program as attached; then the trace as usual.
        auto lines = lines_of(p.err);
        ASSERT_GE(lines.size(), 3u) << option << ": " << p.err;
        EXPECT_EQ(lines[0], "lstar: Process " + std::to_string(self) + " attached") << p.err;
        EXPECT_TRUE(std::regex_match(lines[1], std::regex(R"(getppid\(\) += \d+)"))) << p.err;
        EXPECT_EQ(lines.back(), "+++ exited with 0 +++") << p.err;
    }
    // The program's status is the caller's to see.
    Result three = run({LSTAR_BIN, "trace", "-D", "-o", "/dev/null", "/bin/sh", "-c", "exit 3"});
    EXPECT_EQ(three.status, 3) << three.err;
    EXPECT_EQ(three.err, "");
}

TEST(TraceOptionsEndToEnd, BadDaemonizeOptionsLikeStrace) {
    for (auto [argv, message] : std::vector<std::pair<std::vector<std::string>, std::string>>{
             {{"-DDDD", "/bin/true"}, "Too many -D's (4), maximum supported -D count is 3"},
             {{"--daemonize=bogus", "/bin/true"}, "invalid --daemonize argument: 'bogus'"},
             {{"-D", "-p", "1"}, "PROG [ARGS] must be specified with -D/--daemonize"}}) {
        std::vector<std::string> full{LSTAR_BIN, "trace"};
        full.insert(full.end(), argv.begin(), argv.end());
        Result r = run(full);
        EXPECT_EQ(r.status, 1) << message;
        EXPECT_EQ(r.err, "lstar: " + message + "\nTry 'lstar trace -h' for more information.\n");
    }
    Result inproc = run({LSTAR_BIN, "trace", "--backend=inproc", "-D", "/bin/true"});
    EXPECT_EQ(inproc.status, 1);
    EXPECT_EQ(inproc.err, "lstar: -D with --backend=inproc is not supported: use the ptrace backend\n");
}
