// Signal structs: sigaction (native and i386), sigaltstack, siginfo.
#include <unistd.h>

#include <fmt/format.h>

#include "table/xlat.hpp"
#include "trace/structs/structs.hpp"

namespace lstar::structs {

namespace {

constexpr std::uint64_t kSaRestorer = 0x04000000;

void print_handler(DecodeCtx& ctx, std::uint64_t h) {
    // SIG_DFL (0), SIG_IGN (1), SIG_ERR (-1) by name, handlers as addresses.
    if (const XlatEntry* e = ctx.opt.xlat == XlatStyle::raw ? nullptr : xlat_find(xlat::Set::sa_handler_values, h)) {
        ctx.text(e->name);
        return;
    }
    ctx.addr(h);
}

void print_sigaction_fields(DecodeCtx& ctx, std::uint64_t handler, std::uint64_t flags, std::uint64_t restorer,
                            const std::uint8_t* mask) {
    ctx.text("{sa_handler=");
    print_handler(ctx, handler);
    ctx.text(", sa_mask=");
    ctx.sig_mask(mask, 8);
    ctx.text(", sa_flags=");
    ctx.flags(xlat::Set::sigaction_flags, flags);
    if (flags & kSaRestorer) {
        ctx.text(", sa_restorer=");
        ctx.addr(restorer);
    }
    ctx.text("}");
}

// The kernel's x86_64 struct sigaction: handler, flags, restorer, mask.
bool print_sigaction(DecodeCtx& ctx, std::uint64_t a) {
    if (ctx.compat()) {
        std::uint32_t v[5];  // handler, flags, restorer, mask (two words)
        if (!ctx.read(a, v)) return false;
        print_sigaction_fields(ctx, v[0], v[1], v[2], reinterpret_cast<const std::uint8_t*>(&v[3]));
        return true;
    }
    std::uint64_t v[4];
    if (!ctx.read(a, v)) return false;
    print_sigaction_fields(ctx, v[0], v[1], v[2], reinterpret_cast<const std::uint8_t*>(&v[3]));
    return true;
}

bool print_sigaltstack(DecodeCtx& ctx, std::uint64_t a) {
    std::uint64_t sp, size;
    std::int32_t flags;
    if (ctx.long_size() == 8) {
        struct { std::uint64_t sp; std::int32_t flags; std::uint64_t size; } s;
        if (!ctx.read(a, s)) return false;
        sp = s.sp, flags = s.flags, size = s.size;
    } else {
        std::uint32_t v[3];
        if (!ctx.read(a, v)) return false;
        sp = v[0], flags = static_cast<std::int32_t>(v[1]), size = v[2];
    }
    ctx.text("{ss_sp=");
    ctx.addr(sp);
    ctx.text(", ss_flags=");
    ctx.flags(xlat::Set::sigaltstack_flags, static_cast<std::uint32_t>(flags));
    fmt::format_to(std::back_inserter(ctx.out), ", ss_size={}}}", size);
    return true;
}

bool print_siginfo_at(DecodeCtx& ctx, std::uint64_t a) {
    siginfo_t info;
    if (!ctx.read(a, info)) return false;
    print_siginfo(ctx, info);
    return true;
}

// The set of si_code values specific to a signal (si_code > 0).
std::string_view code_set(int signo) {
    switch (signo) {
    case SIGCHLD: return "sigchld_codes";
    case SIGSEGV: return "sigsegv_codes";
    case SIGBUS: return "sigbus_codes";
    case SIGILL: return "sigill_codes";
    case SIGFPE: return "sigfpe_codes";
    case SIGTRAP: return "sigtrap_codes";
    case SIGPOLL: return "sigpoll_codes";
    case SIGSYS: return "sigsys_codes";
    default: return {};
    }
}

void print_si_code(DecodeCtx& ctx, const siginfo_t& si) {
    auto code = static_cast<std::uint64_t>(static_cast<std::int64_t>(si.si_code));
    const XlatEntry* e = xlat_find(xlat::Set::si_code, code);
    if (!e && si.si_code > 0 && !code_set(si.si_signo).empty()) e = xlat_find(code_set(si.si_signo), code);
    if (e && ctx.opt.xlat != XlatStyle::raw) ctx.text(e->name);
    else ctx.dec(si.si_code);
}

void print_pid_uid(DecodeCtx& ctx, const siginfo_t& si) {
    ctx.out += ", si_pid=";
    ctx.pid(si.si_pid);  // -Y: si_pid=1234<comm>
    // strace: uid_t unsigned.
    fmt::format_to(std::back_inserter(ctx.out), ", si_uid={}", static_cast<std::uint32_t>(si.si_uid));
}

void print_sigval(DecodeCtx& ctx, const siginfo_t& si) {
    fmt::format_to(std::back_inserter(ctx.out), ", si_int={}, si_ptr=", si.si_value.sival_int);
    ctx.addr(reinterpret_cast<std::uintptr_t>(si.si_value.sival_ptr));
}

// The fields strace shows for a signal sent by a process (si_code <= 0).
void print_user_fields(DecodeCtx& ctx, const siginfo_t& si) {
    switch (si.si_code) {
    case SI_USER:
    case SI_TKILL: return print_pid_uid(ctx, si);
    case SI_TIMER:
        fmt::format_to(std::back_inserter(ctx.out), ", si_timerid={:#x}, si_overrun={}", si.si_timerid,
                       si.si_overrun);
        return print_sigval(ctx, si);
    default:
        print_pid_uid(ctx, si);
        return print_sigval(ctx, si);
    }
}

// strace's print_clock_t: clock ticks, with seconds in a comment when not zero.
void print_clock_t(DecodeCtx& ctx, std::uint64_t v) {
    static const long tck = sysconf(_SC_CLK_TCK);
    ctx.udec(v);
    if (!v || tck <= 0 || ctx.opt.xlat == XlatStyle::raw) return;
    int width = 0;
    for (long t = tck; t > 9; t /= 10) ++width;
    auto t = static_cast<std::uint64_t>(tck);
    fmt::format_to(std::back_inserter(ctx.out), " /* {}.{:0{}} s */", v / t, v % t, width);
}

// The fields strace shows for a signal the kernel sent, by signal.
void print_kernel_fields(DecodeCtx& ctx, const siginfo_t& si) {
    switch (si.si_signo) {
    case SIGCHLD:
        print_pid_uid(ctx, si);
        ctx.text(", si_status=");
        if (si.si_code == CLD_EXITED) ctx.dec(si.si_status);
        else ctx.signal(si.si_status);
        ctx.text(", si_utime=");
        print_clock_t(ctx, static_cast<std::uint64_t>(si.si_utime));
        ctx.text(", si_stime=");
        print_clock_t(ctx, static_cast<std::uint64_t>(si.si_stime));
        return;
    case SIGILL:
    case SIGFPE:
    case SIGSEGV:
    case SIGBUS:
        ctx.text(", si_addr=");
        ctx.addr(reinterpret_cast<std::uintptr_t>(si.si_addr));
        return;
    case SIGPOLL:
        fmt::format_to(std::back_inserter(ctx.out), ", si_band={}, si_fd={}", si.si_band, si.si_fd);
        return;
    case SIGSYS:
        ctx.text(", si_call_addr=");
        ctx.addr(reinterpret_cast<std::uintptr_t>(si.si_call_addr));
        fmt::format_to(std::back_inserter(ctx.out), ", si_syscall={}, si_arch={:#x}", si.si_syscall, si.si_arch);
        return;
    default:
        if (si.si_pid || si.si_uid) print_pid_uid(ctx, si);
    }
}

}  // namespace

// The printers tbl/structs.tbl promises (trace/struct_printers.hpp).
bool print::sigaction(DecodeCtx& ctx, std::uint64_t a) { return print_sigaction(ctx, a); }
bool print::sigaltstack(DecodeCtx& ctx, std::uint64_t a) { return print_sigaltstack(ctx, a); }
bool print::siginfo(DecodeCtx& ctx, std::uint64_t a) { return print_siginfo_at(ctx, a); }

}  // namespace lstar::structs

namespace lstar {

void print_siginfo(DecodeCtx& ctx, const siginfo_t& si) {
    ctx.text("{si_signo=");
    ctx.signal(si.si_signo);
    ctx.text(", si_code=");
    structs::print_si_code(ctx, si);
    if (si.si_errno) {
        ctx.text(", si_errno=");
        const XlatEntry* e = xlat_find(xlat::Set::errno_, static_cast<std::uint64_t>(si.si_errno));
        if (e) ctx.text(e->name);
        else ctx.dec(si.si_errno);
    }
    if (si.si_code <= 0) structs::print_user_fields(ctx, si);
    else structs::print_kernel_fields(ctx, si);
    ctx.text("}");
}

}  // namespace lstar
