/* stat, fstat, newfstatat/fstatat64 and statx of a file with fixed mode, size and
   times, traced with -v (the golden test masks st_ino, st_dev and the change time).
   statv_m32.c builds this for i386 (stat64, fstatat64). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "marker.h"

int main(void) {
#ifdef __i386__
    const char* path = "statv_m32.tmp";  /* the two programs' tests may run at once */
#else
    const char* path = "statv.tmp";
#endif
    struct stat st;
    struct statx stx;
    struct timespec times[2] = {{1000000000, 123}, {1000000001, 0}};
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
    fchmod(fd, 0640);
    (void)!write(fd, "hello", 5);
    futimens(fd, times);
    BEGIN();
    fstat(fd, &st);
    stat(path, &st);
    fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW);
    statx(AT_FDCWD, path, 0, STATX_BASIC_STATS, &stx);
    stat("/dev/null", &st);
#ifdef __i386__
    /* glibc uses statx; the i386 layouts directly: struct stat64 and struct stat. */
    unsigned char raw[96];
    syscall(SYS_stat64, path, raw);
    syscall(SYS_fstat64, fd, raw);
    syscall(SYS_fstatat64, AT_FDCWD, path, raw, 0);
    syscall(SYS_stat, path, raw);
    syscall(SYS_fstat, fd, raw);
    syscall(SYS_stat64, "/dev/null", raw);
#endif
    close(fd);
    unlink(path);
    return 0;
}
