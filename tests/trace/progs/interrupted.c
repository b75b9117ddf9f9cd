// A read that waits for a child's write, with a SIGUSR1 handler installed without
// SA_RESTART: a signal pending while it waits ends it with EINTR.
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void handler(int sig) { (void)sig; }

int main(void) {
    struct sigaction sa = {.sa_handler = handler};
    sigaction(SIGUSR1, &sa, 0);
    int p[2];
    if (pipe(p) != 0) return 1;
    if (fork() == 0) {
        usleep(200000);
        write(p[1], "x", 1);
        _exit(0);
    }
    char c;
    ssize_t n = read(p[0], &c, 1);
    printf("read %zd %s\n", n, n < 0 ? strerror(errno) : "");
    return 0;
}
