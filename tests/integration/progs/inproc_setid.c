// Set-uid and set-gid programs: the ids and AT_SECURE an exec gives, plainly,
// under no_new_privs, and after dropping to another user first.
//   inproc_setid show                   print the real, effective, saved ids and AT_SECURE
//   inproc_setid run SETID_COPY         exec it as we are
//   inproc_setid nnp SETID_COPY         prctl(PR_SET_NO_NEW_PRIVS), then exec it
//   inproc_setid drop UID SETID_COPY    become UID (and its group), no_new_privs, exec it
// SETID_COPY is a set-uid/set-gid copy of this program owned by someone else.
#include "common.h"

#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/wait.h>

static void show(void) {
    uid_t r, e, s;
    gid_t rg, eg, sg;
    getresuid(&r, &e, &s);
    getresgid(&rg, &eg, &sg);
    say("uid %d %d %d gid %d %d %d secure %lu\n", (int)r, (int)e, (int)s, (int)rg, (int)eg, (int)sg,
        getauxval(AT_SECURE));
}

int main(int argc, char** argv) {
    if (argc == 2 && strcmp(argv[1], "show") == 0) {
        show();
        return 0;
    }
    if (argc < 3) return 2;
    const char* copy = argv[argc - 1];
    pid_t pid = fork();
    if (pid == 0) {
        if (strcmp(argv[1], "drop") == 0) {
            int uid = atoi(argv[2]);
            if (setgid(uid) != 0 || setuid(uid) != 0) _exit(124);
        }
        if (strcmp(argv[1], "run") != 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(125);
        execl(copy, copy, "show", (char*)NULL);
        say("exec: %s\n", strerrorname_np(errno));
        _exit(126);
    }
    int st;
    waitpid(pid, &st, 0);
    say("%s: exited %d\n", argv[1], WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return 0;
}
