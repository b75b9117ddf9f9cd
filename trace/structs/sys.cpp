// System structs: utsname, clone_args, sysinfo, sched_attr, capabilities.
#include <fmt/format.h>

#include "table/xlat.hpp"
#include "trace/structs/structs.hpp"

namespace lstar::structs {

namespace {

// new_utsname: six 65-byte fields; without -v strace shows two and "...".
bool print_utsname(DecodeCtx& ctx, std::uint64_t a) {
    char u[6][65];
    if (!ctx.read(a, u)) return false;
    static constexpr std::string_view kNames[] = {"sysname", "nodename", "release",
                                                  "version", "machine", "domainname"};
    int shown = ctx.opt.verbose_structs ? 6 : 2;
    ctx.text("{");
    for (int i = 0; i < shown; ++i) {
        if (i) ctx.sep();
        ctx.field(kNames[i]);
        quote_string(ctx.out, u[i], sizeof u[i], true);
    }
    ctx.text(shown < 6 ? ", ...}" : "}");
    return true;
}

// struct clone_args: strace shows flags, the pointers the flags make the kernel
// use, exit_signal, the stack, and tls when CLONE_SETTLS is set.
bool print_clone_args(DecodeCtx& ctx, std::uint64_t a) {
    struct {
        std::uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
    } c;
    if (!ctx.read(a, c)) return false;
    auto field_addr = [&](std::string_view name, std::uint64_t v) {
        ctx.sep();
        ctx.field(name);
        ctx.addr(v);
    };
    ctx.text("{flags=");
    ctx.flags(xlat::Set::clone3_flags, c.flags);
    if (c.flags & 0x1000) field_addr("pidfd", c.pidfd);                  // CLONE_PIDFD
    if (c.flags & (0x01000000 | 0x00200000)) field_addr("child_tid", c.child_tid);  // CHILD_SETTID|CLEARTID
    if (c.flags & 0x00100000) field_addr("parent_tid", c.parent_tid);    // CLONE_PARENT_SETTID
    ctx.text(", exit_signal=");
    ctx.signal(static_cast<int>(c.exit_signal));
    field_addr("stack", c.stack);
    fmt::format_to(std::back_inserter(ctx.out), ", stack_size={:#x}", c.stack_size);
    if (c.flags & 0x00080000) field_addr("tls", c.tls);                  // CLONE_SETTLS
    ctx.text("}");
    return true;
}

// struct sysinfo: longs of the task's width, then u16 procs, then more longs.
bool print_sysinfo(DecodeCtx& ctx, std::uint64_t a) {
    unsigned w = ctx.long_size();
    unsigned char b[112] = {};
    if (!ctx.read(a, b, w == 8 ? 112 : 64)) return false;
    auto word = [&](unsigned idx) {
        std::uint64_t v = 0;
        std::memcpy(&v, b + idx * w, w);
        return v;
    };
    std::uint16_t procs;
    std::memcpy(&procs, b + 10 * w, 2);
    unsigned after = (10 * w + 2 + w - 1) / w;  // totalhigh follows procs (and padding)
    if (w == 8) after = 11;  // u16 procs, u16 pad, pad to 8 bytes
    std::uint32_t mem_unit;
    std::memcpy(&mem_unit, b + (after + 2) * w, 4);
    fmt::format_to(std::back_inserter(ctx.out),
                   "{{uptime={}, loads=[{}, {}, {}], totalram={}, freeram={}, sharedram={}, bufferram={}, "
                   "totalswap={}, freeswap={}, procs={}, totalhigh={}, freehigh={}, mem_unit={}}}",
                   static_cast<std::int64_t>(word(0)), word(1), word(2), word(3), word(4), word(5), word(6),
                   word(7), word(8), word(9), procs, word(after), word(after + 1), mem_unit);
    return true;
}

// struct sched_attr: the fields of its `size`; the utilisation clamps came
// with SCHED_ATTR_SIZE_VER1 (56 bytes).
bool print_sched_attr(DecodeCtx& ctx, std::uint64_t a) {
    struct {
        std::uint32_t size, policy;
        std::uint64_t flags;
        std::int32_t nice;
        std::uint32_t priority;
        std::uint64_t runtime, deadline, period;
        std::uint32_t util_min, util_max;
    } s;
    if (!ctx.read(a, s)) return false;
    fmt::format_to(std::back_inserter(ctx.out), "{{size={}, sched_policy=", s.size);
    ctx.xval(xlat::Set::sched_policy, s.policy);
    ctx.text(", sched_flags=");
    ctx.flags(xlat::Set::sched_attr_flags, s.flags);
    fmt::format_to(std::back_inserter(ctx.out),
                   ", sched_nice={}, sched_priority={}, sched_runtime={}, sched_deadline={}, sched_period={}", s.nice,
                   s.priority, s.runtime, s.deadline, s.period);
    if (s.size >= 56)
        fmt::format_to(std::back_inserter(ctx.out), ", sched_util_min={}, sched_util_max={}", s.util_min, s.util_max);
    ctx.text("}");
    return true;
}

constexpr std::uint32_t kCapVersion1 = 0x19980330;  // one u32 per set; versions 2 and 3 have two

bool print_cap_header(DecodeCtx& ctx, std::uint64_t a) {
    struct {
        std::uint32_t version;
        std::int32_t pid;
    } h;
    if (!ctx.read(a, h)) return false;
    ctx.text("{version=");
    ctx.xval(xlat::Set::cap_version, h.version);
    fmt::format_to(std::back_inserter(ctx.out), ", pid={}}}", h.pid);
    return true;
}

// A capability set as strace shows it: 1<<CAP_CHOWN|1<<CAP_KILL, 0 when empty.
void print_cap_bits(DecodeCtx& ctx, std::uint64_t bits) {
    if (!bits) return ctx.text("0");
    int n = 0;
    for (unsigned i = 0; i < 64; ++i) {
        if (!((bits >> i) & 1)) continue;
        const XlatEntry* e = ctx.opt.xlat == XlatStyle::raw ? nullptr : xlat_find(xlat::Set::capability, i);
        if (!e) continue;
        ctx.text(n++ ? "|1<<" : "1<<");
        ctx.text(e->name);
        bits &= ~(std::uint64_t{1} << i);
    }
    if (bits) fmt::format_to(std::back_inserter(ctx.out), "{}{:#x}", n ? "|" : "", bits);
}

// __user_cap_data_struct[1 or 2]: effective, permitted, inheritable, the low
// words first; how many follows from the header (the call's first argument).
bool print_cap_data(DecodeCtx& ctx, std::uint64_t a) {
    std::uint32_t version = 0;
    if (!ctx.read(ctx.arg(0), version)) return false;
    std::uint32_t d[2][3] = {};
    if (!ctx.read(a, d, version == kCapVersion1 ? sizeof d[0] : sizeof d)) return false;
    auto set = [&](int k) { return d[0][k] | std::uint64_t{d[1][k]} << 32; };
    ctx.text("{effective=");
    print_cap_bits(ctx, set(0));
    ctx.text(", permitted=");
    print_cap_bits(ctx, set(1));
    ctx.text(", inheritable=");
    print_cap_bits(ctx, set(2));
    ctx.text("}");
    return true;
}

}  // namespace

// The printers tbl/structs.tbl promises (trace/struct_printers.hpp).
// landlock_create_ruleset's attr, as far as its size argument covers it (strace
// 6.1 knows handled_access_fs; the network rights of ABI 4 follow when given).
bool print::landlock_ruleset_attr(DecodeCtx& ctx, std::uint64_t a) {
    std::uint64_t attr[3] = {};
    std::uint64_t size = ctx.arg(1);
    if (size < 8) return false;
    std::size_t have = size >= 24 ? 24 : size >= 16 ? 16 : 8;
    if (!ctx.read(a, attr, have)) return false;
    ctx.text("{handled_access_fs=");
    ctx.flags(xlat::Set::landlock_access_fs, attr[0], "LANDLOCK_ACCESS_FS_???");
    if (have >= 16) {
        ctx.text(", handled_access_net=");
        ctx.flags(xlat::Set::landlock_access_net, attr[1], "LANDLOCK_ACCESS_NET_???");
    }
    ctx.text("}");
    return true;
}
bool print::sysinfo(DecodeCtx& ctx, std::uint64_t a) { return print_sysinfo(ctx, a); }
bool print::new_utsname(DecodeCtx& ctx, std::uint64_t a) { return print_utsname(ctx, a); }
bool print::clone_args(DecodeCtx& ctx, std::uint64_t a) { return print_clone_args(ctx, a); }
bool print::sched_attr(DecodeCtx& ctx, std::uint64_t a) { return print_sched_attr(ctx, a); }
bool print::__user_cap_header_struct(DecodeCtx& ctx, std::uint64_t a) { return print_cap_header(ctx, a); }
bool print::__user_cap_data_struct(DecodeCtx& ctx, std::uint64_t a) { return print_cap_data(ctx, a); }

}  // namespace lstar::structs
