// The sandbox options of `lstar run`: --policy FILE and the shorthands that
// combine with it (--deny, --deny-path, --read-only, --allow-path,
// --no-network), parsed into a policy and prepared as the launched program's
// Sandbox (policy/sandbox.hpp).
#pragma once

#include <getopt.h>

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "entry/backend.hpp"
#include "policy/sandbox.hpp"
#include "table/result.hpp"

namespace lstar {

struct PolicyOptions {
    std::string file;                     // --policy
    std::vector<policy::CallRule> calls;  // --deny
    std::vector<policy::PathRule> paths;  // --deny-path, --read-only, --allow-path
    bool allowlist = false;               // an --allow-path was given
    bool no_network = false;
    bool best_effort = false;
    bool kill_on_deny = false;

    bool any() const { return !file.empty() || !calls.empty() || !paths.empty() || no_network; }
    // The policy file (if any) with the shorthands added.
    Result<policy::Policy> policy() const;
};

// getopt_long entries for the options above; their ids start at kPolicyOptionFirst.
inline constexpr int kPolicyOptionFirst = 0x1000;
std::span<const option> policy_long_options();
// Takes one of them (id from getopt_long); an error names the option.
Status take_policy_option(PolicyOptions& options, int id, const char* arg);
// The options' help lines.
extern const char* const kPolicyUsage;

// The sandbox for a program launched through `backend`, or nullptr when no option
// asked for one (or when this process is an image the backend started: the
// program is in its sandbox already).
Result<std::unique_ptr<policy::Sandbox>> make_sandbox(const PolicyOptions& options, const BackendTraits& backend);

}  // namespace lstar
