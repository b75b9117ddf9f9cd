/* Prints what getpid returns (the system call itself, not a cached value) and
 * whether open("/etc/passwd") works. */
#include "common.h"
#include <fcntl.h>
#include <sys/syscall.h>

int main(void) {
    say("getpid %ld\n", syscall(SYS_getpid));
    int fd = open("/etc/passwd", O_RDONLY);
    if (fd < 0) say("open %s\n", strerrorname_np(errno));
    else say("open ok\n");
    return 0;
}
