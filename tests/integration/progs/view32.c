/* A 32-bit static program for the virtual view's i386 rows: the 16- and 32-bit
 * id calls, chown32 of FILE, then stat64 and the compat stat of it (raw calls,
 * whatever libc prefers), time and clock_gettime (through libc: the vDSO when
 * there is one). Prints one line of key=value. */
#include "common.h"
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>

struct stat64_i386 {  /* the kernel's struct stat64 for i386 (packed, 96 bytes) */
    unsigned long long st_dev;
    unsigned char pad0[4];
    unsigned long ino32;
    unsigned int st_mode, st_nlink;
    unsigned long st_uid, st_gid;
    unsigned long long st_rdev;
    unsigned char rest[52];
    unsigned long long st_ino;
} __attribute__((packed));

struct compat_stat {
    unsigned int st_dev, st_ino;
    unsigned short st_mode, st_nlink, st_uid, st_gid;
    unsigned int rest[12];
};

int main(int argc, char** argv) {
    if (argc < 2) return 2;
    long uid32 = syscall(SYS_getuid32), uid16 = syscall(SYS_getuid), gid32 = syscall(SYS_getgid32);
    long chowned = syscall(SYS_chown32, argv[1], 7, 8);
    struct stat64_i386 s64;
    struct compat_stat cs;
    long r64 = syscall(SYS_stat64, argv[1], &s64), rc = syscall(SYS_stat, argv[1], &cs);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    say("uid32=%ld uid16=%ld gid32=%ld chown=%ld stat64=%ld:%lu:%lu stat=%ld:%u:%u time=%ld clock=%ld\n", uid32, uid16,
        gid32, chowned, r64, s64.st_uid, s64.st_gid, rc, cs.st_uid, cs.st_gid, (long)syscall(SYS_time, 0),
        (long)ts.tv_sec);
    return 0;
}
