// Per-call decoders of process attributes: prctl by option.
#include <linux/prctl.h>

#include <fmt/format.h>

#include "table/xlat.hpp"
#include "trace/decoders/calls.hpp"

namespace lstar {

namespace {

constexpr unsigned kTaskCommLen = 16;

// How strace shows prctl's arguments after the option.
enum class PrctlArgs {
    rest_hex,      // arg2..arg5 in hex (the default)
    none,          // the option alone
    uint_out,      // [N] at exit
    name_out,      // the task name at exit
    signal_out,    // [SIGTERM] at exit
    ptr_out,       // [0x...] at exit
    udec,          // arg2 unsigned
    dec,           // arg2 signed
    dumpable,      // arg2 SUID_DUMP_*
    cap,           // arg2 CAP_*
    name,          // arg2 the new name
    signal,        // arg2 a signal
    ptracer,       // arg2 a pid or PR_SET_PTRACER_ANY
    udec_rest_hex, // arg2 unsigned, arg3..arg5 in hex
};

PrctlArgs prctl_kind(DecodeCtx& ctx) {
    switch (static_cast<unsigned>(ctx.arg(0))) {
    case PR_GET_KEEPCAPS:
    case PR_GET_SECCOMP:
    case PR_GET_TIMERSLACK:
    case PR_GET_TIMING:
    case PR_GET_DUMPABLE:
    case PR_TASK_PERF_EVENTS_DISABLE:
    case PR_TASK_PERF_EVENTS_ENABLE: return PrctlArgs::none;
    case PR_GET_CHILD_SUBREAPER:
    case PR_GET_ENDIAN:
    case PR_GET_FPEMU:
    case PR_GET_FPEXC: return PrctlArgs::uint_out;
    case PR_GET_NAME: return PrctlArgs::name_out;
    case PR_GET_PDEATHSIG: return PrctlArgs::signal_out;
    case PR_GET_TID_ADDRESS: return PrctlArgs::ptr_out;
    case PR_SET_CHILD_SUBREAPER:
    case PR_SET_ENDIAN:
    case PR_SET_FPEMU:
    case PR_SET_FPEXC:
    case PR_SET_KEEPCAPS:
    case PR_SET_TIMING: return PrctlArgs::udec;
    case PR_SET_TIMERSLACK: return PrctlArgs::dec;
    case PR_SET_DUMPABLE: return PrctlArgs::dumpable;
    case PR_CAPBSET_DROP:
    case PR_CAPBSET_READ: return PrctlArgs::cap;
    case PR_SET_NAME: return PrctlArgs::name;
    case PR_SET_PDEATHSIG: return PrctlArgs::signal;
    case PR_SET_PTRACER: return PrctlArgs::ptracer;
    case PR_SET_NO_NEW_PRIVS:
    case PR_SET_THP_DISABLE:
    case PR_SET_IO_FLUSHER: return PrctlArgs::udec_rest_hex;
    default: return PrctlArgs::rest_hex;
    }
}

int prctl_args(DecodeCtx& ctx) {
    switch (prctl_kind(ctx)) {
    case PrctlArgs::none: return 1;
    case PrctlArgs::rest_hex:
    case PrctlArgs::udec_rest_hex: return 5;
    default: return 2;
    }
}

int prctl_exit_from(DecodeCtx& ctx) {
    switch (prctl_kind(ctx)) {
    case PrctlArgs::uint_out:
    case PrctlArgs::name_out:
    case PrctlArgs::signal_out:
    case PrctlArgs::ptr_out: return 1;
    default: return 5;
    }
}

// strace's printstr_ex(..., QUOTE_0_TERMINATED): up to len bytes, ending at a NUL.
void print_comm(DecodeCtx& ctx, std::uint64_t a, unsigned len) {
    char buf[kTaskCommLen + 1] = {};
    long n = ctx.task.mem ? ctx.task.mem->read_string(a, buf, len + 1) : -1;
    if (!a || n < 0) return ctx.addr(a);
    bool cut = static_cast<unsigned long>(n) > len;
    quote_string(ctx.out, buf, cut ? len : static_cast<std::size_t>(n), false);
    if (cut) ctx.text("...");
}

bool prctl_arg(DecodeCtx& ctx, int i) {
    if (i == 0) return false;  // the option: enum prctl_option
    std::uint64_t v = ctx.arg(i);
    PrctlArgs kind = prctl_kind(ctx);
    if (i > 1) {
        ctx.hex(v);
        return true;
    }
    switch (kind) {
    case PrctlArgs::none: return true;
    case PrctlArgs::rest_hex: return ctx.hex(v), true;
    case PrctlArgs::udec:
    case PrctlArgs::udec_rest_hex: return ctx.udec(v), true;
    case PrctlArgs::dec: return ctx.dec(static_cast<std::int64_t>(v)), true;
    case PrctlArgs::dumpable: return ctx.xval(xlat::Set::pr_dumpable, v), true;
    case PrctlArgs::cap: return ctx.xval(xlat::Set::capability, v), true;
    case PrctlArgs::name: return print_comm(ctx, v, kTaskCommLen - 1), true;
    case PrctlArgs::signal: return v > 128 ? ctx.udec(v) : ctx.signal(static_cast<int>(v)), true;
    case PrctlArgs::ptracer:
        if (static_cast<std::int32_t>(v) == -1) return ctx.text("PR_SET_PTRACER_ANY"), true;
        return ctx.dec(static_cast<std::int32_t>(v)), true;
    default: break;
    }
    // Out parameters, at exit.
    if (ctx.addr_instead(v, true)) return true;
    switch (kind) {
    case PrctlArgs::name_out: print_comm(ctx, v, kTaskCommLen); break;
    case PrctlArgs::uint_out:
    case PrctlArgs::signal_out: {
        std::uint32_t n;
        if (!ctx.read(v, n)) return ctx.addr(v), true;
        ctx.text("[");
        if (kind == PrctlArgs::signal_out) ctx.signal(static_cast<int>(n));
        else ctx.udec(n);
        ctx.text("]");
        break;
    }
    case PrctlArgs::ptr_out: {
        std::uint64_t p;
        if (!ctx.read_ulong(v, p)) return ctx.addr(v), true;
        ctx.text("[");
        ctx.addr(p);
        ctx.text("]");
        break;
    }
    default: ctx.hex(v);
    }
    return true;
}

// PR_GET_DUMPABLE: = 1 (SUID_DUMP_USER).
bool prctl_result(DecodeCtx& ctx) {
    if (static_cast<unsigned>(ctx.arg(0)) != PR_GET_DUMPABLE) return false;
    ctx.dec(ctx.task.retval);
    if (const XlatEntry* e = xlat_find(xlat::Set::pr_dumpable, static_cast<std::uint64_t>(ctx.task.retval)))
        fmt::format_to(std::back_inserter(ctx.out), " ({})", e->name);
    return true;
}

constexpr CallDecoder kDecoders[] = {
    {"prctl", prctl_args, prctl_arg, prctl_result, -1, prctl_exit_from},
};

}  // namespace

std::span<const CallDecoder> proc_decoders() { return kDecoders; }

}  // namespace lstar
