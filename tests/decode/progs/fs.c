/* File-system calls by name and descriptor. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include "marker.h"

int main(void) {
    BEGIN();
    char dir[64];
    snprintf(dir, sizeof dir, "/tmp/lstar-decode-fs-%d", getpid());
    if (mkdir(dir, 0700)) return 1;
    if (chdir(dir)) return 1;
    char cwd[256];
    (void)!getcwd(cwd, sizeof cwd);
    int fd = open("a", O_RDWR | O_CREAT | O_EXCL, 0600);
    (void)!pwrite(fd, "0123456789", 10, 0);
    char buf[16];
    (void)!pread(fd, buf, 4, 3);
    lseek(fd, 0, SEEK_END);
    lseek(fd, -2, SEEK_CUR);
    struct iovec iov[2] = {{buf, 3}, {buf + 3, 5}};
    lseek(fd, 0, SEEK_SET);
    (void)!readv(fd, iov, 2);
    fsync(fd);
    fdatasync(fd);
    (void)!ftruncate(fd, 4);
    (void)!truncate("a", 2);
    struct stat st;
    fstatat(AT_FDCWD, "a", &st, 0);
    fstatat(fd, "", &st, AT_EMPTY_PATH);
    fstatat(AT_FDCWD, "nonexistent", &st, AT_SYMLINK_NOFOLLOW);
    struct statx sx;
    statx(AT_FDCWD, "a", AT_STATX_SYNC_AS_STAT, STATX_BASIC_STATS, &sx);
    (void)!symlink("a", "l");
    (void)!readlink("l", buf, sizeof buf);
    (void)!readlinkat(AT_FDCWD, "l", buf, 1);
    access("a", F_OK);
    syscall(SYS_faccessat2, AT_FDCWD, "a", R_OK, AT_EACCESS);
    faccessat(AT_FDCWD, "nonexistent", X_OK, 0);
    renameat2(AT_FDCWD, "a", AT_FDCWD, "b", RENAME_NOREPLACE);
    rename("b", "c");
    mkdirat(AT_FDCWD, "d", 0755);
    (void)!chdir("d");
    (void)!chdir("..");
    unlinkat(AT_FDCWD, "d", AT_REMOVEDIR);
    unlink("l");
    unlink("c");
    close(fd);
    void* p = mmap(NULL, 16384, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p = mremap(p, 16384, 32768, MREMAP_MAYMOVE);
    madvise(p, 4096, MADV_WILLNEED);
    mprotect(p, 4096, PROT_READ | PROT_EXEC);
    munmap(p, 32768);
    (void)!chdir("/");
    rmdir(dir);
    return 0;
}
