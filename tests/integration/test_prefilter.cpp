// The seccomp prefilter: with -e trace=SET only SET's calls stop and appear; all
// of them are seen (parent and -f children, every ABI of the same task); and
// children lstar follows only for the filter run correctly (no ENOSYS).
#include <gtest/gtest.h>

#include "harness.hpp"

using namespace itg;

namespace {

// openat_abi's parent makes an i386 openat through int $0x80 (WithInt80, where the
// machine allows it) or not (X86_64Only, on every machine).
class PrefilterAbi : public testing::TestWithParam<bool> {
protected:
    void SetUp() override {
        if (GetParam()) LSTAR_REQUIRE(can_int80_from_64bit());
    }
    static std::vector<std::string> openat_abi() {
        if (GetParam()) return {prog("openat_abi")};
        return {prog("openat_abi"), "no-int80"};
    }
    static int parent_openats() { return GetParam() ? 2 : 1; }
};

INSTANTIATE_TEST_SUITE_P(Prefilter, PrefilterAbi, testing::Bool(),
                         [](const testing::TestParamInfo<bool>& i) { return i.param ? "WithInt80" : "X86_64Only"; });

}  // namespace

TEST_P(PrefilterAbi, OnlySelectedCallsAppearAndAllOfThemDo) {
    Result native = run(openat_abi());
    ASSERT_TRUE(native.exited(0)) << native.describe();
    ASSERT_EQ(native.out.find("failed"), std::string::npos) << native.out;
    std::string text;
    Result r = lstar_trace({"-f", "-e", "trace=openat"}, openat_abi(), &text);
    ASSERT_TRUE(r.exited(0)) << r.describe();
    EXPECT_EQ(sorted_lines(r.out), sorted_lines(native.out));
    Trace t = parse_trace(text);
    EXPECT_TRUE(t.unparsed.empty()) << text;
    EXPECT_EQ(t.names(), std::set<std::string>{"openat"}) << text;
    // Parent: x86_64 openat and i386 openat (int $0x80); child 2; grandchild 1.
    EXPECT_EQ(t.count("openat"), parent_openats() + 3) << text;
    EXPECT_EQ(t.pids().size(), 3u) << text;
    for (const auto& c : t.of("openat")) EXPECT_GE(c.value(), 0) << c.line;
}

TEST_P(PrefilterAbi, WithoutFollowForksChildrenStillWork) {
    Result native = run(openat_abi());
    for (const auto& args : std::vector<std::vector<std::string>>{{"-e", "trace=openat"}, {"-e", "trace=getpid"}, {}}) {
        std::string text;
        Result r = lstar_trace(args, openat_abi(), &text);
        ASSERT_TRUE(r.exited(0)) << r.describe();
        EXPECT_EQ(sorted_lines(r.out), sorted_lines(native.out)) << "a child's openat failed under the filter\n" << r.describe();
        Trace t = parse_trace(text);
        if (args.size() == 2 && args[1] == "trace=openat") {
            EXPECT_EQ(t.count("openat"), parent_openats()) << "only the parent's, both ABIs\n" << text;
            EXPECT_EQ(t.names(), std::set<std::string>{"openat"}) << text;
        }
        if (args.empty()) {
            EXPECT_EQ(t.count("openat"), parent_openats()) << text;
        }
        for (pid_t pid : t.pids()) EXPECT_EQ(pid, 0) << "no pid prefixes without -f\n" << text;
    }
}

TEST_P(PrefilterAbi, NegatedAndClassSets) {
    std::string text;
    Result r = lstar_trace({"-f", "-e", "trace=!openat"}, openat_abi(), &text);
    ASSERT_TRUE(r.exited(0)) << r.describe();
    Trace t = parse_trace(text);
    EXPECT_EQ(t.count("openat"), 0) << text;
    EXPECT_GE(t.count("close"), parent_openats() + 3) << text;
    EXPECT_EQ(t.count("wait4"), 2) << text;
}

TEST(Prefilter, EmptySetRunsUntouched) {
    Result native = run({prog("forks")});
    std::string text;
    Result r = lstar_trace({"-f", "-e", "trace=none"}, {prog("forks")}, &text);
    EXPECT_TRUE(r.exited(0)) << r.describe();
    EXPECT_EQ(r.out, native.out);
    Trace t = parse_trace(text);
    EXPECT_TRUE(t.calls.empty()) << text;
}

TEST(Prefilter, SameCallsWithAndWithoutPrefilter) {
    // `lstar run --emulate` binds one call; with the prefilter only it stops; the
    // result must be the same as with every call stopping.
    for (const auto& args : std::vector<std::vector<std::string>>{{"-f"}, {"-f", "--no-prefilter"}}) {
        auto a = args;
        a.insert(a.end(), {"--emulate", "getppid=77"});
        Result r = lstar_run(a, {prog("forks")});
        EXPECT_TRUE(r.exited(0)) << r.describe();
        EXPECT_EQ(r.out, run({prog("forks")}).out);
    }
}
