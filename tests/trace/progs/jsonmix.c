// Calls whose arguments are structs, sets and strings of each JSON form of
// `lstar trace --json` version 2 (tests/trace/json_v2_test.cpp): openat and stat
// of FILE (argv[1]), an openat that fails, poll on a pipe, a unix socket pair
// with sendto/recvfrom and a bound socket, a signal to itself, a forked child,
// a write of bytes that are not UTF-8 and one longer than strace's -s, fcntl's
// F_GETFL (a result with a comment).
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t got;
static void on_usr1(int sig) { got = sig; }

int main(int argc, char** argv) {
    if (argc < 3) return 2;
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) return 1;
    char buf[64];
    if (read(fd, buf, sizeof buf) < 0) return 1;
    struct stat st;
    if (stat(argv[1], &st) != 0) return 1;
    close(fd);
    open("/nonexistent/lstar-json-test", O_RDONLY);  // ENOENT

    int p[2];
    if (pipe(p) != 0) return 1;
    write(p[1], "x", 1);
    struct pollfd pfd = {.fd = p[0], .events = POLLIN};
    if (poll(&pfd, 1, 1000) != 1) return 1;

    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return 1;
    sendto(sv[0], "ping", 4, 0, NULL, 0);
    recvfrom(sv[1], buf, sizeof buf, 0, NULL, NULL);
    int s = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", argv[2]);
    unlink(argv[2]);
    if (bind(s, (struct sockaddr*)&addr, sizeof addr) != 0) return 1;
    unlink(argv[2]);

    struct sigaction sa = {.sa_handler = on_usr1};
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGTERM);
    sigaction(SIGUSR1, &sa, NULL);
    kill(getpid(), SIGUSR1);
    if (got != SIGUSR1) return 1;

    pid_t child = fork();
    if (child == 0) _exit(7);
    int status;
    if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 7) return 1;

    int null = open("/dev/null", O_WRONLY);
    write(null, "\xff\xfe not utf-8", 13);
    write(null, "a line longer than strace's default -s of 32 bytes", 51);
    fcntl(null, F_GETFL);
    return 0;
}
