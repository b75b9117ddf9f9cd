/* Four threads run at once; each calls getppid 10 times and writes one line.
 * The main thread calls getppid 3 times. Under -f: 43 getppid calls, 10 from each
 * thread, 3 from the main thread; without -f only the main thread's 3.
 * stderr: "main TID", "thread N TID". */
#include "common.h"
#include <pthread.h>
#include <sys/syscall.h>

static pthread_barrier_t barrier;

static void* worker(void* arg) {
    long i = (long)arg;
    note("thread%ld %ld\n", i, (long)gettid());
    pthread_barrier_wait(&barrier);  /* all four are alive at once */
    for (int k = 0; k < 10; ++k) syscall(SYS_getppid);
    say("thread %ld done\n", i);
    return NULL;
}

int main(void) {
    note("main %ld\n", (long)getpid());
    pthread_barrier_init(&barrier, NULL, 4);
    pthread_t t[4];
    for (long i = 0; i < 4; ++i) pthread_create(&t[i], NULL, worker, (void*)i);
    for (int k = 0; k < 3; ++k) syscall(SYS_getppid);
    for (int i = 0; i < 4; ++i) pthread_join(t[i], NULL);
    say("all threads done\n");
    return 0;
}
