// The lstar subcommands. Each takes its own argv, argv[0] being the
// subcommand's name, and returns the process exit status. The table of them
// (cli/commands.cpp) is what `lstar` dispatches on, and with each command's
// help text what the man pages and shell completions are made of (cli/manual.hpp).
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "cli/table_command.hpp"

int run_command(int argc, char** argv);     // cli/run_command.cpp
int trace_command(int argc, char** argv);   // cli/trace_command.cpp
int policy_command(int argc, char** argv);  // cli/policy_command.cpp
int inject_command(int argc, char** argv);  // cli/inject_command.cpp
int report_command(int argc, char** argv);  // cli/report_command.cpp
int top_command(int argc, char** argv);     // cli/top_command.cpp

namespace lstar {

// Each command's --help text (the one source of its options' documentation).
std::string run_usage();
std::string policy_usage();  // lstar policy's, then lstar policy learn's
std::string inject_usage();
std::string report_usage();
std::string top_usage();
std::string table_usage();
// trace_usage(): cli/trace_options.hpp.

struct Command {
    std::string_view name;
    int (*run)(int argc, char** argv);
    std::string_view summary;  // one line, for lstar --help and the man pages
    std::string (*usage)();
};

std::span<const Command> commands();
// lstar --help.
std::string lstar_usage();

}  // namespace lstar
