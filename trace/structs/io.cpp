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

// io_uring_setup's io_uring_params: what the program asks (flags, the SQPOLL
// thread's cpu and idle time, the work queue to attach, reserved words when set),
// then, once the ring is made, what the kernel answered: the sizes, the features
// and the offsets of the rings' fields, as strace shows it.
bool print_io_uring_params(DecodeCtx& ctx, std::uint64_t a) {
    struct Offsets {
        std::uint32_t head, tail, ring_mask, ring_entries, fourth, fifth, sixth, resv1;
        std::uint64_t user_addr;
    };
    struct {
        std::uint32_t sq_entries, cq_entries, flags, sq_thread_cpu, sq_thread_idle, features, wq_fd, resv[3];
        Offsets sq_off, cq_off;
    } p;
    static_assert(sizeof p == 120, "struct io_uring_params");
    if (!ctx.read(a, p)) return false;
    constexpr std::uint32_t kAttachWq = 0x20;  // IORING_SETUP_ATTACH_WQ
    ctx.text("{flags=");
    ctx.flags(xlat::Set::io_uring_setup_flags, p.flags);
    ctx.text(", sq_thread_cpu=");
    ctx.hex(p.sq_thread_cpu);
    ctx.text(", sq_thread_idle=");
    ctx.udec(p.sq_thread_idle);
    if (p.flags & kAttachWq) {
        ctx.text(", wq_fd=");
        ctx.fd(static_cast<int>(p.wq_fd));
    }
    if (p.resv[0] || p.resv[1] || p.resv[2]) {
        ctx.text(", resv=[");
        for (int i = 0; i < 3; ++i) {
            if (i) ctx.sep();
            ctx.hex(p.resv[i]);
        }
        ctx.text("]");
    }
    if (ctx.exiting && !ctx.failed()) {
        ctx.text(", sq_entries=");
        ctx.udec(p.sq_entries);
        ctx.text(", cq_entries=");
        ctx.udec(p.cq_entries);
        ctx.text(", features=");
        ctx.flags(xlat::Set::io_uring_features, p.features);
        auto offsets = [&](const char* name, const Offsets& o, const char* const (&last)[3]) {
            ctx.text(name);
            const std::uint32_t values[] = {o.head, o.tail, o.ring_mask, o.ring_entries, o.fourth, o.fifth, o.sixth};
            const char* const names[] = {"head", "tail", "ring_mask", "ring_entries", last[0], last[1], last[2]};
            for (int i = 0; i < 7; ++i) {
                if (i) ctx.sep();
                ctx.field(names[i]);
                ctx.udec(values[i]);
            }
            ctx.text("}");
        };
        offsets(", sq_off={", p.sq_off, {"flags", "dropped", "array"});
        offsets(", cq_off={", p.cq_off, {"overflow", "cqes", "flags"});
    }
    ctx.text("}");
    return true;
}

}  // namespace

// The printers tbl/structs.tbl promises (trace/struct_printers.hpp).
bool print::epoll_event(DecodeCtx& ctx, std::uint64_t a) { return print_epoll_event(ctx, a); }
bool print::io_uring_params(DecodeCtx& ctx, std::uint64_t a) { return print_io_uring_params(ctx, a); }
bool print::sigset_argpack(DecodeCtx& ctx, std::uint64_t a) { return print_sigset_argpack(ctx, a); }
bool print::termios(DecodeCtx& ctx, std::uint64_t a) { return print_termios(ctx, a); }
bool print::winsize(DecodeCtx& ctx, std::uint64_t a) { return print_winsize(ctx, a); }

}  // namespace lstar::structs
