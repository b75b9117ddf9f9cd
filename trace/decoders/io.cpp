// Per-call decoders of descriptor multiplexing and control: select and
// pselect6 (fd sets and the ready sets of the result), the epoll_wait family,
// ioctl by command.
#include <sys/epoll.h>
#include <sys/ioctl.h>

#include <fmt/format.h>

#include "trace/decoders/calls.hpp"

namespace lstar {

namespace {

template <class... A>
void put(DecodeCtx& ctx, fmt::format_string<A...> f, A&&... a) {
    fmt::format_to(std::back_inserter(ctx.out), f, std::forward<A>(a)...);
}

// ---- select / pselect6 -------------------------------------------------------

// The bytes of an fd_set covering n descriptors, in whole longs (strace's fdsize).
std::size_t fd_set_size(DecodeCtx& ctx, int n) {
    unsigned w = ctx.long_size();
    return ((static_cast<std::size_t>(n) + 7) / 8 + w - 1) & ~static_cast<std::size_t>(w - 1);
}

constexpr int kMaxSelectFds = 1024 * 1024;  // beyond this strace shows the addresses

bool read_fd_set(DecodeCtx& ctx, std::uint64_t a, int n, std::string& bits) {
    if (n < 0 || n > kMaxSelectFds) return false;
    bits.assign(fd_set_size(ctx, n), '\0');
    return bits.empty() || ctx.read(a, bits.data(), bits.size());
}

bool fd_isset(const std::string& bits, int fd) {
    return (static_cast<unsigned char>(bits[static_cast<std::size_t>(fd) / 8]) >> (fd % 8)) & 1;
}

// At entry: [3 4], with -y paths.
bool is_select(DecodeCtx& ctx) { return ctx.task.sc && ctx.task.sc->effective().nargs >= 5; }  // not old_select

bool select_arg(DecodeCtx& ctx, int i) {
    if (i < 1 || i > 3 || !is_select(ctx)) return false;
    std::uint64_t a = ctx.arg(i);
    int n = static_cast<int>(ctx.arg(0));
    std::string bits;
    if (!a || !read_fd_set(ctx, a, n, bits)) return ctx.addr(a), true;
    ctx.text("[");
    bool first = true;
    for (int fd = 0; fd < n; ++fd) {
        if (!fd_isset(bits, fd)) continue;
        if (!first) ctx.text(" ");
        first = false;
        ctx.fd(fd);
    }
    ctx.text("]");
    return true;
}

// = 2 (in [3], out [4], left {tv_sec=0, tv_usec=999990}); = 0 (Timeout).
bool select_result(DecodeCtx& ctx) {
    if (!is_select(ctx)) return false;
    std::int64_t ready = ctx.task.retval;
    ctx.dec(ready);
    if (ready == 0) return ctx.text(" (Timeout)"), true;
    int n = static_cast<int>(ctx.arg(0));
    std::string text, sep;
    static constexpr std::string_view kNames[] = {"in", "out", "except"};
    for (int i = 0; i < 3 && ready > 0; ++i) {
        std::uint64_t a = ctx.arg(i + 1);
        std::string bits;
        if (!a || !read_fd_set(ctx, a, n, bits)) continue;
        bool first = true;
        for (int fd = 0; fd < n && ready > 0; ++fd) {
            if (!fd_isset(bits, fd)) continue;
            if (first) text += fmt::format("{}{} [{}", sep, kNames[i], fd);
            else text += fmt::format(" {}", fd);
            first = false;
            sep = ", ";
            --ready;
        }
        if (!first) text += ']';
    }
    if (std::uint64_t tv = ctx.arg(4)) {
        const ArgMeta& m = ctx.task.sc->effective().args[4];
        std::string left;
        DecodeCtx sub{ctx.task, ctx.opt, left, true};
        print_struct(sub, struct_of(m), tv);
        text += fmt::format("{}left {}", sep, left);
    }
    put(ctx, " ({})", text);
    return true;
}

// ---- epoll_wait family ---------------------------------------------------------

// The events filled in: as many as the result.
// EPOLL_CTL_DEL ignores its event: strace shows the pointer, not what it points to.
bool epoll_ctl_arg(DecodeCtx& ctx, int i) {
    if (i != 3 || ctx.arg(1) != EPOLL_CTL_DEL) return false;
    ctx.addr(ctx.arg(3));
    return true;
}

bool epoll_wait_arg(DecodeCtx& ctx, int i) {
    if (i != 1) return false;
    std::uint64_t a = ctx.arg(1);
    if (ctx.addr_instead(a, true)) return true;
    std::string text = "[";
    DecodeCtx sub = ctx.sub(text, true);
    for (std::int64_t k = 0; k < ctx.task.retval; ++k) {
        if (k) sub.sep();
        if (static_cast<std::uint64_t>(k) >= ctx.opt.string_limit) {
            sub.text("...");
            break;
        }
        print_struct(sub, StructId::epoll_event, a + static_cast<std::uint64_t>(k) * 12);
    }
    sub.text("]");
    ctx.append(sub);
    return true;
}

// ---- ioctl ------------------------------------------------------------------------

// How strace shows an ioctl's third argument.
enum class IoctlArg {
    hex,          // unknown command: the value in hex
    none,         // no argument shown
    int_in,       // [N] at entry
    int_out,      // [N] at exit
    termios_in,
    termios_out,
    winsize_in,
    winsize_out,
    tcflsh,       // TCIFLUSH...
    tcxonc,       // TCOOFF...
    dec,          // the value as an int
    char_in,      // TIOCSTI: one character
};

IoctlArg ioctl_arg_kind(std::uint32_t cmd) {
    switch (cmd) {
    case TCGETS: return IoctlArg::termios_out;
    case TCSETS:
    case TCSETSW:
    case TCSETSF: return IoctlArg::termios_in;
    case TIOCGWINSZ: return IoctlArg::winsize_out;
    case TIOCSWINSZ: return IoctlArg::winsize_in;
    case TCFLSH: return IoctlArg::tcflsh;
    case TCXONC: return IoctlArg::tcxonc;
    case TCSBRK:
    case TCSBRKP:
    case TIOCSCTTY: return IoctlArg::dec;
    case TIOCGPGRP:
    case TIOCGSID:
    case TIOCGETD:
    case TIOCGSOFTCAR:
    case TIOCGPTN:
    case FIONREAD:
    case TIOCOUTQ:
    case TIOCGEXCL: return IoctlArg::int_out;
    case TIOCSPGRP:
    case TIOCSETD:
    case FIONBIO:
    case FIOASYNC:
    case TIOCPKT:
    case TIOCSSOFTCAR:
    case TIOCSPTLCK: return IoctlArg::int_in;
    case TIOCSTI: return IoctlArg::char_in;
    case TIOCSBRK:
    case TIOCCBRK:
    case TIOCCONS:
    case TIOCNOTTY:
    case TIOCEXCL:
    case TIOCNXCL:
    case FIOCLEX:
    case FIONCLEX:
    case TIOCVHANGUP: return IoctlArg::none;
    default: return IoctlArg::hex;
    }
}

IoctlArg ioctl_kind(DecodeCtx& ctx) { return ioctl_arg_kind(static_cast<std::uint32_t>(ctx.arg(1))); }

int ioctl_args(DecodeCtx& ctx) { return ioctl_kind(ctx) == IoctlArg::none ? 2 : 3; }

int ioctl_exit_from(DecodeCtx& ctx) {
    switch (ioctl_kind(ctx)) {
    case IoctlArg::int_out:
    case IoctlArg::termios_out:
    case IoctlArg::winsize_out: return 2;
    default: return 3;
    }
}

void print_int_at(DecodeCtx& ctx, std::uint64_t a) {
    std::int32_t v;
    if (!ctx.read(a, v)) return ctx.addr(a);
    put(ctx, "[{}]", v);
}

bool ioctl_arg(DecodeCtx& ctx, int i) {
    if (i == 1) {
        // Numbers the OSS sequencer's ioctls share with the terminal ones: strace's
        // ioctl table has both and names both.
        switch (static_cast<std::uint32_t>(ctx.arg(1))) {
        case TCSETS: return ctx.opt.xlat == XlatStyle::abbrev ? (ctx.text("SNDCTL_TMR_START or TCSETS"), true) : false;
        case TCSETSW: return ctx.opt.xlat == XlatStyle::abbrev ? (ctx.text("SNDCTL_TMR_STOP or TCSETSW"), true) : false;
        case TCSETSF:
            return ctx.opt.xlat == XlatStyle::abbrev ? (ctx.text("SNDCTL_TMR_CONTINUE or TCSETSF"), true) : false;
        default: return false;
        }
    }
    if (i != 2) return false;
    std::uint64_t a = ctx.arg(2);
    switch (ioctl_kind(ctx)) {
    case IoctlArg::hex: return false;
    case IoctlArg::none: return true;
    case IoctlArg::int_out:
        if (ctx.addr_instead(a, true)) return true;
        return print_int_at(ctx, a), true;
    case IoctlArg::int_in: return print_int_at(ctx, a), true;
    case IoctlArg::termios_out:
        if (ctx.addr_instead(a, true)) return true;
        return print_struct(ctx, StructId::termios, a), true;
    case IoctlArg::termios_in: return print_struct(ctx, StructId::termios, a), true;
    case IoctlArg::winsize_out:
        if (ctx.addr_instead(a, true)) return true;
        return print_struct(ctx, StructId::winsize, a), true;
    case IoctlArg::winsize_in: return print_struct(ctx, StructId::winsize, a), true;
    case IoctlArg::tcflsh: return ctx.xval(xlat::Set::tcflsh_options, a), true;
    case IoctlArg::tcxonc: return ctx.xval(xlat::Set::tcxonc_options, a), true;
    case IoctlArg::dec: return ctx.dec(static_cast<std::int32_t>(a)), true;
    case IoctlArg::char_in: return ctx.buf(a, 1), true;
    }
    return false;
}

constexpr CallDecoder kDecoders[] = {
    {"select", nullptr, select_arg, select_result},
    {"_newselect", nullptr, select_arg, select_result},
    {"pselect6", nullptr, select_arg, select_result},
    {"pselect6_time64", nullptr, select_arg, select_result},
    {"epoll_ctl", nullptr, epoll_ctl_arg},
    {"epoll_wait", nullptr, epoll_wait_arg},
    {"epoll_pwait", nullptr, epoll_wait_arg},
    {"epoll_pwait2", nullptr, epoll_wait_arg},
    {"ioctl", ioctl_args, ioctl_arg, nullptr, -1, ioctl_exit_from},
    // The handle is in and out: shown whole at exit (strace splits it inside: the
    // size given at entry, what the kernel answered at exit).
    {"name_to_handle_at", nullptr, nullptr, nullptr, 2},
    // The same for io_uring_setup's params: the kernel answers in them.
    {"io_uring_setup", nullptr, nullptr, nullptr, 1},
};

}  // namespace

std::span<const CallDecoder> io_decoders() { return kDecoders; }

}  // namespace lstar
