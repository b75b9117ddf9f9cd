// Makes a known set of calls with raw syscall(2), so that the counts are exact:
// getpid x3, openat (fails, ENOENT) x2, close(-1) (fails, EBADF) x1, write x1,
// then exits with status 3.
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
    for (int i = 0; i < 3; ++i) syscall(SYS_getpid);
    for (int i = 0; i < 2; ++i) syscall(SYS_openat, AT_FDCWD, "/nonexistent/lstar-trace-test", O_RDONLY);
    syscall(SYS_close, -1);
    syscall(SYS_write, 1, "hello\n", 6);
    return 3;
}
