/* Socket calls on AF_UNIX and AF_INET loopback: in/out lengths ([N => M]),
   socket options, messages. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>
#include "marker.h"

int main(void) {
    BEGIN();
    /* A listening unix socket with an abstract name, a client, accept4. */
    int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    memcpy(un.sun_path, "\0lstar-decode-sock", 18);
    socklen_t ulen = offsetof(struct sockaddr_un, sun_path) + 18;
    bind(l, (struct sockaddr*)&un, ulen);
    listen(l, 5);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    connect(c, (struct sockaddr*)&un, ulen);
    struct sockaddr_un peer;
    socklen_t plen = sizeof peer;
    int a = accept4(l, (struct sockaddr*)&peer, &plen, SOCK_CLOEXEC);
    plen = sizeof peer;
    getsockname(l, (struct sockaddr*)&peer, &plen);
    plen = sizeof peer;
    getpeername(c, (struct sockaddr*)&peer, &plen);
    plen = sizeof peer;
    getpeername(l, (struct sockaddr*)&peer, &plen);
    int one = 1, val = 0;
    socklen_t vlen = sizeof val;
    setsockopt(c, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    getsockopt(c, SOL_SOCKET, SO_REUSEADDR, &val, &vlen);
    vlen = sizeof val;
    getsockopt(c, SOL_SOCKET, SO_TYPE, &val, &vlen);
    vlen = 8;
    getsockopt(c, SOL_SOCKET, SO_ERROR, &val, &vlen);
    /* Messages. */
    struct iovec iov[2] = {{"hello ", 6}, {"world", 5}};
    struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
    sendmsg(c, &mh, 0);
    char b1[4], b2[16];
    struct iovec riov[2] = {{b1, sizeof b1}, {b2, sizeof b2}};
    struct msghdr rh = {.msg_iov = riov, .msg_iovlen = 2};
    recvmsg(a, &rh, 0);
    send(a, "pong", 4, 0);
    char buf[16];
    recv(c, buf, sizeof buf, 0);
    shutdown(c, SHUT_WR);
    close(a);
    close(c);
    close(l);
    /* A datagram pair with addresses. */
    int d1 = socket(AF_UNIX, SOCK_DGRAM, 0), d2 = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un n1 = {.sun_family = AF_UNIX}, n2 = {.sun_family = AF_UNIX};
    memcpy(n1.sun_path, "\0lstar-decode-d1", 16);
    memcpy(n2.sun_path, "\0lstar-decode-d2", 16);
    socklen_t l1 = offsetof(struct sockaddr_un, sun_path) + 16;
    bind(d1, (struct sockaddr*)&n1, l1);
    bind(d2, (struct sockaddr*)&n2, l1);
    sendto(d1, "abc", 3, 0, (struct sockaddr*)&n2, l1);
    struct sockaddr_un from;
    socklen_t flen = sizeof from;
    recvfrom(d2, buf, sizeof buf, 0, (struct sockaddr*)&from, &flen);
    sendto(d1, "defg", 4, 0, (struct sockaddr*)&n2, l1);
    struct iovec one_iov = {buf, sizeof buf};
    struct msghdr nh = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &one_iov, .msg_iovlen = 1};
    recvmsg(d2, &nh, MSG_DONTWAIT);
    recvmsg(d2, &nh, MSG_DONTWAIT);
    close(d1);
    close(d2);
    /* AF_INET on loopback. */
    int t = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    setsockopt(t, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in in = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bind(t, (struct sockaddr*)&in, sizeof in);
    struct sockaddr_in got;
    socklen_t glen = sizeof got;
    getsockname(t, (struct sockaddr*)&got, &glen);
    close(t);
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    vlen = sizeof val;
    getsockopt(u, SOL_IP, IP_TTL, &val, &vlen);
    close(u);
    return 0;
}
