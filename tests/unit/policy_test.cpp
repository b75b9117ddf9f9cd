// The policy compiler against the running kernel: policies are compiled,
// entered by a forked child, and the child's calls show what the kernel does
// with them. Nothing here reads the BPF to decide.
#include <fcntl.h>
#include <linux/seccomp.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <string>

#include <gtest/gtest.h>

#include "policy/policy.hpp"
#include "policy/sandbox.hpp"
#include "policy/seccomp_filter.hpp"
#include "policy/glob.hpp"
#include "policy/supervisor.hpp"
#include "tests/support/capabilities.hpp"

using namespace lstar;
using namespace lstar::policy;

namespace {

// An errno no call fails with by itself here: a denial by the policy is told
// apart from the call's own failure.
constexpr int kDenied = EHWPOISON;

Policy parse(const std::string& toml) {
    Result<Policy> p = parse_toml_policy(toml, "test.toml");
    EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().message);
    return p.ok() ? std::move(*p) : Policy{};
}

std::string parse_error(const std::string& toml) {
    Result<Policy> p = parse_toml_policy(toml, "test.toml");
    if (!p) return p.error().message;
    Result<std::unique_ptr<Sandbox>> s = Sandbox::prepare(std::move(*p), {});
    return s ? "" : s.error().message;
}

