// Unit tests of the decoders: escaping, constant sets, and whole calls decoded
// from a Task whose user memory is a buffer in this process.
#include <fcntl.h>
#include <signal.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <sys/wait.h>

#include <cstring>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "trace/decode.hpp"
#include "trace/decode_ctx.hpp"

namespace lstar {
namespace {

// User memory that is this process's own: addresses are real pointers.
class LocalMemory final : public UserMemory {
public:
    long read(std::uint64_t addr, void* dst, std::size_t len) override {
        std::memcpy(dst, reinterpret_cast<const void*>(addr), len);
        return static_cast<long>(len);
    }
    long write(std::uint64_t, const void*, std::size_t) override { return -EFAULT; }
    long read_string(std::uint64_t addr, char* dst, std::size_t max) override {
        const char* s = reinterpret_cast<const char*>(addr);
        std::size_t n = strnlen(s, max);
        std::memcpy(dst, s, n);
        return static_cast<long>(n);
    }
};

std::uint64_t ptr(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }

struct Call {
    LocalMemory mem;
    Task task;
    Decoder decoder{DecodeOptions{}};

    Call(std::string_view name, std::initializer_list<std::uint64_t> args, DecodeOptions o = {}) : decoder(o) {
        task.mem = &mem;
        task.sc = find_syscall(Abi::x86_64, name);
        int i = 0;
        for (std::uint64_t a : args) task.set_arg(i++, a);
        task.tid = getpid();
    }
    // The whole argument list, entry part and exit part, as the tracer joins them.
    std::string args(std::int64_t retval) {
        std::string out;
        int n = decoder.shown_args(task);
        for (int i = 0; i < n; ++i) {
            if (i) out += ", ";
            if (decoder.shown_at_exit(task, i)) task.retval = retval;
            decoder.format_arg(task, i, out);
        }
        return out;
    }
    std::string result(std::int64_t retval) {
        task.retval = retval;
        std::string out;
        decoder.format_result(task, out);
        return out;
    }
};

std::string quoted(std::string_view s, bool stop_at_nul = false) {
    std::string out;
    quote_string(out, s.data(), s.size(), stop_at_nul);
    return out;
}

TEST(Quote, EscapesLikeStrace) {
    EXPECT_EQ(quoted("a\tb\nc\v\f\r\"\\"), R"("a\tb\nc\v\f\r\"\\")");
    EXPECT_EQ(quoted(std::string_view("\177ELF\2\1", 6)), R"("\177ELF\2\1")");
    // Three octal digits when an octal digit follows.
    EXPECT_EQ(quoted(std::string_view("\0" "1\0a", 4)), R"("\0001\0a")");
    EXPECT_EQ(quoted(std::string_view("\x1b[", 2)), R"("\33[")");
    EXPECT_EQ(quoted(std::string_view("\xff", 1)), R"("\377")");
}

TEST(Decode, PathsStringsAndBuffers) {
    const char path[] = "/etc/ld.so.cache";
    Call c("openat", {static_cast<std::uint64_t>(-100), ptr(path), O_RDONLY | O_CLOEXEC, 0});
    EXPECT_EQ(c.args(3), R"(AT_FDCWD, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC)");
    EXPECT_EQ(c.result(3), "3");
    EXPECT_EQ(c.result(-ENOENT), "-1 ENOENT (No such file or directory)");

    const char text[] = "0123456789012345678901234567890123456789";
    Call w("write", {1, ptr(text), 40});
    EXPECT_EQ(w.args(40), R"(1, "01234567890123456789012345678901"..., 40)");
    Call w2("write", {1, ptr(text), 5}, DecodeOptions{.string_limit = 3});
    EXPECT_EQ(w2.args(5), R"(1, "012"..., 5)");

    char buf[8] = "hi\n";
    Call r("read", {0, ptr(buf), 8});
    EXPECT_EQ(r.args(3), R"(0, "hi\n", 8)");
    EXPECT_EQ(r.args(-EFAULT).substr(0, 5), "0, 0x");
    Call n("write", {1, 0, 3});
    EXPECT_EQ(n.args(3), "1, NULL, 3");
}

TEST(Decode, FlagsAndEnums) {
    Call o("openat", {static_cast<std::uint64_t>(-100), ptr("/x"), O_WRONLY | O_CREAT | O_TRUNC, 0644});
    EXPECT_EQ(o.args(3), R"(AT_FDCWD, "/x", O_WRONLY|O_CREAT|O_TRUNC, 0644)");
    Call u("openat", {static_cast<std::uint64_t>(-100), ptr("/x"), 0x4000000, 0});
    EXPECT_EQ(u.args(3), R"(AT_FDCWD, "/x", O_RDONLY|0x4000000)");
    Call m("mmap", {0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, static_cast<std::uint64_t>(-1), 0});
    EXPECT_EQ(m.args(0x7f0000000000), "NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0");
    EXPECT_EQ(m.result(0x7f0000000000), "0x7f0000000000");
    Call p("mprotect", {0x1000, 4096, 0});
    EXPECT_EQ(p.args(0), "0x1000, 4096, PROT_NONE");
    Call l("lseek", {3, 0, 5});
    EXPECT_EQ(l.args(0), "3, 0, 0x5 /* SEEK_??? */");
    Call raw("lseek", {3, 0, SEEK_END}, DecodeOptions{.xlat = XlatStyle::raw});
    EXPECT_EQ(raw.args(0), "3, 0, 0x2");
    Call verbose("lseek", {3, 0, SEEK_END}, DecodeOptions{.xlat = XlatStyle::verbose});
    EXPECT_EQ(verbose.args(0), "3, 0, 0x2 /* SEEK_END */");
}

TEST(Decode, SignalsAndSigsets) {
    Call k("kill", {42, SIGTERM});
    EXPECT_EQ(k.args(0), "42, SIGTERM");
    std::uint64_t set = (1ull << (SIGINT - 1)) | (1ull << (SIGTERM - 1));
    Call s("rt_sigprocmask", {SIG_BLOCK, ptr(&set), 0, 8});
    EXPECT_EQ(s.args(0), "SIG_BLOCK, [INT TERM], NULL, 8");
    std::uint64_t all = ~((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)) | (1ull << 31) | (1ull << 32));
    std::uint64_t old = 0;
    Call s2("rt_sigprocmask", {SIG_SETMASK, ptr(&all), ptr(&old), 8});
    EXPECT_EQ(s2.args(0), "SIG_SETMASK, ~[KILL STOP RTMIN RT_1], [], 8");
}

TEST(Decode, Structs) {
    struct { std::uint64_t handler, flags, restorer, mask; } act{0x1234, 0x04000000 | SA_RESTART, 0x5678, 0};
    Call a("rt_sigaction", {SIGINT, ptr(&act), 0, 8});
    EXPECT_EQ(a.args(0), "SIGINT, {sa_handler=0x1234, sa_mask=[], sa_flags=SA_RESTORER|SA_RESTART, "
                         "sa_restorer=0x5678}, NULL, 8");
    int status = 0;  // WIFEXITED, status 0
    Call w("wait4", {static_cast<std::uint64_t>(-1), ptr(&status), 0, 0});
    EXPECT_EQ(w.args(123), "-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL");
    int fds[2] = {3, 4};
    Call p("pipe2", {ptr(fds), O_CLOEXEC});
    EXPECT_EQ(p.args(0), "[3, 4], O_CLOEXEC");
    std::uint64_t lim[2] = {8192 * 1024, ~0ull};
    Call r("prlimit64", {0, 3, 0, ptr(lim)});
    EXPECT_EQ(r.args(0), "0, RLIMIT_STACK, NULL, {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}");
    std::int64_t ts[2] = {1, 500};
    Call t("nanosleep", {ptr(ts), 0});
    EXPECT_EQ(t.args(0), "{tv_sec=1, tv_nsec=500}, NULL");
}

TEST(Decode, Siginfo) {
    siginfo_t si{};
    si.si_signo = SIGCHLD;
    si.si_code = CLD_EXITED;
    si.si_pid = 123;
    Call c("getpid", {});
    std::string out;
    c.decoder.format_siginfo(c.task, si, out);
    EXPECT_EQ(out, "{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=123, si_uid=0, si_status=0, si_utime=0, si_stime=0}");
    siginfo_t segv{};
    segv.si_signo = SIGSEGV;
    segv.si_code = SEGV_MAPERR;
    out.clear();
    c.decoder.format_siginfo(c.task, segv, out);
    EXPECT_EQ(out, "{si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=NULL}");
}

TEST(Decode, RestartCodes) {
    Call c("read", {0, 0, 1});
    EXPECT_EQ(c.result(-512), "? ERESTARTSYS (To be restarted if SA_RESTART is set)");
}

// In/out lengths: the entry value read by capture_entry, shown next to the exit value.
TEST(Decode, InOutLengthsShowTheirEntryValue) {
    sockaddr_un addr{};
    socklen_t len = sizeof addr;
    Call c("getsockname", {3, ptr(&addr), ptr(&len)});
    Decoder::capture_entry(c.task);
    addr.sun_family = AF_UNIX;
    len = 2;  // what the kernel wrote
    EXPECT_EQ(c.args(0), "3, {sa_family=AF_UNIX}, [110 => 2]");
    // Unchanged: the value once.
    Decoder::capture_entry(c.task);
    EXPECT_EQ(c.args(0), "3, {sa_family=AF_UNIX}, [2]");
    // A failed call shows the address and the entry value.
    len = 7;
    std::string failed = c.args(-ENOTCONN);
    EXPECT_EQ(failed.substr(failed.rfind(", ")), ", [2]");
    // Nothing captured for this call (attached mid-call): the exit value alone.
    ++c.task.calls;
    len = 2;
    EXPECT_EQ(c.args(0), "3, {sa_family=AF_UNIX}, [2]");
}

// The answer of a ring that was made (kernel-dependent, so not in the golden
// programs): its sizes, every feature by name (unknown bits in hex, as strace) and
// the rings' offsets; the handle of name_to_handle_at with the size it was given.
TEST(Decode, KernelAnswersInStructs) {
    struct {
        std::uint32_t sq_entries, cq_entries, flags, sq_thread_cpu, sq_thread_idle, features, wq_fd, resv[3];
        std::uint32_t sq_off[8];
        std::uint64_t sq_user_addr;
        std::uint32_t cq_off[8];
        std::uint64_t cq_user_addr;
    } p{4, 8, 0, 0, 0, 0x1 | 0x2 | 0x20000 | 0x80000000u, 0, {}, {0, 4, 16, 24, 36, 32, 192, 0}, 0,
        {8, 12, 20, 28, 44, 64, 40, 0}, 0};
    Call u("io_uring_setup", {4, ptr(&p)});
    EXPECT_EQ(u.args(3), "4, {flags=0, sq_thread_cpu=0, sq_thread_idle=0, sq_entries=4, cq_entries=8, "
                         "features=IORING_FEAT_SINGLE_MMAP|IORING_FEAT_NODROP|IORING_FEAT_NO_IOWAIT|0x80000000, "
                         "sq_off={head=0, tail=4, ring_mask=16, ring_entries=24, flags=36, dropped=32, array=192}, "
                         "cq_off={head=8, tail=12, ring_mask=20, ring_entries=28, overflow=44, cqes=64, flags=40}}");
    EXPECT_EQ(u.args(-EINVAL), "4, {flags=0, sq_thread_cpu=0, sq_thread_idle=0}");

    struct {
        std::uint32_t bytes;
        std::int32_t type;
        unsigned char handle[8];
    } h{40, 0, {}};
    int mount_id = 0;
    Call n("name_to_handle_at", {static_cast<std::uint64_t>(AT_FDCWD), ptr("/etc"), ptr(&h), ptr(&mount_id), 0});
    Decoder::capture_entry(n.task);
    h = {8, 1, {0xad, 0x03, 0, 0, 0x10, 0xde, 0x40, 0xad}};
    mount_id = 27;
    EXPECT_EQ(n.args(0), "AT_FDCWD, \"/etc\", {handle_bytes=40 => 8, handle_type=1, "
                         "f_handle=\"\\xad\\x03\\x00\\x00\\x10\\xde\\x40\\xad\"}, [27], 0");
    EXPECT_EQ(n.args(-EOVERFLOW), "AT_FDCWD, \"/etc\", {handle_bytes=40 => 8}, " + fmt::format("{:#x}", ptr(&mount_id)) + ", 0");
}

TEST(Decode, SocketOptions) {
    int one = 1;
    Call set("setsockopt", {3, IPPROTO_TCP, TCP_NODELAY, ptr(&one), 4});
    EXPECT_EQ(set.args(0), "3, SOL_TCP, TCP_NODELAY, [1], 4");
    int val = 0;
    socklen_t len = 8;
    Call get("getsockopt", {3, SOL_SOCKET, SO_ERROR, ptr(&val), ptr(&len)});
    Decoder::capture_entry(get.task);
    len = 4;
    EXPECT_EQ(get.args(0), "3, SOL_SOCKET, SO_ERROR, [0], [8 => 4]");
}

TEST(Decode, SelectSetsAndResult) {
    fd_set in;
    FD_ZERO(&in);
    FD_SET(3, &in);
    FD_SET(5, &in);
    timeval tv{1, 0};
    Call c("select", {6, ptr(&in), 0, 0, ptr(&tv)});
    EXPECT_EQ(c.args(0), "6, [3 5], NULL, NULL, {tv_sec=1, tv_usec=0}");
    FD_CLR(3, &in);
    tv = {0, 999990};
    EXPECT_EQ(c.result(1), "1 (in [5], left {tv_sec=0, tv_usec=999990})");
    EXPECT_EQ(c.result(0), "0 (Timeout)");
}

TEST(Decode, IoctlAndPrctlByCommand) {
    termios t{};
    t.c_iflag = ICRNL | IXON;
    t.c_oflag = OPOST | ONLCR;
    t.c_cflag = B38400 | CS8 | CREAD;
    t.c_lflag = ISIG | ICANON | ECHO;
    Call get("ioctl", {0, TCGETS, ptr(&t)});
    EXPECT_TRUE(get.decoder.shown_at_exit(get.task, 2));
    EXPECT_EQ(get.args(0), "0, TCGETS, {c_iflag=ICRNL|IXON, c_oflag=NL0|CR0|TAB0|BS0|VT0|FF0|OPOST|ONLCR, "
                           "c_cflag=B38400|CS8|CREAD, c_lflag=ISIG|ICANON|ECHO, ...}");
    Call clex("ioctl", {3, FIOCLEX, 0});
    EXPECT_EQ(clex.args(0), "3, FIOCLEX");
    winsize ws{24, 80, 0, 0};
    Call win("ioctl", {1, TIOCSWINSZ, ptr(&ws)});
    EXPECT_EQ(win.args(0), "1, TIOCSWINSZ, {ws_row=24, ws_col=80, ws_xpixel=0, ws_ypixel=0}");

    Call name("prctl", {PR_SET_NAME, ptr("worker"), 0, 0, 0});
    EXPECT_EQ(name.args(0), "PR_SET_NAME, \"worker\"");
    int sig = SIGTERM;
    Call pdeath("prctl", {PR_GET_PDEATHSIG, ptr(&sig), 0, 0, 0});
    EXPECT_TRUE(pdeath.decoder.shown_at_exit(pdeath.task, 1));
    EXPECT_EQ(pdeath.args(0), "PR_GET_PDEATHSIG, [SIGTERM]");
    Call nnp("prctl", {PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0});
    EXPECT_EQ(nnp.args(0), "PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0");
    Call dump("prctl", {PR_GET_DUMPABLE, 0, 0, 0, 0});
    EXPECT_EQ(dump.args(0), "PR_GET_DUMPABLE");
    EXPECT_EQ(dump.result(1), "1 (SUID_DUMP_USER)");
}

// i386 socketcall is shown as the call it multiplexes.
TEST(Decode, SocketcallShownAsTheUnderlyingCall) {
    std::uint32_t args[3] = {AF_UNIX, SOCK_STREAM, 0};
    Call c("socket", {});
    c.task.abi = Abi::i386;
    c.task.sc = find_syscall(Abi::i386, "socketcall");
    ASSERT_NE(c.task.sc, nullptr);
    c.task.set_arg(0, 1);  // SYS_SOCKET
    // The args array must be a 32-bit address: map one below 4 GiB.
    void* low = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    ASSERT_NE(low, MAP_FAILED);
    std::memcpy(low, args, sizeof args);
    c.task.set_arg(1, ptr(low));
    EXPECT_EQ(Decoder::shown_name(c.task), "socket");
    EXPECT_EQ(c.args(3), "AF_UNIX, SOCK_STREAM, 0");
    EXPECT_EQ(c.result(3), "3");
    munmap(low, 4096);
}

}  // namespace
}  // namespace lstar
