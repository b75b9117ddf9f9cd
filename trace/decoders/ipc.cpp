// Per-call decoders of the System V IPC calls (semget ... shmctl), and of
// i386's ipc(2) multiplexer, which strace shows as the call it stands for with
// that call's arguments taken from ipc's (first, second, third, ptr, fifth).
#include <fmt/format.h>

#include "table/xlat.hpp"
#include "trace/decoders/calls.hpp"
#include "table/syscall_set.hpp"

namespace lstar {

namespace {

// ipc(2)'s call numbers (linux/ipc.h).
enum : int {
    kSemop = 1, kSemget = 2, kSemctl = 3, kSemtimedop = 4,
    kMsgsnd = 11, kMsgrcv = 12, kMsgget = 13, kMsgctl = 14,
    kShmat = 21, kShmdt = 22, kShmget = 23, kShmctl = 24,
};
constexpr std::uint64_t kIpc64 = 0x100;  // IPC_64, or-ed into the *ctl commands

// One IPC call, its arguments in the order of the direct call.
struct IpcArgs {
    int call = 0;
    bool indirect = false;  // through ipc(2)
    unsigned version = 0;   // ipc(2): the call's upper 16 bits
    bool time32 = false;    // semtimedop's timeout is an old_timespec32
    std::uint64_t a[kMaxArgs] = {};
    std::uint64_t ipc_ptr = 0, ipc_third = 0;  // ipc(2)'s ptr and third, as given
};

int direct_call(std::string_view name) {
    struct Name { std::string_view name; int call; };
    static constexpr Name kNames[] = {
        {"semop", kSemop},   {"semget", kSemget}, {"semctl", kSemctl}, {"semtimedop", kSemtimedop},
        {"semtimedop_time64", kSemtimedop},       {"msgsnd", kMsgsnd}, {"msgrcv", kMsgrcv},
        {"msgget", kMsgget}, {"msgctl", kMsgctl}, {"shmat", kShmat},   {"shmdt", kShmdt},
        {"shmget", kShmget}, {"shmctl", kShmctl},
    };
    for (const Name& n : kNames)
        if (n.name == name) return n.call;
    return 0;
}

bool is_ipc_row(const DecodeCtx& ctx) { return ctx.task.sc && multiplexer_of(*ctx.task.sc) == Multiplexer::ipc; }

// The call of a direct row, or the one ipc(2) stands for (call 0: none).
IpcArgs ipc_args(const DecodeCtx& ctx) {
    IpcArgs r;
    if (!ctx.task.sc) return r;
    if (!is_ipc_row(ctx)) {
        r.call = direct_call(ctx.task.sc->name);
        for (int i = 0; i < kMaxArgs; ++i) r.a[i] = ctx.arg(i);
        return r;
    }
    std::uint64_t v[kMaxArgs];
    for (int i = 0; i < kMaxArgs; ++i) v[i] = ctx.task.arg(i) & 0xffffffffu;
    int call = static_cast<int>(v[0] & 0xffff);
    auto calls = subcalls(Multiplexer::ipc);
    if (static_cast<std::size_t>(call) >= calls.size() || calls[static_cast<std::size_t>(call)].name.empty()) return r;
    r.call = call;
    r.indirect = true;
    r.version = static_cast<unsigned>(v[0] >> 16);
    r.ipc_ptr = v[4];
    r.ipc_third = v[3];
    auto set = [&](std::initializer_list<std::uint64_t> args) {
        int i = 0;
        for (std::uint64_t x : args) r.a[i++] = x;
    };
    const std::uint64_t first = v[1], second = v[2], third = v[3], ptr = v[4], fifth = v[5];
    switch (call) {
    case kSemop: set({first, ptr, second}); break;
    case kSemget: set({first, second, third}); break;
    case kSemctl: set({first, second, third, ptr}); break;
    case kSemtimedop: set({first, ptr, second, fifth}), r.time32 = true; break;
    case kMsgsnd: set({first, ptr, second, third}); break;
    case kMsgrcv: set({first, ptr, second, fifth, third}); break;  // version 0: ptr is the ipc_kludge
    case kMsgget: set({first, second}); break;
    case kMsgctl: set({first, second, ptr}); break;
    case kShmat: set({first, ptr, second}); break;  // third: where the address is stored
    case kShmdt: set({ptr}); break;
    case kShmget: set({first, second, third}); break;
    case kShmctl: set({first, second, ptr}); break;
    }
    return r;
}

// msgrcv through ipc(2) version 0: msgp and msgtyp are read from the ipc_kludge
// at ptr; strace shows the kludge's address and msgsz alone when it can't.
bool msgrcv_kludge(const DecodeCtx& ctx, const IpcArgs& c, std::uint64_t& msgp, std::int64_t& msgtyp) {
    if (!c.indirect || c.version != 0) {
        msgp = c.a[1];
        msgtyp = c.indirect ? static_cast<std::int32_t>(c.a[3]) : static_cast<std::int64_t>(c.a[3]);
        return true;
    }
    std::uint32_t pair[2];
    if (!c.ipc_ptr || is_error_value(ctx.task.retval) || !ctx.read(c.ipc_ptr, pair)) return false;
    msgp = pair[0];
    msgtyp = static_cast<std::int32_t>(pair[1]);
    return true;
}

// IPC_PRIVATE, or the key in hex.
void print_key(DecodeCtx& ctx, std::uint64_t key) {
    auto k = static_cast<std::uint32_t>(key);
    if (k || ctx.opt.xlat == XlatStyle::raw) return ctx.hex(k);
    ctx.text(ctx.opt.xlat == XlatStyle::verbose ? "0 /* IPC_PRIVATE */" : "IPC_PRIVATE");
}

// Flag names joined by '|' and any other bits in hex, with no comment (strace's
// printflags_in with no default).
void print_flags_in(DecodeCtx& ctx, xlat::Set set, std::uint32_t v) {
    if (ctx.opt.xlat == XlatStyle::raw) return ctx.hex(v);
    std::string names;
    for (const XlatEntry& e : xlat_set(set))
        if (e.value && (v & e.value) == e.value) {
            if (!names.empty()) names += '|';
            names += e.name;
            v &= ~static_cast<std::uint32_t>(e.value);
        }
    if (v) names += fmt::format("{}{:#x}", names.empty() ? "" : "|", v);
    ctx.text(names);
}

// "IPC_CREAT|0600": the flags above the mode bits, then the mode in octal;
// shmget's also "21<<SHM_HUGE_SHIFT" for a huge page size.
void print_resource_flags(DecodeCtx& ctx, xlat::Set set, std::uint64_t v, bool hugetlb = false) {
    auto flags = static_cast<std::uint32_t>(v) & ~0777u;
    if (hugetlb) {
        constexpr std::uint32_t kShift = 26, kMask = 0x3fu << kShift;  // SHM_HUGE_SHIFT, SHM_HUGE_MASK
        std::uint32_t huge = flags & kMask;
        flags &= ~kMask;
        if (flags) print_flags_in(ctx, set, flags), ctx.text("|");
        if (huge) ctx.out += fmt::format("{}<<SHM_HUGE_SHIFT|", huge >> kShift);
    } else if (flags) {
        print_flags_in(ctx, set, flags);
        ctx.text("|");
    }
    ctx.out += fmt::format("{:#03o}", static_cast<std::uint32_t>(v) & 0777u);
}

// A *ctl command: "IPC_64|IPC_STAT".
void print_ctl_cmd(DecodeCtx& ctx, xlat::Set set, std::string_view dflt, std::uint64_t v) {
    auto cmd = static_cast<std::uint32_t>(v);
    if (cmd & kIpc64 && ctx.opt.xlat != XlatStyle::raw) {
        ctx.text("IPC_64|");
        cmd &= ~kIpc64;
    }
    ctx.xval(set, cmd, dflt);
}

// [{sem_num=0, sem_op=1, sem_flg=SEM_UNDO}, ...]
void print_sembufs(DecodeCtx& ctx, std::uint64_t a, std::uint64_t count) {
    if (!a) return ctx.addr(a);
    if (!count) return ctx.text("[]");
    std::string items = "[";
    DecodeCtx sub = ctx.sub(items);
    for (std::uint64_t n = 0; n < count; ++n) {
        struct { std::uint16_t num; std::int16_t op; std::int16_t flg; } sb;
        if (n) items += ", ";
        if (n >= ctx.opt.string_limit) {
            items += "...";
            break;
        }
        if (!ctx.read(a + 6 * n, &sb, 6)) {
            if (!n) return ctx.addr(a);
            items += "...";
            break;
        }
        items += fmt::format("{{sem_num={}, sem_op={}, sem_flg=", sb.num, sb.op);
        sub.flags(xlat::Set::semop_flags, static_cast<std::uint16_t>(sb.flg), "SEM_???");
        items += '}';
    }
    items += ']';
    ctx.append(sub);
}

// {mtype=1, mtext="..."}: a long, then count bytes (limited by -s).
void print_msgbuf(DecodeCtx& ctx, std::uint64_t a, std::uint64_t count) {
    if (!a || ctx.failed()) return ctx.addr(a);
    std::int64_t mtype;
    if (ctx.long_size() == 8) {
        if (!ctx.read(a, mtype)) return ctx.addr(a);
    } else {
        std::int32_t t;
        if (!ctx.read(a, t)) return ctx.addr(a);
        mtype = t;
    }
    ctx.out += fmt::format("{{mtype={}, mtext=", mtype);
    ctx.buf(a + ctx.long_size(), count);
    ctx.text("}");
}

// The commands whose buffer strace prints at exit (a structure it fills).
bool ctl_fills(int call, std::uint64_t cmd) {
    switch (call) {
    case kSemctl: cmd &= ~kIpc64; return cmd == 2 || cmd == 3 || cmd == 18 || cmd == 19 || cmd == 20;
    case kMsgctl: cmd &= ~kIpc64; return cmd == 2 || cmd == 3 || cmd == 11 || cmd == 12 || cmd == 13;
    case kShmctl: cmd &= ~kIpc64; return cmd == 2 || cmd == 3 || cmd == 13 || cmd == 14 || cmd == 15;
    }
    return false;
}

int ipc_shown_args(DecodeCtx& ctx) {
    IpcArgs c = ipc_args(ctx);
    if (!c.call) return is_ipc_row(ctx) ? kMaxArgs : ctx.task.sc->effective().nargs;
    if (c.call == kMsgrcv) {
        std::uint64_t p;
        std::int64_t t;
        return msgrcv_kludge(ctx, c, p, t) ? 5 : 4;
    }
    return subcalls(Multiplexer::ipc)[static_cast<std::size_t>(c.call)].nargs;
}

int ipc_exit_from(DecodeCtx& ctx) {
    IpcArgs c = ipc_args(ctx);
    switch (c.call) {
    case kMsgrcv: return 1;
    case kSemctl: return ctl_fills(c.call, c.a[2]) ? 3 : kMaxArgs;
    case kMsgctl:
    case kShmctl: return ctl_fills(c.call, c.a[1]) ? 2 : kMaxArgs;
    case 0: return is_ipc_row(ctx) ? kMaxArgs : ctx.task.sc->effective().nargs;
    }
    return kMaxArgs;
}

// ipc(2) standing for no call: strace's generic form, the call then hex.
bool ipc_unknown_arg(DecodeCtx& ctx, int i) {
    auto v = ctx.task.arg(i) & 0xffffffffu;
    if (i) return ctx.hex(v), true;
    if (v >> 16) ctx.out += fmt::format("{}<<16|", v >> 16);
    const XlatEntry* e = ctx.opt.xlat == XlatStyle::raw ? nullptr : xlat_find(xlat::Set::ipc_call, v & 0xffff);
    if (e) ctx.text(e->name);
    else ctx.udec(v & 0xffff);
    return true;
}

bool ipc_arg(DecodeCtx& ctx, int i) {
    IpcArgs c = ipc_args(ctx);
    if (!c.call) return is_ipc_row(ctx) && ipc_unknown_arg(ctx, i);
    const std::uint64_t* a = c.a;
    auto id = [&](std::uint64_t v) { ctx.dec(static_cast<std::int32_t>(v)); };
    switch (c.call) {
    case kSemop:
    case kSemtimedop:
        switch (i) {
        case 0: return id(a[0]), true;
        case 1: return print_sembufs(ctx, a[1], static_cast<std::uint32_t>(a[2])), true;
        case 2: return ctx.udec(static_cast<std::uint32_t>(a[2])), true;
        case 3: return print_struct(ctx, c.time32 ? StructId::old_timespec32 : StructId::__kernel_timespec, a[3]), true;
        }
        break;
    case kSemget:
        switch (i) {
        case 0: return print_key(ctx, a[0]), true;
        case 1: return id(a[1]), true;
        case 2: return print_resource_flags(ctx, xlat::Set::ipc_resource_flags, a[2]), true;
        }
        break;
    case kSemctl:
        switch (i) {
        case 0:
        case 1: return id(a[i]), true;
        case 2: return print_ctl_cmd(ctx, xlat::Set::semctl_cmd, "SEM_???", a[2]), true;
        case 3:
            // Through ipc(2), ptr points at the union semun: strace shows its value.
            if (c.indirect) {
                std::uint32_t v;
                if (!a[3] || !ctx.read(a[3], v)) return ctx.addr(a[3]), true;
                ctx.text("[");
                ctx.addr(v);
                ctx.text("]");
                return true;
            }
            return ctx.addr(a[3]), true;
        }
        break;
    case kMsgget:
        switch (i) {
        case 0: return print_key(ctx, a[0]), true;
        case 1: return print_resource_flags(ctx, xlat::Set::ipc_resource_flags, a[1]), true;
        }
        break;
    case kMsgsnd:
        switch (i) {
        case 0: return id(a[0]), true;
        case 1: return print_msgbuf(ctx, a[1], a[2]), true;
        case 2: return ctx.udec(a[2]), true;
        case 3: return ctx.flags(xlat::Set::ipc_msg_flags, static_cast<std::uint32_t>(a[3]), "MSG_???"), true;
        }
        break;
    case kMsgrcv: {
        if (i == 0) return id(a[0]), true;
        std::uint64_t msgp;
        std::int64_t msgtyp;
        if (!msgrcv_kludge(ctx, c, msgp, msgtyp)) {
            switch (i) {
            case 1: return ctx.addr(c.ipc_ptr), true;
            case 2: return ctx.udec(a[2]), true;
            case 3: return ctx.flags(xlat::Set::ipc_msg_flags, static_cast<std::uint32_t>(a[4]), "MSG_???"), true;
            }
            break;
        }
        switch (i) {
        case 1: return print_msgbuf(ctx, msgp, a[2]), true;
        case 2: return ctx.udec(a[2]), true;
        case 3: return ctx.dec(msgtyp), true;
        case 4: return ctx.flags(xlat::Set::ipc_msg_flags, static_cast<std::uint32_t>(a[4]), "MSG_???"), true;
        }
        break;
    }
    case kMsgctl:
    case kShmctl:
        switch (i) {
        case 0: return id(a[0]), true;
        case 1:
            return c.call == kMsgctl ? print_ctl_cmd(ctx, xlat::Set::msgctl_cmd, "MSG_???", a[1])
                                     : print_ctl_cmd(ctx, xlat::Set::shmctl_cmd, "SHM_???", a[1]),
                   true;
        case 2: return ctx.addr(a[2]), true;
        }
        break;
    case kShmget:
        switch (i) {
        case 0: return print_key(ctx, a[0]), true;
        case 1: return ctx.udec(a[1]), true;
        case 2: return print_resource_flags(ctx, xlat::Set::ipc_flags, a[2], true), true;
        }
        break;
    case kShmat:
        switch (i) {
        case 0: return id(a[0]), true;
        case 1: return ctx.addr(a[1]), true;
        case 2: return ctx.flags(xlat::Set::shmat_flags, static_cast<std::uint32_t>(a[2]), "SHM_???"), true;
        }
        break;
    case kShmdt:
        if (i == 0) return ctx.addr(a[0]), true;
        break;
    }
    return false;
}

// shmat through ipc(2) returns 0 and stores the address at third: strace shows that.
bool ipc_result(DecodeCtx& ctx) {
    IpcArgs c = ipc_args(ctx);
    if (c.call != kShmat) return false;
    if (!c.indirect) return ctx.hex(static_cast<std::uint64_t>(ctx.task.retval) & (ctx.compat() ? 0xffffffffu : ~0ull)), true;
    std::uint32_t addr;
    if (!ctx.read(c.ipc_third, addr)) return false;
    ctx.hex(addr);
    return true;
}

constexpr CallDecoder kDecoders[] = {
    {"ipc", ipc_shown_args, ipc_arg, ipc_result, -1, ipc_exit_from},
    {"semop", ipc_shown_args, ipc_arg, nullptr, -1, ipc_exit_from},
    {"semget", ipc_shown_args, ipc_arg, nullptr, -1, ipc_exit_from},
    {"semctl", ipc_shown_args, ipc_arg, nullptr, -1, ipc_exit_from},
    {"semtimedop", ipc_shown_args, ipc_arg, nullptr, -1, ipc_exit_from},
    {"semtimedop_time64", ipc_shown_args, ipc_arg, nullptr, -1, ipc_exit_from},
    {"msgsnd", ipc_shown_args, ipc_arg, nullptr, -1, ipc_exit_from},
    {"msgrcv", ipc_shown_args, ipc_arg, nullptr, -1, ipc_exit_from},
    {"msgget", ipc_shown_args, ipc_arg, nullptr, -1, ipc_exit_from},
    {"msgctl", ipc_shown_args, ipc_arg, nullptr, -1, ipc_exit_from},
    {"shmat", ipc_shown_args, ipc_arg, ipc_result, -1, ipc_exit_from},
    {"shmdt", ipc_shown_args, ipc_arg, nullptr, -1, ipc_exit_from},
    {"shmget", ipc_shown_args, ipc_arg, nullptr, -1, ipc_exit_from},
    {"shmctl", ipc_shown_args, ipc_arg, nullptr, -1, ipc_exit_from},
};

}  // namespace

std::span<const CallDecoder> ipc_decoders() { return kDecoders; }

}  // namespace lstar
