/* Lines the in-process backend must show as strace shows them. argv[1]:
 *   fork     getppid; a fork child calls getppid twice and exits with 3; the
 *            parent reaps it, then calls getppid ("fork child exited with 3")
 *   usr1     SIGINT blocked; kill(getpid(), SIGUSR1) to a handler (sa_mask TERM)
 *            that calls getppid; then getppid ("usr1 handled 1")
 *   eintr    a SIGALRM handler without SA_RESTART interrupts a read of an empty
 *            pipe: the read fails with EINTR ("eintr read -1 EINTR")
 *   restart  the same with SA_RESTART, the handler writes a byte: the read restarts
 *            and gets it ("restart read 1 x")
 *   term     getppid, then kill(getpid(), SIGTERM) at its default action: killed
 *   dfl      reads SIGTERM's action, sets SIGUSR2's default with sa_mask INT and
 *            reads it back ("dfl TERM 0 0 0", "dfl USR2 0 1"), then SIGUSR2
 *            ignored and back at its default; kill(getpid(), SIGUSR2): killed
 *   hup      kill(getpid(), SIGHUP): killed, unless it came ignored ("hup survived")
 *   spawn    a SIGUSR1 handler; posix_spawn of /bin/true (whose vfork child sets
 *            handled signals back to the default), waited for; kill(getpid(),
 *            SIGUSR1) ("spawn handled 1"); then kill(getpid(), SIGTERM): killed
 *   chld     SIGCHLD at its default: three children exit while it waits for each in wait4
 *   chldpoll a child exits while it polls nothing for 100 ms, which the signal
 *            does not end ("chld poll 0")
 *   chldall  SIGCHLD at its default, a child exiting during each of: its own code
 *            (a loop without calls), ppoll, pselect6 and epoll_pwait with an empty
 *            mask, nanosleep (each for 100 ms, which the signal does not end);
 *            then SIGCONT to itself ("chld all 0 0 0 0 0")
 *   sigcgt   prints the caught signals /proc/self/status shows, less SIGSYS
 *            ("sigcgt 0000000000000000" when the program catches none)
 * The marker call is getppid. */
#include "common.h"
#include <signal.h>
#include <poll.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

static int pipefd[2];
static int restart_mode;
static volatile sig_atomic_t handled;

static void on_signal(int sig) {
    handled++;
    syscall(SYS_getppid);
    if (restart_mode) write(pipefd[1], "x", 1);
}

static void handle(int sig, int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGTERM);
    sigaction(sig, &sa, NULL);
}

