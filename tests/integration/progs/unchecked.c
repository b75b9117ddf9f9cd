/* A program with one planted unchecked error path, for `lstar inject`: it
 * checks the first and third openat, but not the second, which it uses
 * through a NULL FILE when it fails (SIGSEGV). Every other failure it
 * reports and exits 1. Modes: "files DIR" opens DIR/a, DIR/b, DIR/c;
 * "write" writes 10 KiB to stdout in 1 KiB pieces (short writes and ENOSPC
 * budgets); "read FILE" prints FILE's bytes in hex (bit flips); "opens N FILE"
 * opens FILE N times and prints 1 for each open that worked, 0 otherwise;
 * "hang FILE" waits forever when FILE cannot be opened (a planted hang). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int files(const char* dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/a", dir);
    FILE* a = fopen(path, "r");
    if (!a) { perror("a"); return 1; }
    snprintf(path, sizeof path, "%s/b", dir);
    FILE* b = fopen(path, "r");  /* planted: not checked */
    char line[64] = "";
    if (!fgets(line, sizeof line, b)) line[0] = 0;
    snprintf(path, sizeof path, "%s/c", dir);
    FILE* c = fopen(path, "r");
    if (!c) { perror("c"); return 1; }
    printf("ok %s", line);
    return 0;
}

static int writes(void) {
    char buf[1024];
    memset(buf, 'x', sizeof buf);
    size_t total = 0;
    for (int i = 0; i < 10; ++i) {
        ssize_t n = write(1, buf, sizeof buf);
        if (n < 0) { fprintf(stderr, "write: %s after %zu\n", strerror(errno), total); return 1; }
        total += (size_t)n;
    }
    fprintf(stderr, "wrote %zu\n", total);
    return 0;
}

static int reads(const char* file) {
    int fd = open(file, O_RDONLY);
    if (fd < 0) { perror(file); return 1; }
    unsigned char buf[64];
    ssize_t n = read(fd, buf, sizeof buf);
    for (ssize_t i = 0; i < n; ++i) printf("%02x", buf[i]);
    printf("\n");
    return 0;
}

static int opens(int n, const char* file) {
    for (int i = 0; i < n; ++i) {
        int fd = open(file, O_RDONLY);
        putchar(fd >= 0 ? '1' : '0');
        if (fd >= 0) close(fd);
    }
    putchar('\n');
    return 0;
}

int main(int argc, char** argv) {
    if (argc == 3 && !strcmp(argv[1], "files")) return files(argv[2]);
    if (argc == 2 && !strcmp(argv[1], "write")) return writes();
    if (argc == 3 && !strcmp(argv[1], "read")) return reads(argv[2]);
    if (argc == 3 && !strcmp(argv[1], "hang")) {
        if (open(argv[2], O_RDONLY) < 0)
            for (;;) pause();
        return 0;
    }
    if (argc == 4 && !strcmp(argv[1], "opens")) return opens(atoi(argv[2]), argv[3]);
    fprintf(stderr, "usage: unchecked files DIR | write | read FILE | opens N FILE | hang FILE\n");
    return 2;
}
