// Path and network rules to a Landlock ruleset (see landlock.hpp).
#include "policy/landlock.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <map>

#include <fmt/format.h>

#include "table/xlat_data.hpp"

namespace lstar::policy {

namespace {

#define LL_FS(name) xlat_constant(xlat::data::landlock_access_fs, "LANDLOCK_ACCESS_FS_" #name)
#define LL_NET(name) xlat_constant(xlat::data::landlock_access_net, "LANDLOCK_ACCESS_NET_" #name)
#define LL_SCOPE(name) xlat_constant(xlat::data::landlock_scope, "LANDLOCK_SCOPE_" #name)

constexpr std::uint64_t kFsRead = LL_FS(READ_FILE) | LL_FS(READ_DIR);
constexpr std::uint64_t kFsWrite = LL_FS(WRITE_FILE) | LL_FS(TRUNCATE);
constexpr std::uint64_t kFsExec = LL_FS(EXECUTE);
constexpr std::uint64_t kFsMake = LL_FS(MAKE_CHAR) | LL_FS(MAKE_DIR) | LL_FS(MAKE_REG) | LL_FS(MAKE_SOCK) | LL_FS(MAKE_FIFO) |
                                  LL_FS(MAKE_BLOCK) | LL_FS(MAKE_SYM);
constexpr std::uint64_t kFsRemove = LL_FS(REMOVE_DIR) | LL_FS(REMOVE_FILE);
// Rights that only mean something on a directory, and that may be granted on the
// parents of a file a rule takes rights from: listing them and making new entries
// (which then have no rights of their own). Never removal: that would reach the file.
constexpr std::uint64_t kFsDirOnlySafe = LL_FS(READ_DIR) | kFsMake;

constexpr std::uint64_t kRuleTypePathBeneath = xlat_constant(xlat::data::landlock_rule_type, "LANDLOCK_RULE_PATH_BENEATH");
constexpr std::uint64_t kRuleTypeNetPort = xlat_constant(xlat::data::landlock_rule_type, "LANDLOCK_RULE_NET_PORT");
constexpr std::uint32_t kCreateRulesetVersion =
    static_cast<std::uint32_t>(xlat_constant(xlat::data::landlock_create_ruleset_flags, "LANDLOCK_CREATE_RULESET_VERSION"));

// The kernel's structs (linux/landlock.h), newer than Debian 12's headers.
struct RulesetAttr {
    std::uint64_t handled_access_fs;
    std::uint64_t handled_access_net;  // ABI 4
    std::uint64_t scoped;              // ABI 6
};
struct __attribute__((packed)) PathBeneathAttr {
    std::uint64_t allowed_access;
    std::int32_t parent_fd;
};
struct NetPortAttr {
    std::uint64_t allowed_access;
    std::uint64_t port;
};

// What each ABI can restrict.
std::uint64_t fs_rights(int abi) {
    std::uint64_t r = kFsRead | LL_FS(WRITE_FILE) | kFsExec | kFsMake | kFsRemove;
    if (abi >= 2) r |= LL_FS(REFER);
    if (abi >= 3) r |= LL_FS(TRUNCATE);
    if (abi >= 5) r |= LL_FS(IOCTL_DEV);
    return r;
}

std::uint64_t to_fs(unsigned access, int abi) {
    std::uint64_t r = 0;
    if (access & kAccessRead) r |= kFsRead;
    if (access & kAccessWrite) r |= kFsWrite;
    if (access & kAccessExec) r |= kFsExec;
    if (access & kAccessMake) r |= kFsMake;
    if (access & kAccessRemove) r |= kFsRemove;
    // Moving a file between directories takes both making and removing.
    if ((access & kAccessMake) && (access & kAccessRemove)) r |= LL_FS(REFER);
    // Device ioctls (a terminal's) go with reading or writing the device.
    if (access & (kAccessRead | kAccessWrite)) r |= LL_FS(IOCTL_DEV);
    return r & fs_rights(abi);
}

// The absolute path without "." and ".." and with symlinks resolved as far as it
// exists (a rule names where the file really is; a path that does not exist yet
// keeps its last components).
std::string canonical(const std::string& path) {
    char buf[PATH_MAX];
    if (::realpath(path.c_str(), buf)) return buf;
    std::size_t slash = path.find_last_of('/');
    if (slash == std::string::npos || slash == 0) return path;
    std::string parent = canonical(path.substr(0, slash));
    return (parent == "/" ? "" : parent) + path.substr(slash);
}

bool beneath(const std::string& path, const std::string& dir) {
    if (dir == "/") return path != "/";
    return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/';
}

struct Builder {
    int abi;
    int ruleset = -1;
    std::map<std::string, std::uint64_t> wanted;  // canonical path → rights there and beneath
    std::vector<std::string> notes;

