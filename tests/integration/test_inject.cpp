// Fault injection beyond strace's: conditions on arguments, seeded
// probabilities, scopes, and effects (short reads and writes, byte budgets,
// argument rewrites, bit flips), on both backends; and `lstar inject
// --systematic`, which must find the planted unchecked error path of
// tests/integration/progs/unchecked.c and nothing else.
#include <sys/wait.h>

#include <algorithm>
#include <fstream>

#include <gtest/gtest.h>

#include "harness.hpp"

using namespace itg;

namespace {

class Inject : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        dir_ = scratch_dir();
        for (const char* f : {"a", "b", "c"}) std::ofstream(dir_ + "/" + f) << "file " << f << "\n";
    }
    // `lstar trace -e trace=none --backend=B -e inject=SPEC -- ARGS` (the trace itself is not the point).
    Result inject(const std::vector<std::string>& specs, const std::vector<std::string>& argv, std::string* trace = nullptr) const {
        std::vector<std::string> args{"--backend=" + GetParam(), "-f"};
        for (const std::string& s : specs) args.insert(args.end(), {"-e", "inject=" + s});
        std::string ignored;
        return lstar_trace(args, argv, trace ? trace : &ignored);
    }
    std::string dir_;
};

std::size_t count(const std::string& s, const std::string& what) {
    std::size_t n = 0;
    for (std::size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
    return n;
}

}  // namespace

TEST_P(Inject, PathConditionPicksTheCall) {
    // Natively every open works.
    EXPECT_TRUE(run({prog("unchecked"), "files", dir_}).exited(0));
    // The unchecked second open fails: the program crashes.
    Result b = inject({"openat:error=ENOENT:when=path~" + dir_ + "/b"}, {prog("unchecked"), "files", dir_});
    EXPECT_TRUE(b.signaled(SIGSEGV)) << b.describe();
    // The checked third open fails: it says so and exits 1.
    Result c = inject({"openat:error=EACCES:when=path~*/c"}, {prog("unchecked"), "files", dir_});
    EXPECT_TRUE(c.exited(1)) << c.describe();
    EXPECT_NE(c.err.find("c: Permission denied"), std::string::npos) << c.err;
}

TEST_P(Inject, FlagsAndFdConditions) {
    // O_CREAT opens fail, plain reads do not.
    std::string script = "echo new > " + dir_ + "/new; cat " + dir_ + "/a";
    Result r = inject({"openat:error=EROFS:when=flags&O_CREAT"}, {"/bin/sh", "-c", script});
    EXPECT_EQ(r.out, "file a\n") << r.describe();
    EXPECT_NE(r.err.find("Read-only file system"), std::string::npos) << r.err;
    // Writes to fd 1 only: stderr still gets through.
    Result w = inject({"write:error=EIO:when=fd==1"}, {prog("unchecked"), "write"});
    EXPECT_TRUE(w.exited(1)) << w.describe();
    EXPECT_NE(w.err.find("write: Input/output error after 0"), std::string::npos) << w.err;
    // A later condition adds to an earlier one's rules instead of replacing it.
    Result both = inject({"write:error=EIO:when=fd==7", "write:error=ENOSPC:when=fd==1"}, {prog("unchecked"), "write"});
    EXPECT_NE(both.err.find("No space left on device after 0"), std::string::npos) << both.err;
}

TEST_P(Inject, ShortWritesBudgetsAndRewrites) {
    Result s = inject({"write:short=100:when=fd==1"}, {prog("unchecked"), "write"});
    EXPECT_TRUE(s.exited(0)) << s.describe();
    EXPECT_EQ(s.out, std::string(1000, 'x'));
    EXPECT_NE(s.err.find("wrote 1000"), std::string::npos) << s.err;
    // 5000 bytes fit: four whole writes, a short fifth, then ENOSPC.
    Result b = inject({"write:budget=5000:when=fd==1"}, {prog("unchecked"), "write"});
    EXPECT_TRUE(b.exited(1)) << b.describe();
    EXPECT_EQ(b.out.size(), 5000u);
    EXPECT_NE(b.err.find("write: No space left on device after 5000"), std::string::npos) << b.err;
    // arg2 (from 0): write's count.
    Result z = inject({"write:arg2=0:when=fd==1"}, {prog("unchecked"), "write"});
    EXPECT_EQ(z.out, "");
    EXPECT_NE(z.err.find("wrote 0"), std::string::npos) << z.err;
}

