// A handled SIGUSR1, then a child killed by SIGKILL while it sleeps.
#define _GNU_SOURCE
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void on_usr1(int sig) { (void)sig; }

int main(void) {
    signal(SIGUSR1, on_usr1);
    kill(getpid(), SIGUSR1);
    pid_t pid = fork();
    if (pid == 0) {
        for (;;) pause();
    }
    struct timespec ts = {0, 100 * 1000 * 1000};
    nanosleep(&ts, 0);
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    return 0;
}
