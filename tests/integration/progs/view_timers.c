/* Waits of every kind the view of time moves, each for N ms (argv[1], default
 * 300): relative waits (timerfd, timer_settime, FUTEX_WAIT, rt_sigtimedwait,
 * semtimedop, io_getevents, io_pgetevents, ppoll) and absolute ones at "virtual
 * now + N" on the clock they name (timerfd TFD_TIMER_ABSTIME and timer_settime
 * TIMER_ABSTIME on CLOCK_REALTIME, clock_nanosleep TIMER_ABSTIME, FUTEX_WAIT_BITSET
 * on CLOCK_REALTIME and CLOCK_MONOTONIC, futex_waitv, mq_timedreceive). For each
 * it prints "<name> waited=<ms on the program's clock> ok" when the call came
 * back and the program's clock then read at least N ms later (past the deadline),
 * "<name> ... short" when it did not, "<name> skipped (<why>)" when the kernel
 * refuses the facility. Then timerfd_gettime's and timer_gettime's remaining
 * time right after arming for N ms: "left_ms=<ms>", in the program's time. */
#define _GNU_SOURCE
#include "common.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <linux/futex.h>
#include <mqueue.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

static long wait_ms = 300;

static long long now_ns(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
static struct timespec ts_of(long long ns) {
    struct timespec ts = {ns / 1000000000LL, ns % 1000000000LL};
    return ts;
}

static long long started;
static clockid_t started_on;
static void begin(clockid_t clock) {
    started_on = clock;
    started = now_ns(clock);
}
static void end(const char* name) {
    long long waited = now_ns(started_on) - started;
    say("%s waited=%lld %s\n", name, waited / 1000000, waited >= wait_ms * 1000000LL ? "ok" : "short");
}
static void skipped(const char* name, const char* why) { say("%s skipped (%s)\n", name, why); }

static void timerfd_wait(clockid_t clock, int absolute, const char* name) {
    int fd = timerfd_create(clock, 0);
    if (fd < 0) return skipped(name, strerror(errno));
    begin(clock);
    struct itimerspec its = {{0, 0}, ts_of(absolute ? started + wait_ms * 1000000LL : wait_ms * 1000000LL)};
    if (timerfd_settime(fd, absolute ? TFD_TIMER_ABSTIME : 0, &its, NULL) != 0) return skipped(name, strerror(errno));
    uint64_t ticks;
    read(fd, &ticks, sizeof ticks);
    end(name);
    close(fd);
}

static void posix_timer_wait(clockid_t clock, int absolute, const char* name) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1};
    timer_t timer;
    if (timer_create(clock, &ev, &timer) != 0) return skipped(name, strerror(errno));
    begin(clock);
    struct itimerspec its = {{0, 0}, ts_of(absolute ? started + wait_ms * 1000000LL : wait_ms * 1000000LL)};
    timer_settime(timer, absolute ? TIMER_ABSTIME : 0, &its, NULL);
    int sig;
    sigwait(&set, &sig);
    end(name);
    timer_delete(timer);
}

static void futex_wait(int op, clockid_t clock, int absolute, const char* name) {
    static uint32_t word = 0;
    begin(clock);
    struct timespec ts = ts_of(absolute ? started + wait_ms * 1000000LL : wait_ms * 1000000LL);
    long r = syscall(SYS_futex, &word, op, 0, &ts, NULL, FUTEX_BITSET_MATCH_ANY);
    if (r != -1 || errno != ETIMEDOUT) return skipped(name, strerror(errno));
    end(name);
}

#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif
struct waitv {
    uint64_t val, uaddr;
    uint32_t flags, reserved;
};

static void futex_waitv_wait(void) {
    static uint32_t word = 0;
    struct waitv w = {0, (uintptr_t)&word, 2 /* FUTEX2_SIZE_U32 */ | 128 /* FUTEX2_PRIVATE */, 0};
    begin(CLOCK_MONOTONIC);
    struct timespec ts = ts_of(started + wait_ms * 1000000LL);
    long r = syscall(SYS_futex_waitv, &w, 1, 0, &ts, CLOCK_MONOTONIC);
    if (r != -1 || errno != ETIMEDOUT) return skipped("futex_waitv", strerror(errno));
    end("futex_waitv");
}

