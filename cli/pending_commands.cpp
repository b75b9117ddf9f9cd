// Stand-ins for subcommands that have not landed yet. They are weak, so the
// real definitions (cli/run_command.cpp, cli/trace_command.cpp) replace them;
// delete this file once both exist.
#include <cstdio>

#include "cli/commands.hpp"

namespace {
int not_built(const char* name) {
    std::fprintf(stderr, "lstar: '%s' is not built yet\n", name);
    return 2;
}
}  // namespace

__attribute__((weak)) int run_command(int, char**) { return not_built("run"); }
__attribute__((weak)) int trace_command(int, char**) { return not_built("trace"); }
