// -yy (decode-fds=socket): a socket descriptor as strace shows it, by its
// protocol's name (the socket's system.sockprotoname attribute) and the
// addresses NETLINK_SOCK_DIAG gives: TCP:[127.0.0.1:80->127.0.0.1:5555],
// UDPv6:[[::1]:53], UNIX-STREAM:[1234->1235], UNIX:[1236,"/run/x.sock"],
// NETLINK:[ROUTE:4321]; the name and inode alone where the kernel's diag has
// nothing (an unbound netlink socket: NETLINK:[1237]).
#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <string>

#include <fmt/format.h>

#include "table/xlat.hpp"
#include "trace/decode_ctx.hpp"

namespace lstar {

namespace {

// One request to the kernel's socket diag (`req` after a netlink header), each
// answer handed to `each` until it returns true (found) or the answers end.
template <class Request>
bool sock_diag(const Request& req, std::uint16_t flags, const std::function<bool(const nlmsghdr&)>& each) {
    struct {
        nlmsghdr nlh;
        Request req;
    } msg{};
    msg.nlh.nlmsg_len = sizeof msg;
    msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    msg.nlh.nlmsg_flags = static_cast<std::uint16_t>(NLM_F_REQUEST | flags);
    msg.req = req;
    int fd = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (fd < 0) return false;
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    bool found = false, done = false;
    if (::sendto(fd, &msg, sizeof msg, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) == static_cast<ssize_t>(sizeof msg)) {
        alignas(nlmsghdr) char buf[16384];
        while (!found && !done) {
            ssize_t n = ::recv(fd, buf, sizeof buf, 0);
            if (n <= 0) break;
            int left = static_cast<int>(n);
            for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
                if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) { done = true; break; }
                if (each(*h)) { found = true; break; }
            }
        }
    }
    ::close(fd);
    return found;
}

std::string inet_address(int family, const __be32* addr, __be16 port) {
    char text[INET6_ADDRSTRLEN] = "";
    ::inet_ntop(family, addr, text, sizeof text);
    return family == AF_INET6 ? fmt::format("[{}]:{}", text, ntohs(port)) : fmt::format("{}:{}", text, ntohs(port));
}

// TCP, UDP and UDP-Lite over IPv4 and IPv6: a dump of the family's sockets, this inode's.
std::string inet_details(const std::string& proto, int family, int protocol, unsigned long inode) {
    inet_diag_req_v2 req{};
    req.sdiag_family = static_cast<std::uint8_t>(family);
    req.sdiag_protocol = static_cast<std::uint8_t>(protocol);
    req.idiag_states = ~0u;
    std::string out;
    sock_diag(req, NLM_F_DUMP, [&](const nlmsghdr& h) {
        const auto* d = static_cast<const inet_diag_msg*>(NLMSG_DATA(&h));
        if (h.nlmsg_len < NLMSG_LENGTH(sizeof *d) || d->idiag_inode != inode) return false;
        out = fmt::format("{}:[{}", proto, inet_address(family, d->id.idiag_src, d->id.idiag_sport));
        static const __be32 zero[4] = {};
        std::size_t size = family == AF_INET6 ? 16 : 4;
        if (d->id.idiag_dport || std::memcmp(d->id.idiag_dst, zero, size) != 0)
            out += "->" + inet_address(family, d->id.idiag_dst, d->id.idiag_dport);
        out += ']';
        return true;
    });
    return out;
}

