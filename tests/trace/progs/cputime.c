// For -c's time column: sleeps that cost no CPU, reads that cost system CPU.
// clock_nanosleep x3 (100 ms each), then read x16 of 16 MiB from /dev/zero
// (the kernel clears the buffer: system CPU time), then exits 0.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(void) {
    for (int i = 0; i < 3; ++i) {
        struct timespec ts = {0, 100000000};
        syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &ts, NULL);
    }
    size_t size = 16u << 20;
    char* buf = malloc(size);
    memset(buf, 1, size);  // fault the pages in now, not inside the reads
    int fd = open("/dev/zero", O_RDONLY);
    for (int i = 0; i < 16; ++i) syscall(SYS_read, fd, buf, size);
    return 0;
}
