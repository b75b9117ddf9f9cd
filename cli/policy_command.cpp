// lstar policy compile|check|show [FILE] [--deny ...]: what a policy becomes,
// whether it is sound, and what it allows, without running anything.
#include <getopt.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/policy_options.hpp"
#include "cli/session.hpp"
#include "policy/learner.hpp"
#include "trace/pictures.hpp"

namespace lstar {

namespace {

constexpr const char* kPolicyCommandUsage =
    "usage: lstar policy compile|check|show [FILE] [SANDBOX OPTIONS]\n"
    "       lstar policy learn [-f] [-o POLICY.toml] [--oci PROFILE.json] -- PROG [ARGS...]\n"
    "  compile   the seccomp filters, instruction by instruction, per ABI\n"
    "  check     errors and warnings: unknown names, rules that shadow others, holes\n"
    "  show      what the policy allows and denies, per ABI, and its path rules\n"
    "FILE is lstar's policy (TOML) or an OCI/Docker seccomp profile; the options are run's:\n";

std::string access_text(unsigned access) {
    if (access == 0) return "nothing (denied)";
    std::vector<std::string> parts;
    for (auto [bit, name] : {std::pair{policy::kAccessRead, "read"}, std::pair{policy::kAccessWrite, "write"},
                             std::pair{policy::kAccessExec, "exec"}, std::pair{policy::kAccessMake, "make"},
                             std::pair{policy::kAccessRemove, "remove"}})
        if (access & bit) parts.push_back(name);
    return fmt::format("{}", fmt::join(parts, ", "));
}

constexpr const char* kLearnUsage =
    "usage: lstar policy learn [-f] [-o POLICY.toml] [--oci PROFILE.json] [--merge OLD.toml]... -- PROG [ARGS...]\n"
    "  runs PROG (under the ptrace backend) and writes the smallest policy that allows what it did:\n"
    "  its calls per ABI, the values of the arguments that decide what a call does, the files it\n"
    "  opened, ran and changed (as Landlock rules), the TCP ports it bound and connected to\n"
    "  -f                 follow its children (fork, vfork, clone): without it, only PROG's own calls\n"
    "  -o FILE            write the policy there (default: stdout)\n"
    "  --oci FILE         also write an OCI/Docker seccomp profile of its calls\n"
    "  --merge FILE       add an earlier run's policy (repeatable)\n";

int show(const policy::Policy& p, const policy::Sandbox& sandbox) {
    for (Abi abi : p.abis) {
        fmt::print("{}: calls no rule names: {}\n", abi_name(abi), p.default_action.text());
        for (const policy::CallRule& r : sandbox.policy().calls) {
            if (!r.abis.empty() && std::find(r.abis.begin(), r.abis.end(), abi) == r.abis.end()) continue;
            Result<std::vector<const SyscallDesc*>> rows = policy::rule_rows(r, abi);
            if (!rows || rows->empty()) continue;
            std::vector<std::string_view> names;
            for (const SyscallDesc* row : *rows) names.push_back(row->name);
            std::vector<std::string> conditions;
            for (const ArgCondition& c : r.conditions) conditions.push_back(c.text);
            fmt::print("  {:<14} {}{}  [{}]\n", r.action.text(), fmt::join(names, " "),
                       conditions.empty() ? "" : fmt::format(" when {}", fmt::join(conditions, " && ")), r.origin);
        }
    }
    if (p.restricts_paths()) {
        fmt::print("paths ({}; Landlock ABI {}):\n", p.paths_allowlist ? "only those named" : "all but those named",
                   sandbox.landlock().abi);
        for (const policy::PathRule& r : p.paths) fmt::print("  {:<30} {}  [{}]\n", r.path, access_text(r.access), r.origin);
        for (const std::string& n : sandbox.landlock().notes) fmt::print("  note: {}\n", n);
    }
    if (p.supervised()) {
        fmt::print("supervised path rules (first match decides; --backend=ptrace):\n");
        for (const policy::GlobRule& r : p.globs) {
            std::vector<std::string> access;
            for (auto [bit, name] : {std::pair{policy::kGlobRead, "read"}, {policy::kGlobWrite, "write"}, {policy::kGlobExec, "exec"}})
                if (r.access & bit) access.push_back(name);
            fmt::print("  {:<30} {:<16} {}{}  [{}]\n", r.glob, fmt::format("{}", fmt::join(access, ",")), r.action.text(),
                       r.limit >= 0 ? fmt::format(" after {} calls", r.limit) : "", r.origin);
        }
    }
    if (p.network.no_network) fmt::print("network: no sockets but AF_UNIX\n");
    if (p.network.restrict_tcp)
        fmt::print("network: TCP bind to {} only, connect to {} only\n", fmt::join(p.network.tcp_bind, ","),
                   fmt::join(p.network.tcp_connect, ","));
    return 0;
}

int check(const policy::Policy& p, const policy::Sandbox& sandbox) {
    int warnings = 0;
    for (const std::string& n : sandbox.compiled().notes) {
        fmt::print("warning: {}\n", n);
        ++warnings;
    }
    for (const std::string& w : sandbox.landlock().warnings) {
        fmt::print("warning: {}\n", w);
        ++warnings;
    }
    // A policy that reopens a hole lstar closes by default says so.
    bool restricts = p.restricts_calls() || p.restricts_paths() || p.network.restrict_tcp;
    for (const policy::CallRule& r : p.calls)
        for (const std::string& c : r.calls)
            if (restricts && !r.action.denies() && r.conditions.empty() &&
                (c == "io_uring_setup" || c == "ptrace" || c == "process_vm_writev" || c == "pidfd_getfd")) {
                fmt::print("warning: {}: allowing {} reopens a way around the policy's other rules\n", r.origin, c);
                ++warnings;
            }
    std::size_t instructions = 0;
    for (const policy::SeccompFilter& f : sandbox.compiled().filters) instructions += f.program.size();
    fmt::print("{}: {} ({} rules, {} seccomp filters of {} instructions{}{})\n", p.source.empty() ? "policy" : p.source,
               warnings ? fmt::format("{} warnings", warnings) : "OK", p.calls.size(), sandbox.compiled().filters.size(),
               instructions,
               sandbox.landlock().ruleset_fd >= 0 ? ", a Landlock domain" : "",
               p.supervised() ? fmt::format(", {} supervised path rules", p.globs.size()) : "");
    return warnings ? 1 : 0;
}

// A reader never sees half a policy, and a failed write leaves what was there.
Status write_atomically(const std::string& path, const std::string& text) {
    return write_file_atomically(path, [&](std::FILE* f) -> Status {
        if (std::fwrite(text.data(), 1, text.size(), f) != text.size())
            return error(fmt::format("cannot write '{}': {}", path, std::strerror(errno)), errno);
        return {};
    });
}

// lstar policy learn [-f] [-o POLICY.toml] [--oci PROFILE.json] [--merge OLD.toml] -- PROG [ARGS]
int learn(int argc, char** argv) {
    enum { kOci = 256, kMerge };
    static const option longopts[] = {
        {"follow-forks", no_argument, nullptr, 'f'}, {"output", required_argument, nullptr, 'o'},
        {"oci", required_argument, nullptr, kOci},   {"merge", required_argument, nullptr, kMerge},
        {"help", no_argument, nullptr, 'h'},         {nullptr, 0, nullptr, 0},
    };
    BackendOptions backend_options;
    std::string output, oci;
    std::vector<std::string> merges;
    optind = 2;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+:fho:", longopts, nullptr)) != -1) {
        switch (c) {
        case 'f': backend_options.follow_forks = true; break;
        case 'o': output = optarg; break;
        case kOci: oci = optarg; break;
        case kMerge: merges.emplace_back(optarg); break;
        case 'h': fmt::print("{}", kLearnUsage); return 0;
        case ':': return fail(2, fmt::format("policy learn: option '{}' requires an argument", argv[optind - 1]));
        default: return fail(2, fmt::format("policy learn: unrecognized option '{}' (see lstar policy learn --help)", argv[optind - 1]));
        }
    }
    SessionOptions options;
    for (int i = optind; i < argc; ++i) options.argv.emplace_back(argv[i]);
    if (options.argv.empty()) return fail(2, "policy learn: no program given (lstar policy learn [-o FILE] -- PROG [ARGS...])");
    // The earlier runs to merge with, read before this one starts: a bad one stops here.
    std::vector<policy::Policy> earlier;
    for (const std::string& m : merges) {
        Result<policy::Policy> p = policy::load_policy_file(m);
        if (!p) return fail(2, p.error().message);
        earlier.push_back(std::move(*p));
    }
    SyscallPath path;
    policy::Learner learner;
    learner.bind(path);
    backend_options.prefilter = false;  // every call
    auto backend = make_backend("ptrace", path, backend_options);
    if (!backend) return fail(2, backend.error().message);
    std::string command = fmt::format("{}", fmt::join(options.argv, " "));
    Status written;
    options.at_end = [&](int) {
        policy::Policy p = learner.policy();
        for (policy::Policy& e : earlier) {
            for (Abi abi : e.abis)
                if (std::find(p.abis.begin(), p.abis.end(), abi) == p.abis.end()) p.abis.push_back(abi);
            p.merge(std::move(e));
        }
        std::string toml = policy::write_toml_policy(p, "lstar policy learn: what `" + command + "` did (docs/policy.md)");
        if (output.empty()) fmt::print("{}", toml);
        else written = write_atomically(output, toml);
        if (written && !oci.empty()) {
            Result<std::string> profile = policy::write_oci_profile(p);
            written = profile ? write_atomically(oci, *profile) : Status(profile.error());
        }
        if (!written) print_error(written.error());
    };
    int status = run_session(**backend, path, backend_options, options);
    return written ? status : 1;
}

int compile(const policy::Sandbox& sandbox) {
    int n = 0;
    for (const policy::SeccompFilter& f : sandbox.compiled().filters)
        fmt::print("# filter {}: {} ({} instructions)\n{}\n", ++n, f.what, f.program.size(), policy::disassemble(f.program));
    if (const policy::Supervisor* s = sandbox.supervisor())
        fmt::print("# filter {}: {} ({} instructions)\n{}\n", ++n, s->filter().what, s->filter().program.size(),
                   policy::disassemble(s->filter().program));
    return 0;
}

}  // namespace

