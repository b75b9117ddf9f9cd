// A program that traces its child (PTRACE_TRACEME, then a stop): the parent
// resumes each stop, passing the signal on, until the child exits.
#include "common.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

int main(void) {
    pid_t child = fork();
    if (child == 0) {
        if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0) {
            say("traceme: %s\n", strerrorname_np(errno));
            _exit(1);
        }
        raise(SIGSTOP);
        say("child runs traced\n");
        _exit(3);
    }
    int st, stops = 0;
    while (waitpid(child, &st, 0) == child && WIFSTOPPED(st)) {
        int sig = WSTOPSIG(st);
        if (sig == SIGSTOP && stops++ == 0) say("child stopped\n");
        ptrace(PTRACE_CONT, child, NULL, (void*)(long)(sig == SIGSTOP ? 0 : sig));
    }
    say("child exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return 0;
}