// Runs `body` in a child that has entered the policy; returns what body returned
// (0-255), or -1 when the child did not exit normally.
int in_sandbox(Policy policy, const std::function<int()>& body) {
    Result<std::unique_ptr<Sandbox>> sandbox = Sandbox::prepare(std::move(policy), {});
    EXPECT_TRUE(sandbox.ok()) << (sandbox.ok() ? "" : sandbox.error().message);
    if (!sandbox) return -1;
    pid_t pid = ::fork();
    if (pid == 0) {
        if ((*sandbox)->apply_in_child() != 0) ::_exit(254);
        ::_exit(body());
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A raw call's errno (0 when it succeeded).
int err_of(long rc) { return rc < 0 ? errno : 0; }

Policy deny(const std::string& call, std::vector<ArgCondition> when = {}, Abi abi = Abi::x86_64) {
    Policy p;
    p.abis = {abi};
    CallRule r;
    r.origin = "test";
    r.calls = {call};
    r.conditions = std::move(when);
    r.action = {ActionKind::errno_, kDenied};
    p.calls.push_back(std::move(r));
    return p;
}

ArgCondition cond(const std::string& text) {
    Result<ArgCondition> c = parse_condition(text);
    EXPECT_TRUE(c.ok()) << text;
    return c.ok() ? *c : ArgCondition{};
}

}  // namespace

// Every call of the x86_64 table, denied by name, fails with the policy's errno
// and nothing else is denied: the compiler reaches each row by its own number.
// (The call is never run: the filter answers first, so its garbage arguments are
// harmless.)
TEST(PolicyCompiler, EveryX86_64CallDeniedByName) {
    int checked = 0;
    for (const SyscallDesc& row : syscall_table(Abi::x86_64)) {
        if (row.name.empty() || row.is_ni()) continue;
        // The kernel runs these two without asking seccomp (kernel/seccomp.c, since
        // 6.13): they only work from a uprobe's trampoline and kill a caller elsewhere.
        if (row.name == "uretprobe" || row.name == "uprobe") continue;
        Policy p = deny(std::string(row.name));
        int got = in_sandbox(std::move(p), [&] {
            long rc = ::syscall(static_cast<long>(row.nr), -1L, 0L, 0L, 0L, 0L, 0L);
            if (err_of(rc) != kDenied) return 1;
            // Another call is not denied.
            return ::syscall(row.nr == SYS_getppid ? SYS_getpid : SYS_getppid) > 0 ? 0 : 2;
        });
        EXPECT_EQ(got, 0) << row.name << " (" << row.nr << ")";
        ++checked;
    }
    EXPECT_GT(checked, 300);
}

// A class reaches every call of it, and only those.
TEST(PolicyCompiler, ClassRulesReachTheirCalls) {
    Policy p = deny("%creds");
    EXPECT_EQ(in_sandbox(std::move(p),
                         [] {
                             if (err_of(::syscall(SYS_getuid)) != kDenied) return 1;
                             if (err_of(::syscall(SYS_setresgid, -1, -1, -1)) != kDenied) return 2;
                             return ::syscall(SYS_getppid) > 0 ? 0 : 3;
                         }),
              0);
}

// x32's calls carry bit 30 in the number: a policy that does not model x32 denies them all.
TEST(PolicyCompiler, X32CallsAreDenied) {
    Policy p;  // allows everything on x86_64
    p.calls.push_back({"test", {"getppid"}, {}, {ActionKind::errno_, kDenied}, {}, false});
    EXPECT_EQ(in_sandbox(std::move(p),
                         [] {
                             long x32_getppid = 0x40000000L | SYS_getppid;
                             return err_of(::syscall(x32_getppid)) == ENOSYS ? 0 : 1;
                         }),
              0);
}

// An int argument is compared on its low 32 bits, as the kernel reads it: garbage
// in the upper half neither slips past an equality nor an order comparison.
TEST(PolicyCompiler, IntArgumentsIgnoreTheUpperHalf) {
    Policy eq = deny("dup", {cond("fildes == 1")});
    EXPECT_EQ(in_sandbox(std::move(eq),
                         [] {
                             if (err_of(::syscall(SYS_dup, 1L)) != kDenied) return 1;
                             if (err_of(::syscall(SYS_dup, 0x100000001L)) != kDenied) return 2;
                             if (err_of(::syscall(SYS_dup, 0xdeadbeef00000001L)) != kDenied) return 3;
                             return ::syscall(SYS_dup, 2L) >= 0 ? 0 : 4;  // another fd works
                         }),
              0);
    Policy lt = deny("dup", {cond("fildes < 3")});
    EXPECT_EQ(in_sandbox(std::move(lt),
                         [] {
                             if (err_of(::syscall(SYS_dup, 2L)) != kDenied) return 1;
                             if (err_of(::syscall(SYS_dup, 0x100000001L)) != kDenied) return 2;  // fd 1 to the kernel
                             int fd = ::open("/dev/null", O_RDONLY);
                             if (fd < 3) return 3;
                             return ::syscall(SYS_dup, static_cast<long>(fd)) >= 0 ? 0 : 4;
                         }),
              0);
}

// Comparisons at their edges: each operator on both sides of its value.
TEST(PolicyCompiler, ComparisonEdges) {
    struct Case {
        const char* when;
        long denied;
        long allowed;
    };
    const Case cases[] = {
        {"fildes == 5", 5, 4},   {"fildes != 5", 4, 5}, {"fildes < 5", 4, 5},  {"fildes <= 5", 5, 6},
        {"fildes > 5", 6, 5},    {"fildes >= 5", 5, 4}, {"fildes & 4", 6, 3},  {"fildes & 6 == 2", 3, 6},
    };
    for (const Case& c : cases) {
        Policy p = deny("dup", {cond(c.when)});
        int got = in_sandbox(std::move(p), [&] {
            if (err_of(::syscall(SYS_dup, c.denied)) != kDenied) return 1;
            return err_of(::syscall(SYS_dup, c.allowed)) != kDenied ? 0 : 2;
        });
        EXPECT_EQ(got, 0) << c.when;
    }
}

// Constants by name from the argument's set: socket.family == AF_PACKET.
TEST(PolicyCompiler, ConstantNamesAndQualifiedArguments) {
    Policy p = parse(R"(
default = "allow"
[[rule]]
calls = ["socket"]
action = "errno:EHWPOISON"
when = "socket.family == AF_PACKET"
)");
    EXPECT_EQ(in_sandbox(std::move(p),
                         [] {
                             if (err_of(::syscall(SYS_socket, AF_PACKET, SOCK_RAW, 0)) != kDenied) return 1;
                             if (err_of(::syscall(SYS_socket, 0x100000000L | AF_PACKET, SOCK_RAW, 0)) != kDenied) return 2;
                             return ::socket(AF_UNIX, SOCK_STREAM, 0) >= 0 ? 0 : 3;
                         }),
              0);
}

// Default deny with allow rules, and the strictest matching rule deciding where
// rules overlap (here: socket allowed, but not for AF_INET6).
TEST(PolicyCompiler, DefaultDenyAndOverlappingRules) {
    Policy p = parse(R"(
default = "errno:EHWPOISON"
[[rule]]
calls = ["%memory", "%signal", "read", "write", "close", "exit", "exit_group", "getppid", "socket"]
action = "allow"
[[rule]]
calls = ["socket"]
action = "errno:EAFNOSUPPORT"
when = ["family == AF_INET6"]
)");
    EXPECT_EQ(in_sandbox(std::move(p),
                         [] {
                             if (::syscall(SYS_getppid) <= 0) return 1;
                             if (err_of(::syscall(SYS_getuid)) != kDenied) return 2;
                             if (err_of(::syscall(SYS_socket, AF_INET6, SOCK_STREAM, 0)) != EAFNOSUPPORT) return 3;
                             return ::syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0) >= 0 ? 0 : 4;
                         }),
              0);
}

