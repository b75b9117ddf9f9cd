// A program that traces its child, as debuggers and tracers do.
//   inproc_tracer          the child asks (PTRACE_TRACEME, then a stop); the parent
//                          resumes each stop, passing the signal on, until the child exits
//   inproc_tracer seize    the child stops itself; the parent seizes it, lets it go on
//                          and stops it at each of its calls (PTRACE_SYSCALL), counting
//                          the stops of its three getpid calls
#include "common.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>

static int traceme(void) {
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

static int seize(void) {
    pid_t child = fork();
    if (child == 0) {
        raise(SIGSTOP);
        for (int i = 0; i < 3; ++i) syscall(SYS_getpid);
        _exit(3);
    }
    int st;
    if (waitpid(child, &st, WUNTRACED) != child || !WIFSTOPPED(st)) return 1;
    say("child stopped\n");
    if (ptrace(PTRACE_SEIZE, child, NULL, (void*)PTRACE_O_TRACESYSGOOD) != 0) {
        say("seize: %s\n", strerrorname_np(errno));
        kill(child, SIGKILL);
        return 1;
    }
    kill(child, SIGCONT);
    int getpid_stops = 0;
    while (waitpid(child, &st, 0) == child && WIFSTOPPED(st)) {
        int sig = WSTOPSIG(st);
        if (sig == (SIGTRAP | 0x80)) {
            struct user_regs_struct regs;
            ptrace(PTRACE_GETREGS, child, NULL, &regs);
            if (regs.orig_rax == SYS_getpid) ++getpid_stops;
            sig = 0;
        } else if (sig == SIGCONT || (st >> 16) == PTRACE_EVENT_STOP) {
            sig = 0;
        }
        ptrace(PTRACE_SYSCALL, child, NULL, (void*)(long)sig);
    }
    say("getpid stops %d\n", getpid_stops);
    say("child exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return 0;
}

int main(int argc, char** argv) {
    return argc > 1 && strcmp(argv[1], "seize") == 0 ? seize() : traceme();
}