TEST_P(Inject, BitFlipsAreSeeded) {
    std::string zeros = dir_ + "/zeros";
    std::ofstream(zeros) << std::string(64, '\0');
    std::string clean(128, '0');
    // The program's one read (the harness may leave descriptors open: no fd number).
    Result a = inject({"read:flip=1:seed=3"}, {prog("unchecked"), "read", zeros});
    Result b = inject({"read:flip=1:seed=3"}, {prog("unchecked"), "read", zeros});
    ASSERT_TRUE(a.exited(0)) << a.describe();
    ASSERT_EQ(a.out.size(), clean.size() + 1);
    EXPECT_NE(a.out, clean + "\n");  // one byte is 01, 02, 04, ... 80
    EXPECT_EQ(a.out, b.out);         // the same seed, the same bit
    int differing = 0;
    for (std::size_t i = 0; i + 1 < a.out.size(); i += 2) differing += a.out.substr(i, 2) != "00";
    EXPECT_EQ(differing, 1) << a.out;
}

TEST_P(Inject, ProbabilityIsSeededAndPartial) {
    std::vector<std::string> argv{prog("unchecked"), "opens", "64", dir_ + "/a"};
    Result a = inject({"openat:error=ENOENT:p=0.5:seed=42"}, argv);
    Result b = inject({"openat:error=ENOENT:p=0.5:seed=42"}, argv);
    Result c = inject({"openat:error=ENOENT:p=0.5:seed=43"}, argv);
    ASSERT_TRUE(a.exited(0)) << a.describe();
    EXPECT_EQ(a.out, b.out);
    EXPECT_NE(a.out, c.out);
    std::size_t worked = count(a.out, "1");
    EXPECT_GT(worked, 8u) << a.out;
    EXPECT_LT(worked, 56u) << a.out;
}

TEST_P(Inject, ScopedToAProgram) {
    // cat (not scoped) reads a; the program the rule names fails its first open.
    std::string script = "cat " + dir_ + "/a && " + prog("unchecked") + " files " + dir_;
    Result r = inject({"openat:error=ENOENT:exe=unchecked:when=path~" + dir_ + "/*"}, {"/bin/sh", "-c", script});
    EXPECT_TRUE(r.exited(1)) << r.describe();
    EXPECT_EQ(r.out, "file a\n");
    EXPECT_NE(r.err.find("a: No such file or directory"), std::string::npos) << r.err;
    // The launched program itself, by full path.
    Result self = inject({"openat:error=ENOENT:exe=" + prog("unchecked")}, {prog("unchecked"), "files", dir_});
    EXPECT_TRUE(self.exited(1)) << self.describe();
}

INSTANTIATE_TEST_SUITE_P(Backends, Inject, ::testing::Values("ptrace", "inproc"));

TEST(InjectOptions, BadInputIsOneLine) {
    struct Case {
        const char* spec;
        const char* message;
    } cases[] = {
        {"openat:error=ENOENT:when=nosuch==1", "has no argument 'nosuch' (its arguments: dfd, filename, flags, mode)"},
        {"openat:error=ENOENT:when=path==1", ""},  // a number for a path compares the pointer: allowed
        {"getpid:short=1", "getpid has no byte count"},
        {"read:budget=1M", "read has no byte count to spend a budget="},
        {"openat:error=ENOENT:p=2", "p= a probability in (0, 1]"},
        {"openat:error=ENOENT:when=flags&O_NOSUCH", "unknown constant 'O_NOSUCH'"},
        {"openat:error=ENOENT:when=flags~x", "is not a string"},
    };
    for (const Case& c : cases) {
        std::string trace;
        Result r = lstar_trace({"-e", std::string("inject=") + c.spec}, {"/bin/true"}, &trace);
        if (!*c.message) {
            EXPECT_TRUE(r.exited(0)) << c.spec << ": " << r.describe();
            continue;
        }
        EXPECT_TRUE(r.exited(1)) << c.spec << ": " << r.describe();
        EXPECT_NE(r.err.find(c.message), std::string::npos) << c.spec << ": " << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    }
}

