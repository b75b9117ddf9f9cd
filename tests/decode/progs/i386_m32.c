/* An i386 program (built -m32 -static): socket calls through the socketcall
   multiplexer, shown as the calls they stand for, and i386 struct layouts. */
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "marker.h"

int main(void) {
    BEGIN();
    int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    memcpy(un.sun_path, "\0lstar-decode-m32", 17);
    socklen_t ulen = offsetof(struct sockaddr_un, sun_path) + 17;
    bind(l, (struct sockaddr*)&un, ulen);
    listen(l, 1);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    connect(c, (struct sockaddr*)&un, ulen);
    struct sockaddr_un peer;
    socklen_t plen = sizeof peer;
    int a = accept(l, (struct sockaddr*)&peer, &plen);
    plen = sizeof peer;
    getpeername(c, (struct sockaddr*)&peer, &plen);
    send(c, "hi", 2, 0);
    char b[8];
    recv(a, b, sizeof b, 0);
    int one = 1, val = 0;
    socklen_t vlen = sizeof val;
    setsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
    getsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &val, &vlen);
    struct iovec iov = {"msg", 3};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    sendmsg(a, &mh, 0);
    struct iovec riov = {b, sizeof b};
    struct msghdr rh = {.msg_iov = &riov, .msg_iovlen = 1};
    recvmsg(c, &rh, 0);
    shutdown(c, SHUT_RDWR);
    close(a);
    close(c);
    close(l);
    int sv[2];
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    close(sv[0]);
    close(sv[1]);
    struct stat st;
    stat("/", &st);
    fstat(0, &st);
    lstat("/nonexistent", &st);
    int fd = open("/dev/null", O_RDONLY);
    lseek(fd, 0, SEEK_SET);
    void* p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    munmap(p, 4096);
    close(fd);
    struct timespec ts = {0, 1000};
    nanosleep(&ts, NULL);
    clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts);
    return 0;
}
