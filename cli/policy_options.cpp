#include "cli/policy_options.hpp"

#include <fmt/format.h>

namespace lstar {

namespace {

enum : int {
    kPolicy = kPolicyOptionFirst,
    kDeny,
    kDenyPath,
    kReadOnly,
    kAllowPath,
    kNoNetwork,
    kBestEffort,
    kKillOnDeny,
    kDenyGlob,
};

constexpr option kOptions[] = {
    {"policy", required_argument, nullptr, kPolicy},
    {"deny", required_argument, nullptr, kDeny},
    {"deny-path", required_argument, nullptr, kDenyPath},
    {"allow-path", required_argument, nullptr, kAllowPath},
    {"no-network", no_argument, nullptr, kNoNetwork},
    {"best-effort", no_argument, nullptr, kBestEffort},
    {"kill-on-deny", no_argument, nullptr, kKillOnDeny},
    {"deny-glob", required_argument, nullptr, kDenyGlob},
};

Status absolute(const char* option, const char* path) {
    if (path[0] == '/') return {};
    return error(fmt::format("run: {} takes an absolute path, not '{}'", option, path));
}

}  // namespace

const char* const kPolicyUsage =
    "Sandbox (kernel-enforced: seccomp-bpf and Landlock; docs/policy.md):\n"
    "  --policy FILE          lstar's policy (TOML) or an OCI/Docker seccomp profile (JSON)\n"
    "  --deny CALL[,CALL...]  these calls (names or %classes) fail with EPERM\n"
    "  --deny-path PATH       PATH (and beneath it) cannot be opened, run, changed or removed: EACCES\n"
    "  --read-only PATH       the view's option (above); with no --root or --bind, Landlock\n"
    "                         also keeps PATH and beneath it from being changed\n"
    "  --allow-path PATH      only the --allow-path trees can be reached (each fully)\n"
    "  --no-network           no sockets but AF_UNIX (EAFNOSUPPORT)\n"
    "  --deny-glob PATTERN    supervised: paths matching PATTERN (/home/*/.ssh/**, **/*.pem) cannot be\n"
    "                         opened, run, renamed or linked: EACCES (needs --backend=ptrace)\n"
    "  --best-effort          run even where the kernel's Landlock lacks a feature, with a warning\n"
    "  --kill-on-deny         a denied call kills the process instead of failing\n";

std::vector<option> with_policy_options(std::vector<option> options) {
    if (!options.empty() && !options.back().name) options.pop_back();
    options.insert(options.end(), std::begin(kOptions), std::end(kOptions));
    options.push_back({nullptr, 0, nullptr, 0});
    return options;
}

Status take_policy_option(PolicyOptions& o, int id, const char* arg) {
    switch (id) {
    case kPolicy:
        if (!o.file.empty()) return error("run: --policy given twice (include one policy in the other instead)");
        o.file = arg;
        return {};
    case kDeny: {
        policy::CallRule r;
        r.origin = fmt::format("--deny {}", arg);
        std::string_view rest = arg;
        while (!rest.empty()) {
            std::size_t comma = rest.find(',');
            if (comma != 0) r.calls.emplace_back(rest.substr(0, comma));
            rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        }
        if (r.calls.empty()) return error("run: --deny needs call names (--deny ptrace,mount)");
        r.action = {policy::ActionKind::errno_, EPERM};
        o.calls.push_back(std::move(r));
        return {};
    }
    case kDenyPath:
    case kReadOnly:
    case kAllowPath: {
        const char* name = id == kDenyPath ? "--deny-path" : id == kReadOnly ? "--read-only" : "--allow-path";
        LSTAR_TRY(absolute(name, arg));
        unsigned access = id == kDenyPath ? 0 : id == kReadOnly ? policy::kAccessRead | policy::kAccessExec : policy::kAccessAll;
        o.paths.push_back({fmt::format("{} {}", name, arg), arg, access});
        o.allowlist = o.allowlist || id == kAllowPath;
        return {};
    }
    case kDenyGlob: {
        if (Result<policy::Glob> g = policy::Glob::parse(arg); !g) return error("run: --deny-glob: " + g.error().message);
        policy::GlobRule r;
        r.origin = fmt::format("--deny-glob {}", arg);
        r.glob = arg;
        o.globs.push_back(std::move(r));
        return {};
    }
    case kNoNetwork: o.no_network = true; return {};
    case kBestEffort: o.best_effort = true; return {};
    case kKillOnDeny: o.kill_on_deny = true; return {};
    }
    return error(fmt::format("run: unknown sandbox option {}", id));
}

Status take_read_only(PolicyOptions& o, const std::string& path) { return take_policy_option(o, kReadOnly, path.c_str()); }

Result<policy::Policy> PolicyOptions::policy() const {
    policy::Policy p;
    if (!file.empty()) {
        LSTAR_TRY_ASSIGN(p, policy::load_policy_file(file));
    }
    policy::Policy shorthands;
    shorthands.calls = calls;
    shorthands.paths = paths;
    shorthands.globs = globs;
    shorthands.paths_allowlist = allowlist;
    shorthands.network.no_network = no_network;
    shorthands.network.origin = "--no-network";
    shorthands.best_effort = best_effort;
    p.merge(std::move(shorthands));
    if (kill_on_deny) {
        // Every denial (the default's too) kills the process instead of failing the call.
        auto harden = [](policy::Action& a) {
            if (a.kind == policy::ActionKind::errno_) a = {policy::ActionKind::kill_process, 0};
        };
        harden(p.default_action);
        for (policy::CallRule& r : p.calls) harden(r.action);
        for (policy::GlobRule& r : p.globs) harden(r.action);
    }
    return p;
}

Result<PolicySession> start_policy(const PolicyOptions& options, const BackendTraits& backend, SyscallPath& path,
                                   BackendOptions& backend_options, bool traced, TraceOutput* json_stream) {
    PolicySession session;
    if (!options.any()) return session;
    LSTAR_TRY_ASSIGN(policy::Policy p, options.policy());
    if (p.supervised() && backend.execs_itself)
        return error(fmt::format("{}: supervised rules need --backend=ptrace: the in-process backend is not a security "
                                 "boundary (the program shares lstar's process), so only kernel-enforced rules may enforce there",
                                 p.first_supervised_origin()));
    bool enter = !is_backend_image();
    std::vector<std::string> backend_files;
    if (backend.execs_itself) {
        // Each image runs lstar's binary and reads the policy file again.
        backend_files.push_back("/proc/self/exe");
        if (!options.file.empty()) backend_files.push_back(options.file);
    }
    LSTAR_TRY_ASSIGN(session.sandbox, policy::Sandbox::prepare(std::move(p), backend_files, enter));
    if (enter) {
        for (const std::string& w : session.sandbox->landlock().warnings) print_error(error("policy: " + w));
        backend_options.confinement = session.sandbox.get();
        if (policy::Supervisor* supervisor = session.sandbox->supervisor()) {
            LSTAR_TRY(supervisor->start(options.quiet, json_stream != nullptr));
            // Every process of the program: each new image is checked at its exec stop.
            session.exec_check = std::make_unique<policy::ExecImageCheck>(*supervisor, traced);
            path.add_hook(Stage::policy, session.exec_check.get());
            backend_options.follow_forks = true;
        }
    }
    if (!options.quiet) {
        TraceOutput* out = json_stream;
        if (!out) {
            session.messages = std::make_unique<TraceOutput>();
            backend_options.outputs.push_back(session.messages.get());
            out = session.messages.get();
        }
        session.reporter = std::make_unique<policy::Reporter>(session.sandbox->policy(), session.sandbox->compiled(), *out,
                                                              json_stream != nullptr, traced);
        if (policy::Supervisor* supervisor = session.sandbox->supervisor(); supervisor && supervisor->keeps_notices())
            session.reporter->also_supervised(*supervisor);
        session.reporter->bind(path);
        // A denial in any process of the program is reported; under lstar trace, in
        // the processes the trace follows (-f or not).
        if (!traced) backend_options.follow_forks = true;
    }
    return session;
}

}  // namespace lstar
