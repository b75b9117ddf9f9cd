#include "entry/run_as.hpp"

#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace lstar {

namespace {

std::vector<std::string> fields(const std::string& line, char sep) {
    std::vector<std::string> out;
    std::stringstream in(line);
    for (std::string f; std::getline(in, f, sep);) out.push_back(f);
    if (!line.empty() && line.back() == sep) out.emplace_back();
    return out;
}

// (uid_t)-1 means "unchanged" to setreuid(): not an id to run as.
constexpr unsigned long long kMaxId = 0xfffffffeULL;

bool parse_id(const std::string& text, unsigned* out) {
    if (text.empty() || text.size() > 10 || text.find_first_not_of("0123456789") != std::string::npos) return false;
    unsigned long long v = std::stoull(text);
    if (v > kMaxId) return false;
    *out = static_cast<unsigned>(v);
    return true;
}

}  // namespace

Result<RunAs> find_user(const std::string& name) {
    if (::getuid() != 0 || ::geteuid() != 0)
        return error(fmt::format("-u {}: only root may run the program as another user: run lstar as root, or drop -u", name), EPERM);
    RunAs user;
    // UID:GID (strace 6.9's form): those ids, and the group as the only supplementary one.
    if (std::size_t colon = name.find(':'); colon != std::string::npos) {
        unsigned uid = 0, gid = 0;
        if (!parse_id(name.substr(0, colon), &uid) || !parse_id(name.substr(colon + 1), &gid))
            return error(fmt::format("-u {}: not a user name nor UID:GID (two numbers below {}): give e.g. -u nobody or -u 65534:65534",
                                     name, kMaxId + 1ULL), EINVAL);
        user.name = name, user.uid = uid, user.gid = gid;
        user.groups.push_back(user.gid);
        return user;
    }
    bool found = false;
    std::ifstream passwd("/etc/passwd");
    for (std::string line; !found && std::getline(passwd, line);) {
        std::vector<std::string> f = fields(line, ':');
        unsigned uid = 0, gid = 0;
        if (f.size() >= 4 && f[0] == name && parse_id(f[2], &uid) && parse_id(f[3], &gid)) {
            user.name = name, user.uid = uid, user.gid = gid;
            found = true;
        }
    }
    if (!found) return error(fmt::format("-u {}: no such user in /etc/passwd: give a user name it lists", name), ENOENT);
    user.groups.push_back(user.gid);
    std::ifstream group("/etc/group");
    for (std::string line; std::getline(group, line);) {
        std::vector<std::string> f = fields(line, ':');
        unsigned gid = 0;
        if (f.size() < 4 || !parse_id(f[2], &gid) || gid == user.gid) continue;
        for (const std::string& member : fields(f[3], ','))
            if (member == name) user.groups.push_back(gid);
    }
    return user;
}

int become_user(const RunAs& user, const std::string& program) {
    uid_t euid = user.uid;
    gid_t egid = user.gid;
    struct stat st {};
    if (::stat(program.c_str(), &st) == 0) {
        if (st.st_mode & S_ISUID) euid = st.st_uid;
        if (st.st_mode & S_ISGID) egid = st.st_gid;
    }
    if (::setgroups(user.groups.size(), user.groups.data()) != 0) return -errno;
    if (::setregid(user.gid, egid) != 0) return -errno;
    if (::setreuid(user.uid, euid) != 0) return -errno;
    return 0;
}

}  // namespace lstar
