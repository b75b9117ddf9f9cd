/* Micro workload: N getppid(2) calls (argv[1], default 100000), nothing else.
 * The cheapest system call there is: under a tracer its time is almost all stop cost. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 100000;
    long parent = syscall(SYS_getppid);
    for (long i = 0; i < n; ++i) {
        if (syscall(SYS_getppid) != parent) { /* raw syscall: glibc must not cache */
            fprintf(stderr, "getppid_loop: parent changed\n");
            return 1;
        }
    }
    return 0;
}
