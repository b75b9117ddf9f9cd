/* A process for -p attach tests: three threads loop (nanosleep 5 ms, getppid),
 * the main thread blocks reading stdin. Prints "ready" once the threads run;
 * on "quit" it prints "bye" and exits 0; a thread that ever saw a failing call
 * makes it exit 1. */
#include "common.h"
#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <time.h>

static atomic_int started, failures;

static void* worker(void* arg) {
    (void)arg;
    atomic_fetch_add(&started, 1);
    for (;;) {
        struct timespec ts = {0, 5000000};
        if (nanosleep(&ts, NULL) != 0) atomic_fetch_add(&failures, 1);
        if (syscall(SYS_getppid) <= 0) atomic_fetch_add(&failures, 1);
    }
    return NULL;
}

int main(void) {
    pthread_t t[3];
    for (int i = 0; i < 3; ++i) pthread_create(&t[i], NULL, worker, NULL);
    while (atomic_load(&started) < 3) sched_yield();
    say("ready\n");
    char buf[64];
    for (;;) {
        ssize_t n = read(0, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return 2;
        if (n >= 4 && memcmp(buf, "quit", 4) == 0) break;
    }
    say("bye %d\n", atomic_load(&failures));
    return atomic_load(&failures) ? 1 : 0;
}
