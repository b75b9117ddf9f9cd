// ABIs: a 32-bit static program (every call i386: its table, ebx..ebp argument
// registers), and a 64-bit program that issues int $0x80 (those calls use the
// i386 table). Emulation and the prefilter work in every ABI.
#include <gtest/gtest.h>

#include "harness.hpp"

using namespace itg;

TEST(I386, StaticProgramRunsAsNatively) {
    REQUIRE_I386();
    Result native = run({prog("prog32")});
    ASSERT_TRUE(native.exited(0)) << native.describe();
    EXPECT_NE(native.out.find("sizeof(long) 4"), std::string::npos);
    for (const auto& args : std::vector<std::vector<std::string>>{{}, {"-f"}, {"--no-prefilter"}}) {
        Result r = lstar_run(args, {prog("prog32")});
        EXPECT_TRUE(r.exited(0)) << r.describe();
        EXPECT_EQ(r.out, native.out);
    }
}

TEST(I386, CallsAreNamedFromTheI386Table) {
    REQUIRE_I386();
    std::string text;
    Result r = lstar_trace({}, {prog("prog32")}, &text);
    ASSERT_TRUE(r.exited(0)) << r.describe();
    Trace t = parse_trace(text);
    // getpid is 20 in the i386 table (writev in the x86_64 one); uname 122 (the x86_64
    // table's 122 is setfsuid); the program makes 4 getpid and 1 uname.
    EXPECT_EQ(t.count("getpid"), 4) << text;
    EXPECT_EQ(t.count("uname"), 1) << text;
    EXPECT_EQ(t.count("writev"), 0) << text;
    EXPECT_EQ(t.count("setfsuid"), 0) << text;
    // i386-only start-up calls of a static 32-bit glibc.
    EXPECT_EQ(t.count("set_thread_area"), 1) << text;
    EXPECT_EQ(t.count("write"), 4) << text;
    EXPECT_EQ(t.count("exit_group"), 1) << text;
    for (const auto& w : t.of("write")) EXPECT_GT(w.value(), 0) << w.line;
    // Arguments come from ebx, ecx, edx: write(1, buf, len) shows fd 1 first.
    for (const auto& w : t.of("write")) {
        auto open = w.line.find('(');
        std::string first = w.line.substr(open + 1, w.line.find(',', open) - open - 1);
        EXPECT_TRUE(first == "1" || first == "0x1") << w.line;
    }
    // The set of calls is what strace sees.
    if (strace_bin().empty()) return;
    std::string stext;
    Result s = strace_run({}, {prog("prog32")}, &stext);
    ASSERT_TRUE(s.exited(0)) << s.describe();
    EXPECT_EQ(t.counts(), parse_trace(stext).counts()) << "lstar:\n" << text << "\nstrace:\n" << stext;
}

TEST(I386, EmulationAndHostnameInTheI386Abi) {
    REQUIRE_I386();
    Result r = lstar_run({"--emulate", "getpid=4242", "--hostname", "box32"}, {prog("prog32")});
    EXPECT_TRUE(r.exited(0)) << r.describe();
    auto l = lines(r.out);
    ASSERT_GE(l.size(), 3u) << r.describe();
    EXPECT_EQ(l[0], "pid 4242");
    EXPECT_EQ(l[1], "nodename box32");
    EXPECT_EQ(l[2], "open ok");
    Result e = lstar_run({"--emulate", "openat=-ENOENT"}, {prog("prog32")});
    EXPECT_EQ(lines(e.out).at(2), "open ENOENT") << e.describe();
}

TEST(I386, PrefilterSelectsI386Calls) {
    REQUIRE_I386();
    std::string text;
    Result r = lstar_trace({"-e", "trace=getpid,uname"}, {prog("prog32")}, &text);
    ASSERT_TRUE(r.exited(0)) << r.describe();
    Trace t = parse_trace(text);
    EXPECT_EQ(t.count("getpid"), 4) << text;
    EXPECT_EQ(t.count("uname"), 1) << text;
    EXPECT_EQ(t.names(), (std::set<std::string>{"getpid", "uname"})) << text;
}

TEST(I386, ChildrenOfAnI386ProgramUseTheI386Table) {
    REQUIRE_I386();
    Result native = run({prog("prog32"), "fork"});
    ASSERT_TRUE(native.exited(0)) << native.describe();
    std::string text;
    Result r = lstar_trace({"-f"}, {prog("prog32"), "fork"}, &text);
    ASSERT_TRUE(r.exited(0)) << r.describe();
    EXPECT_EQ(r.out, native.out);
    Trace t = parse_trace(text);
    EXPECT_EQ(t.count("getpid"), 5) << text;
    EXPECT_EQ(t.pids_of("getpid").size(), 2u) << text;
    EXPECT_TRUE(t.has_event("exited", "3")) << text;
    EXPECT_EQ(t.count("writev"), 0) << text;
    Result e = lstar_run({"-f", "--emulate", "getpid=4242"}, {prog("prog32"), "fork"});
    EXPECT_TRUE(e.exited(0)) << e.describe();
    EXPECT_EQ(lines(e.out).at(0), "pid 4242");
    EXPECT_EQ(lines(e.out).back(), "child 3");
}

TEST(Int80, SixtyFourBitProgramUsesTheI386Table) {
    LSTAR_REQUIRE(can_int80_from_64bit());
    Result native = run({prog("int80")});
    ASSERT_TRUE(native.exited(0)) << native.describe();
    ASSERT_EQ(lines(native.out).at(0), "int80 getpid ok");
    for (const auto& args : std::vector<std::vector<std::string>>{{}, {"-f"}, {"--no-prefilter"}}) {
        Result r = lstar_run(args, {prog("int80")});
        EXPECT_TRUE(r.exited(0)) << r.describe();
        EXPECT_EQ(r.out, native.out);
    }
    for (const auto& args : std::vector<std::vector<std::string>>{{}, {"-e", "trace=getpid,uname,writev,setfsuid"}}) {
        std::string text;
        Result r = lstar_trace(args, {prog("int80")}, &text);
        EXPECT_TRUE(r.exited(0)) << r.describe();
        EXPECT_EQ(r.out, native.out);
        Trace t = parse_trace(text);
        // int $0x80 with eax=20 is getpid (x86_64's 20 is writev), 122 is uname
        // (x86_64's 122 is setfsuid). glibc's getpid() is the x86_64 getpid (39).
        EXPECT_EQ(t.count("writev"), 0) << text;
        EXPECT_EQ(t.count("setfsuid"), 0) << text;
        EXPECT_EQ(t.count("getpid"), 2) << text;
        EXPECT_EQ(t.count("uname"), 1) << text;
        for (const auto& c : t.of("getpid")) EXPECT_GT(c.value(), 0) << c.line;
        if (args.empty()) {
            EXPECT_EQ(t.count("write"), 3) << text;
        }
    }
}

TEST(Int80, EmulationAndHostnameThroughInt80) {
    LSTAR_REQUIRE(can_int80_from_64bit());
    Result r = lstar_run({"--hostname", "int80-host"}, {prog("int80")});
    EXPECT_TRUE(r.exited(0)) << r.describe();
    EXPECT_EQ(lines(r.out).at(2), "nodename int80-host") << r.describe();
    Result e = lstar_run({"--emulate", "getpid=4242"}, {prog("int80")});
    EXPECT_TRUE(e.exited(0)) << e.describe();
    // Both the int $0x80 getpid and glibc's getpid() return 4242: equal, so "ok".
    EXPECT_EQ(lines(e.out).at(0), "int80 getpid ok") << e.describe();
}