    Status grant(const std::string& path, std::uint64_t rights) {
        if (!rights) return {};
        int fd = ::open(path.c_str(), O_PATH | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
            if (errno == ENOENT || errno == ELOOP) return {};  // gone, or a symlink: its target has its own rule
            return error(fmt::format("cannot open '{}' for a Landlock rule: {}", path, std::strerror(errno)), errno);
        }
        struct stat st {};
        ::fstat(fd, &st);
        // A rule on a file may only carry the rights a file has.
        if (!S_ISDIR(st.st_mode)) rights &= LL_FS(EXECUTE) | LL_FS(WRITE_FILE) | LL_FS(READ_FILE) | LL_FS(TRUNCATE) | LL_FS(IOCTL_DEV);
        PathBeneathAttr attr{rights, fd};
        long rc = rights ? ::syscall(SYS_landlock_add_rule, ruleset, kRuleTypePathBeneath, &attr, 0) : 0;
        int err = errno;
        ::close(fd);
        if (rc < 0) return error(fmt::format("landlock_add_rule for '{}': {}", path, std::strerror(err)), err);
        return {};
    }

    bool is_dir(const std::string& path) {
        struct stat st {};
        return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
    }

    // Lays out the rules for `dir`, which should have `rights` (inherited or its own).
    Status emit(const std::string& dir, std::uint64_t rights) {
        // The rules beneath dir, and whether any takes something away from `rights`.
        std::uint64_t safe_here = rights;
        bool takes_away = false;
        std::vector<std::string> inner;
        for (const auto& [path, want] : wanted) {
            if (!beneath(path, dir)) continue;
            inner.push_back(path);
            std::uint64_t reaches = is_dir(path) ? want : want | kFsDirOnlySafe;
            if (rights & ~reaches) takes_away = true;
            safe_here &= reaches;
        }
        if (!takes_away) {
            LSTAR_TRY(grant(dir, rights));
            for (const std::string& path : inner) {
                bool nested = false;  // beneath another inner rule: that one's emit lays it out
                for (const std::string& other : inner) nested = nested || beneath(path, other);
                if (!nested) LSTAR_TRY(emit(path, wanted[path]));
            }
            return {};
        }
        // The directory itself gets only what every rule beneath it allows; each entry
        // gets `rights` unless a rule lies on or beneath it.
        LSTAR_TRY(grant(dir, safe_here));
        DIR* d = ::opendir(dir.c_str());
        if (!d) return error(fmt::format("cannot list '{}' to lay out Landlock rules: {}", dir, std::strerror(errno)), errno);
        std::vector<std::string> entries;
        while (dirent* e = ::readdir(d))
            if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) entries.push_back(e->d_name);
        ::closedir(d);
        notes.push_back(fmt::format("{}: rights given to its {} entries one by one (a rule beneath takes some away)", dir, entries.size()));
        for (const std::string& name : entries) {
            std::string path = (dir == "/" ? "" : dir) + "/" + name;
            auto own = wanted.find(path);
            bool holds = own != wanted.end();
            for (const std::string& p : inner) holds = holds || beneath(p, path);
            if (!holds) LSTAR_TRY(grant(path, rights));
            else LSTAR_TRY(emit(path, own != wanted.end() ? own->second : rights));
        }
        return {};
    }
};

}  // namespace

int landlock_abi() {
    long abi = ::syscall(SYS_landlock_create_ruleset, nullptr, 0, kCreateRulesetVersion);
    return abi < 0 ? 0 : static_cast<int>(abi);
}

