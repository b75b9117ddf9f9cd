// Three children one after the other, each making its own calls and exiting
// with its index; the parent waits for each. Deterministic per process.
#define _GNU_SOURCE
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    for (int i = 1; i <= 3; ++i) {
        pid_t pid = fork();
        if (pid == 0) {
            syscall(SYS_getppid);
            syscall(SYS_close, -1 - i);
            _exit(i);
        }
        int status;
        waitpid(pid, &status, 0);
    }
    syscall(SYS_getpid);
    return 0;
}
