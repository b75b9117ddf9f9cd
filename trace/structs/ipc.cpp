// POSIX message queue and notification structs: mq_attr (mq_open,
// mq_getsetattr) and sigevent (timer_create, mq_notify), in their 64- and
// 32-bit layouts, printed as strace prints them.
#include <fmt/format.h>

#include "table/xlat.hpp"
#include "trace/structs/structs.hpp"

namespace lstar::structs {

namespace {

constexpr std::int32_t kSigevSignal = 0, kSigevThread = 2, kSigevThreadId = 4;

// Four longs of the task's width, then padding.
bool read_longs(DecodeCtx& ctx, std::uint64_t a, std::int64_t (&v)[4]) {
    if (ctx.long_size() == 8) return ctx.read(a, v);
    std::int32_t w[4];
    if (!ctx.read(a, w)) return false;
    for (int i = 0; i < 4; ++i) v[i] = w[i];
    return true;
}

// struct sigevent with pointers and sigval of width Long.
template <class Long>
bool read_sigevent(DecodeCtx& ctx, std::uint64_t a, std::uint64_t& value, std::int32_t& signo, std::int32_t& notify,
                   std::uint64_t& function, std::uint64_t& attributes) {
    struct {
        Long value;
        std::int32_t signo, notify;
        Long function, attributes;
    } s;
    if (!ctx.read(a, s)) return false;
    value = s.value, signo = s.signo, notify = s.notify, function = s.function, attributes = s.attributes;
    return true;
}

}  // namespace

// The printers tbl/structs.tbl promises (trace/struct_printers.hpp).
bool print::mq_attr(DecodeCtx& ctx, std::uint64_t a) {
    std::int64_t v[4];
    if (!read_longs(ctx, a, v)) return false;
    ctx.text("{mq_flags=");
    ctx.flags(xlat::Set::mq_attr_flags, static_cast<std::uint64_t>(v[0]), "O_???");
    fmt::format_to(std::back_inserter(ctx.out), ", mq_maxmsg={}, mq_msgsize={}, mq_curmsgs={}}}", v[1], v[2], v[3]);
    return true;
}

// sigev_value only where the kernel uses it (a signal's or a thread's value);
// the signal by name where one is sent.
bool print::sigevent(DecodeCtx& ctx, std::uint64_t a) {
    std::uint64_t value = 0, function = 0, attributes = 0;
    std::int32_t signo = 0, notify = 0, tid = 0;
    if (ctx.long_size() == 8 ? !read_sigevent<std::uint64_t>(ctx, a, value, signo, notify, function, attributes)
                             : !read_sigevent<std::uint32_t>(ctx, a, value, signo, notify, function, attributes))
        return false;
    tid = static_cast<std::int32_t>(function);  // sigev_notify_thread_id shares the union
    ctx.text("{");
    if (notify == kSigevSignal || notify == kSigevThread || notify == kSigevThreadId) {
        fmt::format_to(std::back_inserter(ctx.out), "sigev_value={{sival_int={}, sival_ptr=", static_cast<std::int32_t>(value));
        ctx.hex(value);
        ctx.text("}, ");
    }
    ctx.text("sigev_signo=");
    if (notify == kSigevSignal || notify == kSigevThreadId) ctx.signal(signo);
    else ctx.dec(signo);
    ctx.text(", sigev_notify=");
    ctx.xval(xlat::Set::sigev_notify, static_cast<std::uint32_t>(notify), "SIGEV_???");
    if (notify == kSigevThread) {
        ctx.text(", sigev_notify_function=");
        ctx.addr(function);
        ctx.text(", sigev_notify_attributes=");
        ctx.addr(attributes);
    } else if (notify == kSigevThreadId) {
        fmt::format_to(std::back_inserter(ctx.out), ", sigev_notify_thread_id={}", tid);
    }
    ctx.text("}");
    return true;
}

// futex_waitv's waiters: nr_futexes of them (its second argument).
bool print::futex_waitv(DecodeCtx& ctx, std::uint64_t a) {
    struct {
        std::uint64_t val, uaddr;
        std::uint32_t flags, reserved;
    } w;
    std::uint64_t n = ctx.arg(1);
    constexpr std::uint64_t kShown = 32;  // strace's default limit of array elements (-s 32)
    ctx.text("[");
    for (std::uint64_t i = 0; i < n && i < kShown; ++i) {
        if (!ctx.read(a + i * sizeof w, w)) {
            if (i == 0) return false;
            ctx.text(", ...");
            break;
        }
        if (i) ctx.sep();
        ctx.text("{val=");
        ctx.hex(w.val);
        ctx.text(", uaddr=");
        ctx.addr(w.uaddr);
        ctx.text(", flags=");
        ctx.flags(xlat::Set::futex_waiter_flags, w.flags, "FUTEX_???");
        ctx.text("}");
    }
    if (n > kShown) ctx.text(", ...");
    ctx.text("]");
    return true;
}

}  // namespace lstar::structs