// AF_UNIX: this inode's peer and bound name (an abstract one as "@name").
std::string unix_details(const std::string& proto, unsigned long inode) {
    unix_diag_req req{};
    req.sdiag_family = AF_UNIX;
    req.udiag_states = ~0u;
    req.udiag_ino = static_cast<std::uint32_t>(inode);
    req.udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_PEER;
    req.udiag_cookie[0] = req.udiag_cookie[1] = ~0u;
    std::string out;
    sock_diag(req, 0, [&](const nlmsghdr& h) {
        const auto* d = static_cast<const unix_diag_msg*>(NLMSG_DATA(&h));
        if (h.nlmsg_len < NLMSG_LENGTH(sizeof *d) || d->udiag_ino != inode) return false;
        std::uint32_t peer = 0;
        std::string name;
        int left = static_cast<int>(h.nlmsg_len - NLMSG_LENGTH(sizeof *d));
        for (auto* a = reinterpret_cast<const rtattr*>(d + 1); RTA_OK(a, left); a = RTA_NEXT(a, left)) {
            const char* data = static_cast<const char*>(RTA_DATA(a));
            std::size_t len = RTA_PAYLOAD(a);
            if (a->rta_type == UNIX_DIAG_PEER && len >= 4) std::memcpy(&peer, data, 4);
            if (a->rta_type == UNIX_DIAG_NAME && len > 0)
                name = data[0] == '\0' ? "@" + std::string(data + 1, len - 1) : std::string(data, strnlen(data, len));
        }
        out = fmt::format("{}:[{}", proto, inode);
        if (peer) out += fmt::format("->{}", peer);
        if (!name.empty()) out += ",\"" + name + "\"";
        out += ']';
        return true;
    });
    return out;
}

// Netlink: a bound socket's protocol and port id (NETLINK:[ROUTE:1234]); an unbound one has none.
std::string netlink_details(const std::string& proto, unsigned long inode) {
    netlink_diag_req req{};
    req.sdiag_family = AF_NETLINK;
    req.sdiag_protocol = NDIAG_PROTO_ALL;
    req.ndiag_cookie[0] = req.ndiag_cookie[1] = ~0u;
    std::string out;
    sock_diag(req, NLM_F_DUMP, [&](const nlmsghdr& h) {
        const auto* d = static_cast<const netlink_diag_msg*>(NLMSG_DATA(&h));
        if (h.nlmsg_len < NLMSG_LENGTH(sizeof *d) || d->ndiag_ino != inode) return false;
        if (d->ndiag_portid == 0) return true;
        const XlatEntry* e = xlat_find(xlat::Set::netlink_protocol, d->ndiag_protocol);
        std::string_view name = e ? std::string_view(e->name) : std::string_view();
        if (name.starts_with("NETLINK_")) name.remove_prefix(8);
        out = name.empty() ? fmt::format("{}:[{}:{}]", proto, d->ndiag_protocol, d->ndiag_portid)
                           : fmt::format("{}:[{}:{}]", proto, name, d->ndiag_portid);
        return true;
    });
    return out;
}

}  // namespace

std::string socket_details(pid_t tid, int fd, const std::string& link) {
    unsigned long inode = 0;
    if (std::sscanf(link.c_str(), "socket:[%lu]", &inode) != 1) return link;
    char name[32] = "";
    ssize_t n = ::getxattr(fmt::format("/proc/{}/fd/{}", tid, fd).c_str(), "system.sockprotoname", name, sizeof name - 1);
    if (n <= 0) return link;
    std::string proto(name, strnlen(name, static_cast<std::size_t>(n)));
    std::string details;
    if (proto == "TCP" || proto == "UDP" || proto == "UDPLITE")
        details = inet_details(proto, AF_INET, proto == "TCP" ? IPPROTO_TCP : proto == "UDP" ? IPPROTO_UDP : IPPROTO_UDPLITE, inode);
    else if (proto == "TCPv6" || proto == "UDPv6" || proto == "UDPLITEv6")
        details = inet_details(proto, AF_INET6, proto == "TCPv6" ? IPPROTO_TCP : proto == "UDPv6" ? IPPROTO_UDP : IPPROTO_UDPLITE, inode);
    else if (proto.starts_with("UNIX"))
        details = unix_details(proto, inode);
    else if (proto == "NETLINK")
        details = netlink_details(proto, inode);
    return details.empty() ? fmt::format("{}:[{}]", proto, inode) : details;
}

}  // namespace lstar
