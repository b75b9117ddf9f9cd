// lstar: dispatches `lstar <command> ...` to the subcommand, which parses the
// rest of the command line itself.
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "cli/commands.hpp"
#include "cli/session.hpp"
#include "entry/backend.hpp"

namespace {

struct Command {
    std::string_view name;
    int (*run)(int argc, char** argv);
    std::string_view help;
};

constexpr Command kCommands[] = {
    // `lstar run`: cli/run_command.cpp (the lead's).
    {"run", run_command, "run a program with every system call going through lstar"},
    // `lstar trace`: cli/trace_command.cpp (the lead's).
    {"trace", trace_command, "trace a program's system calls, strace-style"},
    {"table", table_command, "show the system call tables and their metadata"},
    {"policy", policy_command, "compile, check or show a sandbox policy (see lstar run --policy)"},
    {"inject", inject_command, "fail each call of a run in turn and report which failures the program does not survive"},
    {"report", report_command, "an HTML report or a Perfetto timeline of a run (from lstar trace --json)"},
};

void usage() {
    std::FILE* out = stdout;
    std::fprintf(out,
                 "lstar: the Linux x86 system-call path, rebuilt in user space\n\n"
                 "Usage: lstar <command> [options]    (lstar <command> --help for its options)\n\n"
                 "Commands:\n");
    for (const Command& c : kCommands)
        std::fprintf(out, "  %-8.*s %.*s\n", static_cast<int>(c.name.size()), c.name.data(),
                     static_cast<int>(c.help.size()), c.help.data());
    std::fprintf(out, "\nOptions:\n  -h, --help    show this help\n  --version     show lstar's version\n");
}

// An image a backend started (the in-process backend's runtime images): the
// lstar command it runs, set up as usual, after which the backend takes over.
int run_image_command(int argc, char** argv) {
    lstar::Result<std::vector<std::string>> strings = lstar::image_command(argc, argv);
    if (!strings) return lstar::fail(127, strings.error().message);
    std::vector<char*> command;
    for (std::string& s : *strings) command.push_back(s.data());
    command.push_back(nullptr);
    for (const Command& c : kCommands)
        if (c.name == (*strings)[0]) return c.run(static_cast<int>(command.size()) - 1, command.data());
    return lstar::fail(127, std::string(argv[0]) + ": unknown command '" + (*strings)[0] + "'");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) return lstar::fail(2, "no command given (see lstar --help)");
    std::string_view arg = argv[1];
    if (arg == "-h" || arg == "--help") {
        usage();
        return 0;
    }
    if (arg == "--version") {
        std::printf("lstar %s\n", LSTAR_VERSION);
        return 0;
    }
    if (lstar::is_image_command(arg)) return run_image_command(argc - 1, argv + 1);
    for (const Command& c : kCommands)
        if (c.name == arg) return c.run(argc - 1, argv + 1);
    return lstar::fail(2, "unknown command '" + std::string(arg) + "' (see lstar --help)");
}
