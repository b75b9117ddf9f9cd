// Socket and I/O vector structs: sockaddr (unix, inet, inet6, netlink, packet),
// iovec arrays, msghdr, pollfd.
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>

#include <fmt/format.h>

#include "trace/structs/structs.hpp"

namespace lstar::structs {

namespace {

template <class... A>
void put(DecodeCtx& ctx, fmt::format_string<A...> f, A&&... a) {
    fmt::format_to(std::back_inserter(ctx.out), f, std::forward<A>(a)...);
}

void print_sun(DecodeCtx& ctx, const unsigned char* b, std::size_t len) {
    if (len <= 2) return;
    std::size_t n = std::min(len - 2, sizeof(sockaddr_un::sun_path));
    const char* path = reinterpret_cast<const char*>(b + 2);
    ctx.text(", sun_path=");
    if (path[0] == '\0' && n > 0) {  // abstract: @"name", not NUL-terminated
        ctx.text("@");
        quote_string(ctx.out, path + 1, n - 1, false);
        return;
    }
    quote_string(ctx.out, path, n, true);
}

void print_sin(DecodeCtx& ctx, const sockaddr_in& sin) {
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &sin.sin_addr, ip, sizeof ip);
    put(ctx, ", sin_port=htons({}), sin_addr=inet_addr(\"{}\")", ntohs(sin.sin_port), ip);
}

void print_sin6(DecodeCtx& ctx, const sockaddr_in6& sin6) {
    char ip[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, &sin6.sin6_addr, ip, sizeof ip);
    put(ctx, ", sin6_port=htons({}), sin6_flowinfo=htonl({}), inet_pton(AF_INET6, \"{}\", &sin6_addr), "
             "sin6_scope_id={}",
        ntohs(sin6.sin6_port), ntohl(sin6.sin6_flowinfo), ip, sin6.sin6_scope_id);
}

// sockaddr_ll as strace shows it: the interface by name where this network
// namespace has it, the hardware address's sll_halen bytes (those past the
// given length as "...").
void print_sll(DecodeCtx& ctx, const unsigned char* b, std::size_t len) {
    sockaddr_ll sll;
    std::memcpy(&sll, b, sizeof sll);
    ctx.text(", ");
    ctx.text("sll_protocol=");
    print_ethernet_protocol(ctx, sll.sll_protocol);
    char name[IF_NAMESIZE];
    if (sll.sll_ifindex > 0 && if_indextoname(static_cast<unsigned>(sll.sll_ifindex), name))
        put(ctx, ", sll_ifindex=if_nametoindex(\"{}\")", name);
    else put(ctx, ", sll_ifindex={}", sll.sll_ifindex);
    ctx.text(", sll_hatype=");
    ctx.xval(xlat::Set::arp_hardware_type, sll.sll_hatype);
    ctx.text(", sll_pkttype=");
    ctx.xval(xlat::Set::packet_type, sll.sll_pkttype);
    put(ctx, ", sll_halen={}", sll.sll_halen);
    if (!sll.sll_halen) return;
    const std::size_t at = offsetof(sockaddr_ll, sll_addr);
    ctx.text(", sll_addr=[");
    for (std::size_t i = 0; i < sll.sll_halen; ++i) {
        if (i) ctx.sep();
        if (at + i >= len) {
            ctx.text("...");
            break;
        }
        if (b[at + i]) put(ctx, "{:#x}", b[at + i]);
        else ctx.text("00");  // strace's %#02x
    }
    ctx.text("]");
}

bool print_iovec_array(DecodeCtx& ctx, std::uint64_t a, std::uint64_t count, std::int64_t data_len) {
    ctx.text("[");
    std::size_t w = ctx.ptr_size();
    for (std::uint64_t i = 0; i < count; ++i) {
        if (i) ctx.sep();
        if (i >= ctx.opt.string_limit) {  // strace caps arrays at -s elements
            ctx.text("...");
            break;
        }
        std::uint64_t base, len;
        if (!ctx.read_ulong(a + i * 2 * w, base) || !ctx.read_ulong(a + i * 2 * w + w, len)) {
            if (i == 0) return false;
            ctx.text("...");
            break;
        }
        ctx.text("{iov_base=");
        std::uint64_t shown = len;
        if (data_len >= 0) {
            shown = std::min<std::uint64_t>(len, static_cast<std::uint64_t>(data_len));
            data_len -= static_cast<std::int64_t>(shown);
        }
        ctx.buf(base, shown);
        put(ctx, ", iov_len={}}}", len);
    }
    ctx.text("]");
    return true;
}

// struct user_msghdr (native) or compat_msghdr (i386): name, namelen, iov, iovlen,
// control, controllen, flags.
bool print_msghdr(DecodeCtx& ctx, std::uint64_t a) {
    std::uint64_t name, namelen, iov, iovlen, control, controllen, flags;
    if (ctx.long_size() == 8) {
        struct { std::uint64_t name; std::uint32_t namelen; std::uint64_t iov, iovlen, control, controllen;
                 std::uint32_t flags; } m;
        if (!ctx.read(a, m)) return false;
        name = m.name, namelen = m.namelen, iov = m.iov, iovlen = m.iovlen, control = m.control,
        controllen = m.controllen, flags = m.flags;
    } else {
        std::uint32_t m[7];
        if (!ctx.read(a, m)) return false;
        name = m[0], namelen = m[1], iov = m[2], iovlen = m[3], control = m[4], controllen = m[5], flags = m[6];
    }
    // recvmsg: msg_namelen is in/out; a failed call shows only its entry value.
    std::uint64_t entry_namelen;
    bool inout = ctx.exiting && entry_value(ctx, ctx.compat() ? StructId::compat_msghdr : StructId::user_msghdr, entry_namelen);
    if (inout && ctx.failed()) {
        put(ctx, "{{msg_namelen={}}}", static_cast<std::int32_t>(entry_namelen));
        return true;
    }
    ctx.text("{msg_name=");
    if (name) print_sockaddr(ctx, name, namelen);
    else ctx.addr(name);
    if (inout && static_cast<std::uint32_t>(entry_namelen) != namelen)
        put(ctx, ", msg_namelen={} => {}, msg_iov=", static_cast<std::int32_t>(entry_namelen), namelen);
    else put(ctx, ", msg_namelen={}, msg_iov=", namelen);
    std::int64_t data = ctx.exiting && !ctx.failed() ? ctx.task.retval : -1;
    print_iovec(ctx, iov, iovlen, data);
    put(ctx, ", msg_iovlen={}", iovlen);
    if (controllen) {
        ctx.text(", msg_control=");
        ctx.addr(control);
    }
    put(ctx, ", msg_controllen={}, msg_flags=", controllen);
    ctx.flags(xlat::Set::msg_flags, flags);
    ctx.text("}");
    return true;
}

}  // namespace

