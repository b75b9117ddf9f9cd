// execveat as the kernel does it: its error cases (EBADF, ENOTDIR, ENOENT,
// ELOOP, EINVAL) and a run through a directory descriptor and through
// AT_EMPTY_PATH on a close-on-exec descriptor of the program itself (fexecve).
// argv[0] must be the program's absolute path.
#include "common.h"

#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>


extern char** environ;

static long execveat_(int dirfd, const char* path, char* const argv[], int flags) {
    return syscall(SYS_execveat, dirfd, path, argv, environ, flags);
}

static void expect_error(const char* what, int dirfd, const char* path, int flags) {
    char* argv[] = {(char*)"x", NULL};
    long rc = execveat_(dirfd, path, argv, flags);
    say("%s: %ld %s\n", what, rc, rc < 0 ? strerrorname_np(errno) : "ran");
}

static void run_child(const char* what, int dirfd, const char* path, int flags) {
    pid_t pid = fork();
    if (pid == 0) {
        char* argv[] = {(char*)"inproc_execveat", (char*)"child", (char*)what, NULL};
        execveat_(dirfd, path, argv, flags);
        say("%s: failed %s\n", what, strerrorname_np(errno));
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    say("%s: exited %d\n", what, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

int main(int argc, char** argv) {
    if (argc > 2 && strcmp(argv[1], "child") == 0) {
        say("exec'd by %s\n", argv[2]);
        return 7;
    }
    char* self = strdup(argv[0]);
    char* dir = strdup(argv[0]);
    const char* base = basename(self);
    int dirfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int file = open(argv[0], O_RDONLY | O_CLOEXEC);
    if (dirfd < 0 || file < 0) return 2;
    expect_error("missing", AT_FDCWD, "/nonexistent/program", 0);
    expect_error("bad dirfd", 999, "relative", 0);
    expect_error("negative dirfd", -5, "relative", 0);
    expect_error("file as dirfd", file, "relative", 0);
    expect_error("missing in dirfd", dirfd, "no-such-program", 0);
    expect_error("empty path", dirfd, "", 0);
    expect_error("empty path, bad fd", 999, "", AT_EMPTY_PATH);
    expect_error("symlink, nofollow", AT_FDCWD, "/proc/self/exe", AT_SYMLINK_NOFOLLOW);
    expect_error("unknown flag", AT_FDCWD, argv[0], 0x4);
    expect_error("directory", dirfd, "", AT_EMPTY_PATH);
    run_child("dirfd", dirfd, base, 0);
    run_child("absolute, bad dirfd", 999, argv[0], 0);
    run_child("empty path", file, "", AT_EMPTY_PATH);
    return 0;
}
