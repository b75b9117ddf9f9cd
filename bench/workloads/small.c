/* Real workload input: a small C file for `gcc -c` (preprocessing system headers
 * makes the compiler open and stat many files; cc1 and as are forked). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

struct item { const char *name; int value; };

static int compare(const void *a, const void *b) {
    const struct item *x = a, *y = b;
    return strcmp(x->name, y->name);
}

int bench_small(int argc, char **argv) {
    struct item items[16];
    int n = 0;
    for (int i = 1; i < argc && n < 16; ++i) items[n++] = (struct item){argv[i], i};
    qsort(items, n, sizeof items[0], compare);
    for (int i = 0; i < n; ++i) printf("%s=%d\n", items[i].name, items[i].value);
    return errno;
}
