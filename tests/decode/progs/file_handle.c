/* name_to_handle_at's and open_by_handle_at's struct file_handle: a handle filled
 * (the size given, then the one the kernel answered), one too small (EOVERFLOW:
 * the size it asks for), an unreadable one, and the handle opened again. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "marker.h"

int main(void) {
    struct file_handle *h = malloc(sizeof *h + 128);
    struct file_handle small = {0};
    int mount_id = 0;
    h->handle_bytes = 128;
    int dir = open("/", O_RDONLY | O_DIRECTORY);
    BEGIN();
    syscall(SYS_name_to_handle_at, AT_FDCWD, "/etc/passwd", h, &mount_id, 0);
    syscall(SYS_name_to_handle_at, AT_FDCWD, "/etc/passwd", &small, &mount_id, 0);
    syscall(SYS_name_to_handle_at, AT_FDCWD, "/etc/passwd", (void *)8, &mount_id, 0);
    syscall(SYS_open_by_handle_at, dir, h, O_RDONLY | O_CLOEXEC);
    syscall(SYS_open_by_handle_at, dir, (void *)8, O_RDONLY);
    return 0;
}
