/* A 32-bit static program (built -m32 -static): every call goes through the
 * i386 ABI (int $0x80 or the vDSO's sysenter). It calls getpid 4 times, uname
 * once, opens /dev/null once; then prints the pid, the node name and the machine.
 * With "fork", a child calls getpid once more and exits 3; with "exec PROG ARGS...",
 * it then execs PROG (a 32-bit program that starts a 64-bit one). */
#include "common.h"
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>

int main(int argc, char** argv) {
    long pid = 0;
    for (int i = 0; i < 3; ++i) pid = syscall(SYS_getpid);
    struct utsname u;
    if (uname(&u) != 0) { say("uname: %s\n", strerror(errno)); return 1; }
    int fd = open("/dev/null", O_RDONLY);
    long again = getpid();
    say("pid %s\n", pid == 4242 ? "4242" : pid == again ? "ok" : "wrong");
    say("nodename %s\n", u.nodename);
    say("open %s\n", fd >= 0 ? "ok" : strerrorname_np(errno));
    say("sizeof(long) %d\n", (int)sizeof(long));
    if (argc > 1 && strcmp(argv[1], "fork") == 0) {
        /* A child calls getpid once (i386 table too) and exits 3. */
        pid_t child = fork();
        if (child == 0) { syscall(SYS_getpid); _exit(3); }
        int status;
        waitpid(child, &status, 0);
        say("child %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
    if (argc > 2 && strcmp(argv[1], "exec") == 0) {
        execv(argv[2], argv + 2);
        say("execv failed: %s\n", strerrorname_np(errno));
        return 127;
    }
    return 0;
}
