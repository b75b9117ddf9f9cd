/* The program's thread pointer (fs) around the in-process runtime, which makes
 * its calls with lstar's (Runtime::call_as_program) and, without FSGSBASE,
 * reads the program's from its TCB's self pointer while every one in use is
 * one (Runtime::note_thread_pointer):
 *   handler  a SIGALRM handler interrupts a blocking read: it sees the
 *            program's thread pointer and TLS, and the read returns EINTR
 *   thread   a pthread (CLONE_SETTLS) makes calls with its own TLS
 *   foreign  a thread pointer that is not a TCB (first word 0) with raw calls
 *            only, then the program's own again
 * Prints what it saw; exits 0 when everything matched. */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

static __thread long tls_value = 1;
static uintptr_t main_fs;
static volatile int handler_ok = -1;

static uintptr_t get_fs(void) {
    uintptr_t fs = 0;
    syscall(SYS_arch_prctl, ARCH_GET_FS, &fs);
    return fs;
}

static void on_alarm(int sig) {
    (void)sig;
    handler_ok = get_fs() == main_fs && tls_value == 7 && getppid() > 0;
}

static void* thread_main(void* arg) {
    (void)arg;
    tls_value = 9;
    long ppid = getppid();
    return (void*)(intptr_t)(ppid > 0 && tls_value == 9 && get_fs() != main_fs);
}

static long raw_syscall(long nr, long a1, long a2) {
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a1), "S"(a2) : "rcx", "r11", "memory");
    return ret;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    main_fs = get_fs();
    tls_value = 7;

    int fds[2];
    if (pipe(fds) != 0) return 2;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval t = {{0, 0}, {0, 50000}};
    setitimer(ITIMER_REAL, &t, NULL);
    char c;
    long n = read(fds[0], &c, 1);
    int eintr = n == -1 && errno == EINTR;
    printf("handler %d eintr %d tls %ld\n", handler_ok, eintr, tls_value);

    pthread_t th;
    void* thread_ok = NULL;
    pthread_create(&th, NULL, thread_main, NULL);
    pthread_join(th, &thread_ok);
    printf("thread %d tls %ld\n", (int)(intptr_t)thread_ok, tls_value);

    /* No libc between the two arch_prctl: its TLS is not there. */
    static uint64_t foreign[64];
    long ppid = getppid();
    long set = raw_syscall(SYS_arch_prctl, ARCH_SET_FS, (long)foreign);
    long p1 = raw_syscall(SYS_getppid, 0, 0);
    long p2 = raw_syscall(SYS_getppid, 0, 0);
    uintptr_t seen = 0;
    raw_syscall(SYS_arch_prctl, ARCH_GET_FS, (long)&seen);
    long back = raw_syscall(SYS_arch_prctl, ARCH_SET_FS, (long)main_fs);
    int foreign_ok = set == 0 && back == 0 && p1 == ppid && p2 == ppid && seen == (uintptr_t)foreign;
    printf("foreign %d tls %ld fs %d\n", foreign_ok, tls_value, get_fs() == main_fs);
    return handler_ok == 1 && eintr && thread_ok && foreign_ok && tls_value == 7 ? 0 : 1;
}
