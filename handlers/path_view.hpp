// The file-system view's map and resolver (handlers/fs_view.cpp uses them): the
// program's ("guest") names and the host's, one view per session. A guest name
// is resolved component by component inside the view, as openat2's
// RESOLVE_IN_ROOT resolves one: `..` stops at the view's root, a symbolic link's
// absolute target starts again from the view's root, a magic link of /proc
// (cwd, exe, fd/N) names what it points to in guest terms, a --bind's guest
// place is its host directory. Each component is looked up in the directory
// lstar holds open for the one before it (openat of one name, O_PATH|O_NOFOLLOW),
// never by a host name the kernel would look up again, so a rename inside the
// view cannot move the walk out of it; the result holds the descriptors a call
// can then be handed (Held).
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kernel/path_names.hpp"
#include "table/result.hpp"

namespace lstar {

// A descriptor lstar owns, closed with it.
class HeldFd {
public:
    HeldFd() = default;
    explicit HeldFd(int fd) : fd_(fd) {}
    HeldFd(HeldFd&& o) noexcept : fd_(o.release()) {}
    HeldFd& operator=(HeldFd&& o) noexcept {
        if (this != &o) reset(o.release());
        return *this;
    }
    HeldFd(const HeldFd&) = delete;
    HeldFd& operator=(const HeldFd&) = delete;
    ~HeldFd() { reset(); }
    int get() const { return fd_; }
    explicit operator bool() const { return fd_ >= 0; }
    int release() {
        int fd = fd_;
        fd_ = -1;
        return fd;
    }
    void reset(int fd = -1);

private:
    int fd_ = -1;
};

// --root, --bind, --read-only, --hide, --cwd (cli/view_options.cpp).
struct FsViewOptions {
    std::string root;  // a host directory the program sees as /; empty: the host's /
    struct Bind {
        std::string host, guest;
    };
    std::vector<Bind> binds;
    std::vector<std::string> read_only, hide;  // guest paths
    std::optional<std::string> cwd;            // a guest directory
    bool any() const { return !root.empty() || !binds.empty() || !read_only.empty() || !hide.empty() || cwd; }
};

class PathView final : public PathNames {
public:
    // Checks the options (hosts exist, guests are absolute, nothing contradicts)
    // and makes the map. The error is one line naming the option.
    Status configure(const FsViewOptions& options);

    // The host name of a resolved guest name (absolute, no `.`, `..` or `//`).
    std::string host_of(std::string_view guest) const;
    // The guest name of a host name, nullopt when no part of the view holds it.
    std::optional<std::string> guest_of(std::string_view host) const override;
    bool hidden(std::string_view guest) const;     // at or beneath a --hide path
    bool read_only(std::string_view guest) const;  // at or beneath a --read-only path
    // The names --hide takes out of a listing of the guest directory `dir`.
    std::vector<std::string> hidden_entries(std::string_view dir) const;
    bool hides() const { return !hide_.empty(); }
    bool any_read_only() const { return !read_only_.empty(); }

    // What the walk holds of a resolved name, for the call to be handed: the
    // directory holding its last component and that component, and the object
    // itself when the walk opened it (a last link followed, or a name looked up
    // for a call that follows one). A lookup that failed leaves its errno and
    // where: in a middle component nothing past it was looked up.
    struct Held {
        HeldFd parent;      // none for the view's root and a --bind's own place
        std::string last;
        HeldFd object;      // O_PATH, never a link
        int failed = 0;     // errno of the failed lookup (ENOENT, ENOTDIR, EACCES...)
        bool middle = false;
    };
    struct Resolved {
        std::string guest, host;
        std::shared_ptr<Held> held;  // shared: copies of a result name the same descriptors
    };
    // `path` as the kernel would look it up from the guest directory `base`
    // (absolute `path`: from the root), in the task `tgid`/`tid` (for /proc/self);
    // a last-component link followed when `follow`. An error is -errno (ENOENT for
    // hidden names, ELOOP past 40 links); a component that is not there is no
    // error here (held->failed says so, and the guest name is the one asked for).
    Result<Resolved> resolve(std::string_view base, std::string_view path, bool follow, pid_t tgid, pid_t tid) const;

private:
    // The directory lstar holds for a mount's host side, opened afresh per walk
    // with no link followed (its canonical name has none), so a link put in its
    // place cannot move it.
    HeldFd open_mount(const std::string& host) const;
    struct Mount {
        std::string guest, host;  // both absolute and canonical; guest "/" is the root
    };
    const Mount* bind_at(std::string_view guest) const;  // a --bind whose guest place is exactly `guest`
    std::vector<Mount> mounts_;  // the root first, then the binds in order (a later one wins)
    std::vector<std::string> read_only_, hide_;
};

// "/a/b/../c/" → "/a/c"; `..` above the root stays at the root.
std::string normalise_guest(std::string_view path);
// Whether `path` is `prefix` or beneath it (both normalised, absolute).
bool path_within(std::string_view path, std::string_view prefix);

}  // namespace lstar
