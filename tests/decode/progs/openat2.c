/* openat2's struct open_how: flags with and without a mode, unknown resolve bits,
   a size too small for the struct, a larger zeroed one, NULL. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "marker.h"

int main(void) {
    struct open_how how = {.flags = O_RDONLY | O_CLOEXEC, .mode = 0, .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH};
    struct open_how create = {.flags = O_CREAT | O_WRONLY, .mode = 0644, .resolve = 0x100};
    char bigger[32];
    memset(bigger, 0, sizeof bigger);
    memcpy(bigger, &create, sizeof create);
    BEGIN();
    syscall(SYS_openat2, AT_FDCWD, "/nonexistent/lstar-openat2", &how, sizeof how);
    syscall(SYS_openat2, AT_FDCWD, "/nonexistent/lstar-openat2", &create, sizeof create);
    syscall(SYS_openat2, AT_FDCWD, "/nonexistent/lstar-openat2", &create, 16);
    syscall(SYS_openat2, AT_FDCWD, "/nonexistent/lstar-openat2", bigger, sizeof bigger);
    syscall(SYS_openat2, AT_FDCWD, "/nonexistent/lstar-openat2", NULL, sizeof how);
    int fd = (int)syscall(SYS_openat2, AT_FDCWD, "/proc/self/exe", &how, sizeof how);
    close(fd);
    return 0;
}
