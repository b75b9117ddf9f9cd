// The Decoder: one generic decoder per argument kind, driven by the metadata,
// with per-call decoders (trace/decoders/) where a generic one can't do.
#include "trace/decode.hpp"

#include <array>
#include <vector>

#include <fmt/format.h>

#include "trace/decode_ctx.hpp"
#include "trace/decoders/calls.hpp"
#include "trace/format.hpp"
#include "table/syscall_set.hpp"

namespace lstar {

namespace {

const EntryMeta* meta(const Task& task) { return task.sc ? &task.sc->effective() : nullptr; }

// The per-call decoder of a row, looked up by name once per row rather than per call.
const CallDecoder* call_decoder(const Task& task) {
    static const auto by_row = [] {
        std::array<std::vector<const CallDecoder*>, kAbiCount> table;
        for (int abi = 0; abi < kAbiCount; ++abi)
            for (const SyscallDesc& row : syscall_table(static_cast<Abi>(abi)))
                table[abi].push_back(row.name.empty() ? nullptr : find_call_decoder(row.name));
        return table;
    }();
    if (!task.sc) return nullptr;
    auto rows = syscall_table(task.sc->abi);
    return by_row[static_cast<int>(task.sc->abi)][static_cast<std::size_t>(task.sc - rows.data())];
}

bool is_out_kind(ArgKind k) {
    switch (k) {
    case ArgKind::out_buf:
    case ArgKind::struct_out:
    case ArgKind::sockaddr_out:
    case ArgKind::iovec_out:
    case ArgKind::sigset_out: return true;
    default: return false;
    }
}

// strace splits a line at the first out parameter: it and everything after it
// are printed once the call has returned.
int first_exit_arg(const Task& task) {
    const EntryMeta* m = meta(task);
    if (!m) return kMaxArgs;
    if (const CallDecoder* d = call_decoder(task); d && d->exit_from) {
        static const DecodeOptions opt;
        std::string scratch;
        DecodeCtx ctx{const_cast<Task&>(task), opt, scratch, false};
        return d->exit_from(ctx);
    }
    if (const CallDecoder* d = call_decoder(task); d && d->first_exit_arg >= 0) return d->first_exit_arg;
    for (int i = 0; i < m->nargs; ++i)
        if (is_out_kind(m->args[i].kind)) return i;
    return m->nargs;
}

// The length an argument's `related` index points at, or -1.
std::int64_t related_value(DecodeCtx& ctx, const ArgMeta& a) {
    if (a.related == kLenIsReturn) return ctx.exiting ? ctx.task.retval : -1;
    if (a.related < 0) return -1;
    return static_cast<std::int64_t>(ctx.arg(a.related));
}

void format_strarray(DecodeCtx& ctx, std::uint64_t a) {
    if (!a) return ctx.addr(a);
    ScopedBlockReads pages(ctx.task.mem);
    std::string items;
    DecodeCtx sub = ctx.sub(items);
    sub.text("[");
    for (unsigned n = 0;; ++n) {
        std::uint64_t p;
        if (!ctx.read_ulong(a + n * ctx.ptr_size(), p)) return ctx.addr(a);
        if (!p) break;
        if (n) sub.sep();
        if (n >= ctx.opt.string_limit) {
            sub.text("...");
            break;
        }
        sub.str(p);
    }
    sub.text("]");
    ctx.append(sub);
}

// A pointer to one 4-byte scalar (int, u32): in/out ones are shown with their
// entry value at exit.
bool is_int_pointee(const ArgMeta& a) { return struct_of(a) == StructId::int_ || struct_of(a) == StructId::u32; }

// The generic decoder of an argument kind.
void format_kind(DecodeCtx& ctx, const ArgMeta& a, int i, std::uint64_t v) {
    auto sv = static_cast<std::int64_t>(v);
    switch (a.kind) {
    case ArgKind::dec:
    case ArgKind::off: return ctx.dec(sv);
    case ArgKind::pid: return ctx.pid(sv);
    case ArgKind::uid:
    case ArgKind::gid: {
        // strace: -1 ("unchanged") as -1, any other id unsigned (4294901760, not -65536),
        // at the id's width (16 bits for the old i386 calls).
        std::uint64_t mask = a.size == 2 ? 0xffffu : 0xffffffffu;
        if ((v & mask) == mask) return ctx.dec(-1);
        return ctx.udec(v & mask);
    }
    case ArgKind::udec:
    case ArgKind::size: return ctx.udec(v);
    case ArgKind::hex: return ctx.hex(v);
    case ArgKind::oct: return ctx.oct(v);
    case ArgKind::mode: return ctx.oct(v & 0xffff);  // strace: umode_t, 16 bits (umask(0177777))
    case ArgKind::ptr:
    case ArgKind::addr: return ctx.addr(v);
    case ArgKind::fd: return ctx.fd(static_cast<int>(v));
    case ArgKind::dirfd: return ctx.dirfd(static_cast<int>(v));
    case ArgKind::path: return ctx.path(v);
    case ArgKind::str: return ctx.str(v);
    case ArgKind::in_buf: {
        std::int64_t len = related_value(ctx, a);
        return len < 0 ? ctx.addr(v) : ctx.buf(v, static_cast<std::uint64_t>(len));
    }
    case ArgKind::out_buf:
        if (ctx.addr_instead(v, true)) return;
        return ctx.buf(v, static_cast<std::uint64_t>(ctx.task.retval));
    case ArgKind::flags:
        // A bit set is never sign-extended: an int's high bit is 0x80000000 (strace).
        return ctx.flags(set_of(a), a.size && a.size < 8 ? v & ((std::uint64_t{1} << (a.size * 8)) - 1) : v);
    case ArgKind::enum_: return ctx.xval(set_of(a), v);
    case ArgKind::signal: return ctx.signal(static_cast<int>(v));
    case ArgKind::struct_inout:
        if (ctx.exiting && is_int_pointee(a)) return print_inout_int(ctx, i);
        return print_struct(ctx, struct_of(a), v);
    case ArgKind::struct_in: return print_struct(ctx, struct_of(a), v);
    case ArgKind::struct_out:
        if (ctx.addr_instead(v, true)) return;
        return print_struct(ctx, struct_of(a), v);
    case ArgKind::sockaddr: {
        std::int64_t len = related_value(ctx, a);
        return print_sockaddr(ctx, v, len < 0 ? 0 : static_cast<std::uint64_t>(len));
    }
    case ArgKind::sockaddr_out: {
        if (ctx.addr_instead(v, true)) return;
        std::uint32_t len = 0;
        if (a.related < 0 || !ctx.read(ctx.arg(a.related), len)) return ctx.addr(v);
        return print_sockaddr(ctx, v, len);
    }
    case ArgKind::iovec_in: return print_iovec(ctx, v, static_cast<std::uint64_t>(related_value(ctx, a)), -1);
    case ArgKind::iovec_out:
        if (ctx.addr_instead(v, true)) return;
        return print_iovec(ctx, v, static_cast<std::uint64_t>(related_value(ctx, a)), ctx.task.retval);
    case ArgKind::strarray: return format_strarray(ctx, v);
    case ArgKind::sigset: return ctx.sigset(v, static_cast<std::uint64_t>(related_value(ctx, a)));
    case ArgKind::sigset_out:
        if (ctx.addr_instead(v, true)) return;
        return ctx.sigset(v, static_cast<std::uint64_t>(related_value(ctx, a)));
    }
    ctx.hex(v);
}

// i386 socketcall(call, args): strace shows the call it stands for, with that
// call's arguments read from the args array (the table: trace/syscall_set.cpp).
// The multiplexed call as a task of its own (same memory, same entry snapshot);
// nullptr when task is not a socketcall or its args array can't be read.
const Subcall* demux(const Task& task, Task& sub) {
    if (!task.sc || multiplexer_of(*task.sc) != Multiplexer::socketcall) return nullptr;
    std::uint32_t args[kMaxArgs] = {};
    int call = task.multiplexed_call(args);
    if (!call) return nullptr;
    const Subcall& s = subcalls(Multiplexer::socketcall)[static_cast<std::size_t>(call)];
    sub.call() = task;
    sub.sc = find_syscall(Abi::i386, s.row);
    for (int i = 0; i < kMaxArgs; ++i) syscall_arg(sub.regs, Abi::i386, i) = args[i];
    return &s;
}

// i386 ipc(call, first, second, third, ptr, fifth): the call it stands for, or nullptr
// (its arguments are decoded by trace/decoders/ipc.cpp).
const Subcall* ipc_call(const Task& task) {
    if (!task.sc || multiplexer_of(*task.sc) != Multiplexer::ipc) return nullptr;
    int call = task.multiplexed_call();
    return call ? &subcalls(Multiplexer::ipc)[static_cast<std::size_t>(call)] : nullptr;
}

}  // namespace

std::string_view Decoder::shown_name(const Task& task) {
    if (const Subcall* s = ipc_call(task)) return s->name;
    Task sub;
    const Subcall* s = demux(task, sub);
    return s ? s->name : std::string_view();
}

void Decoder::capture_entry(Task& task) {
    if (Task sub; demux(task, sub)) {
        capture_entry(sub);
        std::copy(std::begin(sub.entry_values), std::end(sub.entry_values), std::begin(task.entry_values));
        task.entry_mask = sub.entry_mask;
        task.entry_call = sub.entry_call;
        return;
    }
    task.entry_mask = 0;
    task.entry_call = task.calls;
    const EntryMeta* m = meta(task);
    if (!m || !task.mem) return;
    std::string scratch;
    DecodeOptions opt;
    DecodeCtx ctx{task, opt, scratch, false};
    for (int i = 0; i < m->nargs; ++i) {
        const ArgMeta& a = m->args[i];
        if (a.kind != ArgKind::struct_inout) continue;
        // A scalar, or the in/out length field of a struct (msghdr's msg_namelen).
        std::uint64_t at = ctx.arg(i);
        if (struct_of(a) == StructId::user_msghdr || struct_of(a) == StructId::compat_msghdr) at += ctx.ptr_size();
        else if (!is_int_pointee(a) && struct_of(a) != StructId::file_handle) continue;  // its handle_bytes, first
        std::uint32_t v;
        if (!ctx.read(at, v)) continue;
        task.entry_values[i] = v;
        task.entry_mask |= 1u << i;
    }
}

bool entry_value(const DecodeCtx& ctx, int i, std::uint64_t& v) {
    const Task& t = ctx.task;
    if (i < 0 || i >= kMaxArgs || t.entry_call != t.calls || !((t.entry_mask >> i) & 1)) return false;
    v = t.entry_values[i];
    return true;
}

bool entry_value(const DecodeCtx& ctx, StructId param, std::uint64_t& v) {
    const EntryMeta* m = meta(ctx.task);
    for (int i = 0; m && i < m->nargs; ++i)
        if (m->args[i].kind == ArgKind::struct_inout && struct_of(m->args[i]) == param) return entry_value(ctx, i, v);
    return false;
}

void print_inout_int(DecodeCtx& ctx, int i) {
    std::uint64_t a = ctx.arg(i);
    const Task& t = ctx.task;
    bool have = t.entry_call == t.calls && (t.entry_mask >> i) & 1;
    auto before = static_cast<std::int32_t>(t.entry_values[i]);
    std::int32_t now;
    if (!a || ctx.failed() || !ctx.read(a, now)) {
        if (a && have) return ctx.out += fmt::format("[{}]", before), void();
        return ctx.addr(a);
    }
    if (have && before != now) ctx.out += fmt::format("[{} => {}]", before, now);
    else ctx.out += fmt::format("[{}]", now);
}

int Decoder::shown_args(const Task& task) const {
    // strace's -e raw= shows a multiplexed call's own arguments: read from the
    // socketcall array, ipc's from `first` on.
    if (Task sub; const Subcall* s = demux(task, sub)) return options_.raw ? s->raw_nargs : s->nargs;
    if (const Subcall* s = options_.raw ? ipc_call(task) : nullptr) return s->raw_nargs;
    const EntryMeta* m = meta(task);
    if (!m) return kMaxArgs;
    if (options_.raw) return m->nargs;
    if (const CallDecoder* d = call_decoder(task); d && d->shown_args) {
        std::string scratch;
        DecodeCtx ctx{const_cast<Task&>(task), options_, scratch, false};
        return d->shown_args(ctx);
    }
    return m->nargs;
}

bool Decoder::shown_at_exit(const Task& task, int i) const {
    if (Task sub; !options_.raw && demux(task, sub)) return shown_at_exit(sub, i);
    return !options_.raw && i >= first_exit_arg(task);
}

void Decoder::format_arg(Task& task, int i, std::string& out, TypedSpans* typed) const {
    if (Task sub; demux(task, sub)) return format_arg(sub, i, out, typed);
    if (options_.raw && ipc_call(task)) {
        DecodeCtx ctx{task, options_, out, false, typed};
        return ctx.hex(task.arg(i + 1) & 0xffffffffu);
    }
    DecodeCtx ctx{task, options_, out, shown_at_exit(task, i), typed};
    const EntryMeta* m = meta(task);
    if (!options_.raw)
        if (const CallDecoder* d = call_decoder(task); d && d->arg && d->arg(ctx, i)) return;
    if (!m || i >= m->nargs || options_.raw) return ctx.hex(ctx.task.arg(i) & (ctx.compat() ? 0xffffffffu : ~0ull));
    format_kind(ctx, m->args[i], i, ctx.arg(i));
}

void Decoder::format_result(Task& task, std::string& out, TypedSpans* typed) const {
    if (Task sub; demux(task, sub)) return format_result(sub, out, typed);
    std::int64_t ret = task.retval;
    if (is_error_value(ret) || !task.sc) return lstar::format_result(task, out);
    DecodeCtx ctx{task, options_, out, true, typed};
    // -e raw=: strace shows a successful result in hex ("= 0x2f").
    if (options_.raw) return ctx.hex(task.abi == Abi::i386 ? ret & 0xffffffff : ret);
    if (const CallDecoder* d = call_decoder(task); d && d->result && d->result(ctx)) return;
    std::uint8_t flags = task.sc->effective().flags;
    if (flags & kReturnsAddress) return ctx.hex(task.abi == Abi::i386 ? ret & 0xffffffff : ret);
    if (flags & kReturnsFd) return ctx.fd(static_cast<int>(ret));    // -y: 3</etc/passwd>
    if (flags & kReturnsPid) return ctx.pid(ret);                    // -Y: 1234<comm>
    ctx.dec(ret);
}

void Decoder::format_siginfo(Task& task, const siginfo_t& info, std::string& out, TypedSpans* typed) const {
    DecodeCtx ctx{task, options_, out, true, typed};
    print_siginfo(ctx, info);
}

}  // namespace lstar
