/* Calls at their edges, one line per class of output difference strace 6.1 and
   lstar once had: ids and unsigned ints at full width, int flags with the high bit
   (never sign-extended), unknown bits and values, negative and huge descriptors,
   a failed call's out-struct, an operation that ignores its in-struct, NULL and
   unmapped pointers. Every call fails or changes nothing. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "marker.h"

#define NOFILE "/nonexistent/lstar-edges"

int main(void) {
    /* A page with nothing mapped after it. */
    char* page = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(page + 4096, 4096);
    void* unmapped = page + 4096;
    int ep = epoll_create1(0);
    BEGIN();
    /* uid_t/gid_t: -1 is "unchanged", other high values are unsigned. */
    syscall(SYS_chown, NOFILE, (uid_t)-65536, (gid_t)0);
    syscall(SYS_chown, NOFILE, (uid_t)-1, (gid_t)-2);
    syscall(SYS_lchown, NOFILE, 0x80000000u, 0xfffffffeu);
    syscall(SYS_fchown, -1, 4294967295u, 1u);
    syscall(SYS_setresuid, -1, -1, -1);
    /* unsigned int arguments. */
    syscall(SYS_close_range, 0xfffffffeu, 0xffffffffu, 0);
    syscall(SYS_close_range, 0xfffffffeu, 0xffffffffu, 0x80000000u);
    /* int flags with the high bit: never sign-extended. */
    syscall(SYS_openat, AT_FDCWD, NOFILE, 0x80000003u, 0);
    syscall(SYS_openat, AT_FDCWD, NOFILE, O_RDONLY | 0x40000000u, 0);
    syscall(SYS_faccessat, AT_FDCWD, NOFILE, 0x80000000u);
    syscall(SYS_unlinkat, AT_FDCWD, NOFILE, 0xffffffffu);
    syscall(SYS_mmap, 0, 4096, 0x80000000u, 0x80000000u | MAP_PRIVATE, -1, 0);
    syscall(SYS_madvise, 0, 0, 0x7fffffff);
    syscall(SYS_lseek, -1, -1L, 0x7fffffff);
    /* Descriptors: negative, huge, AT_FDCWD as a plain fd. */
    syscall(SYS_close, -2);
    syscall(SYS_close, 0x7fffffff);
    syscall(SYS_dup3, -1, 0x7fffffff, 0x80000000u);
    syscall(SYS_fstat, -100, page);
    /* A failed call's out-struct is shown as its address. */
    syscall(SYS_fstat, -1, page);
    syscall(SYS_newfstatat, AT_FDCWD, NOFILE, page, 0);
    /* NULL and unmapped pointers. */
    syscall(SYS_openat, AT_FDCWD, NULL, O_RDONLY);
    syscall(SYS_openat, AT_FDCWD, unmapped, O_RDONLY);
    syscall(SYS_nanosleep, unmapped, NULL);
    /* tv_nsec out of range. */
    struct timespec bad = {0, -1};
    syscall(SYS_nanosleep, &bad, NULL);
    struct timespec big = {-1, 1000000000};
    syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &big, NULL);
    syscall(SYS_clock_nanosleep, 0x7fffffff, 0x80000000u, &big, NULL);
    /* Unknown values and bits of constant sets. */
    syscall(SYS_epoll_ctl, ep, 0x7fffffff, -1, NULL);
    struct epoll_event ev = {EPOLLIN | 0x1000000, {.u64 = 0x1122334455667788ull}};
    syscall(SYS_epoll_ctl, ep, EPOLL_CTL_DEL, -1, &ev);
    syscall(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, -1, &ev);
    syscall(SYS_kill, 0x7fffffff, 0);
    syscall(SYS_rt_sigprocmask, 0x7fffffff, NULL, NULL, 8);
    syscall(SYS_socket, 0x7fff, 0x7fffffff, 0x7fffffff);
    syscall(SYS_fcntl, -1, 0x7fffffff, 0);
    syscall(SYS_flock, -1, 0x7fffffff);
    syscall(SYS_fadvise64, -1, 0, 0, 0x7fffffff);
    syscall(SYS_getrandom, NULL, 0, 0x7fffffff);
    syscall(SYS_umask, 0xffffffffu);
    syscall(SYS_umask, 022);
    return 0;
}
