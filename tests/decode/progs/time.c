/* Time and resource calls. */
#define _GNU_SOURCE
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include "marker.h"

int main(void) {
    BEGIN();
    struct timespec ts = {0, 1000};
    nanosleep(&ts, NULL);
    clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    struct rlimit64 nl = {1024, 4096};
    prlimit64(0, RLIMIT_CORE, NULL, &nl);
    return 0;
}
