// Descriptors of several kinds for -y/-yy/-e decode-fds=: a character device, a
// regular file, a pidfd, and process ids for -Y (its own, its parent's, a child's).
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    char c;
    int dev = open("/dev/null", O_RDONLY);
    read(dev, &c, 1);
    int file = open("/proc/self/exe", O_RDONLY);
    read(file, &c, 1);
    int pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
    syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0);
    close(pidfd);
    close(file);
    close(dev);
    syscall(SYS_kill, getpid(), 0);
    pid_t child = fork();
    if (child == 0) _exit(0);
    waitpid(child, NULL, 0);
    return 0;
}