int main(int argc, char** argv) {
    const char* mode = argc > 1 ? argv[1] : "fork";
    syscall(SYS_getppid);
    if (strcmp(mode, "fork") == 0) {
        pid_t child = fork();
        if (child == 0) {
            syscall(SYS_getppid);
            syscall(SYS_getppid);
            _exit(3);
        }
        int status = 0;
        waitpid(child, &status, 0);
        syscall(SYS_getppid);
        say("fork child exited with %d\n", WEXITSTATUS(status));
    } else if (strcmp(mode, "usr1") == 0) {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGINT);
        sigprocmask(SIG_BLOCK, &set, NULL);
        handle(SIGUSR1, 0);
        kill(getpid(), SIGUSR1);
        syscall(SYS_getppid);
        say("usr1 handled %d\n", (int)handled);
    } else if (strcmp(mode, "eintr") == 0 || strcmp(mode, "restart") == 0) {
        restart_mode = strcmp(mode, "restart") == 0;
        if (pipe(pipefd) != 0) return 2;
        handle(SIGALRM, restart_mode ? SA_RESTART : 0);
        struct itimerval it = {{0, 0}, {0, 100 * 1000}};
        setitimer(ITIMER_REAL, &it, NULL);
        char c = 0;
        long n = read(pipefd[0], &c, 1);
        syscall(SYS_getppid);
        if (n < 0) say("%s read -1 %s\n", mode, strerrorname_np(errno));
        else say("%s read %ld %c\n", mode, n, c);
    } else if (strcmp(mode, "dfl") == 0) {
        struct sigaction old, sa;
        sigaction(SIGTERM, NULL, &old);
        say("dfl TERM %d %d %d\n", old.sa_handler == SIG_DFL ? 0 : 1, (int)(old.sa_flags & ~0x04000000) /* SA_RESTORER */,
            sigismember(&old.sa_mask, SIGINT));
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = SIG_DFL;
        sigaddset(&sa.sa_mask, SIGINT);
        sigaction(SIGUSR2, &sa, NULL);
        sigaction(SIGUSR2, NULL, &old);
        say("dfl USR2 %d %d\n", old.sa_handler == SIG_DFL ? 0 : 1, sigismember(&old.sa_mask, SIGINT));
        signal(SIGUSR2, SIG_IGN);
        signal(SIGUSR2, SIG_DFL);
        kill(getpid(), SIGUSR2);
        say("dfl survived\n");
        return 1;
    } else if (strcmp(mode, "spawn") == 0) {
        extern char** environ;
        handle(SIGUSR1, 0);
        pid_t child;
        char* args[] = {"/bin/true", NULL};
        if (posix_spawn(&child, "/bin/true", NULL, NULL, args, environ) != 0) return 2;
        waitpid(child, NULL, 0);
        kill(getpid(), SIGUSR1);
        say("spawn handled %d\n", (int)handled);
        kill(getpid(), SIGTERM);
        return 1;
    } else if (strcmp(mode, "sigcgt") == 0) {
        FILE* f = fopen("/proc/self/status", "r");
        char line[256];
        unsigned long long caught = 0;
        while (f && fgets(line, sizeof line, f))
            if (sscanf(line, "SigCgt: %llx", &caught) == 1) break;
        if (f) fclose(f);
        say("sigcgt %016llx\n", caught & ~(1ull << (SIGSYS - 1)));
    } else if (strcmp(mode, "chld") == 0 || strcmp(mode, "chldpoll") == 0) {
        int polling = strcmp(mode, "chldpoll") == 0;
        for (int i = 0; i < (polling ? 1 : 3); ++i) {
            pid_t child = fork();
            if (child == 0) {
                usleep(20000);
                _exit(i);
            }
            int status, polled = polling ? poll(NULL, 0, 100) : 0;
            waitpid(child, &status, 0);
            if (polling) say("chld poll %d\n", polled);
        }
    } else if (strcmp(mode, "chldall") == 0) {
        volatile int* gone = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        int results[5] = {0}, ep = epoll_create1(0);
        sigset_t none;
        sigemptyset(&none);
        struct timespec wait = {0, 100 * 1000 * 1000};
        struct epoll_event ev;
        for (int i = 0; i < 5; ++i) {
            *gone = 0;
            pid_t child = fork();
            if (child == 0) {
                if (i > 0) usleep(20000);
                *gone = 1;
                _exit(0);
            }
            if (i == 0) {
                // Its own code until the child is gone, and 50 ms more.
                struct timespec t0, t;
                while (!*gone) {}
                clock_gettime(CLOCK_MONOTONIC, &t0);
                do clock_gettime(CLOCK_MONOTONIC, &t);
                while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < 50000000L);
            } else if (i == 1) {
                results[i] = ppoll(NULL, 0, &wait, &none);
            } else if (i == 2) {
                results[i] = pselect(0, NULL, NULL, NULL, &wait, &none);
            } else if (i == 3) {
                results[i] = epoll_pwait(ep, &ev, 1, 100, &none);
            } else {
                results[i] = nanosleep(&wait, NULL);
            }
            waitpid(child, NULL, 0);
        }
        kill(getpid(), SIGCONT);
        say("chld all %d %d %d %d %d\n", results[0], results[1], results[2], results[3], results[4]);
    } else if (strcmp(mode, "hup") == 0) {
        kill(getpid(), SIGHUP);
        say("hup survived\n");
    } else if (strcmp(mode, "term") == 0) {
        kill(getpid(), SIGTERM);
        say("term survived\n");
        return 1;
    } else {
        return 2;
    }
    return 0;
}
