/* In-process backend: posix_spawn and vfork. Each line of stdout says how one
 * child ended, or the error its start returned:
 *   "spawn echo: exited 0", "spawn false: exited 1", "spawn missing: ENOENT",
 *   "spawnp missing: ENOENT", "vfork exec: exited 7", "vfork exit: exited 9",
 *   "vfork exec missing: exited 127" */
#include "common.h"
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>

extern char** environ;

static void report(const char* what, pid_t pid) {
    int status;
    if (waitpid(pid, &status, 0) != pid) { say("%s: waitpid: %s\n", what, strerrorname_np(errno)); return; }
    if (WIFEXITED(status)) say("%s: exited %d\n", what, WEXITSTATUS(status));
    else if (WIFSIGNALED(status)) say("%s: killed by %d\n", what, WTERMSIG(status));
}

static void spawn(const char* what, const char* path, char* const argv[], int use_path) {
    pid_t pid;
    int rc = use_path ? posix_spawnp(&pid, path, NULL, NULL, argv, environ)
                      : posix_spawn(&pid, path, NULL, NULL, argv, environ);
    if (rc != 0) { say("%s: %s\n", what, strerrorname_np(rc)); return; }
    report(what, pid);
}

int main(int argc, char** argv) {
    if (argc > 2 && strcmp(argv[1], "exit") == 0) return atoi(argv[2]);
    char* echo[] = {"/bin/echo", "spawned echo", NULL};
    spawn("spawn echo", "/bin/echo", echo, 0);
    char* f[] = {"false", NULL};
    spawn("spawn false", "false", f, 1);
    char* missing[] = {"/nonexistent/inproc-missing", NULL};
    spawn("spawn missing", "/nonexistent/inproc-missing", missing, 0);
    char* missingp[] = {"inproc-missing-program", NULL};
    spawn("spawnp missing", "inproc-missing-program", missingp, 1);

    pid_t pid = vfork();
    if (pid == 0) {
        char* args[] = {argv[0], "exit", "7", NULL};
        execv(argv[0], args);
        _exit(127);
    }
    report("vfork exec", pid);
    pid = vfork();
    if (pid == 0) _exit(9);
    report("vfork exit", pid);
    pid = vfork();
    if (pid == 0) {
        char* args[] = {"/nonexistent/inproc-missing", NULL};
        execv(args[0], args);
        _exit(127);
    }
    report("vfork exec missing", pid);
    return 0;
}
