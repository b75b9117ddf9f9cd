// AF_PACKET as strace decodes it: socket()'s protocol in network order, known
// and unknown, and struct sockaddr_ll in bind() (on fd -1, so no CAP_NET_RAW is
// needed): an address longer than sll_halen allows, none, a known and an unknown
// hardware type, and an address too short to be a sockaddr_ll.
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void bind_ll(const struct sockaddr_ll* a, socklen_t len) { bind(-1, (const struct sockaddr*)a, len); }

int main(void) {
    int fds[] = {socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)), socket(AF_PACKET, SOCK_DGRAM, htons(0x1234)),
                 socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_8021Q)), socket(AF_PACKET, SOCK_DGRAM, 0)};
    for (unsigned i = 0; i < sizeof fds / sizeof fds[0]; i++)
        if (fds[i] >= 0) close(fds[i]);

    struct sockaddr_ll a = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP), .sll_ifindex = (int)if_nametoindex("lo"),
                            .sll_hatype = 772, .sll_pkttype = PACKET_BROADCAST, .sll_halen = 6};
    bind_ll(&a, sizeof a);
    a.sll_ifindex = 999;
    a.sll_halen = 10;
    a.sll_hatype = 1;
    a.sll_pkttype = PACKET_KERNEL;
    memcpy(a.sll_addr, "\x01\xab\x00\x10\xff\x05\x06\x07", 8);
    bind_ll(&a, sizeof a);
    a.sll_halen = 0;
    a.sll_hatype = 0xfff0;
    a.sll_pkttype = PACKET_HOST;
    bind_ll(&a, sizeof a);
    a.sll_halen = 3;
    a.sll_protocol = htons(ETH_P_IPV6);
    bind_ll(&a, sizeof a);
    bind_ll(&a, 18);
    return 0;
}