TEST(InjectSystematic, FindsThePlantedUncheckedPath) {
    std::string dir = scratch_dir();
    for (const char* f : {"a", "b", "c"}) std::ofstream(dir + "/" + f) << f << "\n";
    Result r = run({lstar_bin(), "inject", "--systematic", "-e", "trace=openat", "--", prog("unchecked"), "files", dir});
    EXPECT_TRUE(r.exited(1)) << r.describe();  // a crash was found
    EXPECT_NE(r.out.find("makes 3 calls that can fail; without a fault it exited with 0"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("crashed at k = 2 "), std::string::npos) << r.out;
    EXPECT_EQ(count(r.out, "killed by SIGSEGV   <--\n"), 1u) << r.out;
    EXPECT_EQ(count(r.out, "exited with 1\n"), 2u) << r.out;  // k = 1 and 3 are checked
    EXPECT_NE(r.out.find("openat #2"), std::string::npos) << r.out;

    Result replay = run({lstar_bin(), "inject", "--replay", "2", "-e", "trace=openat", "--", prog("unchecked"), "files", dir});
    EXPECT_EQ(replay.exit_code(), 128 + SIGSEGV) << replay.describe();
    EXPECT_NE(replay.err.find("call 2 (openat #2 in pid"), std::string::npos) << replay.err;
    EXPECT_NE(replay.err.find("failed with ENOENT; outcome: killed by SIGSEGV"), std::string::npos) << replay.err;
}

TEST(InjectSystematic, ProgramsThatHandleEveryErrorPass) {
    // cat checks every call it makes: no run crashes or hangs.
    std::string dir = scratch_dir();
    std::ofstream(dir + "/a") << "a\n";
    Result r = run({lstar_bin(), "inject", "--systematic", "-e", "trace=%file,read,write", "--", "/bin/cat", dir + "/a"});
    EXPECT_TRUE(r.exited(0)) << r.describe();
    EXPECT_EQ(r.out.find("<--"), std::string::npos) << r.out;
}

TEST(InjectSystematic, HangsAreEndedAndReported) {
    // The program waits forever when its one open fails: that run is killed after
    // the timeout, with nothing left running.
    Result r = run({lstar_bin(), "inject", "--systematic", "--timeout", "1", "-e", "trace=openat", "--", prog("unchecked"),
                    "hang", "/etc/hostname"});
    EXPECT_TRUE(r.exited(1)) << r.describe();
    EXPECT_NE(r.out.find("hung (killed after the timeout)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("hung at k = 1\n"), std::string::npos) << r.out;
    Result left = run({"pgrep", "-f", prog("unchecked") + " hang"});
    EXPECT_TRUE(left.exited(1)) << "left running: " << left.out;
}

TEST(InjectSystematic, BadInput) {
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"inject", "--", "/bin/true"}, {"inject", "--systematic"},
          {"inject", "--systematic", "--replay", "1", "--", "/bin/true"}, {"inject", "--replay", "0", "--", "/bin/true"},
          {"inject", "--systematic", "-e", "trace=nosuchcall", "--", "/bin/true"},
          {"inject", "--systematic", "--error", "ENOTANERRNO", "--", "/bin/true"},
          {"inject", "--systematic", "--", "/nonexistent/prog"}}) {
        std::vector<std::string> argv{lstar_bin()};
        argv.insert(argv.end(), args.begin(), args.end());
        Result r = run(argv);
        EXPECT_TRUE(r.exited(2)) << args.back() << ": " << r.describe();
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
        EXPECT_EQ(r.err.rfind("lstar: inject: ", 0), 0u) << r.err;
    }
}
