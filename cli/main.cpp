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

// An image a backend started (the in-process backend's runtime images): the
// lstar command it runs, set up as usual, after which the backend takes over.
int run_image_command(int argc, char** argv) {
    lstar::Result<std::vector<std::string>> strings = lstar::image_command(argc, argv);
    if (!strings) return lstar::fail(127, strings.error().message);
    std::vector<char*> command;
    for (std::string& s : *strings) command.push_back(s.data());
    command.push_back(nullptr);
    for (const lstar::Command& c : lstar::commands())
        if (c.name == (*strings)[0]) return c.run(static_cast<int>(command.size()) - 1, command.data());
    return lstar::fail(127, std::string(argv[0]) + ": unknown command '" + (*strings)[0] + "'");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) return lstar::fail(2, "no command given (see lstar --help)");
    std::string_view arg = argv[1];
    if (arg == "-h" || arg == "--help") {
        std::fputs(lstar::lstar_usage().c_str(), stdout);
        return 0;
    }
    if (arg == "--version") {
        std::printf("lstar %s\n", LSTAR_VERSION);
        return 0;
    }
    if (lstar::is_image_command(arg)) return run_image_command(argc - 1, argv + 1);
    for (const lstar::Command& c : lstar::commands())
        if (c.name == arg) return c.run(argc - 1, argv + 1);
    return lstar::fail(2, "unknown command '" + std::string(arg) + "' (see lstar --help)");
}
