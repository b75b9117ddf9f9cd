// The identity family: the ids a program sees (--uid, --gid), and --fake-root's
// ownership, as fakeroot keeps it: chown and mknod of a device succeed and are
// recorded in the view's shared record, the host file keeps its real owner and
// type, and the stat family shows the recorded owner, mode and device numbers.
// Files the real user owns show as the virtual user's.
#include <fcntl.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include <fmt/format.h>

#include "handlers/handlers.hpp"
#include "kernel/syscall_define.hpp"

namespace lstar {

namespace {

constexpr std::uint32_t kOverflowId = 65534;  // what a 16-bit id call shows for a larger id
std::uint16_t id16(std::uint32_t id) { return id > 0xffff ? kOverflowId : static_cast<std::uint16_t>(id); }
// A 16-bit call's "no change" (-1 as old_uid_t) is the 32-bit one's.
std::int64_t widen16(std::uint16_t id) { return id == 0xffff ? -1 : static_cast<std::int64_t>(id); }
std::int64_t widen32(std::uint32_t id) { return id == 0xffffffffu ? -1 : static_cast<std::int64_t>(id); }

// A path as the task names it, reached from lstar's side: through the task's
// own cwd or descriptor, so that a relative path means what it means to the task.
std::string host_path(const Task& task, int dirfd, const std::string& path) {
    if (!path.empty() && path[0] == '/') return path;
    std::string base = dirfd == AT_FDCWD ? fmt::format("/proc/{}/cwd", task.tid)
                                         : fmt::format("/proc/{}/fd/{}", task.tid, dirfd);
    return path.empty() ? base : base + "/" + path;
}

long read_path(Task& task, std::uint64_t addr, std::string* out) {
    long n = strncpy_from_user(*task.mem, *out, UserPtr<const char>(addr), PATH_MAX);
    if (n < 0) return n;
    return n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

// Where the stat family's structs keep what the view changes.
struct StatLayout {
    std::size_t size;
    std::size_t dev, dev_width, ino, ino_width, mode, mode_width, uid, gid, id_width, rdev, rdev_width;
    bool statx;  // device numbers as major and minor words
};
enum : int { kStat, kCompatStat, kStat64, kStatx };
constexpr StatLayout kLayouts[] = {
    {144, 0, 8, 8, 8, 24, 4, 28, 32, 4, 40, 8, false},     // struct stat (x86_64, x32)
    {64, 0, 4, 4, 4, 8, 2, 12, 14, 2, 16, 4, false},       // struct compat_stat (i386)
    {96, 0, 8, 88, 8, 16, 4, 24, 28, 4, 32, 8, false},     // struct stat64 (i386, packed)
    {256, 136, 4, 32, 8, 28, 2, 20, 24, 4, 128, 4, true},  // struct statx
};

std::uint64_t get_field(const std::uint8_t* buf, std::size_t off, std::size_t width) {
    std::uint64_t v = 0;
    std::memcpy(&v, buf + off, width);  // little-endian
    return v;
}
void set_field(std::uint8_t* buf, std::size_t off, std::size_t width, std::uint64_t v) { std::memcpy(buf + off, &v, width); }

constexpr std::uint32_t kCapsLow = 0xffffffffu;
constexpr std::uint32_t kCapsHigh = (1u << (CAP_LAST_CAP - 31)) - 1;

}  // namespace

HandlerResult Identity::record_owner(const std::string& file, bool follow, std::int64_t uid, std::int64_t gid) {
    struct stat st {};
    if ((follow ? ::stat(file.c_str(), &st) : ::lstat(file.c_str(), &st)) != 0) return emulated(-errno);
    OwnerRecord r;
    r.dev_major = major(st.st_dev);
    r.dev_minor = minor(st.st_dev);
    r.ino = st.st_ino;
    std::optional<OwnerRecord> known = store_->find(r.dev_major, r.dev_minor, r.ino);
    if (known) {
        r = *known;
    } else {
        r.uid = st.st_uid == real_uid_ ? uid_ : st.st_uid;
        r.gid = st.st_gid == real_gid_ ? gid_ : st.st_gid;
    }
    if (uid >= 0) r.uid = static_cast<std::uint32_t>(uid);
    if (gid >= 0) r.gid = static_cast<std::uint32_t>(gid);
    store_->put(r);
    return emulated(0);
}

HandlerResult Identity::chown_path(Task& task, int dirfd, std::uint64_t path, std::int64_t uid, std::int64_t gid,
                                   bool follow) {
    std::string name;
    if (long err = read_path(task, path, &name)) return emulated(err);
    if (name.empty()) return emulated(-ENOENT);
    return record_owner(host_path(task, dirfd, name), follow, uid, gid);
}

HandlerResult Identity::chown_fd(Task& task, int fd, std::int64_t uid, std::int64_t gid) {
    return record_owner(host_path(task, fd, ""), true, uid, gid);
}

// A device node cannot be made without privilege: an empty regular file is made in
// its place (the call runs with the mode rewritten), and its type recorded at exit.
HandlerResult Identity::mknod_enter(Task& task, int dirfd, std::uint64_t path, int mode_arg, std::uint32_t mode,
                                    std::uint32_t dev) {
    if (!S_ISCHR(mode) && !S_ISBLK(mode)) return kPassThrough;
    PendingNode node{dirfd, {}, mode, dev};
    if (long err = read_path(task, path, &node.path)) return emulated(err);
    pending_nodes_[task.tid] = std::move(node);
    task.set_arg(mode_arg, S_IFREG | (mode & 07777));
    task.set_arg(mode_arg + 1, 0);
    return kPassThrough;
}

HandlerResult Identity::mknod_exit(Task& task) {
    auto it = pending_nodes_.find(task.tid);
    if (it == pending_nodes_.end()) return kPassThrough;
    PendingNode node = std::move(it->second);
    pending_nodes_.erase(it);
    // The program sees its own arguments again (a tracer shows them).
    int mode_arg = task.sc && task.sc->effective().entry == meta::sys_mknodat::name ? 2 : 1;
    task.set_arg(mode_arg, node.mode);
    task.set_arg(mode_arg + 1, node.dev);
    if (task.retval != 0) return kPassThrough;
    struct stat st {};
    if (::lstat(host_path(task, node.dirfd, node.path).c_str(), &st) != 0) return kPassThrough;
    OwnerRecord r;
    r.dev_major = major(st.st_dev);
    r.dev_minor = minor(st.st_dev);
    r.ino = st.st_ino;
    r.uid = uid_;
    r.gid = gid_;
    r.mode = (node.mode & S_IFMT) | (st.st_mode & 07777);  // the permissions after the umask
    r.rdev_major = major(node.dev);  // mknod's dev is the kernel's new_encode_dev, as glibc's makedev
    r.rdev_minor = minor(node.dev);
    store_->put(r);
    return kPassThrough;
}

long Identity::show_stat(Task& task, std::uint64_t buf, int layout) {
    const StatLayout& l = kLayouts[layout];
    std::uint8_t b[256];
    if (copy_bytes_from_user(*task.mem, b, buf, l.size) != 0) return 0;  // the program asked for what it gets
    std::uint32_t dmaj, dmin;
    if (l.statx) {
        dmaj = static_cast<std::uint32_t>(get_field(b, l.dev, 4));
        dmin = static_cast<std::uint32_t>(get_field(b, l.dev + 4, 4));
    } else {
        dev_t dev = get_field(b, l.dev, l.dev_width);
        dmaj = major(dev);
        dmin = minor(dev);
    }
    std::uint32_t uid = static_cast<std::uint32_t>(get_field(b, l.uid, l.id_width));
    std::uint32_t gid = static_cast<std::uint32_t>(get_field(b, l.gid, l.id_width));
    std::uint32_t mode = static_cast<std::uint32_t>(get_field(b, l.mode, l.mode_width));
    std::optional<OwnerRecord> known = store_->find(dmaj, dmin, get_field(b, l.ino, l.ino_width));
    if (known) {
        uid = known->uid;
        gid = known->gid;
        if (known->mode) {
            mode = known->mode;
            if (l.statx) {
                set_field(b, l.rdev, 4, known->rdev_major);
                set_field(b, l.rdev + 4, 4, known->rdev_minor);
            } else {
                set_field(b, l.rdev, l.rdev_width, makedev(known->rdev_major, known->rdev_minor));
            }
        }
    } else {
        if (uid == real_uid_) uid = uid_;
        if (gid == real_gid_) gid = gid_;
    }
    if (l.id_width == 2) {
        uid = id16(uid);
        gid = id16(gid);
    }
    set_field(b, l.uid, l.id_width, uid);
    set_field(b, l.gid, l.id_width, gid);
    set_field(b, l.mode, l.mode_width, mode);
    copy_bytes_to_user(*task.mem, buf, b, l.size);
    return 0;
}

void Identity::bind(SyscallPath& path, ViewStore& store, const IdentityOptions& options) {
    store_ = &store;
    fake_root_ = options.fake_root;
    real_uid_ = static_cast<std::uint32_t>(::getuid());
    real_gid_ = static_cast<std::uint32_t>(::getgid());
    uid_ = options.uid.value_or(fake_root_ ? 0 : real_uid_);
    gid_ = options.gid.value_or(fake_root_ ? 0 : real_gid_);

    // The get*id family: real, effective and saved ids are all the virtual ones.
    auto uid = [this](Task&) { return emulated(uid_); };
    auto gid = [this](Task&) { return emulated(gid_); };
    LSTAR_SYSCALL_DEFINE(path, sys_getuid, uid);
    LSTAR_SYSCALL_DEFINE(path, sys_geteuid, uid);
    LSTAR_SYSCALL_DEFINE(path, sys_getgid, gid);
    LSTAR_SYSCALL_DEFINE(path, sys_getegid, gid);
    LSTAR_SYSCALL_DEFINE(path, sys_getuid16, [this](Task&) { return emulated(id16(uid_)); });
    LSTAR_SYSCALL_DEFINE(path, sys_geteuid16, [this](Task&) { return emulated(id16(uid_)); });
    LSTAR_SYSCALL_DEFINE(path, sys_getgid16, [this](Task&) { return emulated(id16(gid_)); });
    LSTAR_SYSCALL_DEFINE(path, sys_getegid16, [this](Task&) { return emulated(id16(gid_)); });
    auto three = [](Task& task, auto a, auto b, auto c, auto value) -> HandlerResult {
        for (auto p : {a, b, c})
            if (long err = copy_to_user(*task.mem, p, value)) return emulated(err);
        return emulated(0);
    };
    LSTAR_SYSCALL_DEFINE(path, sys_getresuid,
                         [this, three](Task& t, UserPtr<std::uint32_t> r, UserPtr<std::uint32_t> e, UserPtr<std::uint32_t> s) {
                             return three(t, r, e, s, uid_);
                         });
    LSTAR_SYSCALL_DEFINE(path, sys_getresgid,
                         [this, three](Task& t, UserPtr<std::uint32_t> r, UserPtr<std::uint32_t> e, UserPtr<std::uint32_t> s) {
                             return three(t, r, e, s, gid_);
                         });
    LSTAR_SYSCALL_DEFINE(path, sys_getresuid16,
                         [this, three](Task& t, UserPtr<std::uint16_t> r, UserPtr<std::uint16_t> e, UserPtr<std::uint16_t> s) {
                             return three(t, r, e, s, id16(uid_));
                         });
    LSTAR_SYSCALL_DEFINE(path, sys_getresgid16,
                         [this, three](Task& t, UserPtr<std::uint16_t> r, UserPtr<std::uint16_t> e, UserPtr<std::uint16_t> s) {
                             return three(t, r, e, s, id16(gid_));
                         });
    // The supplementary groups: the virtual group alone.
    auto groups = [this](Task& task, int size, std::uint64_t list, auto one) -> HandlerResult {
        if (size < 0) return emulated(-EINVAL);
        if (size == 0) return emulated(1);
        if (long err = copy_bytes_to_user(*task.mem, list, &one, sizeof one)) return emulated(err);
        return emulated(1);
    };
    LSTAR_SYSCALL_DEFINE(path, sys_getgroups, [this, groups](Task& t, int size, UserPtr<std::uint32_t> list) {
        return groups(t, size, list.addr(), gid_);
    });
    LSTAR_SYSCALL_DEFINE(path, sys_getgroups16, [this, groups](Task& t, int size, UserPtr<std::uint16_t> list) {
        return groups(t, size, list.addr(), id16(gid_));
    });

    // The stat family, at exit: the recorded owner, mode and device numbers; the real
    // user's files as the virtual user's.
    struct Bind {
        std::string_view entry;
        int buf_arg, layout;
    };
    for (const Bind& b : {Bind{meta::sys_newstat::name, 1, kStat}, Bind{meta::sys_newlstat::name, 1, kStat},
                          Bind{meta::sys_newfstat::name, 1, kStat}, Bind{meta::sys_newfstatat::name, 2, kStat},
                          Bind{meta::compat_sys_newstat::name, 1, kCompatStat},
                          Bind{meta::compat_sys_newlstat::name, 1, kCompatStat},
                          Bind{meta::compat_sys_newfstat::name, 1, kCompatStat},
                          Bind{meta::compat_sys_ia32_stat64::name, 1, kStat64},
                          Bind{meta::compat_sys_ia32_lstat64::name, 1, kStat64},
                          Bind{meta::compat_sys_ia32_fstat64::name, 1, kStat64},
                          Bind{meta::compat_sys_ia32_fstatat64::name, 2, kStat64},
                          Bind{meta::sys_statx::name, 4, kStatx}})
        path.bind_exit_entry(b.entry, [this, b](Task& t) -> HandlerResult {
            if (t.retval == 0) show_stat(t, t.arg(b.buf_arg), b.layout);
            return kPassThrough;
        });

    if (!fake_root_) return;

    // A root's capabilities: every one permitted and effective.
    LSTAR_SYSCALL_DEFINE(path, sys_capget, [](Task& task, UserPtr<__user_cap_header_struct> header,
                                              UserPtr<__user_cap_data_struct> data) -> HandlerResult {
        __user_cap_header_struct h{};
        if (long err = copy_from_user(*task.mem, h, header)) return emulated(err);
        int words = h.version == _LINUX_CAPABILITY_VERSION_1 ? 1
                    : (h.version == _LINUX_CAPABILITY_VERSION_2 || h.version == _LINUX_CAPABILITY_VERSION_3) ? 2 : 0;
        if (words == 0) {  // the kernel answers with the version it prefers
            h.version = _LINUX_CAPABILITY_VERSION_3;
            long err = copy_to_user(*task.mem, header, h);
            return emulated(err ? err : (data.is_null() ? 0 : -EINVAL));
        }
        if (h.pid < 0) return emulated(-EINVAL);
        if (data.is_null()) return emulated(0);
        __user_cap_data_struct d[2] = {{kCapsLow, kCapsLow, 0}, {kCapsHigh, kCapsHigh, 0}};
        return emulated(copy_bytes_to_user(*task.mem, data.addr(), d, sizeof d[0] * static_cast<std::size_t>(words)));
    });
    // The set*id family: a root may, and nothing changes (the ids stay virtual);
    // setfsuid and setfsgid answer the previous id.
    for (std::string_view entry :
         {meta::sys_setuid::name, meta::sys_setgid::name, meta::sys_setreuid::name, meta::sys_setregid::name,
          meta::sys_setresuid::name, meta::sys_setresgid::name, meta::sys_setgroups::name, meta::sys_setuid16::name,
          meta::sys_setgid16::name, meta::sys_setreuid16::name, meta::sys_setregid16::name,
          meta::sys_setresuid16::name, meta::sys_setresgid16::name, meta::sys_setgroups16::name})
        path.bind_entry(entry, [](Task&) { return emulated(0); });
    for (std::string_view entry : {meta::sys_setfsuid::name, meta::sys_setfsuid16::name})
        path.bind_entry(entry, [this](Task&) { return emulated(uid_); });
    for (std::string_view entry : {meta::sys_setfsgid::name, meta::sys_setfsgid16::name})
        path.bind_entry(entry, [this](Task&) { return emulated(gid_); });

    // chown: recorded, the host file untouched. The 32-bit and 16-bit forms differ
    // in their ids' width alone.
    using Path = UserPtr<const char>;
    auto chown_family = [&]<class Chown, class Lchown, class Fchown, class Id>(std::int64_t (*widen)(Id)) {
        path.bind_entry(Chown::name, detail::make_typed_handler<Chown>([this, widen](Task& t, Path p, Id u, Id g) {
            return chown_path(t, AT_FDCWD, p.addr(), widen(u), widen(g), true);
        }));
        path.bind_entry(Lchown::name, detail::make_typed_handler<Lchown>([this, widen](Task& t, Path p, Id u, Id g) {
            return chown_path(t, AT_FDCWD, p.addr(), widen(u), widen(g), false);
        }));
        path.bind_entry(Fchown::name, detail::make_typed_handler<Fchown>([this, widen](Task& t, unsigned int fd, Id u, Id g) {
            return chown_fd(t, static_cast<int>(fd), widen(u), widen(g));
        }));
    };
    chown_family.operator()<meta::sys_chown, meta::sys_lchown, meta::sys_fchown, std::uint32_t>(widen32);
    chown_family.operator()<meta::sys_chown16, meta::sys_lchown16, meta::sys_fchown16, std::uint16_t>(widen16);
    LSTAR_SYSCALL_DEFINE(path, sys_fchownat, [this](Task& t, int dfd, Path p, std::uint32_t u, std::uint32_t g, int flag) {
        if (flag & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return emulated(-EINVAL);
        std::string name;
        if (long err = read_path(t, p.addr(), &name)) return emulated(err);
        if (name.empty() && (flag & AT_EMPTY_PATH)) return chown_fd(t, dfd, widen32(u), widen32(g));
        return chown_path(t, dfd, p.addr(), widen32(u), widen32(g), !(flag & AT_SYMLINK_NOFOLLOW));
    });

    // mknod of a device: a regular file in its place, its type recorded.
    LSTAR_SYSCALL_DEFINE(path, sys_mknod, [this](Task& t, Path p, std::uint16_t mode, std::uint32_t dev) {
        return mknod_enter(t, AT_FDCWD, p.addr(), 1, mode, dev);
    });
    LSTAR_SYSCALL_DEFINE(path, sys_mknodat, [this](Task& t, int dfd, Path p, std::uint16_t mode, std::uint32_t dev) {
        return mknod_enter(t, dfd, p.addr(), 2, mode, dev);
    });
    for (std::string_view entry : {meta::sys_mknod::name, meta::sys_mknodat::name})
        path.bind_exit_entry(entry, [this](Task& t) { return mknod_exit(t); });

}

}  // namespace lstar
