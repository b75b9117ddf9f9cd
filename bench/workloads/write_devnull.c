/* Micro workload: N 64-byte write(2)s to /dev/null (argv[1], default 100000).
 * Each call has a buffer argument that a full decoder reads from the tracee. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 100000;
    char buf[64];
    memset(buf, 'x', sizeof buf);
    memcpy(buf, "lstar bench: 64 bytes to /dev/null\n", 36);
    int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (fd < 0) { perror("write_devnull: /dev/null"); return 1; }
    for (long i = 0; i < n; ++i) {
        if (syscall(SYS_write, fd, buf, sizeof buf) != (long)sizeof buf) {
            perror("write_devnull: write");
            return 1;
        }
    }
    return close(fd) == 0 ? 0 : 1;
}
