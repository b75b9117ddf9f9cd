// A compiled policy, ready to be entered by a launched program: its seccomp
// filters and its Landlock domain (policy/seccomp_filter.hpp, landlock.hpp).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "kernel/confinement.hpp"
#include "policy/landlock.hpp"
#include "policy/seccomp_filter.hpp"
#include "policy/supervisor.hpp"
#include "table/result.hpp"

namespace lstar::policy {

class Sandbox final : public Confinement {
public:
    // Compiles the policy (with lstar's default rules added) and builds its Landlock
    // ruleset. `backend_files`: files the backend must still read and execute.
    // With `enter` false, only what the reporter needs (an image of the program that
    // is in the sandbox already): the filters, no Landlock ruleset.
    static Result<std::unique_ptr<Sandbox>> prepare(Policy policy, const std::vector<std::string>& backend_files,
                                                    bool enter = true);
    ~Sandbox() override;

    // no_new_privs, then the Landlock domain, then the supervised calls' filter with
    // its listener sent to lstar, then the policy's filters (Landlock's own call must
    // not meet them, and they deny a new listener).
    int apply_in_child() const noexcept override;
    const char* failed_step() const noexcept override { return failed_step_; }
    bool needs_supervisor() const noexcept override { return supervisor_ != nullptr; }

    const Policy& policy() const { return policy_; }
    const CompiledPolicy& compiled() const { return compiled_; }
    const LandlockDomain& landlock() const { return landlock_; }
    // The supervisor of the policy's supervised rules (nullptr: none).
    Supervisor* supervisor() const { return supervisor_.get(); }

private:
    Sandbox() = default;
    Policy policy_;
    CompiledPolicy compiled_;
    LandlockDomain landlock_;
    std::unique_ptr<Supervisor> supervisor_;
    mutable const char* failed_step_ = "";
};

}  // namespace lstar::policy
