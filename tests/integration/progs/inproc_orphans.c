// A tree of processes that would outlive whoever started them: the main
// process (a thread spinning in user space, the main thread waiting in
// waitpid), a child (a thread in pause(), the main thread reading a pipe
// nobody writes), a grandchild forked by the child that spins without a
// single system call, and a child of the child that execs /bin/sleep.
// Each prints "pid N"; the main process prints "ready" once all have started.
// Nothing here ends by itself: the test kills whoever runs it.
#include <pthread.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "common.h"

static volatile unsigned long spins;

static void* spin(void* arg) {
    (void)arg;
    for (;;) ++spins;
    return NULL;
}

static void* sleep_forever(void* arg) {
    (void)arg;
    for (;;) pause();
    return NULL;
}

int main(void) {
    int ready[2], never[2];
    if (pipe(ready) != 0 || pipe(never) != 0) return 1;
    pid_t child = fork();
    if (child == 0) {
        close(ready[0]);
        pid_t grandchild = fork();
        if (grandchild == 0) {
            say("pid %d\n", getpid());
            write(ready[1], "g", 1);
            for (;;) ++spins;  // no system call at all
        }
        pid_t sleeper = vfork();
        if (sleeper == 0) {
            execl("/bin/sleep", "sleep", "1000", (char*)NULL);
            _exit(127);
        }
        say("pid %d\n", sleeper);
        pthread_t t;
        pthread_create(&t, NULL, sleep_forever, NULL);
        say("pid %d\n", getpid());
        write(ready[1], "c", 1);
        char c;
        read(never[0], &c, 1);  // never[1] stays open in every process: waits for good
        _exit(1);
    }
    pthread_t t;
    pthread_create(&t, NULL, spin, NULL);
    say("pid %d\n", getpid());
    char got[2];
    for (int n = 0; n < 2;) {
        ssize_t r = read(ready[0], got, 2 - (size_t)n);
        if (r <= 0) return 1;
        n += (int)r;
    }
    say("ready\n");
    int status;
    waitpid(child, &status, 0);
    return 0;
}
