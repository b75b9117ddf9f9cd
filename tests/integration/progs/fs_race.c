// A rename race against the file-system view: one thread swaps a name inside
// the view between what it was and a symbolic link that names a host path
// outside the view, while another thread makes calls through that name. A view
// that resolves the name and then lets the kernel resolve it again can be
// raced out between the two lookups; a race-proof one never is.
//
//   fs_race MODE OP COUNT
//
// MODE middle: the name's middle component swaps (/race/a, a directory holding
//   `secret`, and /race/evil, a link to the host directory outside);
// MODE last: its last component swaps (/race/b/f, a file, and /race/b/evil, a
//   link to the host file outside).
// OP open (open and read), stat, or creat (open O_CREAT|O_WRONLY|O_APPEND and
//   write: a creating open follows a last link too).
// The test lays the tree out: inside, every file reads "inside\n" (7 bytes);
// outside, the secret reads "host secret\n" (12 bytes). Prints
// "escapes E inside I other O eloop L": E calls that reached the outside, L of the
// O others failed with ELOOP (a creating open refused, where natively it follows).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

static atomic_int done;
static const char *name, *swap_a, *swap_b, *swap_tmp;

// Swaps swap_a with swap_b (through swap_tmp) until the calls are done.
static void* swapper(void* unused) {
    (void)unused;
    while (!atomic_load(&done)) {
        rename(swap_a, swap_tmp);
        rename(swap_b, swap_a);
        rename(swap_a, swap_b);
        rename(swap_tmp, swap_a);
    }
    return NULL;
}

int main(int argc, char** argv) {
    if (argc != 4) return 2;
    const char* mode = argv[1];
    const char* op = argv[2];
    long count = atol(argv[3]);
    if (strcmp(mode, "middle") == 0) {
        name = "/race/a/secret", swap_a = "/race/a", swap_b = "/race/evil", swap_tmp = "/race/a.tmp";
    } else if (strcmp(mode, "last") == 0) {
        name = "/race/b/f", swap_a = "/race/b/f", swap_b = "/race/b/evil", swap_tmp = "/race/b/f.tmp";
    } else {
        return 2;
    }
    pthread_t t;
    if (pthread_create(&t, NULL, swapper, NULL) != 0) return 3;
    long escapes = 0, inside = 0, other = 0, eloop = 0;
    for (long i = 0; i < count; ++i) {
        long size = -1;
        if (strcmp(op, "stat") == 0) {
            struct stat st;
            if (stat(name, &st) == 0) size = st.st_size;
        } else {
            int creating = strcmp(op, "creat") == 0;
            int fd = creating ? open(name, O_CREAT | O_WRONLY | O_APPEND, 0644) : open(name, O_RDONLY);
            if (fd < 0 && errno == ELOOP) ++eloop;
            if (fd >= 0) {
                struct stat st;
                // A write through an escape would change the host file: count it by size first.
                if (fstat(fd, &st) == 0) size = st.st_size;
                if (!creating) {
                    char buf[64];
                    ssize_t n = read(fd, buf, sizeof buf);
                    if (n == 12 && memcmp(buf, "host secret\n", 12) == 0) size = 12;
                }
                close(fd);
            }
        }
        if (size == 12) ++escapes;
        else if (size == 7 || (size == 0 && strcmp(op, "creat") == 0)) ++inside;
        else ++other;
    }
    atomic_store(&done, 1);
    pthread_join(t, NULL);
    say("escapes %ld inside %ld other %ld eloop %ld\n", escapes, inside, other, eloop);
    return 0;
}
