// The file-system view's map and resolver (handlers/fs_view.cpp uses them): the
// program's ("guest") names and the host's, one view per session. A guest name
// is resolved component by component inside the view, as openat2's
// RESOLVE_IN_ROOT resolves one: `..` stops at the view's root, a symbolic link's
// absolute target starts again from the view's root, a magic link of /proc
// (cwd, exe, fd/N) names what it points to in guest terms; then the longest
// --bind whose guest side holds the name gives its host side.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "table/result.hpp"

namespace lstar {

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

class PathView {
public:
    // Checks the options (hosts exist, guests are absolute, nothing contradicts)
    // and makes the map. The error is one line naming the option.
    Status configure(const FsViewOptions& options);

    // The host name of a resolved guest name (absolute, no `.`, `..` or `//`).
    std::string host_of(std::string_view guest) const;
    // The guest name of a host name, nullopt when no part of the view holds it.
    std::optional<std::string> guest_of(std::string_view host) const;
    bool hidden(std::string_view guest) const;     // at or beneath a --hide path
    bool read_only(std::string_view guest) const;  // at or beneath a --read-only path
    // The names --hide takes out of a listing of the guest directory `dir`.
    std::vector<std::string> hidden_entries(std::string_view dir) const;
    bool hides() const { return !hide_.empty(); }

    struct Resolved {
        std::string guest, host;
    };
    // `path` as the kernel would look it up from the guest directory `base`
    // (absolute `path`: from the root), in the task `tgid`/`tid` (for /proc/self);
    // a last-component link followed when `follow`. An error is -errno (ENOENT for
    // hidden names, ELOOP past 40 links).
    Result<Resolved> resolve(std::string_view base, std::string_view path, bool follow, pid_t tgid, pid_t tid) const;

private:
    struct Mount {
        std::string guest, host;  // both absolute and canonical; guest "/" is the root
    };
    std::vector<Mount> mounts_;  // the root first, then the binds in order (a later one wins)
    std::vector<std::string> read_only_, hide_;
};

// "/a/b/../c/" → "/a/c"; `..` above the root stays at the root.
std::string normalise_guest(std::string_view path);
// Whether `path` is `prefix` or beneath it (both normalised, absolute).
bool path_within(std::string_view path, std::string_view prefix);

}  // namespace lstar