// The printers tbl/structs.tbl promises (trace/struct_printers.hpp).
bool print::user_msghdr(DecodeCtx& ctx, std::uint64_t a) { return print_msghdr(ctx, a); }

}  // namespace lstar::structs

namespace lstar {

void print_iovec(DecodeCtx& ctx, std::uint64_t addr, std::uint64_t count, std::int64_t data_len) {
    if (!addr) return ctx.addr(addr);
    std::string text;
    DecodeCtx sub = ctx.sub(text);
    if (!structs::print_iovec_array(sub, addr, count, data_len)) return ctx.addr(addr);
    ctx.append(sub);
}

void print_sockaddr(DecodeCtx& ctx, std::uint64_t addr, std::uint64_t len) {
    if (!addr) return ctx.addr(addr);
    unsigned char b[sizeof(sockaddr_storage)] = {};
    std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(len, sizeof b));
    if (n < 2 || !ctx.read(addr, b, n)) return ctx.addr(addr);
    std::uint16_t family;
    std::memcpy(&family, b, 2);
    ctx.text("{sa_family=");
    ctx.xval(xlat::Set::address_family, family);
    switch (family) {
    case AF_UNIX: structs::print_sun(ctx, b, n); break;
    case AF_INET: {
        sockaddr_in sin;
        std::memcpy(&sin, b, sizeof sin);
        structs::print_sin(ctx, sin);
        break;
    }
    case AF_INET6: {
        sockaddr_in6 sin6;
        std::memcpy(&sin6, b, sizeof sin6);
        structs::print_sin6(ctx, sin6);
        break;
    }
    case AF_NETLINK: {
        std::uint32_t pid, groups;
        std::memcpy(&pid, b + 4, 4);
        std::memcpy(&groups, b + 8, 4);
        fmt::format_to(std::back_inserter(ctx.out), ", nl_pid={}, nl_groups={:08x}", pid, groups);
        break;
    }
    case AF_PACKET:
        if (n >= sizeof(sockaddr_ll)) {
            structs::print_sll(ctx, b, n);
            break;
        }
        [[fallthrough]];  // shorter: its bytes, as strace shows them
    default:
        if (n > 2) {
            ctx.text(", sa_data=");
            quote_string(ctx.out, reinterpret_cast<const char*>(b + 2), n - 2, false);
        }
    }
    ctx.text("}");
}

void print_ethernet_protocol(DecodeCtx& ctx, std::uint16_t network_order) {
    ctx.text("htons(");
    ctx.xval(xlat::Set::ethernet_protocol, ntohs(network_order));
    ctx.text(")");
}

}  // namespace lstar
