#include "handlers/emulate.hpp"

#include <linux/utsname.h>
#include <sys/utsname.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include <fmt/format.h>

#include "kernel/syscall_define.hpp"
#include "trace/format.hpp"

namespace lstar {

namespace {

bool parse_result(std::string_view text, std::int64_t* value) {
    if (text.size() > 2 && text.substr(0, 2) == "-E") {
        for (int err = 1; err < 4096; ++err)
            if (errno_name(err) == text.substr(1)) { *value = -err; return true; }
        return false;
    }
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *value);
    return ec == std::errc() && end == text.data() + text.size();
}

// The host's uname with the node name replaced.
HandlerResult uname_with(const std::string& hostname, Task& task, UserPtr<new_utsname> name) {
    struct utsname host;
    if (::uname(&host) != 0) return emulated(-errno);
    new_utsname uts{};
    std::strncpy(uts.sysname, host.sysname, sizeof uts.sysname - 1);
    std::strncpy(uts.nodename, hostname.c_str(), sizeof uts.nodename - 1);
    std::strncpy(uts.release, host.release, sizeof uts.release - 1);
    std::strncpy(uts.version, host.version, sizeof uts.version - 1);
    std::strncpy(uts.machine, task.abi == Abi::i386 ? "i686" : host.machine, sizeof uts.machine - 1);
    std::strncpy(uts.domainname, host.domainname, sizeof uts.domainname - 1);
    return emulated(copy_to_user(*task.mem, name, uts));
}

std::string g_hostname;

HandlerResult do_sys_newuname(Task& task, UserPtr<new_utsname> name) {
    return uname_with(g_hostname, task, name);
}

}  // namespace

bool bind_constant_result(SyscallPath& path, std::string_view spec, std::string* error) {
    auto eq = spec.find('=');
    std::int64_t value = 0;
    if (eq == std::string_view::npos || !parse_result(spec.substr(eq + 1), &value)) {
        *error = fmt::format("invalid --emulate '{}': expected NAME=NUMBER or NAME=-ERRNO, e.g. getpid=4242", spec);
        return false;
    }
    std::string_view name = spec.substr(0, eq);
    if (path.bind_name(name, [value](Task&) { return emulated(value); }) == 0) {
        *error = fmt::format("invalid --emulate '{}': unknown system call '{}'", spec, name);
        return false;
    }
    return true;
}

void bind_virtual_hostname(SyscallPath& path, const std::string& hostname) {
    g_hostname = hostname;
    LSTAR_SYSCALL_DEFINE(path, sys_newuname, do_sys_newuname);
}

}  // namespace lstar
