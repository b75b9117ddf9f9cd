// How a parent sees a child killed by each signal whose default action ends
// the process, with core (SIGQUIT, SIGSEGV, SIGSYS...) and without (SIGTERM,
// SIGUSR1, the real-time ones...): through wait4, waitpid and waitid, in one
// line per signal: "SIG: signaled T core C | waitid code K status S".
// With argument "core DIR" the children may dump core (RLIMIT_CORE unlimited,
// in DIR); else RLIMIT_CORE is 0. Nothing depends on the core pattern: the
// test compares the lines with a native run's.
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "common.h"

static pid_t child_killed_by(int sig, int how) {
    pid_t pid = fork();
    if (pid == 0) {
        signal(sig, SIG_DFL);
        sigset_t all;
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        if (how == 0) kill(getpid(), sig);
        else if (how == 1) raise(sig);
        else {
            union sigval v = {.sival_int = sig};
            sigqueue(getpid(), sig, v);
        }
        _exit(0);  // only if the signal did not end it
    }
    return pid;
}

static void remove_core(pid_t pid) {
    char name[32];
    snprintf(name, sizeof name, "core.%d", pid);
    unlink(name);
    unlink("core");
}

int main(int argc, char** argv) {
    struct rlimit core = {0, 0};
    if (argc > 2 && strcmp(argv[1], "core") == 0) {
        if (chdir(argv[2]) != 0) return 2;
        core.rlim_cur = core.rlim_max = RLIM_INFINITY;
    }
    setrlimit(RLIMIT_CORE, &core);
    int sigs[] = {SIGHUP,  SIGINT,  SIGQUIT,   SIGILL,  SIGTRAP,   SIGABRT, SIGBUS,  SIGFPE,  SIGKILL,
                  SIGUSR1, SIGSEGV, SIGUSR2,   SIGPIPE, SIGALRM,   SIGTERM, SIGSTKFLT, SIGXCPU, SIGXFSZ,
                  SIGVTALRM, SIGPROF, SIGIO, SIGPWR, SIGSYS, SIGRTMIN, SIGRTMIN + 5, SIGRTMAX};
    // Cores are big under lstar (its own memory is in them): a few signals only,
    // each core removed once its child is reaped.
    int with_core[] = {SIGQUIT, SIGSEGV, SIGSYS};
    int* list = core.rlim_cur ? with_core : sigs;
    size_t n = core.rlim_cur ? sizeof with_core / sizeof with_core[0] : sizeof sigs / sizeof sigs[0];
    for (size_t i = 0; i < n; ++i) {
        int sig = list[i];
        int st = 0;
        pid_t a = child_killed_by(sig, 0);
        wait4(a, &st, 0, NULL);
        remove_core(a);
        say("%d: wait4 signaled %d term %d core %d exited %d", sig, WIFSIGNALED(st), WIFSIGNALED(st) ? WTERMSIG(st) : 0,
            WIFSIGNALED(st) ? WCOREDUMP(st) != 0 : 0, WIFEXITED(st));
        pid_t b = child_killed_by(sig, 1);
        waitpid(b, &st, 0);
        remove_core(b);
        say(" | waitpid signaled %d term %d core %d", WIFSIGNALED(st), WIFSIGNALED(st) ? WTERMSIG(st) : 0,
            WIFSIGNALED(st) ? WCOREDUMP(st) != 0 : 0);
        pid_t c = child_killed_by(sig, 2);
        siginfo_t info;
        memset(&info, 0, sizeof info);
        waitid(P_PID, (id_t)c, &info, WEXITED);
        remove_core(c);
        say(" | waitid code %s status %d\n",
            info.si_code == CLD_KILLED ? "killed" : info.si_code == CLD_DUMPED ? "dumped" :
            info.si_code == CLD_EXITED ? "exited" : "other", info.si_status);
    }
    return 0;
}