static void left_after_arming(void) {
    int fd = timerfd_create(CLOCK_MONOTONIC, 0);
    struct itimerspec its = {{0, 0}, ts_of(wait_ms * 1000000LL)}, left;
    timerfd_settime(fd, 0, &its, NULL);
    timerfd_gettime(fd, &left);
    say("timerfd_gettime left_ms=%lld\n", ((long long)left.it_value.tv_sec * 1000000000LL + left.it_value.tv_nsec) / 1000000);
    close(fd);
    timer_t timer;
    struct sigevent ev = {.sigev_notify = SIGEV_NONE};
    timer_create(CLOCK_MONOTONIC, &ev, &timer);
    timer_settime(timer, 0, &its, NULL);
    timer_gettime(timer, &left);
    say("timer_gettime left_ms=%lld\n", ((long long)left.it_value.tv_sec * 1000000000LL + left.it_value.tv_nsec) / 1000000);
    timer_delete(timer);
}

int main(int argc, char** argv) {
    if (argc > 1) wait_ms = atol(argv[1]);
    struct timespec rel = ts_of(wait_ms * 1000000LL);

    timerfd_wait(CLOCK_MONOTONIC, 0, "timerfd");
    timerfd_wait(CLOCK_REALTIME, 1, "timerfd_abstime_realtime");
    timerfd_wait(CLOCK_MONOTONIC, 1, "timerfd_abstime_monotonic");
    posix_timer_wait(CLOCK_MONOTONIC, 0, "timer_settime");
    posix_timer_wait(CLOCK_REALTIME, 1, "timer_settime_abstime_realtime");

    begin(CLOCK_REALTIME);
    struct timespec until = ts_of(started + wait_ms * 1000000LL);
    while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &until, NULL) == EINTR) {}
    end("clock_nanosleep_abstime_realtime");

    futex_wait(FUTEX_WAIT_PRIVATE, CLOCK_MONOTONIC, 0, "futex_wait");
    futex_wait(FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, CLOCK_REALTIME, 1, "futex_wait_bitset_realtime");
    futex_wait(FUTEX_WAIT_BITSET_PRIVATE, CLOCK_MONOTONIC, 1, "futex_wait_bitset_monotonic");
    futex_waitv_wait();

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, NULL);
    begin(CLOCK_MONOTONIC);
    if (sigtimedwait(&set, NULL, &rel) == -1 && errno == EAGAIN) end("rt_sigtimedwait");
    else skipped("rt_sigtimedwait", strerror(errno));

    int sem = semget(IPC_PRIVATE, 1, 0600);
    if (sem >= 0) {
        struct sembuf op = {0, -1, 0};
        begin(CLOCK_MONOTONIC);
        if (semtimedop(sem, &op, 1, &rel) == -1 && errno == EAGAIN) end("semtimedop");
        else skipped("semtimedop", strerror(errno));
        semctl(sem, 0, IPC_RMID);
    } else {
        skipped("semtimedop", strerror(errno));
    }

    aio_context_t ctx = 0;
    if (syscall(SYS_io_setup, 4, &ctx) == 0) {
        struct io_event ev;
        begin(CLOCK_MONOTONIC);
        if (syscall(SYS_io_getevents, ctx, 1, 1, &ev, &rel) == 0) end("io_getevents");
        else skipped("io_getevents", strerror(errno));
        begin(CLOCK_MONOTONIC);
        if (syscall(SYS_io_pgetevents, ctx, 1, 1, &ev, &rel, NULL) == 0) end("io_pgetevents");
        else skipped("io_pgetevents", strerror(errno));
        syscall(SYS_io_destroy, ctx);
    } else {
        skipped("io_getevents", strerror(errno));
    }

    struct mq_attr attr = {.mq_maxmsg = 1, .mq_msgsize = 8};
    char name[64];
    snprintf(name, sizeof name, "/lstar-view-timers-%d", (int)getpid());
    mqd_t q = mq_open(name, O_CREAT | O_RDWR, 0600, &attr);
    if (q != (mqd_t)-1) {
        mq_unlink(name);
        char msg[8];
        begin(CLOCK_REALTIME);
        struct timespec deadline = ts_of(started + wait_ms * 1000000LL);
        if (mq_timedreceive(q, msg, sizeof msg, NULL, &deadline) == -1 && errno == ETIMEDOUT) end("mq_timedreceive");
        else skipped("mq_timedreceive", strerror(errno));
        mq_close(q);
    } else {
        skipped("mq_timedreceive", strerror(errno));
    }

    begin(CLOCK_MONOTONIC);
    struct timespec left = rel;
    ppoll(NULL, 0, &left, NULL);
    end("ppoll");

    left_after_arming();
    return 0;
}
