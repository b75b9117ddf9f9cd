// Virtual files: what uname says, in the files that repeat it. The content is
// made once, in the session that opens the files; an open of a served path for
// reading is given "/proc/<pid>/fd/<fd>" of the memfd instead (written where the
// backend lets a handler put a call's data, UserMemory::scratch), <pid> being
// the process the handler runs in, which holds the descriptor: the tracer with
// ptrace, the program's own process in-process.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "handlers/handlers.hpp"
#include "kernel/syscall_define.hpp"

namespace lstar {

namespace {

// The host's /proc/version with the host's release and version in it replaced.
std::string version_file(const UtsnameOptions& names, const struct utsname& host) {
    std::ifstream in("/proc/version");
    std::stringstream text;
    text << in.rdbuf();
    std::string out = text.str();
    if (out.empty()) out = fmt::format("Linux version {} (lstar) {}\n", host.release, host.version);
    auto replace = [&out](const std::string& from, const std::optional<std::string>& to) {
        if (!to || from.empty()) return;
        if (auto at = out.find(from); at != std::string::npos) out.replace(at, from.size(), *to);
    };
    replace(host.version, names.version);  // first: the release may occur inside the version
    replace(host.release, names.release);
    return out;
}

}  // namespace

void VirtualFiles::bind(SyscallPath& path, const UtsnameOptions& names) {
    struct utsname host;
    if (::uname(&host) != 0) return;
    files_.clear();
    if (names.release) files_.push_back({"/proc/sys/kernel/osrelease", *names.release + "\n"});
    if (names.nodename) files_.push_back({"/proc/sys/kernel/hostname", *names.nodename + "\n"});
    if (names.release || names.version) files_.push_back({"/proc/version", version_file(names, host)});
    if (files_.empty()) return;
    LSTAR_SYSCALL_DEFINE(path, sys_open, [this](Task& t, UserPtr<const char>, int flags, std::uint16_t) {
        return open_enter(t, AT_FDCWD, 0, flags);
    });
    LSTAR_SYSCALL_DEFINE(path, compat_sys_open, [this](Task& t, UserPtr<const char>, int flags, std::uint16_t) {
        return open_enter(t, AT_FDCWD, 0, flags);
    });
    LSTAR_SYSCALL_DEFINE(path, sys_openat, [this](Task& t, int dfd, UserPtr<const char>, int flags, std::uint16_t) {
        return open_enter(t, dfd, 1, flags);
    });
    LSTAR_SYSCALL_DEFINE(path, compat_sys_openat, [this](Task& t, int dfd, UserPtr<const char>, int flags, std::uint16_t) {
        return open_enter(t, dfd, 1, flags);
    });
}

HandlerResult VirtualFiles::open_enter(Task& task, int dirfd, int path_arg, int flags) {
    std::string name;
    if (strncpy_from_user(*task.mem, name, UserPtr<const char>(task.arg(path_arg)), PATH_MAX) <= 0)
        return kPassThrough;  // the host gives the error
    if (name.empty() || name[0] != '/') return kPassThrough;
    (void)dirfd;  // an absolute path: the directory does not matter
    for (const File& f : files_) {
        if (f.path != name || f.fd < 0) continue;
        if ((flags & O_ACCMODE) != O_RDONLY || (flags & (O_TRUNC | O_CREAT))) return emulated(-EACCES);
        std::string served = fmt::format("/proc/{}/fd/{}", ::getpid(), f.fd);
        std::uint64_t at = task.mem->scratch(task, served.size() + 1);
        if (!at || copy_bytes_to_user(*task.mem, at, served.c_str(), served.size() + 1) != 0) return kPassThrough;
        task.set_arg(path_arg, at);
        return kPassThrough;
    }
    return kPassThrough;
}

Status VirtualFiles::open() {
    for (File& f : files_) {
        f.fd = ::memfd_create("lstar-virtual-file", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (f.fd < 0) return error(fmt::format("cannot make the virtual file {}: {}", f.path, std::strerror(errno)), errno);
        if (::write(f.fd, f.content.data(), f.content.size()) != static_cast<ssize_t>(f.content.size()))
            return error(fmt::format("cannot fill the virtual file {}: {}", f.path, std::strerror(errno)), errno);
        // Read-only from here: nothing the program does through it can change it.
        ::fcntl(f.fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL);
    }
    return {};
}

std::vector<int> VirtualFiles::fds() const {
    std::vector<int> out;
    for (const File& f : files_) out.push_back(f.fd);
    return out;
}

void VirtualFiles::adopt(std::span<const int> fds) {
    for (std::size_t i = 0; i < files_.size(); ++i) files_[i].fd = i < fds.size() ? fds[i] : -1;
}

}  // namespace lstar
