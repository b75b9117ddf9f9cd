// The sandbox options of `lstar run`: --policy FILE and the shorthands that
// combine with it (--deny, --deny-path, --read-only, --allow-path,
// --no-network), parsed into a policy and prepared as the launched program's
// Sandbox (policy/sandbox.hpp).
#pragma once

#include <getopt.h>

#include <memory>
#include <string>
#include <vector>

#include "entry/backend.hpp"
#include "policy/reporter.hpp"
#include "policy/glob.hpp"
#include "policy/sandbox.hpp"
#include "trace/output.hpp"
#include "table/result.hpp"

namespace lstar {

struct PolicyOptions {
    std::string file;                     // --policy
    std::vector<policy::CallRule> calls;  // --deny
    std::vector<policy::PathRule> paths;  // --deny-path, --read-only, --allow-path
    std::vector<policy::GlobRule> globs;  // --deny-glob
    bool allowlist = false;               // an --allow-path was given
    bool no_network = false;
    bool best_effort = false;
    bool kill_on_deny = false;
    bool quiet = false;  // -q: no line per denial (the kernel alone answers, at no cost)

    bool any() const { return !file.empty() || !calls.empty() || !paths.empty() || !globs.empty() || no_network; }
    // The policy file (if any) with the shorthands added.
    Result<policy::Policy> policy() const;
};

// The getopt_long entries of the options above (their ids start at kPolicyOptionFirst)
// after `options` (with or without its end marker), ended.
inline constexpr int kPolicyOptionFirst = 0x1000;
std::vector<option> with_policy_options(std::vector<option> options);
// Takes one of them (id from getopt_long); an error names the option.
Status take_policy_option(PolicyOptions& options, int id, const char* arg);
// --read-only PATH as a Landlock rule (the option itself is the file-system view's:
// cli/view_options.cpp; `lstar run` adds the rule when the view's names are the host's).
Status take_read_only(PolicyOptions& options, const std::string& path);
// The options' help lines.
extern const char* const kPolicyUsage;

// The sandbox of a session, and the stage that reports its denials.
struct PolicySession {
    std::unique_ptr<policy::Sandbox> sandbox;
    std::unique_ptr<TraceOutput> messages;  // where the denials are reported (stderr)
    std::unique_ptr<policy::Reporter> reporter;
    std::unique_ptr<policy::ExecImageCheck> exec_check;  // with supervised rules
};

// Prepares the sandbox the options ask for (none when they ask for nothing) and
// puts it on the path and in the backend options: the launched program enters
// it, and the reporter (unless quiet) joins the path at Stage::policy. In an
// image the backend started, the program is in its sandbox already: only the
// reporter is set up.
// `traced`: lstar trace, whose lines a denial line follows, and which reports
// denials in the processes it follows (lstar run: in all of them). With `json_stream`
// (lstar trace --json), denials are "denial" objects in it.
Result<PolicySession> start_policy(const PolicyOptions& options, const BackendTraits& backend, SyscallPath& path,
                                   BackendOptions& backend_options, bool traced = false,
                                   TraceOutput* json_stream = nullptr);

}  // namespace lstar
