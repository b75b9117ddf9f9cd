/* In-process backend: what the program sees of itself. stdout:
 *   "readlink PATH", "readlinkat PATH", "pid-exe PATH" (/proc/PID/exe) */
#include "common.h"
#include <fcntl.h>
#include <limits.h>

int main(void) {
    char buf[PATH_MAX], path[64];
    long n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    say("readlink %.*s\n", n < 0 ? 0 : (int)n, buf);
    n = readlinkat(AT_FDCWD, "/proc/self/exe", buf, sizeof buf - 1);
    say("readlinkat %.*s\n", n < 0 ? 0 : (int)n, buf);
    snprintf(path, sizeof path, "/proc/%ld/exe", (long)getpid());
    n = readlink(path, buf, sizeof buf - 1);
    say("pid-exe %.*s\n", n < 0 ? 0 : (int)n, buf);
    return 0;
}
