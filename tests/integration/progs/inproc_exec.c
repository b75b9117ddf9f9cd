/* execve(argv[1], argv + 1) and report how it failed: "execve failed: ENOEXEC".
 * (When it succeeds the program exec'd prints whatever it prints.) */
#include "common.h"

int main(int argc, char** argv) {
    if (argc < 2) return 2;
    extern char** environ;
    execve(argv[1], argv + 1, environ);
    say("execve failed: %s\n", strerrorname_np(errno));
    return 1;
}
