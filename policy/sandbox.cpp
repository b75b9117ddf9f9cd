#include "policy/sandbox.hpp"

#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace lstar::policy {

Result<std::unique_ptr<Sandbox>> Sandbox::prepare(Policy policy, const std::vector<std::string>& backend_files, bool enter) {
    std::unique_ptr<Sandbox> s(new Sandbox());
    add_default_rules(policy);
    LSTAR_TRY_ASSIGN(s->compiled_, compile_seccomp(policy));
    if (enter) {
        LSTAR_TRY_ASSIGN(s->landlock_, build_landlock(policy, backend_files));
        if (policy.supervised()) {
            LSTAR_TRY_ASSIGN(s->supervisor_, Supervisor::prepare(policy, s->landlock_.ruleset_fd));
        }
    }
    s->policy_ = std::move(policy);
    return s;
}

Sandbox::~Sandbox() {
    if (landlock_.ruleset_fd >= 0) ::close(landlock_.ruleset_fd);
}

int Sandbox::apply_in_child() const noexcept {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        failed_step_ = "no_new_privs";
        return -errno;
    }
    if (landlock_.ruleset_fd >= 0) {
        long rc = ::syscall(SYS_landlock_restrict_self, landlock_.ruleset_fd, 0);
        int err = errno;
        ::close(landlock_.ruleset_fd);  // the program must not add to it (nor keep it)
        if (rc != 0) {
            failed_step_ = "landlock";
            return -err;
        }
    }
    if (supervisor_) {
        if (int err = supervisor_->enter_in_child(); err < 0) {
            failed_step_ = "supervised calls' filter";
            return err;
        }
    }
    for (const SeccompFilter& f : compiled_.filters) {
        sock_fprog prog{static_cast<unsigned short>(f.program.size()), const_cast<sock_filter*>(f.program.data())};
        if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
            failed_step_ = "seccomp filter";
            return -errno;
        }
    }
    return 0;
}

}  // namespace lstar::policy
