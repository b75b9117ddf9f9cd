/* Signal calls and a delivered signal. */
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include "marker.h"

static void on_usr1(int sig) { (void)sig; }

int main(void) {
    BEGIN();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART;
    sigaddset(&sa.sa_mask, SIGTERM);
    sigaction(SIGUSR1, &sa, NULL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, NULL);
    sigprocmask(SIG_SETMASK, NULL, &set);
    kill(getpid(), SIGUSR1);
    signal(SIGPIPE, SIG_IGN);
    return 0;
}
