// A policy's path and network rules as a Landlock domain: kernel-enforced,
// resolved by the kernel on every access (no check-then-use window, symlinks,
// `..`, /proc/self/root and /proc/self/fd/N all end at the file's real place).
//
// Landlock only grants, and what a directory's rule grants reaches all of its
// tree. "The most specific rule decides" (a deny inside a writable tree) is
// built by granting the wider rights to the siblings along the way instead of
// to the common ancestor: see docs/policy.md for what that costs.
#pragma once

#include <string>
#include <vector>

#include "policy/policy.hpp"
#include "table/result.hpp"

namespace lstar::policy {

// The Landlock ABI the running kernel offers (0: none).
int landlock_abi();

struct LandlockDomain {
    int ruleset_fd = -1;  // to restrict the launched child with; -1: no path or network rule
    int abi = 0;          // the ABI it was built for
    std::vector<std::string> warnings;  // --best-effort: what is not enforced
    std::vector<std::string> notes;     // how the rules were laid out (for `policy show`)
};

// Builds the ruleset in the supervisor (it opens the rule paths). `extra_read_exec`:
// files the backend itself must be able to read and run (the in-process runtime
// re-executes lstar's own binary at each exec).
Result<LandlockDomain> build_landlock(const Policy& policy, const std::vector<std::string>& extra_read_exec);

}  // namespace lstar::policy
