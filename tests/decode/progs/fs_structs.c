/* Struct printers that were addresses once: getdents's linux_dirent (counted),
   mount_setattr's mount_attr (a refused call shows it too), futex_waitv's
   waiters. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/mount.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "marker.h"

int main(void) {
    char buf[512];
    int fd = open("/", O_RDONLY | O_DIRECTORY);
    struct mount_attr ma = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID, .attr_clr = MOUNT_ATTR_NODEV,
                            .propagation = MS_PRIVATE, .userns_fd = 0};
    struct mount_attr none = {0};
    struct futex_waitv wv = {.val = 1, .uaddr = 0, .flags = FUTEX_32};
    BEGIN();
    syscall(SYS_getdents, fd, buf, 64);
    syscall(SYS_getdents, fd, (void*)8, 64);
    syscall(SYS_mount_setattr, -1, "", AT_EMPTY_PATH, &ma, sizeof ma);
    syscall(SYS_mount_setattr, -1, "", AT_EMPTY_PATH, &none, sizeof none);
    syscall(SYS_mount_setattr, -1, "", AT_EMPTY_PATH, &ma, 8);
    syscall(SYS_futex_waitv, &wv, 1, 0, NULL, 0);
    syscall(SYS_futex_waitv, (void*)8, 1, 0, NULL, 0);
    return 0;
}
