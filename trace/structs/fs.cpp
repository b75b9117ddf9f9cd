// File-system structs: stat (native, i386 stat/stat64), statx, getdents64
// buffers, descriptor pairs and single integers.
#include <sys/sysmacros.h>

#include <ctime>
#include <type_traits>

#include <fmt/format.h>

#include "trace/structs/structs.hpp"

namespace lstar::structs {

namespace {

// A stat's fields, from any of the layouts.
struct StatView {
    std::uint64_t dev, ino, nlink;
    std::uint32_t mode, uid, gid;
    std::uint64_t rdev;
    std::int64_t size, blksize, blocks;
    std::int64_t atime, atime_nsec, mtime, mtime_nsec, ctime, ctime_nsec;
};

template <class T>
T at(const unsigned char* p, std::size_t off) {
    T v;
    std::memcpy(&v, p + off, sizeof v);
    return v;
}

// " /* 2001-09-09T01:46:40.000000123+0000 */": local time, as strace prints a time.
void time_comment(DecodeCtx& ctx, std::int64_t sec, std::int64_t nsec) {
    time_t t = static_cast<time_t>(sec);
    struct tm tm;
    char date[64], zone[16];
    if (!localtime_r(&t, &tm) || !strftime(date, sizeof date, "%FT%T", &tm) || !strftime(zone, sizeof zone, "%z", &tm))
        return;
    ctx.out += fmt::format(" /* {}", date);
    if (nsec) ctx.out += fmt::format(".{:09}", nsec);
    ctx.out += fmt::format("{} */", zone);
}

void makedev_field(DecodeCtx& ctx, std::string_view name, std::uint64_t dev) {
    ctx.field(name);
    ctx.text("makedev(");
    ctx.hex(major(dev));
    ctx.text(", ");
    ctx.hex(minor(dev));
    ctx.text(")");
}

// Without -v: st_mode and st_size (st_rdev for devices), then "...".
// With -v: every field, the times with their local-time comments.
void print_stat_view(DecodeCtx& ctx, const StatView& st) {
    bool v = ctx.opt.verbose_structs;
    bool device = (st.mode & 0170000) == 0020000 || (st.mode & 0170000) == 0060000;
    auto num = [&](std::string_view name, std::int64_t n) {
        ctx.sep();
        ctx.field(name);
        ctx.dec(n);
    };
    ctx.text("{");
    if (v) {
        makedev_field(ctx, "st_dev", st.dev);
        ctx.out += fmt::format(", st_ino={}, ", st.ino);
    }
    ctx.text("st_mode=");
    ctx.mode_symbolic(st.mode);
    if (v) {
        ctx.out += fmt::format(", st_nlink={}, st_uid={}, st_gid={}", st.nlink, st.uid, st.gid);
        num("st_blksize", st.blksize);
        num("st_blocks", st.blocks);
    }
    if (device) {
        ctx.sep();
        makedev_field(ctx, "st_rdev", st.rdev);
    } else {
        num("st_size", st.size);
    }
    if (!v) return ctx.text(", ...}");
    auto time = [&](std::string_view name, std::int64_t sec, std::int64_t nsec) {
        num(name, sec);
        time_comment(ctx, sec, nsec);
        ctx.out += fmt::format(", {}_nsec={}", name, nsec);
    };
    time("st_atime", st.atime, st.atime_nsec);
    time("st_mtime", st.mtime, st.mtime_nsec);
    time("st_ctime", st.ctime, st.ctime_nsec);
    ctx.text("}");
}

// x86_64 struct stat (144 bytes); i386 struct stat (u16 mode/nlink/uid/gid, 64 bytes).
bool print_stat(DecodeCtx& ctx, std::uint64_t a) {
    if (ctx.compat()) {
        unsigned char b[64];
        if (!ctx.read(a, b, sizeof b)) return false;
        auto u32 = [&](std::size_t off) { return at<std::uint32_t>(b, off); };
        auto s32 = [&](std::size_t off) { return static_cast<std::int64_t>(at<std::int32_t>(b, off)); };
        print_stat_view(ctx, {u32(0), u32(4), at<std::uint16_t>(b, 10), at<std::uint16_t>(b, 8),
                              at<std::uint16_t>(b, 12), at<std::uint16_t>(b, 14), u32(16), u32(20), u32(24), u32(28),
                              s32(32), u32(36), s32(40), u32(44), s32(48), u32(52)});
        return true;
    }
    unsigned char b[144];
    if (!ctx.read(a, b, sizeof b)) return false;
    auto u64 = [&](std::size_t off) { return at<std::uint64_t>(b, off); };
    auto s64 = [&](std::size_t off) { return at<std::int64_t>(b, off); };
    print_stat_view(ctx, {u64(0), u64(8), u64(16), at<std::uint32_t>(b, 24), at<std::uint32_t>(b, 28),
                          at<std::uint32_t>(b, 32), u64(40), s64(48), s64(56), s64(64), s64(72), s64(80), s64(88),
                          s64(96), s64(104), s64(112)});
    return true;
}

// i386 struct stat64 (4-byte aligned 64-bit fields, 96 bytes): the full st_ino at 88.
bool print_stat64(DecodeCtx& ctx, std::uint64_t a) {
    if (!ctx.compat()) return print_stat(ctx, a);
    unsigned char b[96];
    if (!ctx.read(a, b, sizeof b)) return false;
    auto u32 = [&](std::size_t off) { return at<std::uint32_t>(b, off); };
    auto s32 = [&](std::size_t off) { return static_cast<std::int64_t>(at<std::int32_t>(b, off)); };
    print_stat_view(ctx, {at<std::uint64_t>(b, 0), at<std::uint64_t>(b, 88), u32(20), u32(16), u32(24), u32(28),
                          at<std::uint64_t>(b, 32), at<std::int64_t>(b, 44), u32(52), at<std::int64_t>(b, 56),
                          s32(64), u32(68), s32(72), u32(76), s32(80), u32(84)});
    return true;
}

// struct statx is the same on every ABI.
bool print_statx(DecodeCtx& ctx, std::uint64_t a) {
    unsigned char b[256];
    if (!ctx.read(a, b, sizeof b)) return false;
    bool v = ctx.opt.verbose_structs;
    auto u32 = [&](std::size_t off) { return at<std::uint32_t>(b, off); };
    std::uint32_t mask = u32(0);
    ctx.text("{stx_mask=");
    ctx.flags(xlat::Set::statx_mask, mask);
    if (v) ctx.out += fmt::format(", stx_blksize={}", u32(4));
    ctx.text(", stx_attributes=");
    ctx.flags(xlat::Set::statx_attrs, at<std::uint64_t>(b, 8));
    if (v) ctx.out += fmt::format(", stx_nlink={}, stx_uid={}, stx_gid={}", u32(16), u32(20), u32(24));
    ctx.text(", stx_mode=");
    ctx.mode_symbolic(at<std::uint16_t>(b, 28));
    if (v) ctx.out += fmt::format(", stx_ino={}", at<std::uint64_t>(b, 32));
    ctx.text(", stx_size=");
    ctx.udec(at<std::uint64_t>(b, 40));
    if (!v) return ctx.text(", ...}"), true;
    ctx.out += fmt::format(", stx_blocks={}, stx_attributes_mask=", at<std::uint64_t>(b, 48));
    ctx.flags(xlat::Set::statx_attrs, at<std::uint64_t>(b, 56));
    for (auto [name, off] : {std::pair<std::string_view, std::size_t>{"stx_atime", 64}, {"stx_btime", 80},
                             {"stx_ctime", 96}, {"stx_mtime", 112}}) {
        if (name == "stx_btime" && !(mask & 0x800)) continue;  // STATX_BTIME
        auto sec = at<std::int64_t>(b, off);
        auto nsec = at<std::uint32_t>(b, off + 8);
        ctx.out += fmt::format(", {}={{tv_sec={}, tv_nsec={}}}", name, sec, nsec);
        time_comment(ctx, sec, nsec);
    }
    ctx.out += fmt::format(", stx_rdev_major={}, stx_rdev_minor={}, stx_dev_major={}, stx_dev_minor={}", u32(128),
                           u32(132), u32(136), u32(140));
    if (mask & 0x1000) {  // STATX_MNT_ID
        ctx.text(", stx_mnt_id=");
        ctx.hex(at<std::uint64_t>(b, 144));
    }
    ctx.text("}");
    return true;
}

// Without -v strace counts the entries: 0x55... /* 12 entries */.
// getdents64's and getdents's entries, counted by their d_reclen (at
// `reclen_at`: after d_ino and d_off, 64-bit in linux_dirent64, longs in
// linux_dirent).
bool print_dirents(DecodeCtx& ctx, std::uint64_t a, std::size_t reclen_at) {
    std::int64_t len = ctx.task.retval;
    if (len < 0) return false;
    std::string buf(static_cast<std::size_t>(len), '\0');
    if (len && !ctx.read(a, buf.data(), buf.size())) return false;
    unsigned entries = 0;
    for (std::size_t off = 0; off + reclen_at + 3 <= buf.size(); ++entries) {
        std::uint16_t reclen = at<std::uint16_t>(reinterpret_cast<const unsigned char*>(buf.data()), off + reclen_at);
        if (!reclen) break;
        off += reclen;
    }
    ctx.addr(a);
    fmt::format_to(std::back_inserter(ctx.out), " /* {} entries */", entries);
    return true;
}

bool print_fd_pair(DecodeCtx& ctx, std::uint64_t a) {
    int fds[2];
    if (!ctx.read(a, fds)) return false;
    ctx.text("[");
    ctx.fd(fds[0]);
    ctx.sep();
    ctx.fd(fds[1]);
    ctx.text("]");
    return true;
}

bool print_int(DecodeCtx& ctx, std::uint64_t a) {
    int v;
    if (!ctx.read(a, v)) return false;
    fmt::format_to(std::back_inserter(ctx.out), "[{}]", v);
    return true;
}

bool print_u64(DecodeCtx& ctx, std::uint64_t a) {
    std::int64_t v;
    if (!ctx.read(a, v)) return false;
    fmt::format_to(std::back_inserter(ctx.out), "[{}]", v);
    return true;
}

bool print_ulong(DecodeCtx& ctx, std::uint64_t a) {
    std::uint64_t v;
    if (!ctx.read_ulong(a, v)) return false;
    fmt::format_to(std::back_inserter(ctx.out), "[{}]", v);
    return true;
}

// utime's struct utimbuf: two __kernel_old_time_t (32-bit for i386's old_utimbuf32);
// strace comments each time but 0.
bool print_utimbuf(DecodeCtx& ctx, std::uint64_t a) {
    std::int64_t t[2];
    if (ctx.compat()) {
        std::int32_t v[2];
        if (!ctx.read(a, v)) return false;
        t[0] = v[0], t[1] = v[1];
    } else if (!ctx.read(a, t)) {
        return false;
    }
    const char* names[] = {"{actime=", ", modtime="};
    for (int k = 0; k < 2; ++k) {
        ctx.text(names[k]);
        ctx.dec(t[k]);
        if (t[k]) time_comment(ctx, t[k], 0);
    }
    ctx.text("}");
    return true;
}

// name_to_handle_at's handle (in and out) and open_by_handle_at's (in): the size
// the program gave, at exit the size the kernel answered when it changed (on
// success or EOVERFLOW, which asks for more room), and once filled its type and
// bytes in hex, all of them (MAX_HANDLE_SZ at most), as strace shows it.
bool print_file_handle(DecodeCtx& ctx, std::uint64_t a) {
    constexpr std::uint32_t kMaxHandleSize = 128;  // MAX_HANDLE_SZ
    struct {
        std::uint32_t bytes;
        std::int32_t type;
    } h;
    if (!ctx.read(a, h)) return false;
    std::uint64_t given = 0;
    bool inout = ctx.exiting && entry_value(ctx, StructId::file_handle, given);
    bool filled = !inout || !ctx.failed();
    ctx.text("{handle_bytes=");
    ctx.udec(inout ? static_cast<std::uint32_t>(given) : h.bytes);
    if (inout && (filled || ctx.task.retval == -EOVERFLOW) && h.bytes != static_cast<std::uint32_t>(given)) {
        ctx.text(" => ");
        ctx.udec(h.bytes);
    }
    if (filled) {
        ctx.text(", handle_type=");
        ctx.dec(h.type);
        ctx.text(", f_handle=");
        DecodeOptions all = ctx.opt;
        all.string_limit = std::max<std::uint64_t>(all.string_limit, kMaxHandleSize);
        DecodeCtx bytes{ctx.task, all, ctx.out, ctx.exiting, ctx.typed, ctx.buf_id};
        bytes.buf(a + sizeof h, std::min(h.bytes, kMaxHandleSize), true);
    }
    ctx.text("}");
    return true;
}

// openat2's open_how: shown only when the size argument covers it (strace: 24
// bytes at least); the mode only when it matters (O_CREAT, __O_TMPFILE) or is set.
bool print_open_how(DecodeCtx& ctx, std::uint64_t a) {
    struct {
        std::uint64_t flags, mode, resolve;
    } how;
    if (ctx.arg(3) < sizeof how) {
        ctx.addr(a);
        return true;
    }
    if (!ctx.read(a, how)) return false;
    ctx.text("{flags=");
    ctx.flags(xlat::Set::open_flags, how.flags);
    constexpr std::uint64_t kCreat = 0100, kTmpfile = 020000000;  // O_CREAT, __O_TMPFILE
    if ((how.flags & (kCreat | kTmpfile)) || how.mode) {
        ctx.text(", mode=");
        ctx.oct(how.mode);
    }
    ctx.text(", resolve=");
    ctx.flags(xlat::Set::open_resolve_flags, how.resolve, "RESOLVE_???");
    ctx.text("}");
    return true;
}

// statfs's fields, read in whichever layout, printed as strace's print_struct_statfs.
struct StatfsValues {
    std::uint64_t type, bsize, blocks, bfree, bavail, files, ffree, namelen, frsize, flags;
    std::uint32_t fsid[2];
};

void print_statfs_values(DecodeCtx& ctx, const StatfsValues& v) {
    ctx.text("{f_type=");
    ctx.xval(xlat::Set::fs_magic, v.type);
    fmt::format_to(std::back_inserter(ctx.out),
                   ", f_bsize={}, f_blocks={}, f_bfree={}, f_bavail={}, f_files={}, f_ffree={}, f_fsid={{val=[",
                   v.bsize, v.blocks, v.bfree, v.bavail, v.files, v.ffree);
    ctx.hex(v.fsid[0]);
    ctx.sep();
    ctx.hex(v.fsid[1]);
    fmt::format_to(std::back_inserter(ctx.out), "]}}, f_namelen={}, f_frsize={}", v.namelen, v.frsize);
    // strace shows the flags only when the kernel says they are valid.
    constexpr std::uint64_t kStValid = 0x20;  // ST_VALID (not in glibc's headers)
    if (v.flags & kStValid) {
        ctx.text(", f_flags=");
        ctx.flags(xlat::Set::statfs_flags, v.flags, "ST_???");
    }
    ctx.text("}");
}

// struct statfs of x86_64: every field a long; compat_statfs (i386): every field 32-bit.
template <class Word>
bool print_statfs_words(DecodeCtx& ctx, std::uint64_t a) {
    struct {
        Word type, bsize, blocks, bfree, bavail, files, ffree;
        std::uint32_t fsid[2];
        Word namelen, frsize, flags, spare[4];
    } b;
    if (!ctx.read(a, b)) return false;
    // The counts are unsigned (strace's PRINT_FIELD_U), f_type a magic number of 32 bits.
    using U = std::make_unsigned_t<Word>;
    print_statfs_values(ctx, {static_cast<std::uint32_t>(b.type), U(b.bsize), U(b.blocks), U(b.bfree), U(b.bavail),
                              U(b.files), U(b.ffree), U(b.namelen), U(b.frsize), U(b.flags), {b.fsid[0], b.fsid[1]}});
    return true;
}

// compat_statfs64 (i386's statfs64): 32-bit type and size, 64-bit counts, packed to 4.
bool print_compat_statfs64(DecodeCtx& ctx, std::uint64_t a) {
#pragma pack(push, 4)
    struct {
        std::uint32_t type, bsize;
        std::uint64_t blocks, bfree, bavail, files, ffree;
        std::uint32_t fsid[2];
        std::uint32_t namelen, frsize, flags, spare[4];
    } b;
#pragma pack(pop)
    static_assert(sizeof b == 84);
    if (!ctx.read(a, b)) return false;
    print_statfs_values(ctx, {b.type, b.bsize, b.blocks, b.bfree, b.bavail, b.files, b.ffree, b.namelen, b.frsize,
                              b.flags, {b.fsid[0], b.fsid[1]}});
    return true;
}

}  // namespace

// The printers tbl/structs.tbl promises (trace/struct_printers.hpp).
bool print::stat(DecodeCtx& ctx, std::uint64_t a) { return print_stat(ctx, a); }
bool print::stat64(DecodeCtx& ctx, std::uint64_t a) { return print_stat64(ctx, a); }
bool print::statx(DecodeCtx& ctx, std::uint64_t a) { return print_statx(ctx, a); }
bool print::linux_dirent64(DecodeCtx& ctx, std::uint64_t a) { return print_dirents(ctx, a, 16); }
bool print::linux_dirent(DecodeCtx& ctx, std::uint64_t a) { return print_dirents(ctx, a, 2 * ctx.long_size()); }

// mount_setattr's attr, when its size argument covers the first version (32 bytes).
bool print::mount_attr(DecodeCtx& ctx, std::uint64_t a) {
    struct {
        std::uint64_t attr_set, attr_clr, propagation, userns_fd;
    } m;
    if (ctx.arg(4) < sizeof m || !ctx.read(a, m)) return false;
    ctx.text("{attr_set=");
    ctx.flags(xlat::Set::mount_attr_flags, m.attr_set, "MOUNT_ATTR_???");
    ctx.text(", attr_clr=");
    ctx.flags(xlat::Set::mount_attr_flags, m.attr_clr, "MOUNT_ATTR_???");
    ctx.text(", propagation=");
    ctx.xval(xlat::Set::mount_propagation, m.propagation, "MS_???");
    fmt::format_to(std::back_inserter(ctx.out), ", userns_fd={}}}", m.userns_fd);
    return true;
}
bool print::fd_pair(DecodeCtx& ctx, std::uint64_t a) { return print_fd_pair(ctx, a); }
bool print::int_(DecodeCtx& ctx, std::uint64_t a) { return print_int(ctx, a); }
bool print::loff_t(DecodeCtx& ctx, std::uint64_t a) { return print_u64(ctx, a); }
bool print::size_t(DecodeCtx& ctx, std::uint64_t a) { return print_ulong(ctx, a); }
bool print::off_t(DecodeCtx& ctx, std::uint64_t a) { return print_ulong(ctx, a); }

bool print::statfs(DecodeCtx& ctx, std::uint64_t a) {
    return ctx.compat() ? print_statfs_words<std::int32_t>(ctx, a) : print_statfs_words<std::int64_t>(ctx, a);
}
bool print::compat_statfs64(DecodeCtx& ctx, std::uint64_t a) { return print_compat_statfs64(ctx, a); }
bool print::open_how(DecodeCtx& ctx, std::uint64_t a) { return print_open_how(ctx, a); }
bool print::file_handle(DecodeCtx& ctx, std::uint64_t a) { return print_file_handle(ctx, a); }
bool print::utimbuf(DecodeCtx& ctx, std::uint64_t a) { return print_utimbuf(ctx, a); }

}  // namespace lstar::structs
