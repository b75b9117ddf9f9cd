/* fork, vfork (+ execve), clone3 and posix_spawn-style CLONE_VM|CLONE_VFORK children.
 * Each child calls getppid twice and exits with its own status; the parent reports
 * how each ended. stderr: "fork PID", "vfork PID", "clone3 PID", "parent PID". */
#include "common.h"
#include <linux/sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static void report(const char* what, pid_t pid) {
    int status;
    if (waitpid(pid, &status, 0) != pid) { say("%s: waitpid failed: %s\n", what, strerror(errno)); return; }
    if (WIFEXITED(status)) say("%s child exited with %d\n", what, WEXITSTATUS(status));
    else say("%s child status %#x\n", what, status);
}

int main(int argc, char** argv) {
    if (argc > 1 && strcmp(argv[1], "exec-child") == 0) {
        syscall(SYS_getppid);
        syscall(SYS_getppid);
        say("vfork child after exec\n");
        return 4;
    }
    note("parent %ld\n", (long)getpid());

    pid_t pid = fork();
    if (pid == 0) {
        syscall(SYS_getppid);
        syscall(SYS_getppid);
        say("fork child\n");
        _exit(3);
    }
    note("fork %ld\n", (long)pid);
    report("fork", pid);

    pid = vfork();
    if (pid == 0) {
        char* args[] = {argv[0], "exec-child", NULL};
        execv(argv[0], args);
        _exit(127);
    }
    note("vfork %ld\n", (long)pid);
    report("vfork", pid);

    struct clone_args ca;
    memset(&ca, 0, sizeof ca);
    ca.exit_signal = SIGCHLD;
    long r = syscall(SYS_clone3, &ca, sizeof ca);
    if (r == 0) {
        syscall(SYS_getppid);
        syscall(SYS_getppid);
        say("clone3 child\n");
        syscall(SYS_exit_group, 5);
    }
    if (r < 0) { say("clone3: %s\n", strerror(errno)); return 1; }
    note("clone3 %ld\n", r);
    report("clone3", (pid_t)r);
    say("parent done\n");
    return 0;
}