// The holes closed by default: the program's own user-notify listener (which would
// answer its own calls), io_uring (whose operations seccomp never sees).
TEST(PolicyCompiler, DefaultRulesCloseKnownHoles) {
    Policy p = deny("getppid");
    EXPECT_EQ(in_sandbox(std::move(p),
                         [] {
                             sock_filter allow{BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW};
                             sock_fprog prog{1, &allow};
                             long rc = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
                             if (err_of(rc) != EPERM) return 1;
                             // A filter without a listener is the program's business.
                             if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) return 2;
                             return err_of(::syscall(SYS_io_uring_setup, 4, nullptr)) == EPERM ? 0 : 3;
                         }),
              0);
}

// Rules on flags that clone3 and openat2 carry in a struct: those calls fail with
// ENOSYS (libc then uses the call the rule can see).
TEST(PolicyCompiler, StructCarriedFlagsFallBack) {
    Policy p = deny("openat", {cond("flags & O_CREAT")});
    EXPECT_EQ(in_sandbox(std::move(p), [] { return err_of(::syscall(SYS_openat2, AT_FDCWD, "/", nullptr, 0)) == ENOSYS ? 0 : 1; }), 0);
}

// An OCI profile (the runtime-spec schema, as Docker writes them).
TEST(PolicyCompiler, OciProfile) {
    Result<Policy> p = parse_oci_profile(R"({
  "defaultAction": "SCMP_ACT_ALLOW",
  "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_AARCH64"],
  "syscalls": [
    {"names": ["getppid", "s390_runtime_instr"], "action": "SCMP_ACT_ERRNO", "errnoRet": 133},
    {"names": ["dup"], "action": "SCMP_ACT_ERRNO", "errnoRet": 133,
     "args": [{"index": 0, "value": 7, "valueTwo": 0, "op": "SCMP_CMP_EQ"}]}
  ]
})",
                                         "profile.json");
    ASSERT_TRUE(p.ok()) << p.error().message;
    EXPECT_EQ(in_sandbox(std::move(*p),
                         [] {
                             if (err_of(::syscall(SYS_getppid)) != kDenied) return 1;
                             if (err_of(::syscall(SYS_dup, 7L)) != kDenied) return 2;
                             return err_of(::syscall(SYS_dup, 2L)) == 0 ? 0 : 3;
                         }),
              0);
}

// The i386 table's own numbers, through int $0x80 from a 64-bit program.
TEST(PolicyI386, RulesUseTheI386Table) {
    LSTAR_REQUIRE(lstar::test::can_int80_from_64bit());
    Policy p = deny("getppid", {}, Abi::i386);
    // Both ABIs modelled, the rule for i386's alone (as `abi = ["i386"]` on a rule).
    p.abis = {Abi::x86_64, Abi::i386};
    p.calls.back().abis = {Abi::i386};
    EXPECT_EQ(in_sandbox(std::move(p),
                         [] {
                             long rc;
                             long nr = 64;  // i386 getppid
                             asm volatile("int $0x80" : "=a"(rc) : "a"(nr) : "memory");
                             if (rc != -kDenied) return 1;
                             return ::syscall(SYS_getppid) > 0 ? 0 : 2;  // the x86_64 call is allowed
                         }),
              0);
}

// Bad input: one line with file:line and what to do.
TEST(PolicyParse, ErrorsNameTheLine) {
    EXPECT_EQ(parse_error("default = \"allow\"\n[[rule]]\ncalls = [\"opn\"]\naction = \"allow\"\n"),
              "test.toml:2: unknown system call 'opn' (names as `lstar table` lists them, or a %class)");
    EXPECT_EQ(parse_error("default = \"nope\"\n"),
              "test.toml:1: unknown action 'nope' (allow, log, errno, errno:NAME, trap, kill-thread, kill-process)");
    EXPECT_NE(parse_error("[[rule]]\ncalls = [\"socket\"]\naction = \"allow\"\nwhen = \"famly == AF_UNIX\"\n").find("has no argument 'famly'"),
              std::string::npos);
    EXPECT_NE(parse_error("[[rule]]\ncalls = [\"socket\"]\naction = \"allow\"\nwhen = \"family == AF_NOPE\"\n").find("unknown constant 'AF_NOPE'"),
              std::string::npos);
    EXPECT_NE(parse_error("default = \"allow\"\nrule = [\n").find("test.toml:2: not valid TOML"), std::string::npos);
    EXPECT_NE(parse_error("bogus = 1\n").find("test.toml:1: unknown key 'bogus'"), std::string::npos);
    if (!kernel_runs_i386()) {
        EXPECT_EQ(parse_error("abi = [\"x86_64\", \"i386\"]\n"),
                  "test.toml:1: this kernel does not run i386 calls (its ia32 emulation is off): leave \"i386\" out of 'abi'");
    }
    Result<Policy> json = parse_oci_profile("{\n  \"defaultAction\": \"SCMP_ACT_ALLOW\",\n  \"syscalls\": [\n", "p.json");
    ASSERT_FALSE(json.ok());
    EXPECT_NE(json.error().message.find("p.json:4: not valid JSON"), std::string::npos) << json.error().message;
}

