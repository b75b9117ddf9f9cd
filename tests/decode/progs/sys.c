/* Process attributes and system information: prctl, rlimits, uname,
   getrandom, signals, waits. */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include "marker.h"

/* linux/sched/types.h's struct sched_attr clashes with glibc's sched_param. */
struct sched_attr_v1 {
    unsigned size, sched_policy;
    unsigned long long sched_flags;
    int sched_nice;
    unsigned sched_priority;
    unsigned long long sched_runtime, sched_deadline, sched_period;
    unsigned sched_util_min, sched_util_max;
};

static void on_usr1(int sig) { (void)sig; }

int main(void) {
    void* altstack = malloc(65536);  /* malloc's first call draws random bytes: before the marker */
    BEGIN();
    prctl(PR_SET_NAME, "decode-sys");
    char name[16];
    prctl(PR_GET_NAME, name);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    int sig = 0;
    prctl(PR_GET_PDEATHSIG, &sig);
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
    prctl(PR_SET_DUMPABLE, 1);
    prctl(PR_GET_DUMPABLE);
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    prctl(PR_GET_SECCOMP);
    prctl(PR_CAPBSET_READ, 0);
    prctl(PR_SET_KEEPCAPS, 0);
    struct rlimit rl;
    getrlimit(RLIMIT_STACK, &rl);
    prlimit(0, RLIMIT_NOFILE, NULL, &rl);
    setrlimit(RLIMIT_CORE, &(struct rlimit){0, 0});
    struct utsname u;
    uname(&u);
    char rnd[8];
    getrandom(rnd, 0, GRND_NONBLOCK);
    /* Signals. */
    struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = SA_RESTART | SA_SIGINFO};
    sigaction(SIGUSR1, &sa, NULL);
    struct sigaction old;
    sigaction(SIGUSR1, NULL, &old);
    sigset_t set, oldset;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, &oldset);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    stack_t ss = {.ss_sp = altstack, .ss_size = 65536}, oss;
    sigaltstack(&ss, &oss);
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, NULL);
    kill(getpid(), 0);
    syscall(SYS_tgkill, getpid(), gettid(), 0);
    /* Scheduling, capabilities, interval timers. */
    struct sched_param sp;
    sched_getparam(0, &sp);
    sched_setparam(0, &sp);
    sched_setscheduler(0, SCHED_OTHER, &sp);
    struct sched_attr_v1 attr;
    syscall(SYS_sched_getattr, 0, &attr, sizeof attr, 0);
    attr.sched_flags = 0x1; /* SCHED_FLAG_RESET_ON_FORK */
    syscall(SYS_sched_setattr, 0, &attr, 0);
    struct __user_cap_header_struct cap_header = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct caps[2];
    syscall(SYS_capget, &cap_header, caps);
    syscall(SYS_capset, &cap_header, caps);
    cap_header.version = 0;
    syscall(SYS_capget, &cap_header, NULL);
    struct itimerval it = {{0, 0}, {0, 0}}, old_it;
    setitimer(ITIMER_REAL, &it, &old_it);
    getitimer(ITIMER_PROF, &old_it);
    /* Waits. */
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    pid_t c = fork();
    if (c == 0) _exit(7);
    siginfo_t si;
    waitid(P_PID, c, &si, WEXITED | WNOWAIT);
    int status;
    wait4(c, &status, 0, NULL);
    wait4(-1, &status, WNOHANG, NULL);
    return 0;
}
