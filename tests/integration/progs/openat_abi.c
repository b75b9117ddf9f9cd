/* openat calls from a parent (x86_64 openat and i386 openat via int $0x80: 295),
 * a child (2 openat) and a grandchild (1 openat): 5 in all, 2 in the parent.
 * Each prints whether its openat worked: a child must not see ENOSYS when lstar
 * follows it only for the prefilter. With the argument "no-int80" the parent makes
 * no i386 call (machines where int $0x80 from a 64-bit program is SIGSEGV): 4 in all. */
#include "common.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>

static void check(const char* who, long fd) {
    if (fd < 0) say("%s openat failed: %s\n", who, strerrorname_np((int)-fd));
    else { say("%s openat ok\n", who); close((int)fd); }
}

static long sys_openat(const char* path) {
    long fd = openat(AT_FDCWD, path, O_RDONLY);
    return fd < 0 ? -errno : fd;
}

int main(int argc, char** argv) {
    int int80 = !(argc > 1 && strcmp(argv[1], "no-int80") == 0);
    char* low = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    if (low == MAP_FAILED) { say("mmap failed\n"); return 1; }
    strcpy(low, "/dev/null");
    check("parent", sys_openat("/dev/null"));
    if (int80) {
        long ret;
        __asm__ volatile("int $0x80" : "=a"(ret) : "a"(295), "b"(-100 /* AT_FDCWD */), "c"((long)low), "d"(O_RDONLY) : "memory");
        check("parent-i386", ret);
    }

    pid_t pid = fork();
    if (pid == 0) {
        check("child", sys_openat("/dev/null"));
        pid_t g = fork();
        if (g == 0) {
            check("grandchild", sys_openat("/dev/zero"));
            _exit(0);
        }
        waitpid(g, NULL, 0);
        check("child", sys_openat("/dev/zero"));
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    say("done\n");
    return 0;
}
