// Per-call decoders for the calls strace decodes specially.
#include "trace/decoders/calls.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "table/xlat.hpp"
#include "trace/format.hpp"

namespace lstar {

namespace {

template <class... A>
void put(DecodeCtx& ctx, fmt::format_string<A...> f, A&&... a) {
    fmt::format_to(std::back_inserter(ctx.out), f, std::forward<A>(a)...);
}

// open/openat/openat2 show the mode only when the flags create a file.
// O_TMPFILE includes O_DIRECTORY: test it whole, or every O_DIRECTORY open would show a mode.
bool creates(std::uint64_t flags) { return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE; }
int open_args(DecodeCtx& ctx) { return creates(ctx.arg(1)) ? 3 : 2; }
int openat_args(DecodeCtx& ctx) { return creates(ctx.arg(2)) ? 4 : 3; }
// mq_open: the mode and attributes only when it creates the queue.
int mq_open_args(DecodeCtx& ctx) { return (ctx.arg(1) & O_CREAT) ? 4 : 2; }

// execve's envp without -v: 0x7ffd... /* 23 vars */.
bool execve_arg(DecodeCtx& ctx, int i, int envp_index) {
    if (i != envp_index || ctx.opt.verbose_structs) return false;
    std::uint64_t a = ctx.arg(i);
    if (!a) return false;
    ScopedBlockReads pages(ctx.task.mem);
    unsigned n = 0;
    for (std::uint64_t p;; ++n) {
        if (!ctx.read_ulong(a + n * ctx.ptr_size(), p)) return false;
        if (!p) break;
    }
    ctx.addr(a);
    put(ctx, " /* {} var{} */", n, n == 1 ? "" : "s");
    return true;
}

// wait4's status: [{WIFEXITED(s) && WEXITSTATUS(s) == 0}]. In JSON the status
// itself: {"exited": 0}, {"signaled": "SIGKILL", "core": false},
// {"stopped": "SIGSTOP"}, {"continued": true}, or the number strace shows in hex.
void print_wait_status(DecodeCtx& ctx, int s) {
    std::string text;
    DecodeCtx plain{ctx.task, ctx.opt, text, ctx.exiting};  // no leaves of its own: the one below
    std::string json;
    auto name = [&](int sig) {
        std::string n = signal_name(sig);
        return n.rfind("SIG", 0) == 0 ? fmt::format("\"{}\"", n) : std::to_string(sig);
    };
    plain.text("{");
    if (WIFEXITED(s)) {
        put(plain, "WIFEXITED(s) && WEXITSTATUS(s) == {}", WEXITSTATUS(s));
        json = fmt::format("{{\"exited\":{}}}", WEXITSTATUS(s));
    } else if (WIFSIGNALED(s)) {
        plain.text("WIFSIGNALED(s) && WTERMSIG(s) == ");
        plain.signal(WTERMSIG(s));
        if (WCOREDUMP(s)) plain.text(" && WCOREDUMP(s)");
        json = fmt::format("{{\"signaled\":{},\"core\":{}}}", name(WTERMSIG(s)), WCOREDUMP(s) ? "true" : "false");
    } else if (WIFSTOPPED(s)) {
        plain.text("WIFSTOPPED(s) && WSTOPSIG(s) == ");
        plain.signal(WSTOPSIG(s));
        json = fmt::format("{{\"stopped\":{}}}", name(WSTOPSIG(s)));
    } else if (WIFCONTINUED(s)) {
        plain.text("WIFCONTINUED(s)");
        json = "{\"continued\":true}";
    } else {
        plain.hex(static_cast<std::uint32_t>(s));
        json = std::to_string(static_cast<std::uint32_t>(s));
    }
    plain.text("}");
    ctx.text("[");
    std::size_t begin = ctx.out.size();
    ctx.text(text);
    ctx.leaf(begin, [&](std::string& j) { j += json; });
    ctx.text("]");
}

bool wait4_arg(DecodeCtx& ctx, int i) {
    if (i != 1) return false;
    std::uint64_t a = ctx.arg(1);
    int s;
    // No child reported (result 0 with WNOHANG) leaves the status unwritten.
    if (ctx.addr_instead(a, true) || ctx.task.retval == 0) {
        if (ctx.task.retval == 0 && a) ctx.addr(a);
        return true;
    }
    if (!ctx.read(a, s)) ctx.addr(a);
    else print_wait_status(ctx, s);
    return true;
}

// mmap flags: the hugetlb page size bits (MAP_HUGE_MASK << MAP_HUGE_SHIFT) show
// as N<<MAP_HUGE_SHIFT after the flags.
void print_mmap_flags(DecodeCtx& ctx, std::uint64_t flags) {
    constexpr std::uint64_t kHugeShift = 26, kHugeMask = 0x3f;
    std::uint64_t huge = (flags >> kHugeShift) & kHugeMask;
    if (!huge || ctx.opt.xlat == XlatStyle::raw) return ctx.flags(xlat::Set::mmap_flags, flags);
    if (ctx.opt.xlat == XlatStyle::verbose) {
        // strace: the whole number, then the names with the page size inside the comment.
        DecodeOptions abbrev = ctx.opt;
        abbrev.xlat = XlatStyle::abbrev;
        DecodeCtx names{ctx.task, abbrev, ctx.out, ctx.exiting, ctx.typed, ctx.buf_id};
        ctx.hex(flags);
        ctx.text(" /* ");
        print_mmap_flags(names, flags);
        ctx.text(" */");
        return;
    }
    ctx.flags(xlat::Set::mmap_flags, flags & ~(kHugeMask << kHugeShift));
    put(ctx, "|{}<<MAP_HUGE_SHIFT", huge);
}

// mmap shows the offset in hex; mmap2's page offset is shown as bytes.
bool mmap_arg(DecodeCtx& ctx, int i) {
    if (i == 3) return print_mmap_flags(ctx, ctx.arg(3)), true;
    if (i == 4) return ctx.fd(static_cast<int>(ctx.arg(4))), true;
    if (i != 5) return false;
    ctx.hex(ctx.arg(5));
    return true;
}
bool mmap2_arg(DecodeCtx& ctx, int i) {
    if (i == 3) return print_mmap_flags(ctx, ctx.arg(3)), true;
    if (i == 4) return ctx.fd(static_cast<int>(ctx.arg(4))), true;
    if (i != 5) return false;
    ctx.hex(ctx.arg(5) * 4096);
    return true;
}

// fcntl: the third argument depends on the command.
int fcntl_args(DecodeCtx& ctx) {
    switch (ctx.arg(1)) {
    case F_GETFD:
    case F_GETFL:
    case F_GETOWN:
    case F_GETSIG:
    case F_GETLEASE:
    case F_GETPIPE_SZ:
    case F_GET_SEALS: return 2;
    default: return 3;
    }
}
bool fcntl_arg(DecodeCtx& ctx, int i) {
    if (i != 2) return false;
    std::uint64_t v = ctx.arg(2);
    switch (ctx.arg(1)) {
    case F_SETFD: ctx.flags(xlat::Set::fd_flags, v); return true;
    case F_SETFL: ctx.flags(xlat::Set::open_flags, v); return true;
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
    case F_SETOWN:
    case F_SETPIPE_SZ: ctx.dec(static_cast<int>(v)); return true;
    case F_SETSIG: ctx.signal(static_cast<int>(v)); return true;
    default:
        // A command lstar knows takes a pointer here; strace shows an unknown one's
        // argument as a number.
        if (xlat_find(xlat::Set::fcntl_cmd, ctx.arg(1))) ctx.addr(v);
        else ctx.hex(v);
        return true;
    }
}
// F_GETFD/F_GETFL results: 0x1 (flags FD_CLOEXEC).
bool fcntl_result(DecodeCtx& ctx) {
    xlat::Set set;
    switch (ctx.arg(1)) {
    case F_GETFD:
        if (ctx.task.retval == 0) return false;  // strace: plain "= 0"
        set = xlat::Set::fd_flags;
        break;
    case F_GETFL: set = xlat::Set::open_flags; break;
    case F_DUPFD:
    case F_DUPFD_CLOEXEC: ctx.fd(static_cast<int>(ctx.task.retval)); return true;
    default: return false;
    }
    ctx.hex(static_cast<std::uint64_t>(ctx.task.retval));
    ctx.text(" (flags ");
    ctx.flags(set, static_cast<std::uint64_t>(ctx.task.retval));
    ctx.text(")");
    return true;
}

// umask returns the previous mask: = 022.
bool umask_result(DecodeCtx& ctx) {
    ctx.oct(static_cast<std::uint64_t>(ctx.task.retval));
    return true;
}

// rseq's length is shown in hex.
bool rseq_arg(DecodeCtx& ctx, int i) {
    if (i == 0) return ctx.addr(ctx.arg(0)), true;
    if (i != 1) return false;
    ctx.hex(ctx.arg(1));
    return true;
}

// getcwd fills a NUL-terminated path whose length (with the NUL) is the result.
bool getcwd_arg(DecodeCtx& ctx, int i) {
    if (i != 0) return false;
    if (!ctx.addr_instead(ctx.arg(0), true)) ctx.path(ctx.arg(0));
    return true;
}

// poll: the array of nfds pollfds, at entry their events.
bool poll_arg(DecodeCtx& ctx, int i) {
    if (i != 0) return false;
    std::uint64_t a = ctx.arg(0), n = ctx.arg(1);
    if (!a) return ctx.addr(a), true;
    std::string text = "[";
    DecodeCtx sub = ctx.sub(text);
    for (std::uint64_t k = 0; k < n; ++k) {
        pollfd p;
        if (!ctx.read(a + k * sizeof p, p)) return ctx.addr(a), true;
        if (k) sub.sep();
        if (k >= ctx.opt.string_limit) {
            sub.text("...");
            break;
        }
        sub.text("{fd=");
        sub.fd(p.fd);
        sub.text(", events=");
        sub.flags(xlat::Set::poll_events, static_cast<std::uint16_t>(p.events));
        sub.text("}");
    }
    sub.text("]");
    ctx.append(sub);
    return true;
}
// poll's result lists the ready descriptors: = 1 ([{fd=3, revents=POLLIN}]).
bool poll_result(DecodeCtx& ctx) {
    ctx.dec(ctx.task.retval);
    std::uint64_t a = ctx.arg(0), n = ctx.arg(1);
    if (ctx.task.retval <= 0 || !a) return ctx.task.retval == 0 ? (ctx.text(" (Timeout)"), true) : true;
    std::string text = " ([";
    DecodeCtx sub = ctx.sub(text, true);
    bool first = true;
    for (std::uint64_t k = 0; k < n; ++k) {
        pollfd p;
        if (!ctx.read(a + k * sizeof p, p)) return true;
        if (!p.revents) continue;
        if (!first) sub.sep();
        first = false;
        sub.text("{fd=");
        sub.fd(p.fd);
        sub.text(", revents=");
        sub.flags(xlat::Set::poll_events, static_cast<std::uint16_t>(p.revents));
        sub.text("}");
    }
    sub.text("])");
    ctx.append(sub);
    return true;
}

// clone: strace names the arguments and shows the pointers only when a flag
// makes the kernel use them. x86_64 order: flags, stack, parent_tid, child_tid,
// tls. All of it is printed as one "argument".
int clone_args(DecodeCtx&) { return 1; }
bool clone_arg(DecodeCtx& ctx, int) {
    std::uint64_t flags = ctx.arg(0);
    ctx.text("child_stack=");
    ctx.addr(ctx.arg(1));
    ctx.text(", flags=");
    ctx.flags(xlat::Set::clone_flags, flags);
    auto named = [&](std::uint64_t mask, std::string_view name, int i) {
        if (!(flags & mask)) return;
        ctx.sep();
        ctx.field(name);
        ctx.addr(ctx.arg(i));
    };
    named(0x00100000, "parent_tid", 2);               // CLONE_PARENT_SETTID
    named(0x01000000 | 0x00200000, "child_tidptr", 3);  // CLONE_CHILD_SETTID|CLONE_CHILD_CLEARTID
    named(0x00080000, "tls", 4);                      // CLONE_SETTLS
    return true;
}

// clone3's clone_args, and after it what the kernel stored through its pointers:
// " => {pidfd=[3], parent_tid=[1234]}". The whole line is shown at exit.
bool clone3_arg(DecodeCtx& ctx, int i) {
    if (i != 0) return false;
    std::uint64_t a = ctx.arg(0);
    print_struct(ctx, StructId::clone_args, a);
    std::uint64_t c[4];  // flags, pidfd, child_tid, parent_tid
    if (!ctx.exiting || ctx.failed() || !a || !ctx.read(a, c)) return true;
    std::string stored;
    auto put = [&](std::uint64_t flag, std::string_view name, std::uint64_t at) {
        std::int32_t v;
        if (!(c[0] & flag) || !ctx.read(at, v)) return;
        stored += fmt::format("{}{}=[{}]", stored.empty() ? "" : ", ", name, v);
    };
    put(0x1000, "pidfd", c[1]);            // CLONE_PIDFD
    put(0x00100000, "parent_tid", c[3]);  // CLONE_PARENT_SETTID
    if (!stored.empty()) ctx.out += fmt::format(" => {{{}}}", stored);
    return true;
}

// rt_sigreturn/sigreturn show the mask the signal frame restores: {mask=[INT]}.
// At entry the stack pointer is just past the frame's return address.
void print_frame_mask(DecodeCtx& ctx, std::uint64_t mask_addr, std::uint64_t high_addr) {
    std::uint32_t mask[2];
    if (!ctx.read(mask_addr, mask[0]) || !ctx.read(high_addr, mask[1])) return ctx.addr(mask_addr);
    ctx.text("{mask=");
    ctx.sig_mask(reinterpret_cast<const std::uint8_t*>(mask), sizeof mask);
    ctx.text("}");
}
int one_arg(DecodeCtx&) { return 1; }
bool rt_sigreturn_arg(DecodeCtx& ctx, int) {
    // x86_64: rt_sigframe {pretcode; ucontext uc}; uc_sigmask is 296 bytes into uc.
    // i386: rt_sigframe {pretcode, sig, pinfo, puc; siginfo (128); ucontext}; uc_sigmask at 108.
    std::uint64_t sp = ctx.task.regs.sp;
    std::uint64_t mask = ctx.compat() ? (sp & 0xffffffffu) - 4 + 16 + 128 + 108 : sp + 296;
    print_frame_mask(ctx, mask, mask + 4);
    return true;
}
bool sigreturn_arg(DecodeCtx& ctx, int) {
    // i386 sigframe at sp: sigcontext's oldmask (word 20), extramask after the fpstate (word 178).
    std::uint64_t sp = ctx.task.regs.sp & 0xffffffffu;
    print_frame_mask(ctx, sp + 20 * 4, sp + 178 * 4);
    return true;
}

// socket's protocol is an IPPROTO_* for the inet families, a NETLINK_* for
// netlink, an ETH_P_* in network order for AF_PACKET: htons(ETH_P_ALL).
bool socket_arg(DecodeCtx& ctx, int i) {
    if (i != 2) return false;
    if (ctx.arg(0) == AF_INET || ctx.arg(0) == AF_INET6) ctx.xval(xlat::Set::ip_protocol, ctx.arg(2));
    else if (ctx.arg(0) == AF_NETLINK) ctx.xval(xlat::Set::netlink_protocol, ctx.arg(2));
    else if (ctx.arg(0) == AF_PACKET) print_ethernet_protocol(ctx, static_cast<std::uint16_t>(ctx.arg(2)));
    else return false;
    return true;
}

// getrandom's bytes are shown in hex.
bool getrandom_arg(DecodeCtx& ctx, int i) {
    if (i != 0 || ctx.addr_instead(ctx.arg(0), true)) return i == 0;
    ctx.buf(ctx.arg(0), static_cast<std::uint64_t>(ctx.task.retval), true);
    return true;
}

// futex shows the arguments its command uses, as strace does: after uaddr and op,
// a list of slots per command (FUTEX_CMD_MASK strips PRIVATE/CLOCK_REALTIME).
enum class FutexSlot : std::uint8_t { val, timeout, val2, uaddr2, val3, bitset, wake_op, raw_timeout, raw_val3 };
std::span<const FutexSlot> futex_slots(DecodeCtx& ctx) {
    using S = FutexSlot;
    static constexpr S wait[] = {S::val, S::timeout};
    static constexpr S val_only[] = {S::val};
    static constexpr S requeue[] = {S::val, S::val2, S::uaddr2};
    static constexpr S cmp_requeue[] = {S::val, S::val2, S::uaddr2, S::val3};
    static constexpr S wake_op[] = {S::val, S::val2, S::uaddr2, S::wake_op};
    static constexpr S lock_pi[] = {S::timeout};
    static constexpr S wait_bitset[] = {S::val, S::timeout, S::bitset};
    static constexpr S wake_bitset[] = {S::val, S::bitset};
    static constexpr S wait_requeue_pi[] = {S::val, S::timeout, S::uaddr2};
    static constexpr S other[] = {S::val, S::raw_timeout, S::uaddr2, S::raw_val3};
    switch (ctx.arg(1) & 127) {
    case 0: return wait;                     // FUTEX_WAIT
    case 1: case 2: return val_only;         // FUTEX_WAKE, FUTEX_FD
    case 3: return requeue;                  // FUTEX_REQUEUE
    case 4: case 12: return cmp_requeue;     // FUTEX_CMP_REQUEUE(_PI)
    case 5: return wake_op;                  // FUTEX_WAKE_OP
    case 6: case 13: return lock_pi;         // FUTEX_LOCK_PI(2)
    case 7: case 8: return {};               // FUTEX_UNLOCK_PI, FUTEX_TRYLOCK_PI
    case 9: return wait_bitset;              // FUTEX_WAIT_BITSET
    case 10: return wake_bitset;             // FUTEX_WAKE_BITSET
    case 11: return wait_requeue_pi;         // FUTEX_WAIT_REQUEUE_PI
    default: return other;
    }
}
int futex_args(DecodeCtx& ctx) { return 2 + static_cast<int>(futex_slots(ctx).size()); }

// A field of FUTEX_WAKE_OP's val3: "FUTEX_OP_ADD<<28", "0x7<<28 /* FUTEX_OP_??? */".
void futex_op_field(DecodeCtx& ctx, xlat::Set set, std::uint64_t v, int shift, std::string_view unknown) {
    bool known = ctx.opt.xlat != XlatStyle::raw && xlat_find(set, v);
    if (known) ctx.xval(set, v);
    else ctx.hex(v);
    ctx.out += fmt::format("<<{}", shift);
    if (!known) ctx.out += fmt::format(" /* {} */", unknown);  // even with -X raw, as strace does
}

// The op: a futex_op name, or strace's names for the commands that take
// FUTEX_CLOCK_REALTIME ("FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME"); other
// combinations are FUTEX_???.
void futex_op(DecodeCtx& ctx, std::uint64_t op) {
    constexpr std::uint64_t kClockRealtime = 0x100;
    std::uint64_t base = op & ~kClockRealtime;
    const XlatEntry* e = xlat_find(xlat::Set::futex_op, base);
    bool clock_cmd = base == 0 || base == 0x80 || (base & 127) == 9 || (base & 127) == 11;  // WAIT, WAIT_BITSET, WAIT_REQUEUE_PI
    if (!(op & kClockRealtime) || !e || !clock_cmd || base > 0xff || ctx.opt.xlat == XlatStyle::raw)
        return ctx.xval(xlat::Set::futex_op, op);
    if (ctx.opt.xlat == XlatStyle::verbose) ctx.out += fmt::format("{:#x} /* {}|FUTEX_CLOCK_REALTIME */", op, e->name);
    else ctx.out += fmt::format("{}|FUTEX_CLOCK_REALTIME", e->name);
}

bool futex_arg(DecodeCtx& ctx, int i) {
    if (i == 1) return futex_op(ctx, ctx.arg(1)), true;
    if (i < 2) return false;
    auto slots = futex_slots(ctx);
    if (static_cast<std::size_t>(i - 2) >= slots.size()) return true;
    auto val3 = static_cast<std::uint32_t>(ctx.arg(5));
    switch (slots[static_cast<std::size_t>(i - 2)]) {
    case FutexSlot::val: ctx.udec(static_cast<std::uint32_t>(ctx.arg(2))); break;
    case FutexSlot::timeout: print_struct(ctx, struct_of(ctx.task.sc->effective().args[3]), ctx.arg(3)); break;
    case FutexSlot::val2: ctx.udec(static_cast<std::uint32_t>(ctx.arg(3))); break;
    case FutexSlot::raw_timeout: ctx.addr(ctx.arg(3)); break;
    case FutexSlot::uaddr2: ctx.addr(ctx.arg(4)); break;
    case FutexSlot::val3: ctx.udec(val3); break;
    case FutexSlot::raw_val3: ctx.hex(val3); break;  // an unknown command
    case FutexSlot::bitset:
        if (ctx.opt.xlat != XlatStyle::raw && xlat_find(xlat::Set::futex_bitset, val3)) ctx.xval(xlat::Set::futex_bitset, val3);
        else ctx.hex(val3);
        break;
    case FutexSlot::wake_op:
        if (val3 & 0x80000000u) ctx.text(ctx.opt.xlat == XlatStyle::raw      ? "0x8<<28|"
                                         : ctx.opt.xlat == XlatStyle::verbose ? "0x8 /* FUTEX_OP_OPARG_SHIFT */<<28|"
                                                                               : "FUTEX_OP_OPARG_SHIFT<<28|");
        futex_op_field(ctx, xlat::Set::futex_wake_op, (val3 >> 28) & 7, 28, "FUTEX_OP_???");
        ctx.text("|");
        ctx.hex((val3 >> 12) & 0xfff);
        ctx.text("<<12|");
        futex_op_field(ctx, xlat::Set::futex_wake_cmp, (val3 >> 24) & 0xf, 24, "FUTEX_OP_CMP_???");
        ctx.text("|");
        ctx.hex(val3 & 0xfff);
        break;
    }
    return true;
}

// statx flags: the sync type field (always named) then the AT_* flags.
bool statx_arg(DecodeCtx& ctx, int i) {
    if (i != 2 || ctx.opt.xlat == XlatStyle::raw) return false;
    std::uint64_t flags = ctx.arg(2), sync = flags & 0x6000;
    ctx.xval(xlat::Set::statx_sync, sync);
    if (flags & ~sync) {
        ctx.text("|");
        ctx.flags(xlat::Set::at_flags, flags & ~sync);
    }
    return true;
}

// mremap shows new_address only when MREMAP_FIXED makes the kernel use it.
int mremap_args(DecodeCtx& ctx) { return (ctx.arg(3) & 3) == 3 ? 5 : 4; }  // MREMAP_MAYMOVE|MREMAP_FIXED

// nanosleep/clock_nanosleep: the remaining time is written only when a signal
// interrupted a relative sleep (the call is then restarted); otherwise strace
// shows the address.
bool is_restart(std::int64_t ret) { return ret >= -516 && ret <= -512; }
bool sleep_rem_arg(DecodeCtx& ctx, int i, int rem, bool relative) {
    if (i != rem) return false;
    std::uint64_t a = ctx.arg(i);
    if (!a || !relative || !is_restart(ctx.task.retval)) return ctx.addr(a), true;
    print_struct(ctx, struct_of(ctx.task.sc->effective().args[i]), a);
    return true;
}
bool nanosleep_arg(DecodeCtx& ctx, int i) { return sleep_rem_arg(ctx, i, 1, true); }
bool clock_nanosleep_arg(DecodeCtx& ctx, int i) { return sleep_rem_arg(ctx, i, 3, ctx.arg(1) == 0); }

// _llseek(fd, offset_high, offset_low, result, whence): strace joins the offset
// halves into one argument, so it shows four.
int llseek_args(DecodeCtx&) { return 4; }
bool llseek_arg(DecodeCtx& ctx, int i) {
    switch (i) {
    case 1: ctx.dec(static_cast<std::int64_t>(ctx.arg(1) << 32 | ctx.arg(2))); return true;
    case 2:
        if (!ctx.addr_instead(ctx.arg(3), true)) print_struct(ctx, StructId::loff_t, ctx.arg(3));
        return true;
    case 3: ctx.xval(xlat::Set::seek_whence, ctx.arg(4)); return true;
    default: return false;
    }
}

bool execve_args(DecodeCtx& ctx, int i) { return execve_arg(ctx, i, 2); }
bool execveat_args(DecodeCtx& ctx, int i) { return execve_arg(ctx, i, 3); }

constexpr CallDecoder kDecoders[] = {
    {"open", open_args},
    {"openat", openat_args},
    {"mq_open", mq_open_args},
    {"execve", nullptr, execve_args},
    {"execveat", nullptr, execveat_args},
    {"wait4", nullptr, wait4_arg},
    {"mmap", nullptr, mmap_arg},
    {"mmap2", nullptr, mmap2_arg},
    {"fcntl", fcntl_args, fcntl_arg, fcntl_result},
    {"fcntl64", fcntl_args, fcntl_arg, fcntl_result},
    {"umask", nullptr, nullptr, umask_result},
    {"rseq", nullptr, rseq_arg},
    {"getcwd", nullptr, getcwd_arg},
    {"poll", nullptr, poll_arg, poll_result},
    {"clone", clone_args, clone_arg},
    {"clone3", nullptr, clone3_arg, nullptr, 0},
    {"rt_sigreturn", one_arg, rt_sigreturn_arg},
    {"sigreturn", one_arg, sigreturn_arg},
    {"socket", nullptr, socket_arg},
    {"getrandom", nullptr, getrandom_arg},
    {"futex", futex_args, futex_arg},
    {"futex_time64", futex_args, futex_arg},
    {"statx", nullptr, statx_arg},
    {"socketpair", nullptr, socket_arg},
    {"mremap", mremap_args},
    {"_llseek", llseek_args, llseek_arg, nullptr, 2},
    {"nanosleep", nullptr, nanosleep_arg},
    {"clock_nanosleep", nullptr, clock_nanosleep_arg},
    {"clock_nanosleep_time64", nullptr, clock_nanosleep_arg},
};

}  // namespace

const CallDecoder* find_call_decoder(std::string_view name) {
    for (std::span<const CallDecoder> family :
         {std::span<const CallDecoder>(kDecoders), io_decoders(), net_decoders(), proc_decoders(),
          ipc_decoders()}) {
        auto it = std::find_if(family.begin(), family.end(), [&](const CallDecoder& d) { return d.name == name; });
        if (it != family.end()) return &*it;
    }
    return nullptr;
}

}  // namespace lstar
