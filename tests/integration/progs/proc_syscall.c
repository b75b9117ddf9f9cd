/* Reads /proc/self/syscall (which shows the read doing it: number 0, the
 * descriptor, the buffer, the count) and /proc/<child>/syscall of a child blocked
 * in read(2) on a pipe (number 0, the pipe's descriptor, its buffer, its count),
 * and checks each line against what the program knows, in the kernel's format
 * (the number in decimal, six arguments, sp and pc in hex): the pc of its own
 * read lies in the program's own text. Prints "self ok" or "self bad: LINE", then
 * "child ok" or "child bad: LINE", then the two lines. */
#include "common.h"
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

static char line[512];

/* The line of /proc/<what>/syscall, read in one read(2) into `line`; its descriptor in *fd. */
static void read_syscall_file(const char* what, int* fd) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%s/syscall", what);
    *fd = open(path, O_RDONLY);
    ssize_t n = *fd < 0 ? -1 : read(*fd, line, sizeof line - 1);
    line[n < 0 ? 0 : n] = '\0';
    if (n > 0 && line[n - 1] == '\n') line[n - 1] = '\0';
    if (*fd >= 0) close(*fd);
}

/* The text mapping holding addr, from /proc/self/maps. */
static int same_mapping(uintptr_t a, uintptr_t b) {
    FILE* maps = fopen("/proc/self/maps", "r");
    char text[512];
    int same = 0;
    while (maps && fgets(text, sizeof text, maps)) {
        unsigned long lo, hi;
        if (sscanf(text, "%lx-%lx", &lo, &hi) == 2 && a >= lo && a < hi) same = b >= lo && b < hi;
    }
    if (maps) fclose(maps);
    return same;
}

/* "NR 0xA0 0xA1 0xA2 0xA3 0xA4 0xA5 0xSP 0xPC", with NR and the first three as expected. */
static int matches(long nr, unsigned long a0, unsigned long a1, unsigned long a2, unsigned long* pc) {
    long got_nr;
    unsigned long v[8];
    char rest;
    if (sscanf(line, "%ld 0x%lx 0x%lx 0x%lx 0x%lx 0x%lx 0x%lx 0x%lx 0x%lx%c", &got_nr, &v[0], &v[1], &v[2], &v[3],
               &v[4], &v[5], &v[6], &v[7], &rest) != 9)
        return 0;
    *pc = v[7];
    return got_nr == nr && v[0] == a0 && v[1] == a1 && v[2] == a2;
}

static char child_buf[64];

int main(void) {
    int fd;
    read_syscall_file("self", &fd);
    char self_line[512];
    snprintf(self_line, sizeof self_line, "%s", line);
    unsigned long pc = 0;
    int self_ok = matches(0, (unsigned long)fd, (unsigned long)line, sizeof line - 1, &pc) &&
                  same_mapping(pc, (uintptr_t)&read);

    int p[2];
    if (pipe(p) != 0) return 1;
    pid_t child = fork();
    if (child == 0) {
        read(p[0], child_buf, sizeof child_buf);
        _exit(0);
    }
    char what[32];
    snprintf(what, sizeof what, "%d", (int)child);
    int child_ok = 0;
    for (int i = 0; i < 1000 && !child_ok; ++i) {  /* until the child is in its read (10 s at most) */
        read_syscall_file(what, &fd);
        child_ok = matches(0, (unsigned long)p[0], (unsigned long)child_buf, sizeof child_buf, &pc);
        if (!child_ok) {
            struct timespec ts = {0, 10000000};
            nanosleep(&ts, NULL);
        }
    }
    write(p[1], "x", 1);
    waitpid(child, NULL, 0);
    if (self_ok) say("self ok\n");
    else say("self bad: %s\n", self_line);
    if (child_ok) say("child ok\n");
    else say("child bad: %s\n", line);
    say("%s\n%s\n", self_line, line);
    return 0;
}
