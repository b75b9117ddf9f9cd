// Descriptor-control structs: epoll_event, pselect6's sigset pack, termios, winsize.
#include <fmt/format.h>

#include "table/xlat.hpp"
#include "trace/structs/structs.hpp"

namespace lstar::structs {

namespace {

template <class... A>
void put(DecodeCtx& ctx, fmt::format_string<A...> f, A&&... a) {
    fmt::format_to(std::back_inserter(ctx.out), f, std::forward<A>(a)...);
}

// struct epoll_event is packed on x86 (12 bytes on every ABI).
bool print_epoll_event(DecodeCtx& ctx, std::uint64_t a) {
    unsigned char b[12];
    if (!ctx.read(a, b, sizeof b)) return false;
    std::uint32_t events;
    std::uint64_t data;
    std::memcpy(&events, b, 4);
    std::memcpy(&data, b + 4, 8);
    ctx.text("{events=");
    ctx.flags(xlat::Set::epoll_events, events);
    put(ctx, ", data={{u32={}, u64={}}}}}", static_cast<std::uint32_t>(data), data);
    return true;
}

// pselect6's sixth argument: {const sigset_t *ss; size_t ss_len} in the task's longs.
bool print_sigset_argpack(DecodeCtx& ctx, std::uint64_t a) {
    std::uint64_t set, size;
    if (!ctx.read_ulong(a, set) || !ctx.read_ulong(a + ctx.long_size(), size)) return false;
    ctx.text("{sigmask=");
    ctx.sigset(set, size);
    put(ctx, ", sigsetsize={}}}", size);
    return true;
}

// A field of a flags word whose values are named PREFIX0, PREFIX1, ...: NL0, CR3, TAB1.
void print_numbered_field(DecodeCtx& ctx, std::uint32_t v, std::uint32_t mask, std::string_view prefix) {
    std::uint32_t low = mask & -mask;
    put(ctx, "{}{}|", prefix, (v & mask) / low);
}

// strace's decode_oflag: the delay fields, then the flags.
void print_oflag(DecodeCtx& ctx, std::uint32_t v) {
    static constexpr struct { std::uint32_t mask; std::string_view prefix; } kFields[] = {
        {0x100, "NL"}, {0x600, "CR"}, {0x1800, "TAB"}, {0x2000, "BS"}, {0x4000, "VT"}, {0x8000, "FF"}};
    for (const auto& f : kFields) {
        print_numbered_field(ctx, v, f.mask, f.prefix);
        v &= ~f.mask;
    }
    ctx.flags(xlat::Set::term_oflags, v);
}

// strace's decode_cflag: baud rate, input baud rate (when set), character size, flags.
void print_cflag(DecodeCtx& ctx, std::uint32_t v) {
    constexpr std::uint32_t kCbaud = 0x100f, kCibaud = 0x100f0000, kCsize = 0x30, kIbshift = 16;
    ctx.xval(xlat::Set::baud_options, v & kCbaud);
    ctx.text("|");
    if (v & kCibaud) {
        ctx.text("(");
        ctx.xval(xlat::Set::baud_options, (v & kCibaud) >> kIbshift);
        ctx.text("<<IBSHIFT)|");
    }
    ctx.xval(xlat::Set::term_cflags_csize, v & kCsize);
    ctx.text("|");
    ctx.flags(xlat::Set::term_cflags, v & ~(kCbaud | kCibaud | kCsize));
}

// The kernel's struct termios: four tcflag_t, c_line, c_cc[19].
bool print_termios(DecodeCtx& ctx, std::uint64_t a) {
    struct {
        std::uint32_t iflag, oflag, cflag, lflag;
        std::uint8_t line, cc[19];
    } t;
    if (!ctx.read(a, t)) return false;
    ctx.text("{c_iflag=");
    ctx.flags(xlat::Set::term_iflags, t.iflag);
    ctx.text(", c_oflag=");
    print_oflag(ctx, t.oflag);
    ctx.text(", c_cflag=");
    print_cflag(ctx, t.cflag);
    ctx.text(", c_lflag=");
    ctx.flags(xlat::Set::term_lflags, t.lflag);
    if (!ctx.opt.verbose_structs) {
        ctx.text(", ...}");
        return true;
    }
    ctx.text(", c_line=");
    ctx.xval(xlat::Set::term_line_discs, t.line);
    static constexpr std::string_view kCc[] = {"VINTR", "VQUIT",  "VERASE", "VKILL",    "VEOF",    "VTIME",
                                               "VMIN",  "VSWTC",  "VSTART", "VSTOP",    "VSUSP",   "VEOL",
                                               "VREPRINT", "VDISCARD", "VWERASE", "VLNEXT", "VEOL2"};
    ctx.text(", c_cc=[");
    for (unsigned i = 0; i < sizeof t.cc; ++i) {
        if (i) ctx.sep();
        if (i < std::size(kCc)) put(ctx, "[{}]=", kCc[i]);
        else put(ctx, "[{}]=", i);
        ctx.hex(t.cc[i]);
    }
    ctx.text("]}");
    return true;
}

bool print_winsize(DecodeCtx& ctx, std::uint64_t a) {
    std::uint16_t w[4];
    if (!ctx.read(a, w)) return false;
    put(ctx, "{{ws_row={}, ws_col={}, ws_xpixel={}, ws_ypixel={}}}", w[0], w[1], w[2], w[3]);
    return true;
}

}  // namespace

// The printers tbl/structs.tbl promises (trace/struct_printers.hpp).
bool print::epoll_event(DecodeCtx& ctx, std::uint64_t a) { return print_epoll_event(ctx, a); }
bool print::sigset_argpack(DecodeCtx& ctx, std::uint64_t a) { return print_sigset_argpack(ctx, a); }
bool print::termios(DecodeCtx& ctx, std::uint64_t a) { return print_termios(ctx, a); }
bool print::winsize(DecodeCtx& ctx, std::uint64_t a) { return print_winsize(ctx, a); }

}  // namespace lstar::structs
