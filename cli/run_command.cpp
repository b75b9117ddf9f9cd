// lstar run [-f] [--emulate NAME=VALUE]... [--hostname NAME] [--no-prefilter] [--] PROG [ARGS]
// Runs a program with its system calls on lstar's path; exits as the program does.
#include <getopt.h>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/session.hpp"
#include "handlers/emulate.hpp"

namespace lstar {

namespace {

constexpr const char* kRunUsage =
    "usage: lstar run [-f] [--emulate NAME=VALUE]... [--hostname NAME] [--no-prefilter] [--] PROG [ARGS...]\n"
    "  -f, --follow-forks     also put the children of PROG (fork, vfork, clone) on the path\n"
    "  --emulate NAME=VALUE   do not run NAME: return VALUE (a number, or -ENAME for an error)\n"
    "  --hostname NAME        uname(2) shows NAME as the node name\n"
    "  --no-prefilter         stop at every call, even those no hook or handler needs\n"
    "  --backend=ptrace|inproc  how calls are caught: a tracer process (default), or a\n"
    "                         SIGSYS inside the program (much faster)\n";

}  // namespace
}  // namespace lstar

// Declared in cli/commands.hpp at global scope, like the other subcommands.
int run_command(int argc, char** argv) {
    using namespace lstar;
    enum { kEmulate = 256, kHostname, kNoPrefilter, kBackend };
    static const option longopts[] = {
        {"follow-forks", no_argument, nullptr, 'f'},
        {"emulate", required_argument, nullptr, kEmulate},
        {"hostname", required_argument, nullptr, kHostname},
        {"no-prefilter", no_argument, nullptr, kNoPrefilter},
        {"backend", required_argument, nullptr, kBackend},
        {"help", no_argument, nullptr, 'h'},
        {nullptr, 0, nullptr, 0},
    };
    SyscallPath path;
    SessionOptions options;
    std::string error;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "+fh", longopts, nullptr)) != -1) {
        switch (c) {
        case 'f': options.ptrace.follow_forks = true; break;
        case kEmulate:
            if (!bind_constant_result(path, optarg, &error)) return fail(2, error);
            break;
        case kHostname: bind_virtual_hostname(path, optarg); break;
        case kNoPrefilter: options.ptrace.prefilter = false; break;
        case kBackend:
            if (!parse_backend(optarg, &options.backend))
                return fail(2, fmt::format("run: invalid --backend '{}' (ptrace or inproc)", optarg));
            break;
        case 'h': fmt::print("{}", kRunUsage); return 0;
        default: fmt::print(stderr, "{}", kRunUsage); return 2;
        }
    }
    options.command.assign(argv, argv + optind);
    if (!options.command.empty() && options.command.back() == "--") options.command.pop_back();
    for (int i = optind; i < argc; ++i) options.argv.emplace_back(argv[i]);
    if (options.argv.empty()) return fail(2, "run: no program given (usage: lstar run [OPTIONS] -- PROG [ARGS...])");
    return run_session(path, options, nullptr);
}
