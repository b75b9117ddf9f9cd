/* A 64-bit program that issues int $0x80: the call goes through the i386 table
 * (eax=20 is getpid there, writev in the x86_64 table; 4 is write, 122 uname).
 * Prints "int80 getpid ok", "int80 write", "nodename NAME". */
#include "common.h"
#include <sys/mman.h>
#include <sys/utsname.h>

static long int80(long nr, long a, long b, long c) {
    long ret;
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
    return ret;
}

int main(void) {
    /* Buffers the i386 ABI can address: below 4 GiB. */
    char* low = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    if (low == MAP_FAILED) { say("mmap failed\n"); return 1; }
    long pid = int80(20, 0, 0, 0);
    say(pid == getpid() ? "int80 getpid ok\n" : "int80 getpid wrong: %ld\n", pid);
    strcpy(low, "int80 write\n");
    long n = int80(4, 1, (long)low, 12);
    if (n != 12) say("int80 write returned %ld\n", n);
    struct utsname* u = (struct utsname*)(low + 64);  /* new_utsname: 6 x 65 bytes */
    long r = int80(122, (long)u, 0, 0);
    if (r != 0) say("int80 uname returned %ld\n", r);
    else say("nodename %s\n", u->nodename);
    return 0;
}
