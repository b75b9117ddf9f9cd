// A policy's call rules as kernel seccomp-bpf, built with libseccomp from
// lstar's own tables: every ABI the policy models gets its rules from its own
// table, an argument declared 32 bits wide is compared on its low half only,
// and what a rule forbids cannot be done another way the filter can see (the
// i386 multiplexers, clone3 and openat2 beside the calls whose flags a rule
// reads, io_uring, a user-notify listener of the program's own).
#pragma once

#include <linux/filter.h>
#include <seccomp.h>

#include <array>
#include <map>

#include <string>
#include <vector>

#include "policy/policy.hpp"
#include "table/result.hpp"

namespace lstar::policy {

// One seccomp filter. A policy may need several: the kernel runs them all and
// takes the most restrictive answer, which is what makes "the strictest rule
// that matches decides" exact when rules overlap.
struct SeccompFilter {
    std::vector<sock_filter> program;
    std::string what;  // what it does: "x86_64 calls", "gate: the ABIs the policy models", ...
    // Entered after the others: it may deny seccomp(2) itself, which entering them takes.
    bool enter_last = false;
};

// One rule as it applies to one row: comparisons in libseccomp's terms.
struct RowRule {
    std::vector<scmp_arg_cmp> cmps;
    // Argument positions compared by order (<, >, ...) on a narrow argument: a
    // value with garbage in its upper half would not match them as the kernel,
    // which ignores that half, sees it; such a call gets a stricter rule's answer too.
    std::vector<int> narrow_ordered;
    Action action;
    std::string origin;
};

// What a call gets, and which rule said so ("" for the default).
struct CallVerdict {
    Action action;
    std::string origin;
};

struct CompiledPolicy {
    std::vector<SeccompFilter> filters;
    // The rules of each row that has any, per ABI (by number), and the default: what
    // the filters decide, for the supervisor to name the rule of a denial.
    std::array<std::map<std::uint64_t, std::vector<RowRule>>, kAbiCount> rows;
    Action default_action;
    std::vector<Abi> abis;
    // The answer the filters give to this call (the strictest matching rule, as the
    // kernel takes the strictest answer of its filters).
    CallVerdict decide(Abi abi, std::uint64_t nr, const std::uint64_t args[6]) const;
    // The first rule of this row, in policy order, whose conditions the call meets.
    const RowRule* first_match(Abi abi, std::uint64_t nr, const std::uint64_t args[6]) const;
    // What a reader should know: rules that shadow each other or do nothing,
    // holes lstar closed by default, calls a rule could not reach on an ABI.
    std::vector<std::string> notes;
};

// The rules that close known holes, added to a policy's own unless it names
// those calls itself (docs/policy.md, "Defaults").
void add_default_rules(Policy& policy);

Result<CompiledPolicy> compile_seccomp(const Policy& policy);

// The filter that sends these rows' calls to a user-notification listener (the
// supervisor of supervised rules: policy/supervisor.hpp), for both x86 ABIs.
Result<SeccompFilter> compile_notify_filter(const std::vector<const SyscallDesc*>& rows, const CompiledPolicy& limits);
// The policy's rules with a limit, by row, with their own actions (for the supervisor).
Result<CompiledPolicy> compile_call_limits(const Policy& policy);

// The rows of one ABI's table that a rule's call names and classes reach.
Result<std::vector<const SyscallDesc*>> rule_rows(const CallRule& rule, Abi abi);

// A filter in readable form (policy/bpf_text.cpp): `lstar policy compile`.
std::string disassemble(const std::vector<sock_filter>& program);

}  // namespace lstar::policy
