/* The main thread leaves with pthread_exit while a worker goes on: the leader is
 * a zombie until the worker ends the process with exit(9). The worker calls
 * getppid 5 times first. */
#include "common.h"
#include <pthread.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>

static pid_t main_tid;

static void* worker(void* arg) {
    (void)arg;
    /* Wait until the main thread is gone (its /proc entry says zombie), bounded. */
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%ld/stat", (long)main_tid);
    for (int i = 0; i < 20000; ++i) {
        FILE* f = fopen(path, "r");
        char buf[256] = "";
        if (f) { fgets(buf, sizeof buf, f); fclose(f); }
        char* close = strrchr(buf, ')');
        if (!f || (close && close[2] == 'Z')) break;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    for (int k = 0; k < 5; ++k) syscall(SYS_getppid);
    say("worker done\n");
    exit(9);
}

int main(void) {
    main_tid = gettid();
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    say("main leaves\n");
    pthread_exit(NULL);
}
