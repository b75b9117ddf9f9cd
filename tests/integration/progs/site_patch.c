/* Call sites the in-process runtime may patch (entry/inproc/site_patch.cpp),
 * tried the ways a program could notice or break a patch. Each mode prints what
 * it saw; the test compares with a native run and with LSTAR_INPROC_PATCH=off.
 *
 *   calls N      N getppid() (glibc's `mov $nr,%eax; syscall`), N syscall(SYS_getppid)
 *                (glibc's syscall(3)) and N writes to /dev/null; prints whether those
 *                libc sites begin with a jmp (patched) afterwards
 *   threads N    8 threads, started together, each N getppid() and syscall(SYS_gettid)
 *                through the same two sites while they are patched
 *   own N        N calls from a site in this program's text: its checksum before and
 *                after, whether it was patched, and the registers the kernel keeps
 *                across a syscall (vector registers, MXCSR, the direction flag)
 *   longjmp N    N blocking reads left by a SIGALRM handler's siglongjmp, the handler
 *                making calls of its own
 *   vfork N      N getppid(), then a vfork child and a posix_spawn'd child that make them too
 *   gs N         N calls with %gs set to a block of the program's
 *   jit N        N calls from code the program wrote into anonymous memory (a JIT's):
 *                never patched, whatever it does with its pages
 */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int jumps_at(const void *code) { return *(const unsigned char *)code == 0xe9; }

/* glibc's syscall(3): its `mov 0x8(%rsp),%r9` ends at the syscall. */
static int syscall_function_patched(void) {
    const unsigned char *p = (const unsigned char *)syscall;
    for (int i = 0; i < 64; ++i)
        if (p[i] == 0x0f && p[i + 1] == 0x05) return i >= 5 && p[i - 5] == 0xe9;
    return 0;
}

static void calls(long n) {
    pid_t parent = getppid();
    FILE *null = fopen("/dev/null", "w");
    int fd = fileno(null);
    for (long i = 0; i < n; ++i) {
        if (getppid() != parent || syscall(SYS_getppid) != parent || write(fd, "x", 1) != 1) {
            printf("wrong result at %ld\n", i);
            exit(1);
        }
    }
    printf("getppid site patched: %d\nsyscall(3) site patched: %d\n", jumps_at((void *)getppid),
           syscall_function_patched());
}

static long per_thread;
static pthread_barrier_t start_line;
static pid_t parent_pid;

static void *racer(void *arg) {
    (void)arg;
    pid_t self = (pid_t)syscall(SYS_gettid);
    pthread_barrier_wait(&start_line);
    for (long i = 0; i < per_thread; ++i)
        if (getppid() != parent_pid || syscall(SYS_gettid) != self) return (void *)1;
    return NULL;
}

static int threads(long n) {
    enum { kThreads = 8 };
    pthread_t t[kThreads];
    per_thread = n;
    parent_pid = getppid();
    pthread_barrier_init(&start_line, NULL, kThreads);
    for (int i = 0; i < kThreads; ++i) pthread_create(&t[i], NULL, racer, NULL);
    int bad = 0;
    for (int i = 0; i < kThreads; ++i) {
        void *r;
        pthread_join(t[i], &r);
        bad += r != NULL;
    }
    printf("threads with a wrong result: %d\n", bad);
    return bad != 0;
}

/* A site of this program's own: the kernel keeps every register but rax, rcx
 * and r11 across it, vector registers and flags included. */
extern char own_site[];
static long own_getppid(const double in[4], double out[4], unsigned *mxcsr_out, long *df_out) {
    long ret;
    __asm__ volatile("vmovupd (%[in]), %%ymm7\n\t"
                     "vmovupd (%[in]), %%ymm15\n\t"
                     "std\n\t"
                     ".globl own_site\n"
                     "own_site:\n\t"
                     "mov $110, %%eax\n\t"
                     "syscall\n\t"
                     "pushfq\n\t"
                     "pop %[df]\n\t"
                     "cld\n\t"
                     "vmovupd %%ymm7, (%[out])\n\t"
                     "vaddpd %%ymm15, %%ymm7, %%ymm7\n\t"
                     "vmovupd %%ymm7, 0(%[out])\n\t"
                     "stmxcsr (%[mx])\n\t"
                     : "=a"(ret), [df] "=r"(*df_out)
                     : [in] "r"(in), [out] "r"(out), [mx] "r"(mxcsr_out)
                     : "rcx", "r11", "memory", "xmm7", "xmm15", "cc");
    return ret;
}

static uint32_t checksum(const unsigned char *from, const unsigned char *to) {
    uint32_t sum = 0;
    for (const unsigned char *p = from; p < to; ++p) sum = sum * 31 + *p;
    return sum;
}

