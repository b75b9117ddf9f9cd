// Signals arriving at any moment of the in-process runtime's work: an interval
// timer (50 µs by default, argv[2] µs) whose handler makes a call, and SIGCHLD
// from short-lived children, while the main thread forks, waits and makes calls.
// It must end.
//
// The storm is bounded in count, not in time: each round re-arms the timer, and
// the handler disarms it after kTicksPerRound ticks. A free-running timer would
// make the test depend on the machine's speed: where a trapped call costs more
// than the interval (a slow machine, or an interval of 1 µs), handlers would
// follow each other back to back and the main thread would never progress.
// Prints "storm done N" on stdout, and "ticks T" (the handlers that ran) on stderr.
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

enum { kTicksPerRound = 64 };

static volatile sig_atomic_t ticks, round_ticks, children;

static void set_timer(long usec) {
    struct itimerval it = {{0, usec}, {0, usec}};
    setitimer(ITIMER_REAL, &it, NULL);
}

static void on_alarm(int sig) {
    (void)sig;
    ++ticks;
    syscall(SYS_getppid);
    if (++round_ticks >= kTicksPerRound) set_timer(0);  // this round's storm is over
}
static void on_child(int sig) { (void)sig; ++children; }

int main(int argc, char** argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 300;
    long interval = argc > 2 ? atol(argv[2]) : 50;
    struct sigaction sa = {0};
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    sa.sa_handler = on_child;
    sigaction(SIGCHLD, &sa, NULL);
    for (int i = 0; i < rounds; ++i) {
        round_ticks = 0;
        set_timer(interval);
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
    set_timer(0);
    printf("storm done %d\n", rounds);
    fprintf(stderr, "ticks %d\n", (int)ticks);
    return 0;
}
