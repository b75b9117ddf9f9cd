// Attempts on a counted call rule (a [[rule]] with a limit of 3 getppid calls, or
// of 1 AF_INET socket): more calls than the limit from one thread, from racing
// threads, from two processes, and through int $0x80. Prints how many calls got
// through; the test checks that the total never exceeds the limit.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int calls_through(int n) {
    int ok = 0;
    for (int i = 0; i < n; ++i) ok += syscall(SYS_getppid) >= 0;
    return ok;
}

static void* racing(void* arg) {
    (void)arg;
    return (void*)(long)calls_through(10);
}

int main(int argc, char** argv) {
    const char* mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "sequence")) {
        // Each call's answer, in order.
        for (int i = 0; i < 5; ++i) {
            long r = syscall(SYS_getppid);
            printf("%s%s", i ? " " : "", r >= 0 ? "ok" : strerror(errno));
        }
        printf("\n");
        return 0;
    }
    if (!strcmp(mode, "threads")) {
        pthread_t t[4];
        for (int i = 0; i < 4; ++i) pthread_create(&t[i], NULL, racing, NULL);
        long total = 0;
        for (int i = 0; i < 4; ++i) {
            void* ok;
            pthread_join(t[i], &ok);
            total += (long)ok;
        }
        printf("%ld\n", total);
        return 0;
    }
    if (!strcmp(mode, "processes")) {
        int pipefd[2];
        if (pipe(pipefd)) return 2;
        pid_t child = fork();
        if (child == 0) {
            int ok = calls_through(10);
            if (write(pipefd[1], &ok, sizeof ok) != sizeof ok) _exit(2);
            _exit(0);
        }
        int mine = calls_through(10), theirs = 0;
        waitpid(child, NULL, 0);
        if (read(pipefd[0], &theirs, sizeof theirs) != sizeof theirs) return 2;
        printf("%d\n", mine + theirs);
        return 0;
    }
    if (!strcmp(mode, "int80")) {
        // Half through the 64-bit ABI, half through the i386 one (getppid is 64 there).
        int ok = 0;
        for (int i = 0; i < 5; ++i) {
            ok += syscall(SYS_getppid) >= 0;
            long r;
            __asm__ volatile("int $0x80" : "=a"(r) : "a"(64L) : "memory");
            ok += r >= 0;
        }
        printf("%d\n", ok);
        return 0;
    }
    if (!strcmp(mode, "sockets")) {
        // Only AF_INET is counted.
        int families[] = {AF_INET, AF_UNIX, AF_INET, AF_INET6};
        for (int i = 0; i < 4; ++i) {
            int fd = socket(families[i], SOCK_STREAM, 0);
            printf("%s%s", i ? " " : "", fd >= 0 ? "ok" : strerror(errno));
            if (fd >= 0) close(fd);
        }
        printf("\n");
        return 0;
    }
    fprintf(stderr, "usage: counted sequence|threads|processes|int80|sockets\n");
    return 2;
}
