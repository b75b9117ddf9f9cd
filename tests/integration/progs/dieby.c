/* Dies the way argv[1] says: segv, term, abrt, kill, or "child-segv" (a child
 * dies by SIGSEGV, the parent exits 0), "exit N". segv, term, abrt and kill
 * take a number of getppid() calls to make first (argv[2]). */
#include "common.h"
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static void crash(void) {
    volatile int* p = (volatile int*)8;
    *p = 1;
}

int main(int argc, char** argv) {
    const char* how = argc > 1 ? argv[1] : "segv";
    say("dying by %s\n", how);
    if (strcmp(how, "exit") != 0 && argc > 2)
        for (long n = atol(argv[2]); n > 0; --n) syscall(SYS_getppid);
    if (strcmp(how, "segv") == 0) crash();
    if (strcmp(how, "term") == 0) kill(getpid(), SIGTERM);
    if (strcmp(how, "abrt") == 0) abort();
    if (strcmp(how, "kill") == 0) kill(getpid(), SIGKILL);
    if (strcmp(how, "child-segv") == 0) {
        pid_t pid = fork();
        if (pid == 0) crash();
        int status;
        waitpid(pid, &status, 0);
        say("child killed by %d\n", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
        return 0;
    }
    if (strcmp(how, "exit") == 0) return argc > 2 ? atoi(argv[2]) : 0;
    pause();
    return 99;
}