static int own(long n) {
    extern char __executable_start[], etext[];
    uint32_t before = checksum((unsigned char *)__executable_start, (unsigned char *)etext);
    unsigned mxcsr = 0x7f80; /* exceptions masked, round toward zero (lstar's code must not see it) */
    __asm__ volatile("ldmxcsr %0" ::"m"(mxcsr));
    double in[4] = {1.5, 2.5, 3.5, 4.5}, out[4];
    int wrong = 0;
    pid_t parent = getppid();
    for (long i = 0; i < n; ++i) {
        unsigned seen = 0;
        long flags = 0;
        if (own_getppid(in, out, &seen, &flags) != parent) ++wrong;
        for (int k = 0; k < 4; ++k) wrong += out[k] != 2 * in[k];
        wrong += seen != mxcsr;
        wrong += !(flags & 0x400); /* DF */
    }
    mxcsr = 0x1f80;
    __asm__ volatile("ldmxcsr %0" ::"m"(mxcsr));
    uint32_t after = checksum((unsigned char *)__executable_start, (unsigned char *)etext);
    printf("own site patched: %d\ntext unchanged: %d\nregisters wrong: %d\n", jumps_at(own_site), before == after,
           wrong);
    return wrong != 0;
}

static sigjmp_buf back;
static volatile int handler_calls;
static void on_alarm(int sig) {
    (void)sig;
    handler_calls += getppid() > 0;
    siglongjmp(back, 1);
}

static int longjmps(long n) {
    int p[2];
    if (pipe(p) != 0) return 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    for (long i = 0; i < 100; ++i) getppid(); /* the site is patched before the first jump */
    volatile long left = 0;
    for (volatile long i = 0; i < n; ++i) {
        if (sigsetjmp(back, 1) == 0) {
            struct itimerval t = {{0, 0}, {0, 2000}};
            setitimer(ITIMER_REAL, &t, NULL);
            char c;
            (void)read(p[0], &c, 1);
            printf("read returned\n");
            return 1;
        }
        ++left;
    }
    printf("reads left by siglongjmp: %ld, handler calls: %d, getppid patched: %d\n", left, handler_calls,
           jumps_at((void *)getppid));
    return 0;
}

static int vforks(long n, const char *self) {
    pid_t parent = getppid();
    for (long i = 0; i < n; ++i)
        if (getppid() != parent) return 1;
    pid_t me = getpid();
    pid_t child = vfork();
    if (child == 0) {
        for (int i = 0; i < 20; ++i)
            if (getppid() != me) _exit(3);
        _exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
    char *argv[] = {(char *)self, "calls", "100", NULL};
    pid_t spawned;
    int spawn_status = 0;
    if (posix_spawn(&spawned, self, NULL, NULL, argv, environ) != 0) return 1;
    waitpid(spawned, &spawn_status, 0);
    printf("vfork child: %d, spawned child: %d\n", WEXITSTATUS(status), WEXITSTATUS(spawn_status));
    return status != 0 || spawn_status != 0;
}

static int gs(long n) {
    static uint64_t block[2] = {0x1122334455667788ull, 0};
    if (syscall(SYS_arch_prctl, ARCH_SET_GS, block) != 0) return 1;
    int wrong = 0;
    for (long i = 0; i < n; ++i) {
        uint64_t seen;
        getppid();
        __asm__ volatile("mov %%gs:0, %0" : "=r"(seen));
        wrong += seen != block[0];
    }
    printf("gs reads wrong: %d\n", wrong);
    return wrong != 0;
}

static int jit(long n) {
    static const unsigned char code[] = {0xb8, 0x6e, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xc3}; /* getppid; ret */
    unsigned char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) return 1;
    memcpy(page, code, sizeof code);
    long (*call)(void) = (long (*)(void))page;
    pid_t parent = getppid();
    int wrong = 0;
    for (long i = 0; i < n; ++i) wrong += call() != parent;
    printf("jit calls wrong: %d, jit code unchanged: %d\n", wrong, memcmp(page, code, sizeof code) == 0);
    return wrong != 0;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: site_patch calls|threads|own|longjmp|vfork|gs|jit N\n");
        return 2;
    }
    long n = strtol(argv[2], NULL, 10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!strcmp(argv[1], "calls")) return calls(n), 0;
    if (!strcmp(argv[1], "threads")) return threads(n);
    if (!strcmp(argv[1], "own")) return own(n);
    if (!strcmp(argv[1], "longjmp")) return longjmps(n);
    if (!strcmp(argv[1], "vfork")) return vforks(n, argv[0]);
    if (!strcmp(argv[1], "gs")) return gs(n);
    if (!strcmp(argv[1], "jit")) return jit(n);
    return 2;
}
