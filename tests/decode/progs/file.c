#define _GNU_SOURCE
/* File and descriptor calls. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include "marker.h"

int main(void) {
    BEGIN();
    char dir[64];
    snprintf(dir, sizeof dir, "/tmp/lstar-decode-%d", getpid());
    if (mkdir(dir, 0700)) return 1;
    if (chdir(dir)) return 1;
    int fd = openat(AT_FDCWD, "f.txt", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    (void)!write(fd, "hello\tworld\n\1\2\0033", 16);
    struct iovec iov[2] = {{"ab", 2}, {"cde", 3}};
    (void)!writev(fd, iov, 2);
    close(fd);
    fd = open("f.txt", O_RDONLY);
    char buf[64];
    (void)!read(fd, buf, sizeof buf);
    lseek(fd, 2, SEEK_SET);
    (void)!pread(fd, buf, 4, 1);
    struct stat st;
    fstat(fd, &st);
    fcntl(fd, F_GETFD);
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    fcntl(fd, F_GETFL);
    int fd2 = dup(fd);
    dup2(fd, 9);
    close(fd2);
    close(9);
    close(fd);
    open("/nonexistent/x", O_RDONLY);
    access("f.txt", R_OK | W_OK);
    mkdir("d", 0755);
    rename("f.txt", "d/g.txt");
    unlink("d/g.txt");
    rmdir("d");
    umask(022);
    (void)!chdir("/");
    rmdir(dir);
    int p[2];
    pipe2(p, O_CLOEXEC);
    close(p[0]);
    close(p[1]);
    return 0;
}
