/* A process for -p attach tests: three threads loop (nanosleep 5 ms, getppid),
 * the main thread blocks reading stdin. Prints "ready" once the threads run;
 * on "quit" it prints "bye" and exits 0; a thread that ever saw a failing call
 * makes it exit 1. With "leader-exits" the main thread leaves first (pthread_exit)
 * and a fourth thread serves stdin; "ready" then comes from that thread. */
#include "common.h"
#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <stdlib.h>
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

static int leader_exits;

static void* serve(void* arg) {
    (void)arg;
    if (leader_exits) {
        char path[64];
        snprintf(path, sizeof path, "/proc/self/task/%ld/stat", (long)getpid());
        for (int i = 0; i < 20000; ++i) {  /* bounded: about 20 s */
            FILE* f = fopen(path, "r");
            char line[256] = "";
            if (f) { fgets(line, sizeof line, f); fclose(f); }
            char* close = strrchr(line, ')');
            if (!f || (close && close[2] == 'Z')) break;
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
        }
        say("ready\n");
    }
    char buf[64];
    for (;;) {
        ssize_t n = read(0, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) exit(2);
        if (n >= 4 && memcmp(buf, "quit", 4) == 0) break;
    }
    say("bye %d\n", atomic_load(&failures));
    exit(atomic_load(&failures) ? 1 : 0);
}

int main(int argc, char** argv) {
    pthread_t t[3];
    for (int i = 0; i < 3; ++i) pthread_create(&t[i], NULL, worker, NULL);
    while (atomic_load(&started) < 3) sched_yield();
    leader_exits = argc > 1 && strcmp(argv[1], "leader-exits") == 0;
    if (leader_exits) {
        /* The main thread leaves (a zombie until the process ends); a fourth thread
         * serves stdin. Prints "ready" once the leader is a zombie. */
        pthread_t s;
        pthread_create(&s, NULL, serve, NULL);
        pthread_exit(NULL);
    }
    say("ready\n");
    serve(NULL);
    return 0;
}
