// Signals arriving at any moment of the in-process runtime's work: a 50 µs
// interval timer whose handler makes a call, and SIGCHLD from short-lived
// children, while the main thread forks, waits and makes calls. It must end.
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t ticks, children;

static void on_alarm(int sig) { (void)sig; ++ticks; syscall(SYS_getppid); }
static void on_child(int sig) { (void)sig; ++children; }

int main(int argc, char** argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 300;
    struct sigaction sa = {0};
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    sa.sa_handler = on_child;
    sigaction(SIGCHLD, &sa, NULL);
    struct itimerval it = {{0, 50}, {0, 50}};
    setitimer(ITIMER_REAL, &it, NULL);
    for (int i = 0; i < rounds; ++i) {
        pid_t pid = fork();
        if (pid == 0) _exit(i & 7);
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        if (!WIFEXITED(status) || WEXITSTATUS(status) != (i & 7)) {
            printf("round %d: bad status %d\n", i, status);
            return 1;
        }
        for (int j = 0; j < 20; ++j) syscall(SYS_getppid);
    }
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    printf("storm done %d\n", rounds);
    return 0;
}
