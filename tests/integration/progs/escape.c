// Attempts to get around a sandbox, one way per mode. Run under
// `lstar run --deny-path DIR/secret` (path modes) or `--deny uname` (call
// modes). Prints "ESCAPED: how" and exits 1 when it got through, prints
// "denied: ERRNO" and exits 0 when it did not, exits 2 when it could not set the
// attempt up.
//   escape MODE DIR
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

static const char* dir;
static char secret[4096];

// Reads what fd holds: an escape when it is the secret.
static int check_fd(int fd, const char* how) {
    if (fd < 0) {
        printf("denied: %s (%s)\n", strerrorname_np(errno), how);
        return 0;
    }
    char buf[64] = {0};
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n > 0 && strstr(buf, "SECRET")) {
        printf("ESCAPED: %s\n", how);
        return 1;
    }
    printf("denied: read %zd (%s)\n", n, how);
    return 0;
}

static int check_call(long rc, const char* how) {
    if (rc < 0) {
        printf("denied: %s (%s)\n", strerrorname_np(errno), how);
        return 0;
    }
    printf("ESCAPED: %s returned %ld\n", how, rc);
    return 1;
}

static char* path(const char* name) {
    static char buf[8][4200];
    static int next;
    char* p = buf[next++ % 8];
    snprintf(p, 4200, "%s/%s", dir, name);
    return p;
}

// The race: one thread flips the path between an allowed file and the secret
// while the other opens it, many times.
static char race_buf[4200];
static volatile int race_stop;
static void* flipper(void* arg) {
    (void)arg;
    const char* allowed = path("allowed");
    while (!race_stop) {
        strcpy(race_buf, allowed);
        strcpy(race_buf, secret);
    }
    return NULL;
}

// exec_race: flips the exec path between an allowed program (one that runs
// "ran", which would say ESCAPED... so the allowed one is /bin/true's) and DIR/tool.
static void* flip_exec(void* arg) {
    (void)arg;
    for (;;) {
        strcpy(race_buf, "/bin/true");
        strcpy(race_buf, secret);
    }
    return NULL;
}

// call_thread: the thread's attempt.
static long thread_rc;
static int thread_errno;
static void* uname_in_thread(void* arg) {
    struct utsname u;
    (void)arg;
    thread_rc = syscall(SYS_uname, &u);
    thread_errno = errno;
    return NULL;
}

// call_notify: the program's own user-notify listener answers CONTINUE for the
// denied call (USER_NOTIF outranks a filter's errno... were the listener allowed).
static int listener = -1;
static void* answer_continue(void* arg) {
    (void)arg;
    struct seccomp_notif req;
    struct seccomp_notif_resp resp;
    for (;;) {
        memset(&req, 0, sizeof req);
        if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) return NULL;
        memset(&resp, 0, sizeof resp);
        resp.id = req.id;
        resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
        ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
    }
}

static int race(int tries) {
    int escaped = 0;
    for (int i = 0; i < tries; ++i) {
        int fd = open(race_buf, O_RDONLY);
        if (fd < 0) continue;
        char buf[16] = {0};
        if (read(fd, buf, sizeof buf - 1) > 0 && strstr(buf, "SECRET")) ++escaped;
        close(fd);
    }
    return escaped;
}