// Supervised rules' globs: names never cross a '/', ** is any number of names.
TEST(Glob, MatchesRealPathsNameByName) {
    auto g = [](const char* text) { return Glob::parse(text).value(); };
    EXPECT_TRUE(g("/home/*/.ssh/**").matches("/home/me/.ssh/id_rsa"));
    EXPECT_TRUE(g("/home/*/.ssh/**").matches("/home/me/.ssh"));  // the directory itself
    EXPECT_TRUE(g("/home/*/.ssh/**").matches("/home/me/.ssh/a/b/c"));
    EXPECT_FALSE(g("/home/*/.ssh/**").matches("/home/a/b/.ssh/id"));  // * is one name
    EXPECT_TRUE(g("**/*.pem").matches("/etc/ssl/x.pem"));
    EXPECT_TRUE(g("**/*.pem").matches("/x.pem"));
    EXPECT_FALSE(g("**/*.pem").matches("/etc/x.pem.bak"));
    EXPECT_TRUE(g("/tmp/s[e]cr?t").matches("/tmp/secret"));
    EXPECT_FALSE(g("/tmp/s[!e]cr?t").matches("/tmp/secret"));
    EXPECT_TRUE(g("/tmp/[a-c]*").matches("/tmp/beta"));
    EXPECT_FALSE(g("/tmp/*").matches("/tmp/a/b"));
    EXPECT_TRUE(g("/a/**/z").matches("/a/z"));
    EXPECT_TRUE(g("/a/**/z").matches("/a/b/c/z"));
    // Beneath a directory, by one of its names: what renaming it would take away.
    EXPECT_TRUE(g("/home/*/.ssh/**").anchors_beneath("/home/me"));
    EXPECT_TRUE(g("/home/*/.ssh/**").anchors_beneath("/home"));
    EXPECT_FALSE(g("/home/*/.ssh/**").anchors_beneath("/tmp"));
    EXPECT_FALSE(g("**/*.pem").anchors_beneath("/tmp/certs"));
    EXPECT_FALSE(g("/tmp/secret").anchors_beneath("/tmp/secret"));
}

TEST(Glob, BadPatternsSayHowToWriteThem) {
    EXPECT_EQ(Glob::parse("*.pem").error().message, "glob '*.pem' must be absolute or start with **/ (write **/*.pem)");
    EXPECT_NE(Glob::parse("/a/**b").error().message.find("** must be a whole name"), std::string::npos);
    EXPECT_NE(Glob::parse("/a/[bc").error().message.find("'[' without its ']'"), std::string::npos);
    EXPECT_NE(Glob::parse("/a/../b").error().message.find("never appears in a real path"), std::string::npos);
    EXPECT_FALSE(Glob::parse(""));
}

// The calls supervised rules cover, from the table's marks.
TEST(Glob, SupervisedCallsComeFromTheTable) {
    auto kind = [](std::string_view name) { return supervised_kind(find_syscall(Abi::x86_64, name)->effective()); };
    for (const char* n : {"open", "openat", "openat2", "creat"}) EXPECT_EQ(kind(n), SupervisedKind::open) << n;
    EXPECT_EQ(kind("open_by_handle_at"), SupervisedKind::open_handle);
    for (const char* n : {"execve", "execveat"}) EXPECT_EQ(kind(n), SupervisedKind::exec) << n;
    for (const char* n : {"link", "linkat", "rename", "renameat", "renameat2"}) EXPECT_EQ(kind(n), SupervisedKind::rename) << n;
    for (const char* n : {"mount", "move_mount", "pivot_root", "open_tree", "fspick"}) EXPECT_EQ(kind(n), SupervisedKind::mount) << n;
    for (const char* n : {"symlink", "stat", "unlink", "read", "getpid"}) EXPECT_EQ(kind(n), SupervisedKind::none) << n;
    EXPECT_EQ(supervised_kind(find_syscall(Abi::i386, "open")->effective()), SupervisedKind::open);
}
