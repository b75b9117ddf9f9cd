/* Reads the clocks the way programs do: clock_gettime through libc (the vDSO
 * when there is one) in a tight loop, gettimeofday and time. Prints the real-time
 * seconds each saw (the loop's first and last), whether the monotonic clock ever
 * went back, and whether the vDSO is mapped ("vdso=1") per AT_SYSINFO_EHDR.
 * With an argument N: sleeps N ms between two monotonic reads and prints the
 * difference in ms as that clock saw it. */
#include "common.h"
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/time.h>
#include <time.h>

int main(int argc, char** argv) {
    struct timespec first, last, m0, m1;
    clock_gettime(CLOCK_REALTIME, &first);
    clock_gettime(CLOCK_MONOTONIC, &m0);
    int back = 0;
    for (int i = 0; i < 20000; ++i) {
        clock_gettime(CLOCK_REALTIME, &last);
        clock_gettime(CLOCK_MONOTONIC, &m1);
        if (m1.tv_sec < m0.tv_sec || (m1.tv_sec == m0.tv_sec && m1.tv_nsec < m0.tv_nsec)) back = 1;
        m0 = m1;
    }
    struct timeval tv;
    gettimeofday(&tv, NULL);
    time_t t = time(NULL);
    say("realtime=%lld..%lld gettimeofday=%lld time=%lld monotonic_back=%d vdso=%d\n", (long long)first.tv_sec,
        (long long)last.tv_sec, (long long)tv.tv_sec, (long long)t, back, getauxval(AT_SYSINFO_EHDR) != 0);
    if (argc > 1) {
        long ms = atol(argv[1]);
        struct timespec a, b, req = {ms / 1000, (ms % 1000) * 1000000L};
        clock_gettime(CLOCK_MONOTONIC, &a);
        nanosleep(&req, NULL);
        clock_gettime(CLOCK_MONOTONIC, &b);
        say("slept_ms=%lld\n", (long long)((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000));
    }
    return 0;
}
