/* Prints the node name uname(2) reports. */
#include "common.h"
#include <sys/utsname.h>

int main(void) {
    struct utsname u;
    if (uname(&u) != 0) { say("uname: %s\n", strerror(errno)); return 1; }
    say("%s\n", u.nodename);
    return 0;
}
