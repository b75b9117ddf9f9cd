/* Process calls: fork, wait, exit status, a child killed by a signal. */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include "marker.h"

int main(void) {
    BEGIN();
    /* SIGCHLD stays pending until after each wait4, so its line has one place. */
    sigset_t chld, none;
    sigemptyset(&chld);
    sigemptyset(&none);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    pid_t c = fork();
    if (c == 0) _exit(3);
    int status;
    wait4(c, &status, 0, NULL);
    sigprocmask(SIG_SETMASK, &none, NULL);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    c = fork();
    if (c == 0) {
        pause();
        _exit(0);
    }
    kill(c, SIGTERM);
    waitpid(c, &status, 0);
    sigprocmask(SIG_SETMASK, &none, NULL);
    return 0;
}
