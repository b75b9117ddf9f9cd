// A process in a new pid namespace (pid 1 there) starts one child (pid 2) and
// names it and itself by those ids: --decode-pids=pidns shows what they are
// outside. Exits 77 when it may not make a pid namespace (no CAP_SYS_ADMIN).
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    if (unshare(CLONE_NEWPID) != 0) return 77;
    pid_t init = fork();
    if (init == 0) {
        int ready[2];
        if (pipe(ready) != 0) _exit(1);
        pid_t child = fork();
        if (child == 0) {
            syscall(SYS_getppid);  // 1, the namespace's init
            syscall(SYS_gettid);
            write(ready[1], "", 1);
            pause();
            _exit(0);
        }
        syscall(SYS_getpid);
        char c;
        read(ready[0], &c, 1);  // the child's calls are made before it is killed
        syscall(SYS_kill, child, 0);
        syscall(SYS_kill, child, SIGTERM);
        int status;
        syscall(SYS_wait4, child, &status, 0, 0);
        _exit(0);
    }
    int status;
    waitpid(init, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
