/* Descriptor multiplexing and control: select, pselect6, epoll, ioctl, pipe2,
   dup3, fcntl. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>
#include "marker.h"

int main(void) {
    BEGIN();
    int p[2];
    pipe2(p, O_NONBLOCK);
    (void)!write(p[1], "x", 1);
    fd_set r, w;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_SET(p[0], &r);
    FD_SET(p[1], &w);
    struct timeval tv = {1, 0};
    select(p[1] + 1, &r, &w, NULL, &tv);
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    struct timeval tv2 = {1, 0};
    syscall(SYS_select, p[0] + 1, &r, NULL, NULL, &tv2); /* glibc's select is pselect6 */
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    select(p[0] + 1, &r, NULL, NULL, NULL);
    FD_ZERO(&r);
    FD_SET(p[1], &r);
    struct timeval zero = {0, 0};
    select(p[1] + 1, &r, NULL, NULL, &zero);
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    struct timespec ts = {2, 0};
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    pselect(p[0] + 1, &r, NULL, NULL, &ts, &mask);
    int n = 0;
    ioctl(p[0], FIONREAD, &n);
    int on = 1;
    ioctl(p[0], FIONBIO, &on);
    ioctl(p[0], FIOCLEX);
    ioctl(p[0], FIONCLEX);
    struct termios tio;
    ioctl(p[0], TCGETS, &tio);
    int e = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = p[0]};
    epoll_ctl(e, EPOLL_CTL_ADD, p[0], &ev);
    ev.events = EPOLLOUT | EPOLLET;
    ev.data.u64 = 0x100000005ull;
    epoll_ctl(e, EPOLL_CTL_ADD, p[1], &ev);
    struct epoll_event got[4];
    epoll_wait(e, got, 4, 0);
    epoll_pwait(e, got, 4, 0, &mask);
    epoll_ctl(e, EPOLL_CTL_DEL, p[1], NULL);
    close(e);
    int d = dup3(p[0], 10, O_CLOEXEC);
    fcntl(d, F_GETFL);
    fcntl(d, F_SETFL, O_NONBLOCK | O_APPEND);
    fcntl(p[1], F_GETFL);
    fcntl(d, F_DUPFD_CLOEXEC, 20);
    fcntl(d, F_GETPIPE_SZ);
    close(d);
    close(p[0]);
    close(p[1]);
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m >= 0) {
        grantpt(m);
        unlockpt(m);
        struct winsize ws = {.ws_row = 24, .ws_col = 80};
        ioctl(m, TIOCSWINSZ, &ws);
        ioctl(m, TIOCGWINSZ, &ws);
        int s = open(ptsname(m), O_RDWR | O_NOCTTY);
        ioctl(s, TCGETS, &tio);
        ioctl(s, TCSETS, &tio);
        ioctl(s, TCSETSW, &tio);
        ioctl(s, TCFLSH, TCIFLUSH);
        close(s);
        close(m);
    }
    return 0;
}
