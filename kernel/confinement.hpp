// Restrictions a launched program runs under (the policy sandbox, policy/):
// prepared by the supervisor before launch, entered by the launched child as
// its last step before the program's image is loaded, and inherited by
// everything the program starts. The backend only calls apply_in_child().
#pragma once

namespace lstar {

class Confinement {
public:
    virtual ~Confinement() = default;
    // In the launched child, between fork and the program's image: system calls
    // only (no allocation, no locks). 0, or the -errno of the step that failed,
    // after which the child must not go on to the program.
    virtual int apply_in_child() const noexcept = 0;
    // A short name of that step for the message ("seccomp filter 2", "landlock").
    virtual const char* failed_step() const noexcept = 0;
    // Whether lstar must stay beside the program (a supervisor answers some of its
    // calls): it may not exec the program in its own place.
    virtual bool needs_supervisor() const noexcept { return false; }
};

}  // namespace lstar
