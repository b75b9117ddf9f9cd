// lstar trace: strace's command line, strace's output.
#include <getopt.h>

#include <cstdlib>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/session.hpp"
#include "trace/tracer.hpp"

namespace lstar {

namespace {

constexpr const char* kTraceUsage =
    "usage: lstar trace [-f] [-o FILE] [-e trace=SET] [-p PID]... [--] [PROG [ARGS...]]\n"
    "  -f           follow forks: trace children too, lines prefixed with their id\n"
    "  -o FILE      write the trace to FILE instead of stderr\n"
    "  -e trace=SET trace only SET: names, %class, /regex, all, none; ! negates\n"
    "  -p PID       attach to a running process (all its threads); ^C detaches\n";

bool parse_pid(const char* text, pid_t* pid) {
    char* end = nullptr;
    long v = std::strtol(text, &end, 10);
    if (!*text || *end || v <= 0 || v > 0x3fffffff) return false;
    *pid = static_cast<pid_t>(v);
    return true;
}

}  // namespace

int trace_command(int argc, char** argv) {
    SessionOptions options;
    TraceOptions trace;
    std::string output_path, error;
    optind = 1;
    int c;
    while ((c = getopt(argc, argv, "+fho:e:p:")) != -1) {
        switch (c) {
        case 'f': options.ptrace.follow_forks = trace.follow_forks = true; break;
        case 'o': output_path = optarg; break;
        case 'e': {
            std::string_view expr = optarg;
            if (expr.substr(0, 6) == "trace=") expr.remove_prefix(6);
            else if (expr.find('=') != std::string_view::npos) return fail(1, fmt::format("invalid -e expression '{}'", optarg));
            if (!SyscallSet::parse(expr, &trace.selected, &error)) return fail(1, error);
            break;
        }
        case 'p': {
            pid_t pid;
            if (!parse_pid(optarg, &pid)) return fail(1, fmt::format("invalid process id: '{}'", optarg));
            options.attach.push_back(pid);
            break;
        }
        case 'h': fmt::print("{}", kTraceUsage); return 0;
        default: fmt::print(stderr, "{}", kTraceUsage); return 1;
        }
    }
    for (int i = optind; i < argc; ++i) options.argv.emplace_back(argv[i]);
    if (options.argv.empty() == options.attach.empty())
        return fail(1, "trace: give either a program to run or -p PID, not both or neither");
    trace.pid_column = trace.follow_forks && !output_path.empty();

    TraceOutput out;
    if (!out.open(output_path, &error)) return fail(1, error);
    SyscallPath path;
    Tracer tracer(out, trace);
    path.add_hook(Stage::tracing, &tracer);
    return run_session(path, options, &out);
}

}  // namespace lstar
