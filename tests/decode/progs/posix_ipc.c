/* Struct printers that were addresses once: mq_open/mq_getsetattr's mq_attr,
   landlock_create_ruleset's ruleset attr, timer_create's sigevent (and its
   timer id); NULL and unreadable pointers; mq_open without O_CREAT (two
   arguments shown). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/landlock.h>
#include <mqueue.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "marker.h"

int main(void) {
    struct mq_attr attr = {.mq_flags = 0, .mq_maxmsg = 4, .mq_msgsize = 64, .mq_curmsgs = 0}, old;
    struct landlock_ruleset_attr rs = {.handled_access_fs = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE};
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGUSR1;
    sev.sigev_value.sival_int = 42;
    struct sigevent none;
    memset(&none, 0, sizeof none);
    none.sigev_notify = SIGEV_NONE;
    timer_t id;
    BEGIN();
    int q = syscall(SYS_mq_open, "lstar-golden-mq", O_CREAT | O_RDWR, 0600, &attr);
    syscall(SYS_mq_getsetattr, q, NULL, &old);
    syscall(SYS_mq_getsetattr, q, &attr, NULL);
    syscall(SYS_mq_unlink, "lstar-golden-mq");
    syscall(SYS_mq_open, "lstar-golden-mq2", O_RDONLY, 0, (void*)8);
    int r = syscall(SYS_landlock_create_ruleset, &rs, sizeof rs, 0);
    if (r >= 0) close(r);
    syscall(SYS_landlock_create_ruleset, (void*)8, sizeof rs, 0);
    syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &id);
    syscall(SYS_timer_delete, id);
    syscall(SYS_timer_create, CLOCK_MONOTONIC, &none, &id);
    syscall(SYS_timer_create, CLOCK_MONOTONIC, NULL, &id);
    return 0;
}
