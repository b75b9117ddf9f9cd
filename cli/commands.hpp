// The lstar subcommands. Each takes its own argv, argv[0] being the
// subcommand's name, and returns the process exit status.
#pragma once

#include "cli/table_command.hpp"

int run_command(int argc, char** argv);    // cli/run_command.cpp
int trace_command(int argc, char** argv);  // cli/trace_command.cpp
int policy_command(int argc, char** argv);  // cli/policy_command.cpp
int inject_command(int argc, char** argv);  // cli/inject_command.cpp
int report_command(int argc, char** argv);  // cli/report_command.cpp
