/* Tries to reach outside its Landlock scope (policy [scope]): every way to signal
 * process PID, and to reach the abstract unix sockets STREAM and DGRAM, which
 * processes outside bound. Then the same towards a child of its own, which the
 * scope allows. One line per attempt: "what: ok" or "what: ERRNO".
 *
 *   scope_escape PID STREAM DGRAM
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static void say(const char *what, long rc) {
    printf("%s: %s\n", what, rc == 0 ? "ok" : strerrorname_np(errno));
}

static socklen_t abstract(struct sockaddr_un *a, const char *name) {
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    size_t n = strlen(name);
    memcpy(a->sun_path + 1, name, n);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

static void signals(const char *who, pid_t pid) {
    char what[64];
    snprintf(what, sizeof what, "%s kill 0", who);
    say(what, kill(pid, 0));
    snprintf(what, sizeof what, "%s kill SIGCONT", who);
    say(what, kill(pid, SIGCONT));
    snprintf(what, sizeof what, "%s tgkill", who);
    say(what, syscall(SYS_tgkill, pid, pid, SIGCONT));
    siginfo_t info;
    memset(&info, 0, sizeof info);
    info.si_code = SI_QUEUE;
    info.si_pid = getpid();
    info.si_uid = getuid();
    snprintf(what, sizeof what, "%s rt_sigqueueinfo", who);
    say(what, syscall(SYS_rt_sigqueueinfo, pid, SIGCONT, &info));
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    snprintf(what, sizeof what, "%s pidfd_send_signal", who);
    say(what, pidfd < 0 ? -1 : syscall(SYS_pidfd_send_signal, pidfd, SIGCONT, NULL, 0));
    if (pidfd >= 0) close(pidfd);
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: scope_escape PID STREAM DGRAM\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    signals("outside", (pid_t)atoi(argv[1]));

    struct sockaddr_un a;
    socklen_t len = abstract(&a, argv[2]);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    say("outside stream connect", connect(s, (struct sockaddr *)&a, len));
    close(s);
    len = abstract(&a, argv[3]);
    int d = socket(AF_UNIX, SOCK_DGRAM, 0);
    say("outside dgram sendto", sendto(d, "x", 1, 0, (struct sockaddr *)&a, len) == 1 ? 0 : -1);
    say("outside dgram connect", connect(d, (struct sockaddr *)&a, len));
    close(d);

    /* A child of its own, and a socket it bound itself: inside the scope. */
    pid_t child = fork();
    if (child == 0) {
        pause();
        _exit(0);
    }
    signals("own", child);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    char name[64];
    snprintf(name, sizeof name, "lstar-scope-own-%d", getpid());
    len = abstract(&a, name);
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    if (bind(l, (struct sockaddr *)&a, len) != 0 || listen(l, 1) != 0) return 1;
    s = socket(AF_UNIX, SOCK_STREAM, 0);
    say("own stream connect", connect(s, (struct sockaddr *)&a, len));
    return 0;
}
