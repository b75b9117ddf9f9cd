/* io_uring_setup's struct io_uring_params, where the kernel refuses it (the
 * answer of a made ring names features that depend on the kernel): flags, a work
 * queue to attach, reserved words set, an unreadable struct. */
#include <linux/io_uring.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "marker.h"

int main(void) {
    struct io_uring_params p;
    BEGIN();
    memset(&p, 0, sizeof p);
    p.flags = IORING_SETUP_SQPOLL | IORING_SETUP_CQSIZE;
    syscall(SYS_io_uring_setup, 4, &p);
    memset(&p, 0, sizeof p);
    p.flags = IORING_SETUP_ATTACH_WQ | 0x80000000u;
    p.wq_fd = 1;
    p.sq_thread_cpu = 3;
    p.sq_thread_idle = 1000;
    syscall(SYS_io_uring_setup, 4, &p);
    memset(&p, 0, sizeof p);
    p.resv[1] = 5;
    syscall(SYS_io_uring_setup, 4, &p);
    syscall(SYS_io_uring_setup, 0, &p);
    syscall(SYS_io_uring_setup, 4, (void *)8);
    return 0;
}
