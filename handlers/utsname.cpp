// The utsname family: uname(2) as the host answers it, with the names the
// session gives (--hostname, --uname-release, --uname-version, --uname-machine).
#include <linux/utsname.h>
#include <sys/utsname.h>

#include <cerrno>
#include <cstring>

#include "handlers/handlers.hpp"
#include "kernel/syscall_define.hpp"

namespace lstar {

namespace {

template <std::size_t N>
void put(char (&field)[N], const std::string& value) {
    std::strncpy(field, value.c_str(), N - 1);
}

}  // namespace

void Utsname::bind(SyscallPath& path, UtsnameOptions options) {
    options_ = std::move(options);
    // The host's names with the session's in place: the fields every form shares.
    auto names = [this](Task& task, auto* uts) -> long {
        struct utsname host;
        if (::uname(&host) != 0) return -errno;
        put(uts->sysname, host.sysname);
        put(uts->nodename, options_.nodename.value_or(host.nodename));
        put(uts->release, options_.release.value_or(host.release));
        put(uts->version, options_.version.value_or(host.version));
        put(uts->machine, options_.machine.value_or(task.abi == Abi::i386 ? "i686" : host.machine));
        return 0;
    };
    LSTAR_SYSCALL_DEFINE(path, sys_newuname, [names](Task& task, UserPtr<new_utsname> name) -> HandlerResult {
        new_utsname uts{};
        if (long err = names(task, &uts)) return emulated(err);
        struct utsname host;
        ::uname(&host);
        put(uts.domainname, host.domainname);
        return emulated(copy_to_user(*task.mem, name, uts));
    });
    LSTAR_SYSCALL_DEFINE(path, sys_uname, [names](Task& task, UserPtr<old_utsname> name) -> HandlerResult {
        old_utsname uts{};
        if (long err = names(task, &uts)) return emulated(err);
        return emulated(copy_to_user(*task.mem, name, uts));
    });
}

}  // namespace lstar
