/* In-process backend, threads: argv[1] threads (default 8) run at once; thread T
 * opens "/nonexistent/inproc-marker-T-K" for K < argv[2] (default 25), each
 * open a unique path (ENOENT). The main thread opens "/nonexistent/inproc-main-K"
 * 3 times. stderr: "main TID", "thread T TID"; stdout: "thread T done" per
 * thread, then "all N threads done". */
#include "common.h"
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>

static pthread_barrier_t barrier;
static int calls = 25;

static void* worker(void* arg) {
    long t = (long)arg;
    note("thread %ld %ld\n", t, (long)gettid());
    pthread_barrier_wait(&barrier);
    for (int k = 0; k < calls; ++k) {
        char path[64];
        snprintf(path, sizeof path, "/nonexistent/inproc-marker-%ld-%d", t, k);
        if (open(path, O_RDONLY) >= 0 || errno != ENOENT) say("thread %ld: unexpected open result\n", t);
    }
    say("thread %ld done\n", t);
    return NULL;
}

int main(int argc, char** argv) {
    int n = argc > 1 ? atoi(argv[1]) : 8;
    if (argc > 2) calls = atoi(argv[2]);
    note("main %ld\n", (long)getpid());
    pthread_barrier_init(&barrier, NULL, (unsigned)n);
    pthread_t t[64];
    for (long i = 0; i < n; ++i) pthread_create(&t[i], NULL, worker, (void*)i);
    for (int k = 0; k < 3; ++k) {
        char path[64];
        snprintf(path, sizeof path, "/nonexistent/inproc-main-%d", k);
        open(path, O_RDONLY);
    }
    for (int i = 0; i < n; ++i) pthread_join(t[i], NULL);
    say("all %d threads done\n", n);
    return 0;
}