int main(int argc, char** argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: escape MODE DIR\n");
        return 2;
    }
    const char* mode = argv[1];
    dir = argv[2];
    snprintf(secret, sizeof secret, "%s/secret", dir);
    setvbuf(stdout, NULL, _IONBF, 0);

    if (!strcmp(mode, "open")) return check_fd(open(secret, O_RDONLY), "open");
    if (!strcmp(mode, "write")) return check_call(open(secret, O_WRONLY | O_APPEND), "open for writing");
    if (!strcmp(mode, "dotdot")) return check_fd(open(path("sub/../secret"), O_RDONLY), "sub/../secret");
    if (!strcmp(mode, "symlink")) {
        // A link made by the program, beside the secret and elsewhere.
        char link_elsewhere[4096];
        snprintf(link_elsewhere, sizeof link_elsewhere, "/tmp/lstar-escape-link-%d", getpid());
        if (symlink(secret, link_elsewhere) != 0) return 2;
        int r = check_fd(open(link_elsewhere, O_RDONLY), "symlink in /tmp");
        unlink(link_elsewhere);
        symlink(secret, path("link"));
        return r | check_fd(open(path("link"), O_RDONLY), "symlink beside it");
    }
    if (!strcmp(mode, "hardlink")) {
        char elsewhere[4096];
        snprintf(elsewhere, sizeof elsewhere, "/tmp/lstar-escape-hard-%d", getpid());
        int r = 0;
        if (link(secret, elsewhere) == 0) r |= check_fd(open(elsewhere, O_RDONLY), "hard link in /tmp"), unlink(elsewhere);
        else printf("denied: %s (link to /tmp)\n", strerrorname_np(errno));
        if (link(secret, path("sub/hard")) == 0) r |= check_fd(open(path("sub/hard"), O_RDONLY), "hard link beside it");
        else printf("denied: %s (link beside it)\n", strerrorname_np(errno));
        return r;
    }
    if (!strcmp(mode, "rename")) {
        if (rename(secret, path("moved")) == 0) return check_fd(open(path("moved"), O_RDONLY), "renamed");
        if (rename(secret, "/tmp/lstar-escape-moved") == 0) return check_fd(open("/tmp/lstar-escape-moved", O_RDONLY), "moved to /tmp");
        printf("denied: %s (rename)\n", strerrorname_np(errno));
        return 0;
    }
    if (!strcmp(mode, "unlink")) return check_call(unlink(secret), "unlink");
    if (!strcmp(mode, "proc_root")) {
        char p[4200];
        snprintf(p, sizeof p, "/proc/self/root%s", secret);
        return check_fd(open(p, O_RDONLY), "/proc/self/root");
    }
    if (!strcmp(mode, "dirfd")) {
        int d = open(dir, O_RDONLY | O_DIRECTORY);
        if (d < 0) d = open(dir, O_PATH | O_DIRECTORY);
        if (d < 0) return 2;
        return check_fd(openat(d, "secret", O_RDONLY), "dirfd + openat");
    }
    if (!strcmp(mode, "openat2")) {
        struct open_how how = {.flags = O_RDONLY};
        return check_fd((int)syscall(SYS_openat2, AT_FDCWD, secret, &how, sizeof how), "openat2");
    }
    if (!strcmp(mode, "opath")) {
        int o = open(secret, O_PATH);
        if (o < 0) {
            printf("denied: %s (O_PATH)\n", strerrorname_np(errno));
            return 0;
        }
        char p[64];
        snprintf(p, sizeof p, "/proc/self/fd/%d", o);
        return check_fd(open(p, O_RDONLY), "/proc/self/fd of an O_PATH fd");
    }
    if (!strcmp(mode, "handle")) {
        struct file_handle* h = malloc(sizeof *h + MAX_HANDLE_SZ);
        h->handle_bytes = MAX_HANDLE_SZ;
        int mount_id;
        if (name_to_handle_at(AT_FDCWD, secret, h, &mount_id, 0) != 0) {
            printf("denied: %s (name_to_handle_at)\n", strerrorname_np(errno));
            return 0;
        }
        int m = open(dir, O_RDONLY | O_DIRECTORY);
        if (m < 0) m = open("/", O_RDONLY | O_DIRECTORY);
        return check_fd(open_by_handle_at(m, h, O_RDONLY), "open_by_handle_at");
    }
    if (!strcmp(mode, "race") || !strcmp(mode, "race_process")) {
        // Another thread, or another process through process_vm_writev, flips the path.
        strcpy(race_buf, path("allowed"));
        pthread_t t;
        pid_t writer = -1;
        if (!strcmp(mode, "race")) {
            pthread_create(&t, NULL, flipper, NULL);
        } else {
            pid_t me = getpid();
            writer = fork();
            if (writer == 0) {
                char a[4200], s[4200];
                strcpy(a, path("allowed"));
                strcpy(s, secret);
                for (;;) {
                    struct iovec local[2] = {{a, strlen(a) + 1}, {s, strlen(s) + 1}};
                    struct iovec remote = {race_buf, 0};
                    for (int i = 0; i < 2; ++i) {
                        remote.iov_len = local[i].iov_len;
                        if (process_vm_writev(me, &local[i], 1, &remote, 1, 0) < 0) {
                            printf("denied: %s (process_vm_writev)\n", strerrorname_np(errno));
                            _exit(0);
                        }
                    }
                }
            }
        }
        int escaped = race(20000);
        race_stop = 1;
        if (writer > 0) {
            kill(writer, SIGKILL);
            waitpid(writer, NULL, 0);
        } else {
            pthread_join(t, NULL);
        }
        if (escaped) {
            printf("ESCAPED: %d of 20000 opens read the secret\n", escaped);
            return 1;
        }
        printf("denied: 0 of 20000 opens read the secret\n");
        return 0;
    }
    if (!strcmp(mode, "fork")) {
        pid_t pid = fork();
        if (pid == 0) _exit(check_fd(open(secret, O_RDONLY), "forked child"));
        int st;
        waitpid(pid, &st, 0);
        return WIFEXITED(st) ? WEXITSTATUS(st) : 2;
    }
    if (!strcmp(mode, "exec")) {
        // A new program: the same attempt from a fresh image.
        execl("/proc/self/exe", argv[0], "open", dir, (char*)NULL);
        return 2;
    }
    if (!strcmp(mode, "mount")) {
        // A bind mount in a user namespace of its own: the secret under another path.
        if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
            printf("denied: %s (unshare)\n", strerrorname_np(errno));
            return 0;
        }
        char where[64];
        snprintf(where, sizeof where, "/tmp/lstar-escape-mnt-%d", getpid());
        mkdir(where, 0700);
        int r = 0;
        if (mount(dir, where, NULL, MS_BIND, NULL) == 0) {
            char p[128];
            snprintf(p, sizeof p, "%s/secret", where);
            r = check_fd(open(p, O_RDONLY), "bind mount");
            umount(where);
        } else {
            printf("denied: %s (mount)\n", strerrorname_np(errno));
        }
        rmdir(where);
        return r;
    }
    if (!strcmp(mode, "exec_denied")) {
        // DIR/tool is a copy of this program; running it is what the rule denies.
        char* args[] = {"tool", "ran", (char*)dir, NULL};
        execv(path("tool"), args);
        printf("denied: %s (execve)\n", strerrorname_np(errno));
        return 0;
    }
    if (!strcmp(mode, "ran")) {
        printf("ESCAPED: the denied program ran\n");
        return 1;
    }
    if (!strcmp(mode, "exec_race")) {
        // The path of execve flipped by another thread between an allowed program
        // and DIR/tool after the check: each try in a fresh child.
        const int tries = 300;
        int ran = 0, killed = 0;
        for (int i = 0; i < tries; ++i) {
            int out[2];
            if (pipe(out) != 0) return 2;
            pid_t pid = fork();
            if (pid == 0) {
                dup2(out[1], 1);
                strcpy(race_buf, path("tool"));
                strcpy(secret, path("tool"));  // the flipper's second name
                pthread_t t;
                pthread_create(&t, NULL, flip_exec, NULL);
                char* args[] = {"tool", "ran", (char*)dir, NULL};
                for (;;) execv(race_buf, args);  // the denied name fails; the allowed one runs
            }
            close(out[1]);
            char buf[256] = {0};
            ssize_t n, got = 0;
            while ((n = read(out[0], buf + got, sizeof buf - 1 - got)) > 0) got += n;
            close(out[0]);
            int st;
            waitpid(pid, &st, 0);
            if (strstr(buf, "ESCAPED")) ++ran;
            if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) ++killed;
        }
        if (ran) {
            printf("ESCAPED: %d of %d execs ran the denied program\n", ran, tries);
            return 1;
        }
        printf("denied: 0 of %d execs ran the denied program (%d killed at their exec)\n", tries, killed);
        return 0;
    }
    if (!strcmp(mode, "io_uring")) {
        struct io_uring_params p;
        memset(&p, 0, sizeof p);
        return check_call(syscall(SYS_io_uring_setup, 4, &p), "io_uring_setup");
    }
    if (!strcmp(mode, "watch")) {
        // Until killed: tries the secret every 10 ms, reporting each escape.
        printf("ready %d\n", getpid());
        for (;;) {
            int fd = open(secret, O_RDONLY);
            if (fd >= 0 && check_fd(fd, "after lstar died")) return 1;
            usleep(10000);
        }
    }

    // Call modes: the denied call (uname) by other ways.
    struct utsname u;
    if (!strcmp(mode, "call")) return check_call(syscall(SYS_uname, &u), "uname by syscall(2)");
    if (!strcmp(mode, "call_x32")) return check_call(syscall(0x40000000L | SYS_uname, &u), "uname with the x32 bit");
    if (!strcmp(mode, "call_int80")) {
        long rc;
        static struct utsname low;  // static: below 4 GiB in a non-PIE program
        asm volatile("int $0x80" : "=a"(rc) : "a"(122L), "b"(&low) : "memory");
        if (rc < 0) errno = (int)-rc;
        return check_call(rc < 0 ? -1 : rc, "uname through int $0x80");
    }
    if (!strcmp(mode, "call_fork")) {
        pid_t pid = fork();
        if (pid == 0) _exit(check_call(syscall(SYS_uname, &u), "uname in a forked child"));
        int st;
        waitpid(pid, &st, 0);
        return WIFEXITED(st) ? WEXITSTATUS(st) : 2;
    }
    if (!strcmp(mode, "call_exec")) {
        execl("/proc/self/exe", argv[0], "call", dir, (char*)NULL);
        return 2;
    }
    if (!strcmp(mode, "call_notify")) {
        struct sock_filter f[] = {
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_uname, 0, 1),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        struct sock_fprog prog = {4, f};
        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        listener = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
        if (listener < 0) {
            printf("denied: %s (a seccomp listener of its own)\n", strerrorname_np(errno));
            return 0;
        }
        pthread_t t;
        pthread_create(&t, NULL, answer_continue, NULL);
        return check_call(syscall(SYS_uname, &u), "uname answered by its own listener");
    }
    if (!strcmp(mode, "call_thread")) {
        // A thread made after the sandbox was entered inherits it.
        pthread_t t;
        pthread_create(&t, NULL, uname_in_thread, NULL);
        pthread_join(t, NULL);
        errno = thread_errno;
        return check_call(thread_rc, "uname in a new thread");
    }
    if (!strcmp(mode, "network")) {
        if (socket(AF_UNIX, SOCK_STREAM, 0) < 0) return 2;
        int r = check_call(socket(AF_INET, SOCK_STREAM, 0), "socket(AF_INET)");
        r |= check_call(syscall(SYS_socket, 0x100000000L | AF_INET, SOCK_STREAM, 0), "socket(AF_INET) with garbage above");
        r |= check_call(socket(AF_INET6, SOCK_DGRAM, 0), "socket(AF_INET6)");
        r |= check_call(socket(AF_PACKET, SOCK_RAW, 0), "socket(AF_PACKET)");
        return r;
    }
    fprintf(stderr, "escape: unknown mode %s\n", mode);
    return 2;
}
