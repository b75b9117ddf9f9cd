// lstar: dispatches `lstar <command> ...` to the subcommand, which parses the
// rest of the command line itself.
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "cli/commands.hpp"
#include "entry/inproc/inproc.hpp"

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
};

void usage(std::FILE* out) {
    std::fprintf(out,
                 "lstar: the Linux x86 system-call path, rebuilt in user space\n\n"
                 "Usage: lstar <command> [options]    (lstar <command> --help for its options)\n\n"
                 "Commands:\n");
    for (const Command& c : kCommands)
        std::fprintf(out, "  %-8.*s %.*s\n", static_cast<int>(c.name.size()), c.name.data(),
                     static_cast<int>(c.help.size()), c.help.data());
    std::fprintf(out, "\nOptions:\n  -h, --help    show this help\n  --version     show lstar's version\n");
}

// A runtime image of the in-process backend (entry/inproc/inproc.hpp): the
// subcommand it is part of sets up the path as usual, then loads the program.
int run_image_command(int argc, char** argv) {
    lstar::inproc::ImageArgs args;
    std::string error;
    if (!lstar::inproc::ImageArgs::decode(argc, argv, &args, &error)) {
        std::fprintf(stderr, "lstar: %s\n", error.c_str());
        return 127;
    }
    std::vector<std::string> strings = args.command;
    strings.push_back("--");
    strings.push_back(args.shown_path);
    lstar::inproc::set_image_args(std::move(args));
    std::vector<char*> command;
    for (std::string& s : strings) command.push_back(s.data());
    command.push_back(nullptr);
    for (const Command& c : kCommands)
        if (c.name == strings[0]) return c.run(static_cast<int>(command.size()) - 1, command.data());
    std::fprintf(stderr, "lstar: __inproc: unknown command '%s'\n", strings[0].c_str());
    return 127;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    std::string_view arg = argv[1];
    if (arg == "-h" || arg == "--help") {
        usage(stdout);
        return 0;
    }
    if (arg == "--version") {
        std::printf("lstar %s\n", LSTAR_VERSION);
        return 0;
    }
    if (arg == "__inproc") return run_image_command(argc - 1, argv + 1);
    for (const Command& c : kCommands)
        if (c.name == arg) return c.run(argc - 1, argv + 1);
    std::fprintf(stderr, "lstar: unknown command '%s' (see lstar --help)\n", argv[1]);
    return 2;
}
