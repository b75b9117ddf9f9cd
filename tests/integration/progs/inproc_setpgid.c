// setpgid() on a child before and after it has exec'd: the kernel refuses the
// second with EACCES. The child is made by fork (then exec, or no exec) and by
// posix_spawn (vfork and exec); the parent knows the exec has happened when a
// close-on-exec pipe's write end closes.
//   inproc_setpgid              the three cases
//   inproc_setpgid wait FD      (the exec'd child) waits until FD reads end of file
#include "common.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>

extern char** environ;

static void try_setpgid(const char* what, pid_t child, int hold_write) {
    int rc = setpgid(child, child);
    say("%s: setpgid %s\n", what, rc == 0 ? "0" : strerrorname_np(errno));
    close(hold_write);  // the child may end
    int st;
    waitpid(child, &st, 0);
}

int main(int argc, char** argv) {
    if (argc == 3 && strcmp(argv[1], "wait") == 0) {
        char c;
        while (read(atoi(argv[2]), &c, 1) > 0) {}
        return 0;
    }
    for (int exec_it = 0; exec_it < 2; ++exec_it) {
        int hold[2], execd[2];
        if (pipe(hold) != 0 || pipe2(execd, O_CLOEXEC) != 0) return 1;
        pid_t child = fork();
        if (child == 0) {
            close(hold[1]);
            close(execd[0]);
            char fd[16];
            snprintf(fd, sizeof fd, "%d", hold[0]);
            if (exec_it) execl(argv[0], argv[0], "wait", fd, (char*)NULL);
            else close(execd[1]);
            char c;
            while (read(hold[0], &c, 1) > 0) {}
            _exit(0);
        }
        close(hold[0]);
        close(execd[1]);
        char c;
        while (read(execd[0], &c, 1) > 0) {}  // end of file: exec'd, or told so
        close(execd[0]);
        try_setpgid(exec_it ? "fork, exec" : "fork", child, hold[1]);
    }
    int hold[2];
    if (pipe(hold) != 0) return 1;
    char fd[16];
    snprintf(fd, sizeof fd, "%d", hold[0]);
    char* spawn_argv[] = {argv[0], (char*)"wait", fd, NULL};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addclose(&actions, hold[1]);
    pid_t child;
    if (posix_spawn(&child, argv[0], &actions, NULL, spawn_argv, environ) != 0) return 1;
    close(hold[0]);
    try_setpgid("posix_spawn", child, hold[1]);  // posix_spawn returns after the exec
    return 0;
}
