// What the kernel knows of a running program's file: writes to it fail with
// ETXTBSY (open for writing, creat), /proc/self/exe is that file, and
// /proc/self/cmdline and /proc/self/environ hold the program's argv and
// environment.
// Then the same in a child made by fork and exec, and in one made by posix_spawn.
//   inproc_textbusy [child|spawned]
#include "common.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>

extern char** environ;

static void report(const char* who, char** argv) {
    int fd = open(argv[0], O_WRONLY);
    say("%s: open for writing: %s\n", who, fd < 0 ? strerrorname_np(errno) : "opened");
    if (fd >= 0) close(fd);
    fd = creat(argv[0], 0755);
    say("%s: creat: %s\n", who, fd < 0 ? strerrorname_np(errno) : "opened");
    if (fd >= 0) close(fd);
    struct stat exe, file;
    int same = stat("/proc/self/exe", &exe) == 0 && stat(argv[0], &file) == 0 && exe.st_ino == file.st_ino &&
               exe.st_dev == file.st_dev;
    say("%s: /proc/self/exe %s\n", who, same ? "is the program's file" : "is another file");
    char buf[4096];
    fd = open("/proc/self/cmdline", O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
    if (fd >= 0) close(fd);
    int i = 0;
    for (ssize_t at = 0; at < n; at += (ssize_t)strlen(buf + at) + 1, ++i) {}
    int args = 0;
    while (argv[args]) ++args;
    say("%s: /proc/self/cmdline %s\n", who, n > 0 && i == args && strcmp(buf, argv[0]) == 0 ? "is the program's argv" : "is another");
    fd = open("/proc/self/environ", O_RDONLY);
    n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
    if (fd >= 0) close(fd);
    buf[n > 0 ? n : 0] = '\0';
    say("%s: /proc/self/environ %s\n", who, environ[0] && strcmp(buf, environ[0]) == 0 ? "starts with the program's" : "is another");
}

int main(int argc, char** argv) {
    if (argc > 1) {
        report(argv[1], argv);
        return 0;
    }
    report("parent", argv);
    pid_t pid = fork();
    if (pid == 0) {
        execl(argv[0], argv[0], "child", (char*)NULL);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    char* spawn_argv[] = {argv[0], (char*)"spawned", NULL};
    if (posix_spawn(&pid, argv[0], NULL, NULL, spawn_argv, environ) != 0) return 1;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
