/* utime's struct utimbuf: an ordinary time, 0 (no comment), -1, past 2038, NULL, unreadable. */
#include <sys/syscall.h>
#include <unistd.h>
#include <utime.h>
#include "marker.h"

int main(void) {
    struct utimbuf plain = {1234567890, 0}, odd = {-1, 2000000000};
    BEGIN();
    syscall(SYS_utime, "/nonexistent/lstar-utime", &plain);
    syscall(SYS_utime, "/nonexistent/lstar-utime", &odd);
    syscall(SYS_utime, "/nonexistent/lstar-utime", NULL);
    syscall(SYS_utime, "/nonexistent/lstar-utime", (void*)8);
    return 0;
}