std::string policy_usage() { return fmt::format("{}{}\nlstar policy learn:\n{}", kPolicyCommandUsage, kPolicyUsage, kLearnUsage); }

}  // namespace lstar

int policy_command(int argc, char** argv) {
    using namespace lstar;
    // --read-only is the view's option in run and trace (cli/view_options.cpp); here, as
    // there without a --root or --bind, it is the policy's Landlock rule.
    std::vector<option> longopts =
        with_policy_options({{"help", no_argument, nullptr, 'h'}, {"read-only", required_argument, nullptr, 'R'}});
    if (argc < 2 || std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h") {
        fmt::print("{}", policy_usage());
        return argc < 2 ? 2 : 0;
    }
    std::string_view what = argv[1];
    if (what == "learn") return learn(argc, argv);
    if (what != "compile" && what != "check" && what != "show")
        return fail(2, fmt::format("policy: unknown subcommand '{}' (compile, check or show)", what));
    PolicyOptions options;
    optind = 2;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", longopts.data(), nullptr)) != -1) {
        if (c >= kPolicyOptionFirst) {
            if (Status s = take_policy_option(options, c, optarg); !s) return fail(2, s.error().message);
            continue;
        }
        if (c == 'R') {
            if (Status s = take_read_only(options, optarg); !s) return fail(2, s.error().message);
            continue;
        }
        if (c == 'h') {
            fmt::print("{}", policy_usage());
            return 0;
        }
        return fail(2, fmt::format("policy: unrecognized option '{}' (see lstar policy --help)", argv[optind - 1]));
    }
    if (optind < argc) {
        if (!options.file.empty() || optind + 1 < argc) return fail(2, "policy: give one policy file");
        options.file = argv[optind];
    }
    if (!options.any()) return fail(2, "policy: no policy given (a FILE, or sandbox options such as --deny)");
    Result<policy::Policy> p = options.policy();
    if (!p) return fail(2, p.error().message);
    Result<std::unique_ptr<policy::Sandbox>> sandbox = policy::Sandbox::prepare(*p, {});
    if (!sandbox) return fail(2, sandbox.error().message);
    if (what == "compile") return compile(**sandbox);
    if (what == "check") return check(*p, **sandbox);
    return show(*p, **sandbox);
}