Result<LandlockDomain> build_landlock(const Policy& policy, const std::vector<std::string>& extra_read_exec) {
    LandlockDomain out;
    bool tcp = policy.network.restrict_tcp;
    bool scoped = policy.scope.any();
    if (!policy.restricts_paths() && !tcp && !scoped) return out;
    out.abi = landlock_abi();
    auto lacking = [&](const std::string& what) -> Status {
        if (!policy.best_effort)
            return error(fmt::format("{}: the kernel's Landlock (ABI {}) cannot enforce {}; add --best-effort to run without it",
                                     policy.source.empty() ? "the policy" : policy.source, out.abi, what));
        out.warnings.push_back(fmt::format("not enforced: {} (the kernel's Landlock ABI is {})", what, out.abi));
        return {};
    };
    if (out.abi == 0) {
        LSTAR_TRY(lacking("path and network rules (no Landlock in this kernel)"));
        return out;
    }
    bool paths = policy.restricts_paths();
    for (const PathRule& r : policy.paths)
        if ((r.access & kAccessRead) && !(r.access & kAccessWrite) && out.abi < 3)
            LSTAR_TRY(lacking(fmt::format("that {} is read-only against truncate(2) (needs ABI 3)", r.path)));
    if (tcp && out.abi < 4) {
        LSTAR_TRY(lacking("TCP port rules (needs ABI 4)"));
        tcp = false;
    }
    std::uint64_t scopes = (policy.scope.signals ? LL_SCOPE(SIGNAL) : 0) |
                           (policy.scope.abstract_unix_sockets ? LL_SCOPE(ABSTRACT_UNIX_SOCKET) : 0);
    if (scopes && out.abi < 6) {
        LSTAR_TRY(lacking(fmt::format("{} kept to the program's own processes (needs ABI 6)",
                                      policy.scope.signals && policy.scope.abstract_unix_sockets ? "signals and abstract unix sockets"
                                      : policy.scope.signals                                      ? "signals"
                                                                                                  : "abstract unix sockets")));
        scopes = 0;
    }
    if (!paths && !tcp && !scopes) return out;
    RulesetAttr attr{paths ? fs_rights(out.abi) : 0, tcp ? LL_NET(BIND_TCP) | LL_NET(CONNECT_TCP) : 0, scopes};
    std::size_t size = out.abi >= 6 ? sizeof attr : out.abi >= 4 ? offsetof(RulesetAttr, scoped) : offsetof(RulesetAttr, handled_access_net);
    long fd = ::syscall(SYS_landlock_create_ruleset, &attr, size, 0);
    if (fd < 0) return error(fmt::format("landlock_create_ruleset: {}", std::strerror(errno)), errno);
    Builder b{out.abi, static_cast<int>(fd), {}, {}};
    auto fail = [&](Error e) {
        ::close(b.ruleset);
        return e;
    };
    if (paths) {
        for (const PathRule& r : policy.paths) {
            std::string path = canonical(r.path);
            std::uint64_t rights = to_fs(r.access, out.abi);
            // The same path named twice: what both grant (a deny alone grants nothing).
            auto [it, fresh] = b.wanted.try_emplace(path, rights);
            if (!fresh) it->second = r.access ? it->second | rights : 0;
        }
        for (const std::string& file : extra_read_exec) {
            std::string path = canonical(file);
            b.wanted[path] |= to_fs(kAccessRead | kAccessExec, out.abi);
        }
        std::uint64_t root = policy.paths_allowlist ? 0 : fs_rights(out.abi);
        if (auto own = b.wanted.find("/"); own != b.wanted.end()) root = own->second;
        if (Status s = b.emit("/", root); !s) return fail(s.error());
    }
    if (tcp) {
        for (auto [ports, right] : {std::pair{&policy.network.tcp_bind, LL_NET(BIND_TCP)}, std::pair{&policy.network.tcp_connect, LL_NET(CONNECT_TCP)}})
            for (std::uint16_t port : *ports) {
                NetPortAttr rule{right, port};
                if (::syscall(SYS_landlock_add_rule, b.ruleset, kRuleTypeNetPort, &rule, 0) < 0)
                    return fail(error(fmt::format("landlock_add_rule for TCP port {}: {}", port, std::strerror(errno)), errno));
            }
    }
    out.ruleset_fd = b.ruleset;
    out.notes = std::move(b.notes);
    return out;
}

}  // namespace lstar::policy
