/* statfs and fstatfs: a file system whose numbers do not change while the test
   runs (/proc), a failed call (its buffer shown as an address), an unreadable buffer. */
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>
#include "marker.h"

int main(void) {
    struct statfs s;
    int fd = open("/proc", O_RDONLY | O_DIRECTORY);
    BEGIN();
    statfs("/proc", &s);
    fstatfs(fd, &s);
    statfs("/nonexistent/lstar-statfs", &s);
    fstatfs(-1, &s);
    syscall(SYS_statfs, "/proc", (void*)8);
    statfs("/sys/fs/cgroup", &s);
    return 0;
}
