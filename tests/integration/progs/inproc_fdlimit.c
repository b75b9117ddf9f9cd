// A program that uses its whole RLIMIT_NOFILE: dups until EMFILE, then the
// numbers at and past its limit (dup2, F_DUPFD, close), then closes and reuses
// high numbers. Prints what it got; the test compares it with a native run's.
#include "common.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/resource.h>


static const char* err(long rc) { return rc < 0 ? strerrorname_np(errno) : "ok"; }

int main(void) {
    struct rlimit lim;
    getrlimit(RLIMIT_NOFILE, &lim);
    int soft = (int)lim.rlim_cur;
    int n = 0, last = -1, fd;
    while ((fd = dup(0)) >= 0) ++n, last = fd;
    say("dups %d last %d then %s\n", n, last, strerrorname_np(errno));
    say("limit-1 in use: dup2 %s\n", err(dup2(0, soft - 1)));
    say("at the limit: dup2 %s F_DUPFD %s\n", err(dup2(0, soft)), err(fcntl(0, F_DUPFD, soft)));
    say("past it: close %s dup2 %s\n", err(close(soft + 2)), err(dup2(0, soft + 2)));
    for (int i = 3; i <= last; ++i) close(i);
    say("reused: dup2 %s", err(dup2(0, soft - 1)));
    say(" then dup %d", dup(0));
    say(" close %s", err(close(soft - 1)));
    say(" close again %s\n", err(close(soft - 1)));
    return 0;
}
