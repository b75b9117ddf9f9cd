/* Prints "pid N", then blocks reading stdin (mode "read") or sleeps (mode
 * "sleep", clock_nanosleep of 1.5 s) while the test stops it with SIGSTOP and
 * continues it with SIGCONT; then prints what it got. */
#include "common.h"
#include <time.h>

int main(int argc, char** argv) {
    const char* mode = argc > 1 ? argv[1] : "read";
    say("pid %ld\n", (long)getpid());
    if (strcmp(mode, "sleep") == 0) {
        struct timespec ts = {1, 500000000};
        int r = nanosleep(&ts, NULL);
        say("slept %d\n", r);
        return 0;
    }
    char buf[64];
    ssize_t n = read(0, buf, sizeof buf);
    if (n < 0) { say("read: %s\n", strerror(errno)); return 1; }
    say("got %.*s", (int)n, buf);
    return 0;
}
