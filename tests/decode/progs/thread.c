/* Threads: clone3 as pthread_create issues it, the futex waits of pthread_join,
   and futex commands with their op bits (FUTEX_PRIVATE_FLAG, FUTEX_CLOCK_REALTIME)
   and val3 forms, issued directly so that each result is fixed. */
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "marker.h"

static void* worker(void* arg) {
    /* Outlive main's arrival in pthread_join, so that it waits on the tid futex. */
    struct timespec ts = {0, 200 * 1000 * 1000};
    nanosleep(&ts, NULL);
    return arg;
}

int main(void) {
    uint32_t word = 5, other = 0;
    struct timespec ts = {0, 1000};
    void* volatile heap = malloc(16); /* malloc's first getrandom and brk, before the compared lines */
    free(heap);
    BEGIN();
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    pthread_join(t, NULL);
    syscall(SYS_futex, &word, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 0, NULL, NULL, FUTEX_BITSET_MATCH_ANY);
    syscall(SYS_futex, &word, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 5, &ts, NULL, FUTEX_BITSET_MATCH_ANY);
    syscall(SYS_futex, &word, FUTEX_WAIT_BITSET_PRIVATE, 4, &ts, NULL, 0x3);
    syscall(SYS_futex, &word, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, FUTEX_BITSET_MATCH_ANY);
    syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE | FUTEX_CLOCK_REALTIME, 4, &ts, NULL, 0);
    syscall(SYS_futex, &word, FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1, NULL, NULL, 0);
    syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    syscall(SYS_futex, &word, FUTEX_CMP_REQUEUE_PRIVATE, 1, 20, &other, 20);
    syscall(SYS_futex, &word, FUTEX_REQUEUE_PRIVATE, 1, 2, &other, 5);
    syscall(SYS_futex, &word, FUTEX_WAKE_OP_PRIVATE, 1, 1, &other,
            FUTEX_OP(FUTEX_OP_ADD | FUTEX_OP_OPARG_SHIFT, 3, FUTEX_OP_CMP_LE, 4));
    syscall(SYS_futex, &word, FUTEX_UNLOCK_PI_PRIVATE, 1, 1, &other, 0);
    syscall(SYS_futex, &word, FUTEX_WAIT_REQUEUE_PI_PRIVATE | FUTEX_CLOCK_REALTIME, 4, &ts, &other, 0);
    syscall(SYS_futex, &word, 14, 7, 20, &other, 20);
    return 0;
}
