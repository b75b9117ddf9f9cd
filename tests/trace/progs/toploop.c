// lstar top's test program: forever, 500 getppid (never fails), 20 openat of a
// name that is not there (ENOENT), and a 50 ms nanosleep (the call it is in most
// of the time). Each call made directly, so that libc picks no other.
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(void) {
    for (;;) {
        for (int i = 0; i < 500; ++i) syscall(SYS_getppid);
        for (int i = 0; i < 20; ++i) syscall(SYS_openat, AT_FDCWD, "/nonexistent-lstar-top", O_RDONLY);
        struct timespec ts = {0, 50 * 1000 * 1000};
        syscall(SYS_nanosleep, &ts, NULL);
    }
}
