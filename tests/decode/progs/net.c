/* Socket calls. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "marker.h"

int main(void) {
    BEGIN();
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(1), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    connect(s, (struct sockaddr*)&in, sizeof in);
    close(s);
    int u = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    strcpy(un.sun_path, "/nonexistent/sock");
    connect(u, (struct sockaddr*)&un, sizeof un);
    close(u);
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    sendto(sv[0], "ping", 4, MSG_DONTWAIT, NULL, 0);
    char buf[16];
    recvfrom(sv[1], buf, sizeof buf, 0, NULL, NULL);
    shutdown(sv[0], SHUT_RDWR);
    return 0;
}
