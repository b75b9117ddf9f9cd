// The run the pictures' tests draw (tests/trace/pictures_test.cpp): a thread,
// a child that exits with 3, a handled signal, a failed open, a file written
// and read back, an execve of itself. pictures FILE: FILE is the file written.
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_usr1(int sig) { (void)sig; }

static void* worker(void* arg) {
    (void)arg;
    for (int i = 0; i < 5; ++i) syscall(SYS_getppid);
    return 0;
}

int main(int argc, char** argv) {
    if (argc > 2) return 0;  // the image after the execve
    if (argc < 2) return 2;
    pthread_t t;
    pthread_create(&t, 0, worker, 0);
    pthread_join(t, 0);
    open("/nonexistent/lstar-pictures", O_RDONLY);
    int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    write(fd, "hello\n", 6);
    close(fd);
    char buf[64];
    fd = open(argv[1], O_RDONLY);
    read(fd, buf, sizeof buf);
    close(fd);
    signal(SIGUSR1, on_usr1);
    kill(getpid(), SIGUSR1);
    pid_t pid = fork();
    if (pid == 0) _exit(3);
    int status;
    waitpid(pid, &status, 0);
    execl(argv[0], argv[0], argv[1], "again", (char*)0);  // run by its full path
    return 1;
}
