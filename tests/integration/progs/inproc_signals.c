/* In-process backend: the program's own signal handling. argv[1]:
 *   restart   SA_RESTART SIGALRM handler writes a byte into a pipe while the main
 *             thread blocks in read on it: the read restarts and gets it ("restart read 1 x")
 *   eintr     the same without SA_RESTART: the read fails with EINTR, a second read
 *             gets the byte ("eintr read -1 EINTR", "eintr again 1 x")
 *   longjmp   3 times: a SIGALRM handler siglongjmps out of a blocking read; each
 *             time getppid is called twice after the jump ("jumped N"); then "longjmp done"
 *   blockall  every signal blocked with sigprocmask and pthread_sigmask, then calls
 *             ("blockall getppid ok", "blockall done")
 *   sigsys    installs a SIGSYS handler, reads it back ("sigsys handler kept 1"),
 *             then calls getppid ("sigsys done")
 *   usr1      kill(getpid(), SIGUSR1) with a handler ("usr1 handled 1")
 * The marker call is getppid: every mode makes some. */
#include "common.h"
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/time.h>

static int pipefd[2];
static sigjmp_buf jump;
static volatile sig_atomic_t handled;

static void on_alarm_write(int sig) { (void)sig; handled++; write(pipefd[1], "x", 1); }
static void on_alarm_jump(int sig) { (void)sig; handled++; siglongjmp(jump, 1); }
static void on_usr1(int sig) { (void)sig; handled++; }
static void on_sigsys(int sig) { (void)sig; }

static void arm(int ms) {
    struct itimerval it = {{0, 0}, {0, ms * 1000}};
    setitimer(ITIMER_REAL, &it, NULL);
}

static void handle(int sig, void (*fn)(int), int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = fn;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

int main(int argc, char** argv) {
    const char* mode = argc > 1 ? argv[1] : "restart";
    if (pipe(pipefd) != 0) return 2;
    char c = 0;
    if (strcmp(mode, "restart") == 0 || strcmp(mode, "eintr") == 0) {
        int restart = strcmp(mode, "restart") == 0;
        handle(SIGALRM, on_alarm_write, restart ? SA_RESTART : 0);
        syscall(SYS_getppid);
        arm(200);
        long n = read(pipefd[0], &c, 1);
        if (n < 0) say("%s read -1 %s\n", mode, strerrorname_np(errno));
        else say("%s read %ld %c\n", mode, n, c);
        if (n < 0) {
            n = read(pipefd[0], &c, 1);
            say("%s again %ld %c\n", mode, n, c);
        }
    } else if (strcmp(mode, "longjmp") == 0) {
        handle(SIGALRM, on_alarm_jump, 0);
        for (int i = 1; i <= 3; ++i) {
            if (sigsetjmp(jump, 1) == 0) {
                arm(100);
                read(pipefd[0], &c, 1);
                say("read returned\n");
            }
            syscall(SYS_getppid);
            syscall(SYS_getppid);
            say("jumped %d\n", i);
        }
        say("longjmp done %d\n", (int)handled);
    } else if (strcmp(mode, "blockall") == 0) {
        sigset_t all;
        sigfillset(&all);
        sigprocmask(SIG_BLOCK, &all, NULL);
        syscall(SYS_getppid);
        sigprocmask(SIG_SETMASK, &all, NULL);
        syscall(SYS_getppid);
        pthread_sigmask(SIG_SETMASK, &all, NULL);
        syscall(SYS_getppid);
        say("blockall getppid ok\n");
        syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, NULL, 8);
        syscall(SYS_getppid);
        say("blockall done\n");
    } else if (strcmp(mode, "sigsys") == 0) {
        handle(SIGSYS, on_sigsys, 0);
        struct sigaction old;
        memset(&old, 0, sizeof old);
        sigaction(SIGSYS, NULL, &old);
        say("sigsys handler kept %d\n", old.sa_handler == on_sigsys);
        syscall(SYS_getppid);
        handle(SIGSYS, SIG_DFL, 0);
        sigaction(SIGSYS, NULL, &old);
        say("sigsys default back %d\n", old.sa_handler == SIG_DFL);
        syscall(SYS_getppid);
        say("sigsys done\n");
    } else if (strcmp(mode, "usr1") == 0) {
        handle(SIGUSR1, on_usr1, 0);
        kill(getpid(), SIGUSR1);
        syscall(SYS_getppid);
        say("usr1 handled %d\n", (int)handled);
    } else {
        return 2;
    }
    return 0;
}
