// An attack on the file-system view: makes each call it is given, raw, with
// every name argument set to PATH, and says what each returned.
//
//   fs_escape PATH NR:NARGS:PATHS:DIRFDS:POINTERS ...   (the masks in hex, bit i: argument i)
//
// prints "NR RESULT" per call (RESULT: the raw value, -errno on failure). A
// pointer argument points at zeroed memory (an empty string, a zeroed struct),
// a directory descriptor is AT_FDCWD, anything else is 0.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static char zeroes[65536];

int main(int argc, char** argv) {
    if (argc < 2) return 2;
    const char* path = argv[1];
    for (int i = 2; i < argc; ++i) {
        unsigned long nr, nargs, paths, dirfds, pointers;
        if (sscanf(argv[i], "%lu:%lu:%lx:%lx:%lx", &nr, &nargs, &paths, &dirfds, &pointers) != 5) return 2;
        long a[6] = {0};
        for (unsigned long k = 0; k < nargs && k < 6; ++k) {
            if (paths & (1ul << k)) a[k] = (long)path;
            else if (dirfds & (1ul << k)) a[k] = AT_FDCWD;
            else if (pointers & (1ul << k)) a[k] = (long)zeroes;
        }
        memset(zeroes, 0, sizeof zeroes);
        long r = syscall((long)nr, a[0], a[1], a[2], a[3], a[4], a[5]);
        printf("%lu %ld\n", nr, r < 0 ? -(long)errno : r);
        fflush(stdout);
        // A descriptor it opened is not left to the next call.
        if (r > 2 && r < 1024) close((int)r);
    }
    return 0;
}
