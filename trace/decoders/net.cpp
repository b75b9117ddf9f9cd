// Per-call decoders of the socket calls: option names by level and option
// values, messages received, the i386 socketcall multiplexer.
#include <netinet/in.h>
#include <sys/socket.h>

#include <optional>

#include <fmt/format.h>

#include "table/xlat.hpp"
#include "trace/decoders/calls.hpp"

namespace lstar {

namespace {

// The constant set of a level's option names; nullopt when strace shows the number.
std::optional<xlat::Set> sockopt_set(std::uint64_t level) {
    switch (static_cast<int>(level)) {
    case SOL_SOCKET: return xlat::Set::socket_option;
    case SOL_IP: return xlat::Set::sockopt_ip;
    case IPPROTO_TCP: return xlat::Set::sockopt_tcp;
    case IPPROTO_UDP: return xlat::Set::sockopt_udp;
    case SOL_IPV6: return xlat::Set::sockopt_ipv6;
    default: return std::nullopt;
    }
}

void print_optname(DecodeCtx& ctx) {
    std::optional<xlat::Set> set = sockopt_set(ctx.arg(1));
    if (!set) return ctx.udec(static_cast<std::uint32_t>(ctx.arg(2)));
    ctx.xval(*set, static_cast<std::uint32_t>(ctx.arg(2)));
}

// An option value of len bytes: an int as [N], anything else as a string.
void print_optval(DecodeCtx& ctx, std::uint64_t a, std::int64_t len) {
    std::int32_t v;
    if (len == sizeof v) {
        if (!ctx.read(a, v)) return ctx.addr(a);
        return ctx.out += fmt::format("[{}]", v), void();
    }
    ctx.buf(a, static_cast<std::uint64_t>(len));
}

bool setsockopt_arg(DecodeCtx& ctx, int i) {
    if (i == 2) return print_optname(ctx), true;
    if (i != 3) return false;
    std::uint64_t a = ctx.arg(3);
    auto len = static_cast<std::int32_t>(ctx.arg(4));
    if (!a || len <= 0) return ctx.addr(a), true;
    print_optval(ctx, a, len);
    return true;
}

// getsockopt: the value and its length are shown at exit; the length as it was
// at entry and as the kernel left it.
bool getsockopt_arg(DecodeCtx& ctx, int i) {
    if (i == 2) return print_optname(ctx), true;
    if (i != 3) return false;
    std::uint64_t a = ctx.arg(3);
    if (ctx.addr_instead(a, true)) return true;
    const Task& t = ctx.task;
    bool have = t.entry_call == t.calls && (t.entry_mask >> 4) & 1;
    std::int32_t ulen = have ? static_cast<std::int32_t>(t.entry_values[4]) : 0, rlen;
    if (!have || !ctx.read(ctx.arg(4), rlen) || ulen <= 0 || rlen <= 0) return ctx.addr(a), true;
    print_optval(ctx, a, rlen);
    return true;
}

// socketcall standing for no call (or with an unreadable args array): the call
// by name, else in decimal (strace's printxval_d without a default).
bool socketcall_arg(DecodeCtx& ctx, int i) {
    if (i != 0) return false;
    auto call = static_cast<std::int32_t>(ctx.arg(0));
    const XlatEntry* e = xlat_find(xlat::Set::socketcall_call, static_cast<std::uint64_t>(call));
    if (!e) return ctx.dec(call), true;
    if (ctx.opt.xlat == XlatStyle::verbose) return ctx.out += fmt::format("{} /* {} */", call, e->name), true;
    ctx.text(e->name);
    return true;
}

constexpr CallDecoder kDecoders[] = {
    {"socketcall", nullptr, socketcall_arg},
    {"setsockopt", nullptr, setsockopt_arg},
    {"getsockopt", nullptr, getsockopt_arg, nullptr, 3},
    {"recvmsg", nullptr, nullptr, nullptr, 1},
};

}  // namespace

std::span<const CallDecoder> net_decoders() { return kDecoders; }

}  // namespace lstar
