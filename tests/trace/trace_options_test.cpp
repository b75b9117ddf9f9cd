// `lstar trace` option parsing: strace's options and strace's error messages.
#include <gtest/gtest.h>

#include <cerrno>
#include <initializer_list>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "trace/decode_ctx.hpp"
#include "trace/summary.hpp"
#include "cli/trace_options.hpp"
#include "trace/output.hpp"
#include "trace/json_printer.hpp"

namespace lstar {
namespace {

// Parses "trace" + args.
ParseOutcome parse(std::initializer_list<const char*> args, TraceCommand* config) {
    std::vector<std::string> storage{"trace"};
    for (const char* a : args) storage.emplace_back(a);
    std::vector<char*> argv;
    for (auto& s : storage) argv.push_back(s.data());
    argv.push_back(nullptr);
    return parse_trace_args(static_cast<int>(storage.size()), argv.data(), config);
}

TraceCommand parse_ok(std::initializer_list<const char*> args) {
    TraceCommand config;
    ParseOutcome r = parse(args, &config);
    EXPECT_EQ(r.kind, ParseOutcome::run) << r.text;
    return config;
}

std::string parse_error(std::initializer_list<const char*> args) {
    TraceCommand config;
    ParseOutcome r = parse(args, &config);
    EXPECT_EQ(r.kind, ParseOutcome::error);
    return r.text;
}

const SyscallDesc& row(const char* name) {
    const SyscallDesc* r = find_syscall(Abi::x86_64, name);
    EXPECT_NE(r, nullptr) << name;
    return *r;
}

TEST(TraceOptions, ProgramAndItsOptionsStayTogether) {
    TraceCommand c = parse_ok({"-f", "ls", "-l", "-e", "x"});
    EXPECT_TRUE(c.follow_forks);
    EXPECT_EQ(c.argv, (std::vector<std::string>{"ls", "-l", "-e", "x"}));
    c = parse_ok({"--", "-weird-name"});
    EXPECT_EQ(c.argv, std::vector<std::string>{"-weird-name"});
}

TEST(TraceOptions, OutputFormatOptions) {
    TraceCommand c = parse_ok({"-a", "50", "-s", "100", "-o", "/tmp/x", "-A", "-v", "-y", "-T", "-tt", "-r", "-n",
                              "-X", "verbose", "true"});
    EXPECT_EQ(c.column, 50u);
    EXPECT_EQ(c.string_limit, 100u);
    EXPECT_EQ(c.output_path, "/tmp/x");
    EXPECT_TRUE(c.output_append);
    EXPECT_TRUE(c.abbrev.is_empty());
    EXPECT_TRUE(c.decode_options().verbose_structs);
    EXPECT_EQ(c.decode_fds, kDecodeFdPath);
    EXPECT_TRUE(c.durations);
    EXPECT_EQ(c.stamps, StampFormat::time);
    EXPECT_EQ(c.stamp_precision.digits, 6);
    EXPECT_TRUE(c.relative);
    EXPECT_TRUE(c.numbers);
    EXPECT_EQ(c.xlat, XlatStyle::verbose);
    EXPECT_EQ(parse_ok({"-ttt", "true"}).stamps, StampFormat::unix_);
    EXPECT_EQ(parse_ok({"-t", "-t", "true"}).stamp_precision.digits, 6);
    EXPECT_EQ(parse_ok({"-t", "true"}).stamp_precision.digits, 0);
}

// strace's --timestamps= / --absolute-timestamps= (parse_ts_arg), and the
// precisions of -r and -T.
TEST(TraceOptions, TimestampForms) {
    struct Case { std::vector<const char*> args; StampFormat format; int digits; };
    for (const Case& k : std::vector<Case>{
             {{"--timestamps"}, StampFormat::time, 0},
             {{"--timestamps=unix,us"}, StampFormat::unix_, 6},
             {{"--absolute-timestamps=format:unix,precision:ms"}, StampFormat::unix_, 3},
             {{"--timestamps=ns"}, StampFormat::time, 9},
             {{"--timestamps=precision:S"}, StampFormat::time, 0},
             {{"--timestamps=none"}, StampFormat::none, 0},
             {{"--timestamps=unix", "--timestamps=ms"}, StampFormat::unix_, 3},
         }) {
        std::vector<std::string> storage{"trace"};
        for (const char* a : k.args) storage.emplace_back(a);
        storage.emplace_back("true");
        std::vector<char*> argv;
        for (auto& s : storage) argv.push_back(s.data());
        TraceCommand c;
        ParseOutcome r = parse_trace_args(static_cast<int>(argv.size()), argv.data(), &c);
        ASSERT_EQ(r.kind, ParseOutcome::run) << k.args.front() << ": " << r.text;
        EXPECT_EQ(c.stamps, k.format) << k.args.front();
        EXPECT_EQ(c.stamp_precision.digits, k.digits) << k.args.front();
    }
    TraceCommand c = parse_ok({"--relative-timestamps=ms", "--syscall-times=ns", "true"});
    EXPECT_TRUE(c.relative && c.durations);
    EXPECT_EQ(c.relative_precision.digits, 3);
    EXPECT_EQ(c.duration_precision.digits, 9);
    EXPECT_EQ(parse_ok({"-r", "-T", "true"}).duration_precision.digits, 6);
    EXPECT_EQ(parse_error({"--timestamps=unix,foo", "true"}), "invalid --timestamps argument: 'unix,foo'");
    EXPECT_EQ(parse_error({"--absolute-timestamps=format:ms", "true"}), "invalid --absolute-timestamps argument: 'format:ms'");
    EXPECT_EQ(parse_error({"--relative-timestamps=x", "true"}), "invalid --relative-timestamps argument: 'x'");
    EXPECT_EQ(parse_error({"--syscall-times=", "true"}), "invalid --syscall-times argument: ''");
    EXPECT_EQ(parse_error({"-t", "--timestamps=unix", "true"}), "-t and --absolute-timestamps cannot be provided simultaneously");
}

TEST(TraceOptions, DecodeFdsPidsAndProcessOptions) {
    EXPECT_EQ(parse_ok({"-yy", "true"}).decode_fds, kDecodeFdAll);
    EXPECT_EQ(parse_ok({"--decode-fds", "true"}).decode_fds, kDecodeFdPath);
    EXPECT_EQ(parse_ok({"--decode-fds=dev,pidfd", "true"}).decode_fds, kDecodeFdDev | kDecodeFdPidfd);
    EXPECT_EQ(parse_ok({"-e", "decode-fds=!path", "true"}).decode_fds, kDecodeFdAll & ~kDecodeFdPath);
    EXPECT_EQ(parse_ok({"-e", "decode-fds=none", "true"}).decode_fds, 0);
    EXPECT_EQ(parse_error({"--decode-fds=foo", "true"}), "invalid decode-fds 'foo'");
    EXPECT_TRUE(parse_ok({"-Y", "true"}).decode_pid_comm);
    EXPECT_TRUE(parse_ok({"--decode-pids=comm", "true"}).decode_pid_comm);
    EXPECT_TRUE(parse_ok({"-e", "decode-pids=comm", "true"}).decode_pid_comm);
    EXPECT_EQ(parse_error({"--decode-pids=foo", "true"}), "invalid decode-pids 'foo'");
    EXPECT_TRUE(parse_ok({"--decode-pids=pidns", "true"}).decode_pid_ns);
    TraceCommand both = parse_ok({"-e", "decode-pids=pidns,comm", "true"});
    EXPECT_TRUE(both.decode_pid_ns && both.decode_pid_comm);
    TraceCommand ff = parse_ok({"-ff", "-o", "/tmp/x", "true"});
    EXPECT_TRUE(ff.follow_forks && ff.output_separately);
    EXPECT_TRUE(parse_ok({"--output-separately", "true"}).output_separately);
    EXPECT_TRUE(parse_ok({"--always-show-pid", "true"}).always_show_pid);
    EXPECT_EQ(parse_ok({"--syscall-limit=5", "true"}).syscall_limit, 5);
    EXPECT_EQ(parse_error({"--syscall-limit=0", "true"}), "invalid --syscall-limit argument: '0'");
    EXPECT_EQ(parse_error({"--syscall-limit=x", "true"}), "invalid --syscall-limit argument: 'x'");
    EXPECT_EQ(parse_ok({"--kill-on-exit", "true"}).argv, std::vector<std::string>{"true"});
    EXPECT_EQ(parse_error({"--kill-on-exit", "-p", "1"}), "--kill-on-exit and -p/--attach are mutually exclusive options");
    EXPECT_EQ(parse_ok({"-I", "never_tstp", "true"}).argv, std::vector<std::string>{"true"});
    EXPECT_EQ(parse_error({"-b", "open", "true"}), "Syscall 'open' for -b isn't supported");
    EXPECT_TRUE(parse_ok({"-b", "execve", "true"}).detach_on_execve);
    EXPECT_TRUE(parse_ok({"--detach-on=execve", "true"}).detach_on_execve);
    EXPECT_EQ(parse_ok({"-DD", "true"}).daemonize, 2);
    EXPECT_EQ(parse_ok({"-D", "-D", "-D", "true"}).daemonize, 3);
    EXPECT_EQ(parse_ok({"--daemonize=pgrp", "true"}).daemonize, 2);
    EXPECT_EQ(parse_ok({"--daemonize=grandchild", "true"}).daemonize, 1);
    EXPECT_EQ(parse_ok({"true"}).daemonize, 0);
}

// strace's options that lstar does not implement are refused by name, exit 1.
TEST(TraceOptions, StraceOptionsNotSupportedYetByName) {
    for (auto [opt, name] : std::vector<std::pair<const char*, const char*>>{
             {"-d", "-d"}, {"--secontext", "--secontext"}, {"--tips", "--tips"}}) {
        EXPECT_EQ(parse_error({opt, "true"}), fmt::format("option '{}' of strace is not supported yet", name)) << opt;
    }
    // -O is strace's time specification, microseconds without a unit.
    EXPECT_EQ(parse_ok({"-O1", "true"}).summary_overhead_ns, 1000u);
    EXPECT_EQ(parse_ok({"--summary-syscall-overhead=2.5ms", "true"}).summary_overhead_ns, 2500000u);
    EXPECT_EQ(parse_ok({"-O", "7ns", "true"}).summary_overhead_ns, 7u);
    EXPECT_EQ(parse_ok({"-unobody", "true"}).user, "nobody");
    EXPECT_EQ(parse_ok({"--user=nobody", "true"}).user, "nobody");
    EXPECT_EQ(parse_ok({"--argv0=sh", "true"}).argv0, "sh");
    EXPECT_EQ(parse_error({"-e", "kvm=vcpu", "true"}), "option '-e kvm' of strace is not supported yet");
}

// -k, -kk, --stack-trace[=symbol|source], --stack-trace-frame-limit: strace's forms and words.
TEST(TraceOptions, StackTrace) {
    EXPECT_EQ(parse_ok({"true"}).stack_trace, StackTraceMode::off);
    EXPECT_EQ(parse_ok({"-k", "true"}).stack_trace, StackTraceMode::symbol);
    EXPECT_EQ(parse_ok({"-kk", "true"}).stack_trace, StackTraceMode::source);
    EXPECT_EQ(parse_ok({"--stack-trace", "true"}).stack_trace, StackTraceMode::symbol);
    EXPECT_EQ(parse_ok({"--stack-trace=symbol", "true"}).stack_trace, StackTraceMode::symbol);
    EXPECT_EQ(parse_ok({"--stack-traces=source", "true"}).stack_trace, StackTraceMode::source);
    EXPECT_EQ(parse_ok({"true"}).stack_frame_limit, kDefaultStackFrameLimit);
    EXPECT_EQ(parse_ok({"-k", "--stack-trace-frame-limit=8", "true"}).stack_frame_limit, 8u);
    EXPECT_EQ(parse_error({"-kkk", "true"}), "Too many -k options");
    EXPECT_EQ(parse_error({"--stack-trace=bogus", "true"}), "invalid --stack-trace argument: 'bogus'");
    EXPECT_EQ(parse_error({"--stack-trace-frame-limit=0", "true"}), "invalid --stack-trace-frame-limit argument: '0'");
    EXPECT_EQ(parse_error({"--stack-trace-frame-limit=x", "true"}), "invalid --stack-trace-frame-limit argument: 'x'");
}

TEST(TraceOptions, TraceSets) {
    TraceCommand c = parse_ok({"-e", "trace=openat,close", "true"});
    EXPECT_TRUE(c.trace.contains(row("openat")));
    EXPECT_TRUE(c.trace.contains(row("close")));
    EXPECT_FALSE(c.trace.contains(row("read")));
    EXPECT_FALSE(c.trace.unknown());

    c = parse_ok({"-e", "openat", "true"});  // the bare form
    EXPECT_TRUE(c.trace.contains(row("openat")));
    EXPECT_FALSE(c.trace.contains(row("read")));

    c = parse_ok({"-e", "trace=!write", "true"});
    EXPECT_FALSE(c.trace.contains(row("write")));
    EXPECT_TRUE(c.trace.contains(row("read")));

    c = parse_ok({"-e", "trace=/^get.*id$", "true"});
    EXPECT_TRUE(c.trace.contains(row("getpid")));
    EXPECT_TRUE(c.trace.contains(row("getuid")));
    EXPECT_FALSE(c.trace.contains(row("getcwd")));

    c = parse_ok({"-e", "trace=%file", "true"});
    EXPECT_TRUE(c.trace.contains(row("openat")));
    EXPECT_FALSE(c.trace.contains(row("getpid")));

    c = parse_ok({"-e", "trace=?nosuchcall,getpid", "true"});
    EXPECT_TRUE(c.trace.contains(row("getpid")));

    c = parse_ok({"-e", "trace=getpid@32", "true"});
    EXPECT_FALSE(c.trace.contains(row("getpid")));
    EXPECT_TRUE(c.trace.contains(*find_syscall(Abi::i386, "getpid")));

    c = parse_ok({"--trace=close", "true"});
    EXPECT_TRUE(c.trace.contains(row("close")));
    EXPECT_FALSE(c.trace.contains(row("read")));

    EXPECT_TRUE(parse_ok({"-e", "trace=none", "true"}).trace.is_empty());
    EXPECT_TRUE(parse_ok({"-e", "trace=all", "true"}).trace.is_all());
}

// i386's socketcall and ipc are selected by the calls they stand for (strace's
// subcalls); their rows stop (the prefilter) whenever one of those is selected.
TEST(TraceOptions, MultiplexedCalls) {
    const SyscallDesc& socketcall = *find_syscall(Abi::i386, "socketcall");
    const SyscallDesc& ipc = *find_syscall(Abi::i386, "ipc");
    constexpr int kSocket = 1, kSend = 9, kSemop = 1, kSemget = 2, kShmat = 21;

    TraceCommand c = parse_ok({"-e", "trace=socket", "true"});
    EXPECT_TRUE(c.trace.contains(socketcall));  // stops
    EXPECT_TRUE(c.trace.contains(socketcall, kSocket));
    EXPECT_FALSE(c.trace.contains(socketcall, kSend));
    EXPECT_FALSE(c.trace.contains(socketcall, 0));  // a socketcall standing for no call
    EXPECT_FALSE(c.trace.contains(ipc));

    c = parse_ok({"-e", "trace=socketcall", "true"});
    EXPECT_TRUE(c.trace.contains(socketcall));
    EXPECT_TRUE(c.trace.contains(socketcall, 0));
    EXPECT_FALSE(c.trace.contains(socketcall, kSocket));

    c = parse_ok({"-e", "trace=send", "true"});  // a name only socketcall has
    EXPECT_TRUE(c.trace.contains(socketcall, kSend));
    EXPECT_FALSE(c.trace.contains(row("sendto")));

    c = parse_ok({"-e", "trace=%network", "true"});
    EXPECT_TRUE(c.trace.contains(socketcall, kSend));
    EXPECT_FALSE(c.trace.contains(ipc));

    c = parse_ok({"-e", "trace=/^sem", "true"});
    EXPECT_TRUE(c.trace.contains(ipc));
    EXPECT_TRUE(c.trace.contains(ipc, kSemop));
    EXPECT_FALSE(c.trace.contains(ipc, kShmat));
    EXPECT_FALSE(c.trace.contains(ipc, 0));

    c = parse_ok({"-e", "trace=%memory", "true"});
    EXPECT_TRUE(c.trace.contains(ipc, kShmat));
    EXPECT_FALSE(c.trace.contains(ipc, kSemget));

    c = parse_ok({"-e", "trace=!semget", "true"});
    EXPECT_TRUE(c.trace.contains(ipc));
    EXPECT_TRUE(c.trace.contains(ipc, 0));
    EXPECT_TRUE(c.trace.contains(ipc, kSemop));
    EXPECT_FALSE(c.trace.contains(ipc, kSemget));

    c = parse_ok({"-e", "trace=semget@64", "true"});
    EXPECT_FALSE(c.trace.contains(ipc));

    // strace's class names without their %: "ipc" is %ipc, the ipc row and its calls.
    c = parse_ok({"-e", "trace=ipc", "true"});
    EXPECT_TRUE(c.trace.contains(ipc, 0));
    EXPECT_TRUE(c.trace.contains(ipc, kSemget));
    EXPECT_TRUE(c.trace.contains(row("semget")));
    c = parse_ok({"-e", "trace=file", "true"});
    EXPECT_TRUE(c.trace.contains(row("openat")));
    EXPECT_FALSE(c.trace.contains(row("getpid")));

    c = parse_ok({"-e", "raw=semop", "true"});
    EXPECT_TRUE(c.raw.contains(ipc, kSemop));
    EXPECT_FALSE(c.raw.contains(ipc, kSemget));

    // By task: ipc's call is its first argument.
    Task task;
    task.abi = Abi::i386;
    task.sc = &ipc;
    syscall_arg(task.regs, Abi::i386, 0) = kSemop;
    c = parse_ok({"-e", "trace=semop", "true"});
    EXPECT_TRUE(in_set(c.trace, task));
    syscall_arg(task.regs, Abi::i386, 0) = kSemget;
    EXPECT_FALSE(in_set(c.trace, task));
    syscall_arg(task.regs, Abi::i386, 0) = 99;  // no such call: the row by its name
    EXPECT_FALSE(in_set(c.trace, task));
    EXPECT_TRUE(in_set(parse_ok({"-e", "trace=ipc", "true"}).trace, task));
}

TEST(TraceOptions, OtherQualifiers) {
    TraceCommand c = parse_ok({"-e", "signal=SIGUSR1,int,9", "-e", "status=failed,unfinished", "-e", "quiet=attach",
                              "-e", "read=3,0", "-e", "write=!1", "-e", "raw=openat", "true"});
    EXPECT_TRUE(c.signals[SIGUSR1]);
    EXPECT_TRUE(c.signals[SIGINT]);
    EXPECT_TRUE(c.signals[SIGKILL]);
    EXPECT_FALSE(c.signals[SIGCHLD]);
    EXPECT_EQ(c.status, kStatusFailed | kStatusUnfinished);
    EXPECT_EQ(c.quiet, kQuietAttach);
    EXPECT_TRUE(c.read_fds.contains(0));
    EXPECT_TRUE(c.read_fds.contains(3));
    EXPECT_FALSE(c.read_fds.contains(1));
    EXPECT_FALSE(c.write_fds.contains(1));
    EXPECT_TRUE(c.write_fds.contains(2));
    EXPECT_TRUE(c.raw.contains(row("openat")));
    EXPECT_FALSE(c.raw.contains(row("read")));

    c = parse_ok({"-e", "signal=!SIGCHLD", "true"});
    EXPECT_FALSE(c.signals[SIGCHLD]);
    EXPECT_TRUE(c.signals[SIGUSR1]);
}

TEST(TraceOptions, StatusShortcutsAndQuietLevels) {
    EXPECT_EQ(parse_ok({"-z", "true"}).status, kStatusSuccessful);
    EXPECT_EQ(parse_ok({"-Z", "true"}).status, kStatusFailed);
    EXPECT_EQ(parse_ok({"-q", "true"}).quiet, kQuietAttach | kQuietPersonality);
    EXPECT_EQ(parse_ok({"-qq", "true"}).quiet, kQuietAttach | kQuietPersonality | kQuietExit);
    EXPECT_EQ(parse_ok({"-qqq", "true"}).quiet, kQuietAll);
}

TEST(TraceOptions, SummaryOptions) {
    TraceCommand c = parse_ok({"-c", "-S", "calls", "true"});
    EXPECT_EQ(c.summary, SummaryMode::only);
    EXPECT_FALSE(c.prints_calls());
    EXPECT_EQ(c.sort, SortBy::calls);
    c = parse_ok({"-C", "-S", "nothing", "-U", "calls,name,errors", "true"});
    EXPECT_EQ(c.summary, SummaryMode::also);
    EXPECT_TRUE(c.prints_calls());
    EXPECT_EQ(c.sort, SortBy::nothing);
    EXPECT_EQ(c.columns, (std::vector<SummaryColumn>{SummaryColumn::calls, SummaryColumn::name, SummaryColumn::errors}));
    EXPECT_EQ(parse_ok({"-c", "-U", "calls", "true"}).columns,
              (std::vector<SummaryColumn>{SummaryColumn::calls, SummaryColumn::name}));
}

TEST(TraceOptions, Pids) {
    TraceCommand c = parse_ok({"-p", "12", "-p", "13,14", "--attach=15"});
    EXPECT_EQ(c.attach, (std::vector<pid_t>{12, 13, 14, 15}));
    EXPECT_TRUE(c.argv.empty());
}

TEST(TraceOptions, PathsJsonEnv) {
    TraceCommand c = parse_ok({"-P", "/etc/passwd", "-P", "/tmp", "--json", "-E", "A=1", "-E", "B", "true"});
    EXPECT_EQ(c.paths, (std::vector<std::string>{"/etc/passwd", "/tmp"}));
    EXPECT_TRUE(c.json);
    EXPECT_EQ(c.json_version, 2);
    EXPECT_EQ(c.env, (std::vector<std::string>{"A=1", "B"}));
}

TEST(TraceOptions, JsonVersion) {
    EXPECT_EQ(parse_ok({"--json=1", "true"}).json_version, 1);
    EXPECT_EQ(parse_ok({"--json=2", "true"}).json_version, 2);
    EXPECT_EQ(parse_error({"--json=3", "true"}), "invalid --json argument: '3' (the schema version: 1 or 2)");
}

TEST(TraceOptions, HelpAndVersionExitZero) {
    TraceCommand c;
    ParseOutcome r = parse({"-h"}, &c);
    EXPECT_EQ(r.kind, ParseOutcome::exit);
    EXPECT_NE(r.text.find("Usage: lstar trace"), std::string::npos);
    r = parse({"-V"}, &c);
    EXPECT_EQ(r.kind, ParseOutcome::exit);
    EXPECT_NE(r.text.find("version"), std::string::npos);
}

// The messages are strace's (strace 6.1 prints the same text after "strace: ").
TEST(TraceOptions, ErrorsNameWhatIsWrong) {
    EXPECT_EQ(parse_error({"-e", "trace=foo", "true"}), "invalid system call 'foo'");
    EXPECT_EQ(parse_error({"-e", "trace=%foo", "true"}), "invalid system call '%foo'");
    EXPECT_EQ(parse_error({"-e", "foo=bar", "true"}), "invalid system call 'foo=bar'");
    EXPECT_EQ(parse_error({"-e", "trace=/zzzzz", "true"}), "invalid system call '/zzzzz'");
    EXPECT_EQ(parse_error({"-e", "trace=", "true"}), "invalid system call ''");
    EXPECT_EQ(parse_error({"-e", "trace=/[", "true"}).rfind("regcomp: [: ", 0), 0u);
    EXPECT_EQ(parse_error({"-Q", "true"}), "invalid option -- 'Q'");
    EXPECT_EQ(parse_error({"-o"}), "option requires an argument -- 'o'");
    EXPECT_EQ(parse_error({"-S", "foo", "-c", "true"}), "invalid sortby: 'foo'");
    EXPECT_EQ(parse_error({"-s", "abc", "true"}), "invalid -s argument: 'abc'");
    EXPECT_EQ(parse_error({"-a", "x", "true"}), "invalid -a argument: 'x'");
    EXPECT_EQ(parse_error({"-X", "foo", "true"}), "invalid -X argument: 'foo'");
    EXPECT_EQ(parse_error({"-I", "9", "true"}), "invalid -I argument: '9'");
    EXPECT_EQ(parse_error({"-p", "abc"}), "Invalid process id: 'abc'");
    EXPECT_EQ(parse_error({"-e", "signal=FOO", "true"}), "invalid signal 'FOO'");
    EXPECT_EQ(parse_error({"-e", "status=foo", "true"}), "invalid status 'foo'");
    EXPECT_EQ(parse_error({"-e", "quiet=foo", "true"}), "invalid quiet 'foo'");
    EXPECT_EQ(parse_error({"-e", "read=x", "true"}), "invalid descriptor 'x'");
    EXPECT_EQ(parse_error({"-U", "foo", "-c", "true"}), "unknown column name: 'foo'");
    EXPECT_EQ(parse_error({}), "must have PROG [ARGS] or -p PID");
    EXPECT_EQ(parse_error({"--no-such-option", "true"}), "unrecognized option '--no-such-option'");
    // -i and -x are implemented now: they parse.
    EXPECT_TRUE(parse_ok({"-i", "true"}).instruction_pointer);
    EXPECT_EQ(parse_ok({"-x", "true"}).strings_in_hex, HexStrings::non_ascii);
    EXPECT_EQ(parse_error({"--strings-in-hex=foo", "true"}), "invalid --strings-in-hex argument: 'foo'");
    EXPECT_EQ(parse_error({"--strings-in-hex=", "true"}), "invalid --strings-in-hex argument: ''");
    EXPECT_EQ(parse_error({"-x", "--strings-in-hex=all", "true"}), "-x and --strings-in-hex cannot be provided simultaneously");
    EXPECT_EQ(parse_error({"--strings-in-hex", "-xx", "true"}), "-x and --strings-in-hex cannot be provided simultaneously");
}

TEST(TraceOptions, InstructionPointerAndStringsInHex) {
    EXPECT_FALSE(parse_ok({"true"}).instruction_pointer);
    EXPECT_TRUE(parse_ok({"--instruction-pointer", "true"}).instruction_pointer);
    EXPECT_EQ(parse_ok({"true"}).strings_in_hex, HexStrings::none);
    EXPECT_EQ(parse_ok({"-x", "true"}).strings_in_hex, HexStrings::non_ascii);
    EXPECT_EQ(parse_ok({"-xx", "true"}).strings_in_hex, HexStrings::all);
    EXPECT_EQ(parse_ok({"-x", "-x", "-x", "true"}).strings_in_hex, HexStrings::all);
    // strace's names, in any case; no value is "all"; the last one wins.
    EXPECT_EQ(parse_ok({"--strings-in-hex", "true"}).strings_in_hex, HexStrings::all);
    EXPECT_EQ(parse_ok({"--strings-in-hex=all", "true"}).strings_in_hex, HexStrings::all);
    EXPECT_EQ(parse_ok({"--strings-in-hex=NON-ASCII", "true"}).strings_in_hex, HexStrings::non_ascii);
    EXPECT_EQ(parse_ok({"--strings-in-hex=non-ascii-chars", "true"}).strings_in_hex, HexStrings::non_ascii_chars);
    EXPECT_EQ(parse_ok({"--strings-in-hex=all", "--strings-in-hex=none", "true"}).strings_in_hex, HexStrings::none);
    EXPECT_EQ(parse_ok({"-xx", "true"}).decode_options().strings_in_hex, HexStrings::all);
}

TEST(TraceOptions, ParsingTwiceStartsAfresh) {
    TraceCommand a = parse_ok({"-f", "true"});
    TraceCommand b = parse_ok({"-c", "false"});
    EXPECT_FALSE(b.follow_forks);
    EXPECT_EQ(b.argv, std::vector<std::string>{"false"});
}

// ---- pieces of output that need no traced program ----------------------------

// strace 6.1's string_quote under -x, -xx and --strings-in-hex=non-ascii-chars.
TEST(TraceOutputFormat, StringsInHexAreStraces) {
    auto quote = [](std::string_view s, HexStrings hex, bool stop_at_nul = false) {
        std::string out;
        quote_string(out, s.data(), s.size(), stop_at_nul, hex);
        return out;
    };
    using namespace std::string_view_literals;
    const std::string_view text = "plain\ttext\n\"q\"", bin = "bin\x01\xff\x80" "7x"sv, nul = "nul\0tail"sv;
    EXPECT_EQ(quote(text, HexStrings::none), R"("plain\ttext\n\"q\"")");
    EXPECT_EQ(quote(bin, HexStrings::none), R"("bin\1\377\2007x")");
    // -x: printable and whitespace only stay as they are; anything else, and the
    // whole string is hex.
    EXPECT_EQ(quote(text, HexStrings::non_ascii), R"("plain\ttext\n\"q\"")");
    EXPECT_EQ(quote(bin, HexStrings::non_ascii), R"("\x62\x69\x6e\x01\xff\x80\x37\x78")");
    EXPECT_EQ(quote(nul, HexStrings::non_ascii), R"("\x6e\x75\x6c\x00\x74\x61\x69\x6c")");
    // A NUL-terminated string ends at its NUL: what follows does not count.
    EXPECT_EQ(quote(nul, HexStrings::non_ascii, true), R"("nul")");
    EXPECT_EQ(quote("caf\xc3\xa9", HexStrings::non_ascii, true), R"("\x63\x61\x66\xc3\xa9")");
    // -xx: every string.
    EXPECT_EQ(quote("a\tb", HexStrings::all), R"("\x61\x09\x62")");
    EXPECT_EQ(quote(nul, HexStrings::all, true), R"("\x6e\x75\x6c")");
    // non-ascii-chars: octal escapes become \xNN, two digits always.
    EXPECT_EQ(quote(bin, HexStrings::non_ascii_chars), R"("bin\x01\xff\x807x")");
    EXPECT_EQ(quote(text, HexStrings::non_ascii_chars), R"("plain\ttext\n\"q\"")");
    // Without a style: the process-wide one.
    std::string out;
    set_quote_style(HexStrings::all);
    quote_string(out, "ab", 2, false);
    set_quote_style(HexStrings::none);
    quote_string(out, "ab", 2, false);
    EXPECT_EQ(out, R"("\x61\x62""ab")");
}

TEST(TraceOutputFormat, HexDumpIsStraces) {
    std::string out;
    const unsigned char hello[] = "hello\n";
    append_hex_dump(out, hello, 6);
    EXPECT_EQ(out, " | 00000  68 65 6c 6c 6f 0a                                 hello.           |\n");
    out.clear();
    const unsigned char line[] = "0123456789abcdef0";
    append_hex_dump(out, line, 17);
    EXPECT_EQ(out,
              " | 00000  30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66  0123456789abcdef |\n"
              " | 00010  30                                                0                |\n");
}

TEST(TraceOutputFormat, JsonStringsAreEscaped) {
    std::string out;
    append_json_string(out, "a\"b\\c\n\x01\xff");
    EXPECT_EQ(out, R"("a\"b\\c\n\u0001\u00ff")");
}

TEST(TraceOutputFormat, SummaryTableIsStraces) {
    Summary s;
    s.record(row("read"), false, 1000);
    s.record(row("read"), false, 3000);
    s.record(row("openat"), true, 6000);
    s.record(row("close"), false, 0);
    std::string out;
    s.print(SortBy::time, TraceConfig().columns, out);
    EXPECT_EQ(out,
              "% time     seconds  usecs/call     calls    errors syscall\n"
              "------ ----------- ----------- --------- --------- ----------------\n"
              " 60.00    0.000006           6         1         1 openat\n"
              " 40.00    0.000004           2         2           read\n"
              "  0.00    0.000000           0         1           close\n"
              "------ ----------- ----------- --------- --------- ----------------\n"
              "100.00    0.000010           2         4         1 total\n");
    out.clear();
    s.print(SortBy::name, {SummaryColumn::calls, SummaryColumn::name}, out);
    EXPECT_EQ(out,
              "    calls syscall\n"
              "--------- ----------------\n"
              "        1 close\n"
              "        1 openat\n"
              "        2 read\n"
              "--------- ----------------\n"
              "        4 total\n");
}

TEST(TraceOptions, InjectSyntax) {
    TraceCommand c = parse_ok({"-e", "inject=openat,close:error=ENOENT:when=2+3", "--fault=getpid", "-e",
                              "inject=%process:retval=-5:signal=SIGUSR1:delay_enter=1.5ms:delay_exit=2", "/bin/true"});
    ASSERT_EQ(c.injections.size(), 3u);
    const Injection& a = c.injections[0];
    EXPECT_TRUE(a.calls.contains(row("openat")));
    EXPECT_TRUE(a.calls.contains(row("close")));
    EXPECT_FALSE(a.calls.contains(row("read")));
    EXPECT_EQ(a.rule.result, InjectRule::Result::error);
    EXPECT_EQ(a.rule.value, 2);
    EXPECT_EQ(a.rule.first, 2u);
    EXPECT_EQ(a.rule.step, 3u);
    const Injection& f = c.injections[1];  // -e fault=: ENOSYS unless told
    EXPECT_EQ(f.rule.result, InjectRule::Result::error);
    EXPECT_EQ(f.rule.value, 38);
    const Injection& r = c.injections[2];
    EXPECT_TRUE(r.calls.contains(row("clone")));
    EXPECT_EQ(r.rule.result, InjectRule::Result::retval);
    EXPECT_EQ(r.rule.value, -5);
    EXPECT_EQ(r.rule.signo, 10);
    EXPECT_EQ(r.rule.delay_enter_ns, 1500000u);
    EXPECT_EQ(r.rule.delay_exit_ns, 2000u);  // microseconds without a unit

    EXPECT_EQ(parse_error({"-e", "inject=getpid", "/bin/true"}), "invalid inject argument 'getpid'");
    EXPECT_EQ(parse_error({"-e", "inject=getpid:error=EFOO", "/bin/true"}), "invalid inject argument 'getpid:error=EFOO'");
    EXPECT_EQ(parse_error({"-e", "inject=getpid:error=1:retval=1", "/bin/true"}),
              "invalid inject argument 'getpid:error=1:retval=1'");
    EXPECT_EQ(parse_error({"-e", "fault=getpid:signal=INT", "/bin/true"}), "invalid fault argument 'getpid:signal=INT'");
    EXPECT_EQ(parse_error({"-e", "inject=nosuchcall:error=1", "/bin/true"}), "invalid system call 'nosuchcall'");
    EXPECT_EQ(parse_error({"-e", "inject=getpid:error=1:poke_enter=@arg1=00", "/bin/true"}),
              "inject: poke_enter= is not supported by lstar");
}

TEST(TraceOptions, InjectWhen) {
    auto when = [](const char* expr) {
        Result<Injection> i = parse_injection(std::string("getpid:error=1:when=") + expr, false);
        EXPECT_TRUE(i.ok()) << expr << (i.ok() ? "" : i.error().message);
        std::string hits;
        for (std::uint32_t n = 1; n <= 12 && i.ok(); ++n) hits += i->rule.applies_to(n) ? '1' : '.';
        return hits;
    };
    EXPECT_EQ(when("3"), "..1.........");
    EXPECT_EQ(when("3+"), "..1111111111");
    EXPECT_EQ(when("3+4"), "..1...1...1.");
    EXPECT_EQ(when("2..5"), ".1111.......");
    EXPECT_EQ(when("2..5+"), ".1111.......");
    EXPECT_EQ(when("2..9+3"), ".1..1..1....");
    for (const char* bad : {"0", "65536", "3..2", "1..65535", "1+0", "x", "1+x"}) {
        Result<Injection> i = parse_injection(std::string("getpid:error=1:when=") + bad, false);
        ASSERT_FALSE(i.ok()) << bad;
        EXPECT_EQ(i.error().message, std::string("invalid inject argument 'getpid:error=1:when=") + bad + "'");
        EXPECT_EQ(i.error().err, EINVAL);
    }
    // Without when=: every invocation.
    Result<Injection> i = parse_injection("getpid:error=1", false);
    ASSERT_TRUE(i.ok()) << i.error().message;
    for (std::uint32_t n = 1; n < 100; ++n) EXPECT_TRUE(i->rule.applies_to(n));
}

}  // namespace
}  // namespace lstar
