// Call-site patching in the in-process backend (entry/inproc/site_patch.cpp): a
// site that keeps trapping jumps into the runtime without a signal. What the
// program sees and what the trace says must not change; progs/site_patch.c
// tries the ways a program could tell or break it.
#include <regex>

#include <gtest/gtest.h>

#include "harness.hpp"

using namespace itg;

namespace {

// Each way the runtime is built to run: patching on (the default) and off,
// with and without FSGSBASE's thread-pointer swap.
struct Variant {
    std::string patch, fsgsbase;
    RunOptions options() const {
        RunOptions o;
        o.env.push_back("LSTAR_INPROC_PATCH=" + patch);
        if (!fsgsbase.empty()) o.env.push_back(fsgsbase);
        return o;
    }
    std::string name() const { return patch + (fsgsbase.empty() ? "" : " " + fsgsbase); }
};
const Variant kVariants[] = {{"libraries", ""}, {"off", ""}, {"libraries", "LSTAR_INPROC_NO_FSGSBASE=1"}};

Result trace(const std::vector<std::string>& args, const std::vector<std::string>& argv, std::string* text,
             const Variant& v) {
    std::vector<std::string> a = {"--backend=inproc"};
    a.insert(a.end(), args.begin(), args.end());
    return lstar_trace(a, argv, text, v.options());
}

// A trace without what differs from run to run: pids, addresses, and what the
// program says about patching (its own writes are in the trace).
std::string comparable(const std::string& text) {
    std::string s = std::regex_replace(text, std::regex("0x[0-9a-f]+"), "ADDR");
    s = std::regex_replace(s, std::regex(R"(\b\d{2,}\b)"), "N");
    s = std::regex_replace(s, std::regex(R"(patched: [01])"), "patched: ?");
    s = std::regex_replace(s, std::regex(R"(getrandom\("[^"]*")"), "getrandom(RANDOM");
    return std::regex_replace(s, std::regex(R"(\) +=)"), ") =");
}

std::size_t count_lines(const std::string& text, const std::string& start) {
    std::size_t n = 0;
    for (const std::string& l : lines(text)) n += l.rfind(start, 0) == 0;
    return n;
}

}  // namespace

// getppid's wrapper (`mov $nr,%eax; syscall`), syscall(3) and write: patched
// in libc by default, not with LSTAR_INPROC_PATCH=off, and the same trace either way.
TEST(SitePatch, PatchedAndUnpatchedSitesGiveTheSameTrace) {
    std::vector<std::string> argv = {prog("site_patch"), "calls", "300"};
    Result native = run(argv);
    ASSERT_TRUE(native.exited(0)) << native.describe();
    EXPECT_EQ(native.out, "getppid site patched: 0\nsyscall(3) site patched: 0\n");
    std::string reference;
    for (const Variant& v : kVariants) {
        std::string text;
        Result r = trace({}, argv, &text, v);
        ASSERT_TRUE(r.exited(0)) << v.name() << "\n" << r.describe();
        std::string on = v.patch == "off" ? "0" : "1";
        EXPECT_EQ(r.out, "getppid site patched: " + on + "\nsyscall(3) site patched: " + on + "\n") << v.name();
        EXPECT_EQ(count_lines(text, "getppid()"), 2 * 300u + 1) << v.name();
        std::size_t writes = 0;  // to /dev/null, whatever descriptor it got
        for (const std::string& l : lines(text)) writes += std::regex_search(l, std::regex(R"(^write\(\d+, "x", 1\) += 1$)"));
        EXPECT_EQ(writes, 300u) << v.name();
        if (reference.empty()) reference = comparable(text);
        else EXPECT_EQ(comparable(text), reference) << v.name();
    }
}

// Eight threads start together on the same two sites while the first of them
// patches them: every call gets its own answer and has its line.
TEST(SitePatch, ThreadsRacingOnASiteWhileItIsPatched) {
    constexpr long kCalls = 3000;
    for (const Variant& v : kVariants) {
        for (int round = 0; round < 2; ++round) {
            std::string text;
            Result r = trace({"-f"}, {prog("site_patch"), "threads", std::to_string(kCalls)}, &text, v);
            ASSERT_TRUE(r.exited(0)) << v.name() << "\n" << r.describe();
            EXPECT_EQ(r.out, "threads with a wrong result: 0\n") << v.name();
            std::size_t getppid = 0, gettid = 0;
            for (const std::string& l : lines(text)) {
                getppid += l.find("getppid()") != std::string::npos;
                gettid += l.find("gettid()") != std::string::npos;
            }
            EXPECT_EQ(getppid, 8 * kCalls + 1) << v.name();
            EXPECT_EQ(gettid, 8 * kCalls + 8) << v.name();
        }
    }
}

// A program that checksums its own text sees it unchanged: its own sites are
// left alone unless LSTAR_INPROC_PATCH=all. Patched or not, the kernel's
// promises across a syscall hold: vector registers, MXCSR, the direction flag.
TEST(SitePatch, OwnTextIsLeftAloneUnlessAllAndRegistersSurvive) {
    if (!__builtin_cpu_supports("avx")) GTEST_SKIP() << "the test program keeps AVX registers across a call; no AVX here";
    std::vector<std::string> argv = {prog("site_patch"), "own", "200"};
    Result native = run(argv);
    ASSERT_TRUE(native.exited(0)) << native.describe();
    EXPECT_EQ(native.out, "own site patched: 0\ntext unchanged: 1\nregisters wrong: 0\n");
    std::vector<Variant> variants(std::begin(kVariants), std::end(kVariants));
    variants.push_back({"all", ""});
    variants.push_back({"all", "LSTAR_INPROC_NO_FSGSBASE=1"});
    for (const Variant& v : variants) {
        std::string text;
        Result r = trace({}, argv, &text, v);
        ASSERT_TRUE(r.exited(0)) << v.name() << "\n" << r.describe();
        bool all = v.patch == "all";
        EXPECT_EQ(r.out, std::string("own site patched: ") + (all ? "1" : "0") + "\ntext unchanged: " + (all ? "0" : "1") +
                             "\nregisters wrong: 0\n")
            << v.name();
        EXPECT_EQ(count_lines(text, "getppid()"), 201u) << v.name();
    }
}

// A blocking read on a patched site, left for good by a signal handler's
// siglongjmp, 50 times; the handler's own calls go through the same site.
TEST(SitePatch, SiglongjmpOutOfAPatchedCall) {
    for (const Variant& v : kVariants) {
        std::string text;
        Result r = trace({}, {prog("site_patch"), "longjmp", "50"}, &text, v);
        ASSERT_TRUE(r.exited(0)) << v.name() << "\n" << r.describe();
        std::string on = v.patch == "off" ? "0" : "1";
        EXPECT_EQ(r.out, "reads left by siglongjmp: 50, handler calls: 50, getppid patched: " + on + "\n") << v.name();
        std::size_t reads = 0;
        for (const std::string& l : lines(text))  // the pipe's reads, not the loader's of libc
            reads += l.rfind("read(", 0) == 0 && l.find("ELF") == std::string::npos;
        EXPECT_EQ(reads, 50u) << v.name();
    }
}

// A vfork child runs on its parent's patched sites in its parent's memory; a
// posix_spawn'd child (a vfork and an exec through the kernel) patches its own.
TEST(SitePatch, VforkAndSpawnedChildren) {
    for (const Variant& v : kVariants) {
        std::string text;
        Result r = trace({"-f"}, {prog("site_patch"), "vfork", "100"}, &text, v);
        ASSERT_TRUE(r.exited(0)) << v.name() << "\n" << r.describe();
        EXPECT_EQ(r.out, std::string("getppid site patched: ") + (v.patch == "off" ? "0" : "1") +
                             "\nsyscall(3) site patched: " + (v.patch == "off" ? "0" : "1") +
                             "\nvfork child: 0, spawned child: 0\n")
            << v.name();
        std::size_t getppid = 0;
        for (const std::string& l : lines(text)) getppid += l.find("getppid()") != std::string::npos;
        EXPECT_EQ(getppid, 100u + 1 + 20 + 2 * 100 + 1) << v.name();
    }
}

// %gs is the program's: the patched entry neither reads nor changes it.
TEST(SitePatch, GsStaysTheProgramsOwn) {
    for (const Variant& v : kVariants) {
        std::string text;
        Result r = trace({}, {prog("site_patch"), "gs", "200"}, &text, v);
        ASSERT_TRUE(r.exited(0)) << v.name() << "\n" << r.describe();
        EXPECT_EQ(r.out, "gs reads wrong: 0\n") << v.name();
    }
}

// Code the program wrote itself (a JIT's) is never patched, even with
// LSTAR_INPROC_PATCH=all: its calls keep the signal path and its bytes stay its own.
TEST(SitePatch, JitCodeIsLeftAlone) {
    std::vector<Variant> variants(std::begin(kVariants), std::end(kVariants));
    variants.push_back({"all", ""});
    for (const Variant& v : variants) {
        std::string text;
        Result r = trace({}, {prog("site_patch"), "jit", "200"}, &text, v);
        ASSERT_TRUE(r.exited(0)) << v.name() << "\n" << r.describe();
        EXPECT_EQ(r.out, "jit calls wrong: 0, jit code unchanged: 1\n") << v.name();
        EXPECT_EQ(count_lines(text, "getppid()"), 201u) << v.name();
    }
}

// A bad mode is refused before anything runs.
TEST(SitePatch, BadModeIsOneLine) {
    RunOptions o;
    o.env.push_back("LSTAR_INPROC_PATCH=sometimes");
    std::string text;
    Result r = lstar_trace({"--backend=inproc"}, {"/bin/true"}, &text, o);
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.err.find("LSTAR_INPROC_PATCH=sometimes: not a patch mode; give off, libraries (the default) or all"),
              std::string::npos)
        << r.describe();
    EXPECT_EQ(lines(r.err).size(), 1u) << r.err;
}
