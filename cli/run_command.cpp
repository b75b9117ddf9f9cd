// lstar run [-f] [--emulate NAME=VALUE]... [VIEW OPTIONS] [--no-prefilter] [--] PROG [ARGS]
// Runs a program with its system calls on lstar's path; exits as the program does.
#include <getopt.h>

#include <fmt/format.h>

#include <vector>

#include "cli/commands.hpp"
#include "cli/policy_options.hpp"
#include "cli/session.hpp"
#include "cli/view_options.hpp"
#include "handlers/handlers.hpp"

namespace lstar {

namespace {

constexpr const char* kRunUsage =
    "usage: lstar run [-f] [--emulate NAME=VALUE]... [VIEW OPTIONS] [--no-prefilter] [--] PROG [ARGS...]\n"
    "  -f, --follow-forks     also put the children of PROG (fork, vfork, clone) on the path\n"
    "  --emulate NAME=VALUE   do not run NAME: return VALUE (a number, or -ENAME for an error)\n"
    "  --no-prefilter         stop at every call, even those no hook or handler needs\n"
    "  -q                     no line on stderr for each call the sandbox denies\n"
    "  --backend=ptrace|inproc|auto  how calls are caught: a tracer process, a SIGSYS\n"
    "                         inside the program (much faster), or auto (the default;\n"
    "                         LSTAR_BACKEND=NAME changes it): inproc where it serves the\n"
    "                         program as ptrace would (docs/inproc.md)\n";

}  // namespace

// The usage line, the options above, then the sandbox's.
std::string run_usage() { return fmt::format("{}{}\n{}", kRunUsage, view_usage(), kPolicyUsage); }

}  // namespace lstar

// Declared in cli/commands.hpp at global scope, like the other subcommands.
int run_command(int argc, char** argv) {
    using namespace lstar;
    enum { kEmulate = 256, kNoPrefilter, kBackend };
    static const option run_options[] = {
        {"follow-forks", no_argument, nullptr, 'f'},
        {"emulate", required_argument, nullptr, kEmulate},
        {"no-prefilter", no_argument, nullptr, kNoPrefilter},
        {"backend", required_argument, nullptr, kBackend},
        {"help", no_argument, nullptr, 'h'},
    };
    std::vector<option> longopts = with_policy_options(with_view_options(run_options));
    PolicyOptions policy_options;
    ViewOptions view;
    Handlers handlers;  // what --emulate and the view bind: they outlive the path
    SyscallPath path;
    BackendOptions backend_options;
    std::string backend_name;  // "": the default
    optind = 1;
    opterr = 0;  // getopt's own message would not be an "lstar: " line
    int c;
    // ":": a missing argument is ':', not '?'.
    while ((c = getopt_long(argc, argv, "+:fhq", longopts.data(), nullptr)) != -1) {
        if (c >= kPolicyOptionFirst) {
            if (Status s = take_policy_option(policy_options, c, optarg); !s) return fail(2, s.error().message);
            continue;
        }
        if (is_view_option(c)) {
            if (Status s = parse_view_option(c, optarg, &view); !s) return fail(kViewUsageStatus, "run: " + s.error().message);
            continue;
        }
        switch (c) {
        case 'f': backend_options.follow_forks = true; break;
        case 'q': policy_options.quiet = true; break;
        case kEmulate:
            if (Status s = handlers.bind_constant_result(path, optarg); !s) return fail(2, s.error().message);
            break;
        case kNoPrefilter: backend_options.prefilter = false; break;
        case kBackend: backend_name = optarg; break;
        case 'h': fmt::print("{}", run_usage()); return 0;
        case ':':
            return fail(2, fmt::format("run: option '{}' requires an argument (see lstar run --help)", argv[optind - 1]));
        default:
            if (optopt && optopt < 256) return fail(2, fmt::format("run: invalid option -- '{}' (see lstar run --help)", static_cast<char>(optopt)));
            return fail(2, fmt::format("run: unrecognized option '{}' (see lstar run --help)", argv[optind - 1]));
        }
    }
    backend_options.command.assign(argv, argv + optind);
    if (!backend_options.command.empty() && backend_options.command.back() == "--") backend_options.command.pop_back();
    SessionOptions options;
    for (int i = optind; i < argc; ++i) options.argv.emplace_back(argv[i]);
    if (options.argv.empty()) return fail(2, "run: no program given (usage: lstar run [OPTIONS] -- PROG [ARGS...])");
    // --read-only: the view's EROFS rule on the name the program sees, and where that
    // is the host's name (no --root, no --bind) Landlock's rule too, which the kernel
    // keeps whatever way the program takes.
    if (view.fs.root.empty() && view.fs.binds.empty())
        for (const std::string& ro : view.fs.read_only)
            if (Status s = take_read_only(policy_options, ro); !s) return fail(2, s.error().message);
    Result<bool> viewed = apply_view(view, handlers, path, &backend_options, options.argv);
    if (!viewed) return fail(kViewUsageStatus, "run: " + viewed.error().message);
    if (*viewed) backend_options.follow_forks = true;  // the program's children live in the same view
    // --backend=auto: a sandbox's rules would govern the in-process runtime's own calls too.
    backend_name = choose_backend(backend_name, options.argv, backend_options, policy_options.any() ? "the sandbox options" : "");
    // The sandbox is made before the backend, which is told to enter it.
    Result<BackendTraits> traits = backend_traits(backend_name);
    if (!traits) return fail(2, "run: " + traits.error().message);
    auto sandbox = start_policy(policy_options, *traits, path, backend_options);
    if (!sandbox) return fail(2, sandbox.error().message);
    // Under the sandbox's rules a traced task may not go through lstar's descriptors
    // (Landlock keeps it from processes outside its domain); in-process they are its own.
    if (policy_options.any()) handlers.fs_view().hand_held(false);
    auto backend = make_backend(backend_name, path, backend_options);
    if (!backend) return fail(2, "run: " + backend.error().message);
    return run_session(**backend, path, backend_options, options);
}
