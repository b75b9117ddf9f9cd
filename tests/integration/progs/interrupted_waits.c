/* One waiting call, interrupted by a SIGALRM handler (no SA_RESTART) 50 ms in,
 * so that a tracer shows the code it returns: argv[1] names the call (read,
 * pause, nanosleep, clock_nanosleep, clock_nanosleep_abs, poll, ppoll, select,
 * pselect6, epoll_wait, epoll_pwait, rt_sigtimedwait, futex, futex_timed, wait4,
 * accept, recvfrom, msgrcv, semop, flock). Prints "NAME -1 EINTR". */
#include "common.h"
#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/msg.h>
#include <sys/select.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

static void on_alarm(int sig) { (void)sig; }

int main(int argc, char** argv) {
    if (argc < 2) return 2;
    const char* m = argv[1];
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    int p[2];
    if (pipe(p) != 0) return 1;
    struct timespec five = {5, 0};
    struct timeval five_tv = {5, 0};
    int word = 0;
    char lock_file[] = "/tmp/lstar-interrupted-XXXXXX";
    pid_t child = 0;
    if (!strcmp(m, "wait4") || !strcmp(m, "flock")) {
        int fd = mkstemp(lock_file);
        flock(fd, LOCK_EX);  /* the child's copy of the descriptor keeps the lock */
        child = fork();
        if (child == 0) { pause(); _exit(0); }
        close(fd);
    }
    struct itimerval in50 = {{0, 0}, {0, 50000}};
    setitimer(ITIMER_REAL, &in50, NULL);
    long r = -2;
    if (!strcmp(m, "read")) r = read(p[0], &word, 1);
    else if (!strcmp(m, "pause")) r = pause();
    else if (!strcmp(m, "nanosleep")) r = syscall(SYS_nanosleep, &five, NULL);
    else if (!strcmp(m, "clock_nanosleep")) r = syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &five, NULL);
    else if (!strcmp(m, "clock_nanosleep_abs")) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        t.tv_sec += 5;
        r = syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL);
    } else if (!strcmp(m, "poll")) { struct pollfd f = {p[0], POLLIN, 0}; r = poll(&f, 1, 5000); }
    else if (!strcmp(m, "ppoll")) { struct pollfd f = {p[0], POLLIN, 0}; r = ppoll(&f, 1, &five, NULL); }
    else if (!strcmp(m, "select")) { fd_set s; FD_ZERO(&s); FD_SET(p[0], &s); r = syscall(SYS_select, p[0] + 1, &s, NULL, NULL, &five_tv); }
    else if (!strcmp(m, "pselect6")) { fd_set s; FD_ZERO(&s); FD_SET(p[0], &s); r = pselect(p[0] + 1, &s, NULL, NULL, &five, NULL); }
    else if (!strcmp(m, "epoll_wait") || !strcmp(m, "epoll_pwait")) {
        int e = epoll_create1(0);
        struct epoll_event ev = {EPOLLIN, {0}};
        epoll_ctl(e, EPOLL_CTL_ADD, p[0], &ev);
        r = !strcmp(m, "epoll_wait") ? syscall(SYS_epoll_wait, e, &ev, 1, 5000) : epoll_pwait(e, &ev, 1, 5000, NULL);
    } else if (!strcmp(m, "rt_sigtimedwait")) {
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGUSR1);
        sigprocmask(SIG_BLOCK, &s, NULL);
        r = sigtimedwait(&s, NULL, &five);
    } else if (!strcmp(m, "futex")) r = syscall(SYS_futex, &word, FUTEX_WAIT, 0, NULL, NULL, 0);
    else if (!strcmp(m, "futex_timed")) r = syscall(SYS_futex, &word, FUTEX_WAIT, 0, &five, NULL, 0);
    else if (!strcmp(m, "wait4")) r = wait4(-1, NULL, 0, NULL);
    else if (!strcmp(m, "accept")) {
        int s = socket(AF_UNIX, SOCK_STREAM, 0);
        struct sockaddr sa2 = {AF_UNIX, ""};
        bind(s, &sa2, sizeof(sa_family_t));  /* an autobound abstract name */
        listen(s, 1);
        r = accept(s, NULL, NULL);
    } else if (!strcmp(m, "recvfrom")) {
        int sv[2];
        socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
        char b;
        r = recvfrom(sv[0], &b, 1, 0, NULL, NULL);
    } else if (!strcmp(m, "msgrcv")) {
        int q = msgget(IPC_PRIVATE, 0600);
        struct { long type; char c; } b;
        r = msgrcv(q, &b, 1, 0, 0);
        msgctl(q, IPC_RMID, NULL);
    } else if (!strcmp(m, "semop")) {
        int s = semget(IPC_PRIVATE, 1, 0600);
        struct sembuf b = {0, -1, 0};
        r = semop(s, &b, 1);
        semctl(s, 0, IPC_RMID);
    } else if (!strcmp(m, "flock")) {
        int fd = open(lock_file, O_RDWR);
        r = flock(fd, LOCK_EX);
    }
    int err = errno;
    if (child > 0) { kill(child, SIGKILL); waitpid(child, NULL, 0); }
    if (lock_file[sizeof lock_file - 2] != 'X') unlink(lock_file);
    if (r == -2) return 2;
    say("%s %ld %s\n", m, r, r < 0 ? strerrorname_np(err) : "");
    return 0;
}
