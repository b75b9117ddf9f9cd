// --decode-pids=pidns: a process id the tracee's pid namespace gave, as lstar's
// namespace numbers the same task. /proc here is lstar's: each task's status
// lists its ids from lstar's namespace down to its own (NSpid), so the id at
// the tracee's depth, in a task whose namespace is the tracee's or beneath it,
// names the task, and the first id is lstar's.
#include <dirent.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "trace/decode_ctx.hpp"

namespace lstar {

namespace {

ino_t namespace_inode(const std::string& link) {
    struct stat st {};
    return ::stat(link.c_str(), &st) == 0 ? st.st_ino : 0;
}

// The NSpid line of a status file, outermost (lstar's) namespace first.
std::vector<pid_t> namespace_ids(const std::string& status) {
    std::ifstream f(status);
    std::vector<pid_t> ids;
    for (std::string line; std::getline(f, line);) {
        if (!line.starts_with("NSpid:")) continue;
        std::istringstream in(line.substr(6));
        for (pid_t id; in >> id;) ids.push_back(id);
        break;
    }
    return ids;
}

// Whether the namespace at `link`, `up` levels above it, is `target`.
bool namespace_is(const std::string& link, std::size_t up, ino_t target) {
    int fd = ::open(link.c_str(), O_RDONLY | O_CLOEXEC);
    for (std::size_t i = 0; fd >= 0 && i < up; ++i) {
        int parent = ::ioctl(fd, NS_GET_PARENT);
        ::close(fd);
        fd = parent;
    }
    if (fd < 0) return false;
    struct stat st {};
    bool same = ::fstat(fd, &st) == 0 && st.st_ino == target;
    ::close(fd);
    return same;
}

// The task (thread) `ours` still is `id` at `depth` of namespace `theirs`.
bool names_task(pid_t ours, std::size_t depth, pid_t id, ino_t theirs) {
    std::vector<pid_t> ids = namespace_ids(fmt::format("/proc/{}/status", ours));
    return ids.size() > depth && ids[depth] == id &&
           namespace_is(fmt::format("/proc/{}/ns/pid", ours), ids.size() - 1 - depth, theirs);
}

std::vector<pid_t> numeric_entries(const std::string& dir) {
    std::vector<pid_t> out;
    DIR* d = ::opendir(dir.c_str());
    if (!d) return out;
    while (dirent* e = ::readdir(d)) {
        char* end = nullptr;
        long v = std::strtol(e->d_name, &end, 10);
        if (end != e->d_name && *end == '\0' && v > 0) out.push_back(static_cast<pid_t>(v));
    }
    ::closedir(d);
    return out;
}

}  // namespace

pid_t pid_in_lstar_namespace(pid_t tracee, pid_t id) {
    if (id <= 0) return 0;
    ino_t theirs = namespace_inode(fmt::format("/proc/{}/ns/pid", tracee));
    static const ino_t ours = namespace_inode("/proc/self/ns/pid");
    if (theirs == 0 || theirs == ours) return 0;
    std::vector<pid_t> tracee_ids = namespace_ids(fmt::format("/proc/{}/status", tracee));
    if (tracee_ids.empty()) return -1;
    std::size_t depth = tracee_ids.size() - 1;
    // Ids are reused: a remembered answer is checked before it is given.
    static std::map<std::pair<ino_t, pid_t>, pid_t> known;
    auto key = std::make_pair(theirs, id);
    if (auto it = known.find(key); it != known.end()) {
        if (names_task(it->second, depth, id, theirs)) return it->second;
        known.erase(it);
    }
    // Threads too: /proc/TID/status answers for a thread that /proc does not list.
    for (pid_t process : numeric_entries("/proc"))
        for (pid_t thread : numeric_entries(fmt::format("/proc/{}/task", process)))
            if (names_task(thread, depth, id, theirs)) return known[key] = thread;
    return -1;
}

}  // namespace lstar
