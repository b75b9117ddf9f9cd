/* Micro workload: N openat(2)+close(2) pairs of one file (argv[1] pairs, default
 * 50000 = 10^5 calls; argv[2] the file, default this program itself).
 * Each openat has a path argument that a decoder reads from the tracee. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 50000;
    const char *path = argc > 2 ? argv[2] : argv[0];
    for (long i = 0; i < n; ++i) {
        long fd = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) { perror(path); return 1; }
        if (syscall(SYS_close, fd) != 0) { perror("openat_close: close"); return 1; }
    }
    return 0;
}
