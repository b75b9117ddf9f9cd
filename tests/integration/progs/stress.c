/* Many tasks at once: 6 threads each call getppid 300 times while 3 forked
 * children (each with 2 threads of its own) call it 100 times per thread;
 * the main thread calls it 7 times. 6*300 + 3*3*100 + 7 = 2707 calls in all,
 * 1807 in the parent process. */
#include "common.h"
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static int per_thread;

static void* worker(void* arg) {
    (void)arg;
    for (int k = 0; k < per_thread; ++k) syscall(SYS_getppid);
    return NULL;
}

static void run_threads(int n, int calls) {
    pthread_t t[8];
    per_thread = calls;
    for (int i = 0; i < n; ++i) pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < n; ++i) pthread_join(t[i], NULL);
}

int main(void) {
    pid_t kids[3];
    for (int i = 0; i < 3; ++i) {
        kids[i] = fork();
        if (kids[i] == 0) {
            run_threads(2, 100);
            worker(NULL);
            _exit(10 + i);
        }
    }
    run_threads(6, 300);
    for (int k = 0; k < 7; ++k) syscall(SYS_getppid);
    int sum = 0;
    for (int i = 0; i < 3; ++i) {
        int status;
        waitpid(kids[i], &status, 0);
        sum += WIFEXITED(status) ? WEXITSTATUS(status) : 100;
    }
    say("children %d\n", sum);
    return 0;
}
