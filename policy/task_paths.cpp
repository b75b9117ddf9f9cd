#include "policy/task_paths.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>

#include <fmt/format.h>

namespace lstar::policy {


std::string resolve_task_path(const Task& task, std::int64_t dirfd, const std::string& name) {
    std::string full = name;
    if (name.empty() || name[0] != '/') {
        std::string base = proc_link(task.tid, dirfd == AT_FDCWD ? std::string("cwd") : fmt::format("fd/{}", dirfd))
                               .value_or("");
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
