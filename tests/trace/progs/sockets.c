// Sockets of each kind -yy details, each closed in turn: a stream pair, a bound
// datagram AF_UNIX socket (path in argv[1]), a TCP listener with a connection
// on 127.0.0.1 from both ends, a UDP socket on ::1 (where IPv6 is up), netlink unbound and bound.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char** argv) {
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0) close(pair[0]), close(pair[1]);

    if (argc > 1) {
        int u = socket(AF_UNIX, SOCK_DGRAM, 0);
        struct sockaddr_un sun = {.sun_family = AF_UNIX};
        strncpy(sun.sun_path, argv[1], sizeof sun.sun_path - 1);
        bind(u, (struct sockaddr*)&sun, sizeof sun);
        close(u);
        unlink(argv[1]);
    }

    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in in = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof in;
    if (bind(l, (struct sockaddr*)&in, sizeof in) == 0 && listen(l, 1) == 0 && getsockname(l, (struct sockaddr*)&in, &len) == 0) {
        int c = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(c, (struct sockaddr*)&in, sizeof in) == 0) {
            int a = accept(l, 0, 0);
            close(a);
        }
        close(c);
    }
    close(l);

    int u6 = socket(AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 in6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    if (u6 >= 0 && bind(u6, (struct sockaddr*)&in6, sizeof in6) == 0) close(u6);

    int n = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
    close(n);
    n = socket(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT);
    struct sockaddr_nl nl = {.nl_family = AF_NETLINK};
    bind(n, (struct sockaddr*)&nl, sizeof nl);
    close(n);
    return 0;
}
