/* A signal interrupts a blocking system call of the main thread. A helper thread
 * waits until /proc shows the main thread in the call, then sends SIGUSR1.
 *   eintr      read(pipe), handler without SA_RESTART: ERESTARTSYS, then -1 EINTR
 *   restart    read(pipe), handler with SA_RESTART: ERESTARTSYS, read restarted, 1
 *   pause      pause(): ERESTARTNOHAND, then -1 EINTR
 *   nanosleep  nanosleep(): ERESTART_RESTARTBLOCK, then -1 EINTR
 * The handler writes "handler" (and in restart mode a byte into the pipe). */
#include "common.h"
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>

static int pipefd[2];
static pid_t main_tid;
static long wait_nr;
static int restart_mode;

static void on_usr1(int sig) {
    (void)sig;
    write(1, "handler\n", 8);
    if (restart_mode) write(pipefd[1], "x", 1);
}

static int in_call(void) {
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/self/task/%ld/syscall", (long)main_tid);
    FILE* f = fopen(path, "r");
    if (!f) return 0;
    int ok = fgets(buf, sizeof buf, f) != NULL && strtol(buf, NULL, 10) == wait_nr && buf[0] != 'r';
    fclose(f);
    return ok;
}

static void* helper(void* arg) {
    (void)arg;
    /* A bounded wait (about a minute) so that a broken run cannot hang forever. */
    for (int i = 0; i < 60000 && !in_call(); ++i) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    syscall(SYS_tgkill, getpid(), main_tid, SIGUSR1);
    return NULL;
}

int main(int argc, char** argv) {
    const char* mode = argc > 1 ? argv[1] : "eintr";
    restart_mode = strcmp(mode, "restart") == 0;
    main_tid = gettid();
    pipe(pipefd);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = restart_mode ? SA_RESTART : 0;
    sigaction(SIGUSR1, &sa, NULL);

    long r;
    if (strcmp(mode, "pause") == 0) wait_nr = SYS_pause;
    else if (strcmp(mode, "nanosleep") == 0) wait_nr = SYS_nanosleep;
    else wait_nr = SYS_read;
    pthread_t t;
    pthread_create(&t, NULL, helper, NULL);
    char c;
    if (wait_nr == SYS_pause) r = syscall(SYS_pause);
    else if (wait_nr == SYS_nanosleep) {
        struct timespec ts = {120, 0};
        r = syscall(SYS_nanosleep, &ts, NULL);
    } else r = syscall(SYS_read, pipefd[0], &c, 1);
    int err = errno;
    pthread_join(t, NULL);
    if (r < 0) say("%s -1 %s\n", mode, strerrorname_np(err));
    else say("%s %ld\n", mode, r);
    return 0;
}
