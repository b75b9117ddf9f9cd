// The utsname family: uname(2) as the host answers it, with the node name the
// session gives.
#include <linux/utsname.h>
#include <sys/utsname.h>

#include <cerrno>
#include <cstring>

#include "handlers/handlers.hpp"
#include "kernel/syscall_define.hpp"

namespace lstar {

void Utsname::bind(SyscallPath& path, std::string nodename) {
    nodename_ = std::move(nodename);
    LSTAR_SYSCALL_DEFINE(path, sys_newuname, [this](Task& task, UserPtr<new_utsname> name) -> HandlerResult {
        struct utsname host;
        if (::uname(&host) != 0) return emulated(-errno);
        new_utsname uts{};
        std::strncpy(uts.sysname, host.sysname, sizeof uts.sysname - 1);
        std::strncpy(uts.nodename, nodename_.c_str(), sizeof uts.nodename - 1);
        std::strncpy(uts.release, host.release, sizeof uts.release - 1);
        std::strncpy(uts.version, host.version, sizeof uts.version - 1);
        std::strncpy(uts.machine, task.abi == Abi::i386 ? "i686" : host.machine, sizeof uts.machine - 1);
        std::strncpy(uts.domainname, host.domainname, sizeof uts.domainname - 1);
        return emulated(copy_to_user(*task.mem, name, uts));
    });
}

}  // namespace lstar
