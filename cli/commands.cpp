#include "cli/commands.hpp"

#include <fmt/format.h>

#include "cli/trace_options.hpp"

namespace lstar {

namespace {

constexpr Command kCommands[] = {
    {"run", run_command, "run a program with every system call going through lstar", run_usage},
    {"trace", trace_command, "trace a program's system calls, strace-style", trace_usage},
    {"table", table_command, "show the system call tables and their metadata", table_usage},
    {"policy", policy_command, "compile, check or show a sandbox policy (see lstar run --policy)", policy_usage},
    {"inject", inject_command, "fail each call of a run in turn and report which failures the program does not survive",
     inject_usage},
    {"report", report_command, "an HTML report or a Perfetto timeline of a run (from lstar trace --json)", report_usage},
    {"top", top_command, "a live view of the traced tasks: current calls, calls and errors per second", top_usage},
};

}  // namespace

std::span<const Command> commands() { return kCommands; }

std::string lstar_usage() {
    std::string out =
        "lstar: the Linux x86 system-call path, rebuilt in user space\n\n"
        "Usage: lstar <command> [options]    (lstar <command> --help for its options)\n\n"
        "Commands:\n";
    for (const Command& c : kCommands) out += fmt::format("  {:<8} {}\n", c.name, c.summary);
    out += "\nOptions:\n  -h, --help    show this help\n  --version     show lstar's version\n";
    return out;
}

}  // namespace lstar
