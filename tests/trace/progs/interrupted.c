// A read that waits for a child's write, with a SIGUSR1 handler installed without
// SA_RESTART: a signal pending while it waits ends it with EINTR.
// INTERRUPTED_MODE=restart: the handler has SA_RESTART, the read is made again and
// gets the byte. INTERRUPTED_MODE=ready: the byte is there before the read, which
// does not wait and gets it; the signal comes after.
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void handler(int sig) { (void)sig; }

int main(void) {
    const char* mode = getenv("INTERRUPTED_MODE");
    int restart = mode && strcmp(mode, "restart") == 0, ready = mode && strcmp(mode, "ready") == 0;
    struct sigaction sa = {.sa_handler = handler, .sa_flags = restart ? SA_RESTART : 0};
    sigaction(SIGUSR1, &sa, 0);
    int p[2];
    if (pipe(p) != 0) return 1;
    pid_t child = fork();
    if (child == 0) {
        if (!ready) usleep(200000);
        write(p[1], "x", 1);
        _exit(0);
    }
    if (ready) waitpid(child, 0, 0);
    char c;
    ssize_t n = read(p[0], &c, 1);
    if (!ready) waitpid(child, 0, 0);  // its SIGCHLD comes before the end, on every tracer
    printf("read %zd %s\n", n, n < 0 ? strerror(errno) : "");
    return 0;
}
