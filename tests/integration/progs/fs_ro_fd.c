// Changes through descriptors of a file on a read-only tree: what the kernel
// answers on a read-only mount (EROFS for a change to the object, whatever the
// descriptor was opened for), and what a view's --read-only must answer alike.
//
//   fs_ro_fd FILE DIR SPEC...
//
// SPEC is NAME:NR:ARGS, one letter per argument (the test makes them from the
// table's kinds): F a descriptor of FILE opened O_RDONLY, D one of DIR
// (O_RDONLY|O_DIRECTORY), P one of FILE opened O_PATH, m mode 0600, u id -1 (no
// change), s the name "user.lstar", b a one-byte buffer "v", z size 1, 0 zero,
// e the empty name "", n NULL, E AT_EMPTY_PATH, X a struct xattr_args for "v"
// and x its size, A a zeroed struct file_attr and a its size (so that the
// kernel's checks of those come out right and the mount's check decides). Each
// call is a raw syscall;
// prints "NAME RESULT" (-errno on failure) per SPEC, then "open-write RESULT" for
// an open of FILE for writing.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common.h"

int main(int argc, char** argv) {
    if (argc < 3) return 2;
    int file = open(argv[1], O_RDONLY);
    int dir = open(argv[2], O_RDONLY | O_DIRECTORY);
    int path = open(argv[1], O_PATH);
    if (file < 0 || dir < 0 || path < 0) {
        note("fs_ro_fd: cannot open %s or %s: %s\n", argv[1], argv[2], strerror(errno));
        return 3;
    }
    static const char value[] = "v";
    // As <linux/xattr.h> and <linux/fs.h> of Linux 6.13 and 6.17 lay them out.
    static struct { uint64_t value; uint32_t size, flags; } xattr_args;
    static struct { uint64_t xflags; uint32_t extsize, nextents, projid, cowextsize; } file_attr;
    xattr_args.value = (uint64_t)(uintptr_t)value;
    xattr_args.size = 1;
    for (int i = 3; i < argc; ++i) {
        char name[64];
        long nr;
        char letters[8] = {0};
        if (sscanf(argv[i], "%63[^:]:%ld:%7s", name, &nr, letters) < 2) return 2;
        long a[6] = {0};
        for (int k = 0; k < 6 && letters[k]; ++k) {
            switch (letters[k]) {
            case 'F': a[k] = file; break;
            case 'D': a[k] = dir; break;
            case 'P': a[k] = path; break;
            case 'm': a[k] = 0600; break;
            case 'u': a[k] = -1; break;
            case 's': a[k] = (long)"user.lstar"; break;
            case 'b': a[k] = (long)value; break;
            case 'z': a[k] = 1; break;
            case 'e': a[k] = (long)""; break;
            case 'E': a[k] = AT_EMPTY_PATH; break;
            case 'X': a[k] = (long)&xattr_args; break;
            case 'x': a[k] = sizeof xattr_args; break;
            case 'A': a[k] = (long)&file_attr; break;
            case 'a': a[k] = sizeof file_attr; break;
            case '0': case 'n': a[k] = 0; break;
            default: return 2;
            }
        }
        long r = syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
        say("%s %ld\n", name, r < 0 ? -(long)errno : r);
    }
    int w = open(argv[1], O_WRONLY);
    say("open-write %d\n", w < 0 ? -errno : 0);
    return 0;
}
