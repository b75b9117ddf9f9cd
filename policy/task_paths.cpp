#include "policy/task_paths.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>

#include <fmt/format.h>

namespace lstar::policy {

namespace {

std::string read_link(const std::string& path) {
    char buf[PATH_MAX];
    ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

}  // namespace

std::string resolve_task_path(const Task& task, std::int64_t dirfd, const std::string& name) {
    std::string full = name;
    if (name.empty() || name[0] != '/') {
        std::string base = dirfd == AT_FDCWD ? read_link(fmt::format("/proc/{}/cwd", task.tid))
                                             : read_link(fmt::format("/proc/{}/fd/{}", task.tid, dirfd));
        full = base + "/" + name;
    }
    char buf[PATH_MAX];
    if (::realpath(full.c_str(), buf)) return buf;
    std::size_t slash = full.find_last_of('/');
    if (slash != std::string::npos && slash > 0 && ::realpath(full.substr(0, slash).c_str(), buf))
        return std::string(buf) + full.substr(slash);
    return full;
}

}  // namespace lstar::policy
