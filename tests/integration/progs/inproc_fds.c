/* In-process backend: a program that takes every descriptor it can. argv[1]:
 *   close       close(fd) for fd 3..1023
 *   close_range close_range(3, ~0U, 0)
 *   dup2        dup2(a /dev/null descriptor, fd) for fd 3..1023, then closes them
 *   cloexec     close_range(3, ~0U, CLOSE_RANGE_CLOEXEC), then execs itself with "close"
 * Between steps it opens "/nonexistent/inproc-fd-marker-N" (ENOENT), N = 1, 2, 3.
 * stdout: "MODE done". */
#include "common.h"
#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/syscall.h>

static void marker(int n) {
    char path[64];
    snprintf(path, sizeof path, "/nonexistent/inproc-fd-marker-%d", n);
    open(path, O_RDONLY);
}

int main(int argc, char** argv) {
    const char* mode = argc > 1 ? argv[1] : "close";
    marker(1);
    if (strcmp(mode, "close") == 0) {
        for (int fd = 3; fd < 1024; ++fd) close(fd);
    } else if (strcmp(mode, "close_range") == 0) {
        if (syscall(SYS_close_range, 3u, ~0u, 0u) != 0) say("close_range: %s\n", strerrorname_np(errno));
    } else if (strcmp(mode, "dup2") == 0) {
        int null = open("/dev/null", O_WRONLY);
        for (int fd = 3; fd < 1024; ++fd) if (fd != null) dup2(null, fd);
        marker(2);
        for (int fd = 3; fd < 1024; ++fd) close(fd);
    } else if (strcmp(mode, "cloexec") == 0) {
        if (syscall(SYS_close_range, 3u, ~0u, CLOSE_RANGE_CLOEXEC) != 0) say("close_range: %s\n", strerrorname_np(errno));
        marker(2);
        char* args[] = {argv[0], "close", NULL};
        execv(argv[0], args);
        say("execv: %s\n", strerrorname_np(errno));
        return 1;
    } else {
        return 2;
    }
    marker(3);
    write(2, "", 0);
    say("%s done\n", mode);
    return 0;
}
