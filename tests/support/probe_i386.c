/* The i386 probe: a tiny static -m32 program; can_exec_i386() runs it. */
#include <stdio.h>

int main(void) {
    printf("lstar i386 probe: sizeof(long) %d\n", (int)sizeof(long));
    return 0;
}
