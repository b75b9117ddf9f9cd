/* execve from a non-leader thread of a multi-threaded process. The execing thread
 * takes over the leader's id: after exec, getpid() == gettid() == the old pid.
 * stderr: "leader PID", "execer TID"; after exec the new image calls getppid 7
 * times and prints "exec ok" (or what went wrong). */
#include "common.h"
#include <pthread.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>

static char* self;

static void* execer(void* arg) {
    (void)arg;
    char pid[32];
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    note("execer %ld\n", (long)gettid());
    char* args[] = {self, "after", pid, NULL};
    execv(self, args);
    say("execv: %s\n", strerror(errno));
    exit(1);
}

int main(int argc, char** argv) {
    if (argc > 2 && strcmp(argv[1], "after") == 0) {
        long before = atol(argv[2]);
        for (int k = 0; k < 7; ++k) syscall(SYS_getppid);
        if (getpid() != before) say("pid changed: %ld -> %ld\n", before, (long)getpid());
        else if (gettid() != getpid()) say("tid %ld != pid %ld\n", (long)gettid(), (long)getpid());
        else say("exec ok\n");
        return 0;
    }
    self = argv[0];
    note("leader %ld\n", (long)getpid());
    pthread_t t;
    pthread_create(&t, NULL, execer, NULL);
    /* The leader sleeps until the exec replaces it. */
    for (;;) {
        struct timespec ts = {10, 0};
        nanosleep(&ts, NULL);
    }
}
