// `lstar policy learn`: a stage that watches a run and writes the smallest
// policy that allows it: the calls per ABI; for the arguments that decide what
// a call does, the values seen; the files opened, run and changed as Landlock
// directory rules; the TCP ports bound and connected to.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "kernel/syscall_path.hpp"
#include "policy/policy.hpp"

namespace lstar::policy {

class Learner final : public Hook {
public:
    void bind(SyscallPath& path) { path.add_hook(Stage::policy, this); }
    // At entry: a call that does not return (exit_group, a successful execve) is
    // learned too, and its arguments are still the caller's.
    Verdict on_enter(Task& task) override;

    // What was seen, as a policy (default errno:EPERM, the ABIs seen).
    Policy policy() const;

private:
    void learn_paths(Task& task, const SyscallDesc& row);
    void learn_port(Task& task, const SyscallDesc& row);

    std::map<Abi, std::set<std::string>> calls_;  // calls made with any arguments
    // (abi, call, argument index) → the values seen.
    std::map<std::tuple<Abi, std::string, int>, std::set<std::uint64_t>> values_;
    std::map<std::string, unsigned> paths_;  // directory (or file) → PathAccess bits
    std::set<std::uint16_t> bind_ports_, connect_ports_;
};

// A policy as lstar's TOML (what `policy learn` writes): rules that allow the
// same calls are merged, conditions and paths written once.
std::string write_toml_policy(const Policy& policy, const std::string& comment);

}  // namespace lstar::policy
