// SIGSYS used as any other signal: a handler for it, sent with kill, raise,
// sigqueue and tgkill (each send delivered once, with its siginfo), blocked
// and unblocked (held while blocked, one delivery for two sends, in order
// with SIGUSR1 and SIGUSR2, seen by sigpending), sighold/sigrelse, sigsuspend,
// SA_RESETHAND, SIG_IGN, and the blocked state kept across fork and exec.
// Then, with "die", the default action: killed by SIGSYS.
// Every line is compared with a native run's.
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "common.h"

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"  // sighold and sigrelse, as programs still call them

static volatile sig_atomic_t order[64], count;
static volatile int last_code, last_value;

static void on_signal(int sig, siginfo_t* info, void* uc) {
    (void)uc;
    if (count < 64) order[count] = sig;
    ++count;
    if (sig == SIGSYS) {
        last_code = info->si_code;
        last_value = info->si_code == SI_QUEUE ? info->si_value.sival_int : -1;
        syscall(SYS_getppid);  // a call from the handler (trapped when traced)
    }
}

static void show(const char* what) {
    say("%s: %d delivered:", what, (int)count);
    for (int i = 0; i < count && i < 64; ++i) say(" %d", (int)order[i]);
    say(" code %d value %d\n", last_code, last_value);
    count = 0;
    last_code = last_value = 0;
}

static void set_handler(int sig, int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | flags;
    sigaction(sig, &sa, NULL);
}

static int blocked(int sig) {
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    return sigismember(&now, sig);
}

// Another thread: its own mask, its own held SIGSYS.
static void* in_thread(void* arg) {
    (void)arg;
    sighold(SIGSYS);
    pid_t tid = (pid_t)syscall(SYS_gettid);
    syscall(SYS_tgkill, getpid(), tid, SIGSYS);
    syscall(SYS_tgkill, getpid(), tid, SIGSYS);
    show("thread, blocked");
    sigrelse(SIGSYS);
    show("thread, unblocked");
    return NULL;
}

int main(int argc, char** argv) {
    if (argc > 1 && strcmp(argv[1], "after-exec") == 0) {
        say("after exec: blocked %d\n", blocked(SIGSYS));
        struct sigaction old;
        sigaction(SIGSYS, NULL, &old);
        say("after exec: ignored %d\n", old.sa_handler == SIG_IGN);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "die") == 0) {
        say("dying by SIGSYS\n");
        raise(SIGSYS);
        say("still alive\n");
        return 0;
    }
    set_handler(SIGSYS, 0);
    set_handler(SIGUSR1, 0);
    set_handler(SIGUSR2, 0);
    struct sigaction cur;
    sigaction(SIGSYS, NULL, &cur);
    say("handler installed: %d\n", cur.sa_sigaction == on_signal);

    kill(getpid(), SIGSYS);
    show("kill");
    raise(SIGSYS);
    show("raise");
    union sigval v = {.sival_int = 42};
    sigqueue(getpid(), SIGSYS, v);
    show("sigqueue");
    syscall(SYS_tgkill, getpid(), (pid_t)syscall(SYS_gettid), SIGSYS);
    show("tgkill");
    for (int i = 0; i < 3; ++i) kill(getpid(), SIGSYS);
    show("three sends");

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGSYS);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    say("blocked: SIGSYS %d SIGUSR1 %d\n", blocked(SIGSYS), blocked(SIGUSR1));
    kill(getpid(), SIGSYS);
    kill(getpid(), SIGUSR1);
    kill(getpid(), SIGSYS);
    kill(getpid(), SIGUSR2);
    sigset_t pending;
    sigpending(&pending);
    say("pending: SIGSYS %d SIGUSR1 %d SIGUSR2 %d\n", sigismember(&pending, SIGSYS), sigismember(&pending, SIGUSR1),
        sigismember(&pending, SIGUSR2));
    show("while blocked");
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    show("unblocked");

    sighold(SIGSYS);
    raise(SIGSYS);
    show("sighold");
    sigrelse(SIGSYS);
    show("sigrelse");

    sigset_t wait_mask;
    sigfillset(&wait_mask);
    sigdelset(&wait_mask, SIGSYS);
    sighold(SIGSYS);
    raise(SIGSYS);
    sigsuspend(&wait_mask);
    show("sigsuspend");
    say("after sigsuspend: blocked %d\n", blocked(SIGSYS));
    sigrelse(SIGSYS);

    pthread_t thread;
    pthread_create(&thread, NULL, in_thread, NULL);
    pthread_join(thread, NULL);

    set_handler(SIGSYS, SA_RESETHAND);
    raise(SIGSYS);
    show("resethand");
    sigaction(SIGSYS, NULL, &cur);
    say("after resethand: default %d\n", cur.sa_handler == SIG_DFL);

    signal(SIGSYS, SIG_IGN);
    raise(SIGSYS);
    show("ignored");

    // The mask goes through fork and exec; an ignored signal stays ignored.
    sighold(SIGSYS);
    pid_t child = fork();
    if (child == 0) {
        say("fork child: blocked %d\n", blocked(SIGSYS));
        execl("/proc/self/exe", argv[0], "after-exec", (char*)NULL);
        _exit(127);
    }
    int st;
    waitpid(child, &st, 0);
    say("child: exited %d status %d\n", WIFEXITED(st), WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    sigrelse(SIGSYS);
    signal(SIGSYS, SIG_DFL);
    return 0;
}
