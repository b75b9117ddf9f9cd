// Virtual files: what uname says, in the files that repeat it, and (with
// --proc-syscall) /proc/<pid>/syscall of the session's tasks as the path sees them. The content is
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
#include <charconv>
#include <cstdlib>
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

void VirtualFiles::bind(SyscallPath& path, const UtsnameOptions& names, bool proc_syscall) {
    struct utsname host;
    if (::uname(&host) != 0) return;
    files_.clear();
    if (names.release) files_.push_back({"/proc/sys/kernel/osrelease", *names.release + "\n"});
    if (names.nodename) files_.push_back({"/proc/sys/kernel/hostname", *names.nodename + "\n"});
    if (names.release || names.version) files_.push_back({"/proc/version", version_file(names, host)});
    tasks_ = proc_syscall ? &path.tasks() : nullptr;
    if (files_.empty() && !tasks_) return;
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
    if (!tasks_) return;
    for (std::string_view e : {meta::sys_open::name, meta::compat_sys_open::name, meta::sys_openat::name, meta::compat_sys_openat::name})
        path.bind_exit_entry(e, [this](Task& t) {
            // The program holds the file now (or the open failed): lstar's descriptor goes.
            if (auto it = made_.find(t.tid); it != made_.end()) {
                ::close(it->second);
                made_.erase(it);
            }
            return kPassThrough;
        });
    // A read of a served syscall file from its start sees the task as it is at that
    // read, as the kernel's file (made at its first read) does. A translation, so that
    // it runs before --seed's handler of read.
    auto none = [](Task&) { return kPassThrough; };
    path.bind_translation(meta::sys_read::name, [this](Task& t) {
        refresh_syscall_file(t, static_cast<int>(t.arg(0)), std::nullopt);
        return kPassThrough;
    }, none);
    path.bind_translation(meta::sys_pread64::name, [this](Task& t) {
        refresh_syscall_file(t, static_cast<int>(t.arg(0)), t.arg(3));
        return kPassThrough;
    }, none);
    path.bind_translation(meta::sys_ia32_pread64::name, [this](Task& t) {
        refresh_syscall_file(t, static_cast<int>(t.arg(0)), (t.arg(4) << 32) | (t.arg(3) & 0xffffffffu));
        return kPassThrough;
    }, none);
}

namespace {

constexpr std::string_view kSyscallFileName = "lstar-syscall:";

// The task whose /proc/.../syscall `name` is, for the task `self` opening it:
// /proc/self/ (its thread group's leader), /proc/thread-self/ (itself), /proc/<n>/,
// /proc/<...>/task/<m>/. 0 for any other name.
pid_t syscall_file_task(std::string_view name, const Task& self) {
    constexpr std::string_view kProc = "/proc/", kFile = "/syscall";
    if (!name.starts_with(kProc) || !name.ends_with(kFile)) return 0;
    name = name.substr(kProc.size(), name.size() - kProc.size() - kFile.size());
    auto number = [](std::string_view text) -> pid_t {
        pid_t n = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
        return ec == std::errc() && end == text.data() + text.size() && n > 0 ? n : 0;
    };
    std::string_view group = name.substr(0, name.find('/'));
    pid_t tgid = group == "self" ? self.tgid : group == "thread-self" ? self.tid : number(group);
    if (group.size() == name.size()) return tgid;
    std::string_view rest = name.substr(group.size());
    if (group == "thread-self" || !rest.starts_with("/task/")) return 0;
    return tgid ? number(rest.substr(6)) : 0;
}

}  // namespace

// The line /proc/<tid>/syscall shows, as the path sees the task.
std::string VirtualFiles::syscall_line(const Task& reader, pid_t target) const {
    const Task* t = target == reader.tid ? &reader : tasks_->find(target);
    return (t ? t->proc_syscall_line() : std::string("running")) + "\n";
}

HandlerResult VirtualFiles::open_syscall_file(Task& task, int path_arg, int flags, pid_t target) {
    if ((flags & O_ACCMODE) != O_RDONLY || (flags & (O_TRUNC | O_CREAT))) return emulated(-EACCES);  // the kernel's 0400
    int fd = ::memfd_create(fmt::format("{}{}", kSyscallFileName, target).c_str(), MFD_CLOEXEC);
    if (fd < 0) return kPassThrough;
    // Out of the way of the program's own numbers while its open runs (in-process,
    // lstar makes it in the program's table).
    if (int high = ::fcntl(fd, F_DUPFD_CLOEXEC, 512); high >= 0) {
        ::close(fd);
        fd = high;
    }
    std::string line = syscall_line(task, target);
    std::string served = fmt::format("/proc/{}/fd/{}", ::getpid(), fd);
    std::uint64_t at = task.mem->scratch(task, served.size() + 1);
    if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()) || !at ||
        copy_bytes_to_user(*task.mem, at, served.c_str(), served.size() + 1) != 0) {
        ::close(fd);
        return kPassThrough;
    }
    if (auto it = made_.find(task.tid); it != made_.end()) ::close(it->second);
    made_[task.tid] = fd;
    task.set_arg(path_arg, at);
    return kPassThrough;
}

void VirtualFiles::refresh_syscall_file(Task& task, int fd, std::optional<std::uint64_t> offset) {
    std::optional<std::string> link = proc_link(task.tgid, fmt::format("fd/{}", fd));
    std::string_view name = link ? std::string_view(*link) : std::string_view();
    constexpr std::string_view kMemfd = "/memfd:";
    if (!name.starts_with(kMemfd) || !name.substr(kMemfd.size()).starts_with(kSyscallFileName)) return;
    pid_t target = std::atoi(link->c_str() + kMemfd.size() + kSyscallFileName.size());
    std::string file = fmt::format("/proc/{}/fd/{}", task.tgid, fd);
    if (!offset) {
        // read(2) reads at the descriptor's offset: only a read from the start remakes it.
        std::ifstream info(fmt::format("/proc/{}/fdinfo/{}", task.tgid, fd));
        std::string key;
        std::uint64_t pos = 1;
        info >> key >> pos;
        if (key != "pos:" || pos != 0) return;
    } else if (*offset != 0) {
        return;
    }
    int out = ::open(file.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (out < 0) return;
    std::string line = syscall_line(task, target);
    if (::write(out, line.data(), line.size()) < 0) {}
    ::close(out);
}

HandlerResult VirtualFiles::open_enter(Task& task, int dirfd, int path_arg, int flags) {
    std::string name;
    if (strncpy_from_user(*task.mem, name, UserPtr<const char>(task.arg(path_arg)), PATH_MAX) <= 0)
        return kPassThrough;  // the host gives the error
    if (name.empty() || name[0] != '/') return kPassThrough;
    (void)dirfd;  // an absolute path: the directory does not matter
    if (tasks_)
        if (pid_t target = syscall_file_task(name, task); target && (target == task.tid || tasks_->find(target)))
            return open_syscall_file(task, path_arg, flags, target);
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
