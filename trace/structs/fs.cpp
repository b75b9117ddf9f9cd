// File-system structs: stat (native, i386 stat/stat64), statx, getdents64
// buffers, descriptor pairs and single integers.
#include <sys/sysmacros.h>

#include <fmt/format.h>

#include "trace/structs/structs.hpp"

namespace lstar::structs {

namespace {

// The fields strace shows of a stat without -v.
struct StatView {
    std::uint32_t mode;
    std::uint64_t rdev;
    std::int64_t size;
};

void print_stat_view(DecodeCtx& ctx, const StatView& st) {
    ctx.text("{st_mode=");
    ctx.mode_symbolic(st.mode);
    std::uint32_t type = st.mode & 0170000;
    if (type == 0020000 || type == 0060000) {  // devices show st_rdev instead of st_size
        fmt::format_to(std::back_inserter(ctx.out), ", st_rdev=makedev({:#x}, {:#x})", major(st.rdev),
                       minor(st.rdev));
    } else {
        ctx.text(", st_size=");
        ctx.dec(st.size);
    }
    ctx.text(", ...}");
}

template <class T>
T at(const unsigned char* p, std::size_t off) {
    T v;
    std::memcpy(&v, p + off, sizeof v);
    return v;
}

// x86_64 struct stat: st_mode at 24, st_rdev at 40, st_size at 48 (144 bytes).
bool print_stat(DecodeCtx& ctx, std::uint64_t a) {
    if (ctx.compat()) {
        // i386 struct stat: st_mode (u16) at 8, st_rdev (u32) at 16, st_size (u32) at 20.
        unsigned char b[64];
        if (!ctx.read(a, b, sizeof b)) return false;
        print_stat_view(ctx, {at<std::uint16_t>(b, 8), at<std::uint32_t>(b, 16), at<std::uint32_t>(b, 20)});
        return true;
    }
    unsigned char b[144];
    if (!ctx.read(a, b, sizeof b)) return false;
    print_stat_view(ctx, {at<std::uint32_t>(b, 24), at<std::uint64_t>(b, 40), at<std::int64_t>(b, 48)});
    return true;
}

// i386 struct stat64 (4-byte aligned 64-bit fields): st_mode at 16, st_rdev at 32, st_size at 44.
bool print_stat64(DecodeCtx& ctx, std::uint64_t a) {
    if (!ctx.compat()) return print_stat(ctx, a);
    unsigned char b[96];
    if (!ctx.read(a, b, sizeof b)) return false;
    print_stat_view(ctx, {at<std::uint32_t>(b, 16), at<std::uint64_t>(b, 32), at<std::int64_t>(b, 44)});
    return true;
}

// struct statx is the same on every ABI.
bool print_statx(DecodeCtx& ctx, std::uint64_t a) {
    unsigned char b[256];
    if (!ctx.read(a, b, sizeof b)) return false;
    ctx.text("{stx_mask=");
    ctx.flags("statx_mask", at<std::uint32_t>(b, 0));
    ctx.text(", stx_attributes=");
    ctx.flags("statx_attrs", at<std::uint64_t>(b, 8));
    ctx.text(", stx_mode=");
    ctx.mode_symbolic(at<std::uint16_t>(b, 28));
    ctx.text(", stx_size=");
    ctx.udec(at<std::uint64_t>(b, 40));
    ctx.text(", ...}");
    return true;
}

// Without -v strace counts the entries: 0x55... /* 12 entries */.
bool print_dirent64(DecodeCtx& ctx, std::uint64_t a) {
    std::int64_t len = ctx.task.retval;
    if (len < 0) return false;
    std::string buf(static_cast<std::size_t>(len), '\0');
    if (len && !ctx.read(a, buf.data(), buf.size())) return false;
    unsigned entries = 0;
    for (std::size_t off = 0; off + 19 <= buf.size(); ++entries) {
        std::uint16_t reclen = at<std::uint16_t>(reinterpret_cast<const unsigned char*>(buf.data()), off + 16);
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

constexpr Entry kPrinters[] = {
    {"stat", print_stat},
    {"compat_stat", print_stat},
    {"stat64", print_stat64},
    {"statx", print_statx},
    {"linux_dirent64", print_dirent64},
    {"fd_pair", print_fd_pair},
    {"int", print_int},
    {"u32", print_int},
    {"uid_t", print_int},
    {"gid_t", print_int},
    {"loff_t", print_u64},
    {"size_t", print_ulong},
    {"off_t", print_ulong},
};

}  // namespace

std::span<const Entry> fs_printers() { return kPrinters; }

}  // namespace lstar::structs
