// Text and binary data, paths plain and non-ASCII, and a signal: for -x, -xx and -i.
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static void on_usr1(int sig) { (void)sig; }

int main(void) {
    syscall(SYS_write, 1, "plain text\twith tab\n", 20);
    syscall(SYS_write, 1, "bin\x01\x02\xff\x80" "7x", 9);
    syscall(SYS_write, 1, "nul\0tail", 8);
    syscall(SYS_openat, AT_FDCWD, "/nonexistent/lstar-trace-test", O_RDONLY);
    syscall(SYS_openat, AT_FDCWD, "/nonexistent/caf\xc3\xa9", O_RDONLY);
    syscall(SYS_write, 1, "a long line of text that goes past the -s limit\n", 48);
    syscall(SYS_write, 1, "a long line of text that goes past the -s limit\xff\n", 49);
    // A path that runs into an unmapped page before its NUL: shown as its address.
    char *page = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(page + 4096, 4096);
    memset(page, 'a', 4096);
    syscall(SYS_openat, AT_FDCWD, page + 4096 - 8, O_RDONLY);
    signal(SIGUSR1, on_usr1);
    raise(SIGUSR1);  // not through syscall(): its ip is not the calls' ip
    return 0;
}
