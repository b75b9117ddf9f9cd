#include "handlers/path_view.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <deque>

#include <fmt/format.h>

namespace lstar {

namespace {

// The kernel's limit on links followed in one lookup (MAXSYMLINKS).
constexpr int kMaxLinks = 40;

std::vector<std::string> split(std::string_view path) {
    std::vector<std::string> out;
    std::size_t at = 0;
    while (at < path.size()) {
        std::size_t end = path.find('/', at);
        if (end == std::string_view::npos) end = path.size();
        if (end > at) out.emplace_back(path.substr(at, end - at));
        at = end + 1;
    }
    return out;
}

std::string join(const std::vector<std::string>& parts) {
    if (parts.empty()) return "/";
    std::string out;
    for (const std::string& p : parts) out += "/" + p;
    return out;
}

bool all_digits(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

// /proc/<pid>[/task/<tid>]/{cwd,root,exe,fd/<n>}: a link the kernel follows to the
// object itself, whose text is a host name (or no name: "pipe:[...]").
std::optional<std::string> proc_magic_link(std::string_view host) {
    std::vector<std::string> p = split(host);
    if (p.size() < 3 || p[0] != "proc" || !all_digits(p[1])) return std::nullopt;
    std::size_t at = 2;
    if (p.size() >= 5 && p[2] == "task" && all_digits(p[3])) at = 4;
    if (p.size() == at + 1 && (p[at] == "cwd" || p[at] == "root" || p[at] == "exe")) return p[at];
    if (p.size() == at + 2 && p[at] == "fd" && all_digits(p[at + 1])) return "fd";
    return std::nullopt;
}

Result<std::string> canonical_host_dir(const std::string& what, const std::string& path) {
    char buf[PATH_MAX];
    if (!::realpath(path.c_str(), buf))
        return error(fmt::format("{} '{}': {} (give an existing directory)", what, path, std::strerror(errno)), EINVAL);
    struct stat st;
    if (::stat(buf, &st) != 0 || !S_ISDIR(st.st_mode))
        return error(fmt::format("{} '{}': not a directory (give an existing directory)", what, path), EINVAL);
    return std::string(buf);
}

}  // namespace

std::string normalise_guest(std::string_view path) {
    std::vector<std::string> out;
    for (std::string& c : split(path)) {
        if (c == ".") continue;
        if (c == "..") {
            if (!out.empty()) out.pop_back();
            continue;
        }
        out.push_back(std::move(c));
    }
    return join(out);
}

bool path_within(std::string_view path, std::string_view prefix) {
    if (prefix == "/") return true;
    return path.starts_with(prefix) && (path.size() == prefix.size() || path[prefix.size()] == '/');
}

Status PathView::configure(const FsViewOptions& o) {
    mounts_.clear();
    std::string root = "/";
    if (!o.root.empty()) {
        Result<std::string> r = canonical_host_dir("--root", o.root);
        if (!r) return r.error();
        root = *r;
    }
    mounts_.push_back({"/", root});
    for (const FsViewOptions::Bind& b : o.binds) {
        if (b.guest.empty() || b.guest[0] != '/')
            return error(fmt::format("--bind '{}:{}': the guest side must be an absolute path", b.host, b.guest), EINVAL);
        Result<std::string> host = canonical_host_dir("--bind", b.host);
        if (!host) return host.error();
        std::string guest = normalise_guest(b.guest);
        if (guest == "/")
            return error(fmt::format("--bind '{}:{}': a bind onto / is --root {}", b.host, b.guest, b.host), EINVAL);
        for (const Mount& m : mounts_)
            if (m.guest == guest && m.guest != "/" && m.host != *host)
                return error(fmt::format("--bind '{}:{}': {} is already bound to {}", b.host, b.guest, guest, m.host), EINVAL);
        mounts_.push_back({guest, *host});
    }
    auto guest_list = [](const char* what, const std::vector<std::string>& in, std::vector<std::string>* out) -> Status {
        out->clear();
        for (const std::string& p : in) {
            if (p.empty() || p[0] != '/')
                return error(fmt::format("{} '{}': give an absolute path as the program sees it", what, p), EINVAL);
            out->push_back(normalise_guest(p));
        }
        return {};
    };
    LSTAR_TRY(guest_list("--read-only", o.read_only, &read_only_));
    LSTAR_TRY(guest_list("--hide", o.hide, &hide_));
    for (const std::string& h : hide_) {
        if (h == "/") return error("--hide '/': the whole view cannot be hidden", EINVAL);
        for (const Mount& m : mounts_)
            if (m.guest != "/" && path_within(m.guest, h))
                return error(fmt::format("--hide '{}' hides --bind's {}: give one or the other", h, m.guest), EINVAL);
    }
    if (o.cwd) {
        if (o.cwd->empty() || (*o.cwd)[0] != '/')
            return error(fmt::format("--cwd '{}': give an absolute path as the program sees it", *o.cwd), EINVAL);
        std::string guest = normalise_guest(*o.cwd);
        if (hidden(guest)) return error(fmt::format("--cwd '{}' is hidden by --hide", *o.cwd), EINVAL);
        struct stat st;
        if (::stat(host_of(guest).c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
            return error(fmt::format("--cwd '{}': no such directory in the view ({})", *o.cwd, host_of(guest)), EINVAL);
    }
    return {};
}

std::string PathView::host_of(std::string_view guest) const {
    const Mount* best = &mounts_.front();
    for (const Mount& m : mounts_)
        if (path_within(guest, m.guest) && m.guest.size() >= best->guest.size()) best = &m;
    std::string_view rest = guest.substr(best->guest == "/" ? 0 : best->guest.size());
    if (best->host == "/") return rest.empty() ? "/" : std::string(rest);
    return best->host + std::string(rest == "/" ? "" : rest);
}

std::optional<std::string> PathView::guest_of(std::string_view host) const {
    const Mount* best = nullptr;
    for (const Mount& m : mounts_)
        if (path_within(host, m.host) && (!best || m.host.size() >= best->host.size())) best = &m;
    if (!best) return std::nullopt;
    std::string_view rest = host.substr(best->host == "/" ? 0 : best->host.size());
    std::string guest = best->guest == "/" ? std::string(rest) : best->guest + std::string(rest);
    return guest.empty() ? "/" : guest;
}

bool PathView::hidden(std::string_view guest) const {
    for (const std::string& h : hide_)
        if (path_within(guest, h)) return true;
    return false;
}

bool PathView::read_only(std::string_view guest) const {
    for (const std::string& r : read_only_)
        if (path_within(guest, r)) return true;
    return false;
}

std::vector<std::string> PathView::hidden_entries(std::string_view dir) const {
    std::vector<std::string> out;
    for (const std::string& h : hide_) {
        std::size_t slash = h.rfind('/');
        std::string_view parent = slash == 0 ? std::string_view("/") : std::string_view(h).substr(0, slash);
        if (parent == dir) out.push_back(h.substr(slash + 1));
    }
    return out;
}

void HeldFd::reset(int fd) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
}

HeldFd PathView::open_mount(const std::string& host) const {
    open_how how{};
    how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
    how.resolve = RESOLVE_NO_SYMLINKS;
    int fd = static_cast<int>(::syscall(SYS_openat2, AT_FDCWD, host.c_str(), &how, sizeof how));
    if (fd >= 0 || errno != ENOSYS) return HeldFd(fd);
    // No openat2 (an older kernel, or a sandbox in-process that answers it ENOSYS so
    // that libc falls back to openat): the same, one component at a time.
    HeldFd dir(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    for (const std::string& name : split(host)) {
        if (!dir) break;
        dir = HeldFd(::openat(dir.get(), name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    }
    return dir;
}

const PathView::Mount* PathView::bind_at(std::string_view guest) const {
    const Mount* found = nullptr;
    for (const Mount& m : mounts_)
        if (m.guest != "/" && m.guest == guest) found = &m;
    return found;
}

Result<PathView::Resolved> PathView::resolve(std::string_view base, std::string_view path, bool follow, pid_t tgid,
                                             pid_t tid) const {
    if (path.empty()) return error("empty path", ENOENT);
    // The walk: the guest components so far and, beside each, the directory (or
    // object) lstar holds for it; `..` pops both, so it never climbs above the root.
    std::vector<std::string> out;
    std::vector<HeldFd> held;
    HeldFd root = open_mount(mounts_.front().host);
    if (!root) return error(mounts_.front().host, errno);
    auto dir_fd = [&](std::size_t depth) { return depth == 0 ? root.get() : held[depth - 1].get(); };
    std::deque<std::string> todo;
    // A relative name starts from `base`, walked like the rest.
    if (path[0] != '/')
        for (std::string& c : split(base)) todo.push_back(std::move(c));
    for (std::string& c : split(path)) todo.push_back(std::move(c));
    // A trailing slash asks for a directory: its link is followed, as the kernel does.
    bool dir_wanted = path.back() == '/';
    auto result = std::make_shared<Held>();
    int links = 0;
    bool last_unopened = false;
    while (!todo.empty()) {
        std::string c = std::move(todo.front());
        todo.pop_front();
        if (c == ".") continue;
        if (c == "..") {
            if (!out.empty()) out.pop_back(), held.pop_back();
            continue;
        }
        out.push_back(std::move(c));
        held.emplace_back();
        std::string guest = join(out);
        if (hidden(guest)) return error(guest, ENOENT);
        bool last = todo.empty();
        if (const Mount* m = bind_at(guest)) {  // the bind's host directory, whatever the root holds there
            held.back() = open_mount(m->host);
            if (!held.back()) return error(m->host, errno);
            continue;
        }
        if (last && !follow && !dir_wanted) {  // the call acts on the name in its directory
            last_unopened = true;
            break;
        }
        std::string host = host_of(guest);
        std::string target;
        if (host == "/proc/self") {
            target = std::to_string(tgid);  // the task's, not the process lstar runs in
        } else if (host == "/proc/thread-self") {
            target = fmt::format("{}/task/{}", tgid, tid);
        } else {
            int dir = dir_fd(out.size() - 1);
            // A middle component is most often a directory: opened as one, it is no
            // link, and needs no fstat to say so.
            if (!last) {
                held.back().reset(::openat(dir, out.back().c_str(), O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC));
                if (held.back()) continue;
            }
            held.back().reset(::openat(dir, out.back().c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
            if (!held.back()) {
                result->failed = errno;
                result->middle = !last;
                break;
            }
            struct stat st;
            if (::fstat(held.back().get(), &st) != 0 || !S_ISLNK(st.st_mode)) continue;
            char buf[PATH_MAX];
            ssize_t n = ::readlinkat(held.back().get(), "", buf, sizeof buf);
            if (n < 0) return error(guest, errno);
            target.assign(buf, static_cast<std::size_t>(n));
        }
        if (++links > kMaxLinks) return error(guest, ELOOP);
        if (std::optional<std::string> magic = proc_magic_link(host)) {
            // The kernel jumps to the object: its host name in guest terms, walked
            // again from the root. The program's root is the view's; an object out
            // of the view (a pipe, a descriptor it was given) is reached through
            // the link itself.
            std::optional<std::string> inside = *magic == "root" ? std::optional<std::string>("/")
                                                : target.starts_with("/") ? guest_of(target) : std::nullopt;
            if (!inside) {
                held.back().reset(::openat(dir_fd(out.size() - 1), out.back().c_str(), O_PATH | O_CLOEXEC));
                if (!held.back()) {
                    result->failed = errno;
                    result->middle = !last;
                    break;
                }
                continue;
            }
            out.clear(), held.clear();
            std::vector<std::string> parts = split(*inside);
            todo.insert(todo.begin(), parts.begin(), parts.end());
            continue;
        }
        out.pop_back(), held.pop_back();
        std::vector<std::string> parts = split(target);
        if (target.starts_with("/")) out.clear(), held.clear();  // an absolute target: from the view's root
        todo.insert(todo.begin(), parts.begin(), parts.end());
    }
    Resolved r;
    if (result->failed) {
        // Not there: the name asked for, as far as it goes, for --read-only's and the caller's sake.
        std::vector<std::string> rest(todo.begin(), todo.end());
        r.guest = normalise_guest(join(out) + join(rest));
    } else {
        r.guest = join(out);
    }
    if (hidden(r.guest)) return error(r.guest, ENOENT);
    r.host = host_of(r.guest);
    if (dir_wanted && r.host != "/") r.host += "/";
    std::size_t n = out.size();
    if (n == 0) {
        result->object = std::move(root);
    } else {
        if (!bind_at(join(out)) || result->failed) {
            result->parent = n >= 2 ? std::move(held[n - 2]) : std::move(root);
            result->last = out.back();
        }
        if (!last_unopened && !result->failed) result->object = std::move(held[n - 1]);
    }
    r.held = std::move(result);
    return r;
}

}  // namespace lstar
