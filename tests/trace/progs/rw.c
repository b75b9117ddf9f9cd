// Data through a pipe and to stdout, for -e read= / -e write= hex dumps.
#define _GNU_SOURCE
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
    int fds[2];
    if (pipe(fds)) return 1;
    static const char msg[] = "0123456789abcdef0123456789abcdef\x01\x02\n";
    syscall(SYS_write, fds[1], msg, sizeof msg - 1);
    char buf[64];
    long n = syscall(SYS_read, fds[0], buf, sizeof buf);
    syscall(SYS_write, 1, "hello\n", 6);
    return n == sizeof msg - 1 ? 0 : 1;
}
