// The program's own seccomp: strict mode through prctl and through seccomp()
// (read, write and exit run; anything else kills with SIGKILL), and a filter
// of its own (an errno for getppid, a trap with its data for getuid, whose
// SIGSYS handler answers the call). Each in a child; the parent prints how
// each ended. Compared with a native run's output.
#include "common.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>

static void show_end(const char* what, pid_t pid) {
    int st;
    waitpid(pid, &st, 0);
    if (WIFEXITED(st)) say("%s: exited %d\n", what, WEXITSTATUS(st));
    else say("%s: killed by %d\n", what, WIFSIGNALED(st) ? WTERMSIG(st) : -1);
}

static void strict(int use_seccomp, int then_getpid) {
    long rc = use_seccomp ? syscall(SYS_seccomp, SECCOMP_SET_MODE_STRICT, 0, NULL)
                          : prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0);
    if (rc != 0) {
        say("strict mode refused: %s\n", strerrorname_np(errno));
        _exit(1);
    }
    static const char line[] = "in strict mode\n";
    syscall(SYS_write, 1, line, sizeof line - 1);
    if (then_getpid) syscall(SYS_getpid);
    syscall(SYS_exit, 5);
}

static void on_sigsys(int sig, siginfo_t* info, void* ctx) {
    ucontext_t* uc = ctx;
    say("SIGSYS %d: code %d data %d call %d arch ok %d\n", sig, info->si_code, info->si_errno, info->si_syscall,
        info->si_arch == AUDIT_ARCH_X86_64);
    uc->uc_mcontext.gregs[REG_RAX] = 4242;
}

static void own_filter(void) {
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getuid, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP | 123),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {sizeof code / sizeof code[0], code};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSYS, &sa, NULL);
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    say("filter: %ld\n", syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog));
    say("mode: %d\n", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
    long ppid = syscall(SYS_getppid);
    say("getppid: %ld %s\n", ppid, ppid < 0 ? strerrorname_np(errno) : "");
    say("getuid: %ld\n", syscall(SYS_getuid));
    _exit(0);
}

int main(void) {
    pid_t pid;
    if ((pid = fork()) == 0) strict(0, 0);
    show_end("strict through prctl", pid);
    if ((pid = fork()) == 0) strict(1, 0);
    show_end("strict through seccomp", pid);
    if ((pid = fork()) == 0) strict(0, 1);
    show_end("strict, then getpid", pid);
    if ((pid = fork()) == 0) own_filter();
    show_end("own filter", pid);
    return 0;
}
