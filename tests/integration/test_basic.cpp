// Basics: a program's output and exit status are the same under `lstar run`
// and `lstar trace` as natively, and the emulating handlers (--emulate,
// --hostname) change exactly what they say.
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "harness.hpp"

using namespace itg;

namespace {

// Runs argv natively and under lstar (run, run -f, run --no-prefilter, trace -f);
// all must print the same and end the same way.
void expect_same_as_native(const std::vector<std::string>& argv, bool sort_output = false) {
    Result native = run(argv);
    ASSERT_FALSE(native.timed_out);
    auto norm = [&](const std::string& s) { return sort_output ? sorted_lines(s) : lines(s); };
    for (const auto& args : std::vector<std::vector<std::string>>{{}, {"-f"}, {"--no-prefilter"}, {"-f", "--no-prefilter"}}) {
        Result r = lstar_run(args, argv);
        std::string what = "lstar run " + (args.empty() ? std::string() : args[0] + " ") + argv[0];
        EXPECT_EQ(norm(r.out), norm(native.out)) << what << "\n" << r.describe();
        EXPECT_EQ(r.status, native.status) << what << "\n" << r.describe() << "\nnative: " << native.describe();
    }
    std::string trace;
    Result t = lstar_trace({"-f"}, argv, &trace);
    EXPECT_EQ(norm(t.out), norm(native.out)) << "lstar trace -f\n" << t.describe();
    EXPECT_EQ(t.status, native.status) << "lstar trace -f\n" << t.describe();
}

}  // namespace

TEST(Basic, ExitStatusAndOutputMatchNative) {
    expect_same_as_native({prog("dieby"), "exit", "0"});
    expect_same_as_native({prog("dieby"), "exit", "42"});
    expect_same_as_native({prog("uname_host")});
    expect_same_as_native({prog("forks")});
    expect_same_as_native({prog("threads")}, /*sort_output=*/true);
}

TEST(Basic, MissingProgramIsAClearError) {
    Result r = lstar_run({}, {"/nonexistent/program"});
    EXPECT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) != 0) << r.describe();
    EXPECT_NE(r.err.find("lstar:"), std::string::npos) << r.describe();
}

TEST(Basic, TraceShowsExitGroupAndExit) {
    std::string text;
    Result r = lstar_trace({}, {prog("dieby"), "exit", "7"}, &text);
    ASSERT_TRUE(r.exited(7)) << r.describe();
    Trace t = parse_trace(text);
    EXPECT_EQ(t.count("exit_group"), 1) << text;
    // Like strace: the trace begins with the program's execve; lstar's own start-up
    // (between fork and exec) is not shown.
    ASSERT_FALSE(t.calls.empty()) << text;
    EXPECT_EQ(t.calls.front().name, "execve") << text;
    EXPECT_EQ(t.count("execve"), 1) << text;
    EXPECT_EQ(t.calls.front().value(), 0) << text;
    EXPECT_FALSE(t.has_event("signal", "SIGCONT")) << "lstar's own start-up signal shows\n" << text;
    EXPECT_TRUE(t.has_event("exited", "7")) << text;
    auto writes = t.of("write");
    ASSERT_EQ(writes.size(), 1u) << text;
    EXPECT_EQ(writes[0].value(), 14) << writes[0].line;  // "dying by exit\n"
}

TEST(Emulate, GetpidReturnsTheGivenValue) {
    for (const auto& extra : std::vector<std::vector<std::string>>{{}, {"--no-prefilter"}, {"-f"}}) {
        auto args = extra;
        args.insert(args.begin(), {"--emulate", "getpid=4242"});
        Result r = lstar_run(args, {prog("emulate_getpid")});
        EXPECT_TRUE(r.exited(0)) << r.describe();
        EXPECT_EQ(r.out, "getpid 4242\nopen ok\n") << r.describe();
    }
}

TEST(Emulate, OpenatFailsWithTheGivenErrno) {
    Result r = lstar_run({"--emulate", "openat=-ENOENT"}, {prog("emulate_getpid")});
    EXPECT_TRUE(r.exited(0)) << r.describe();
    EXPECT_EQ(lines(r.out).at(1), "open ENOENT") << r.describe();
    EXPECT_NE(r.out.find("getpid "), std::string::npos);
    EXPECT_EQ(r.out.find("getpid 4242"), std::string::npos);

    std::string bb = busybox();
    if (bb.empty()) GTEST_SKIP() << "busybox-static is not installed: /bin/busybox missing";
    Result cat = lstar_run({"--emulate", "openat=-ENOENT"}, {bb, "cat", "/etc/passwd"});
    EXPECT_TRUE(cat.exited(1)) << cat.describe();
    EXPECT_EQ(cat.out, "");
    EXPECT_NE(cat.err.find("No such file or directory"), std::string::npos) << cat.describe();
}

TEST(Emulate, OtherErrnoNames) {
    Result r = lstar_run({"--emulate", "openat=-EACCES"}, {prog("emulate_getpid")});
    EXPECT_EQ(lines(r.out).at(1), "open EACCES") << r.describe();
}

TEST(Emulate, BadSpecIsRejected) {
    Result r = lstar_run({"--emulate", "nosuchcall=1"}, {prog("emulate_getpid")});
    EXPECT_EQ(WEXITSTATUS(r.status), 2) << r.describe();
    EXPECT_EQ(r.out, "") << "the program must not run";
    Result r2 = lstar_run({"--emulate", "getpid"}, {prog("emulate_getpid")});
    EXPECT_EQ(WEXITSTATUS(r2.status), 2) << r2.describe();
}

TEST(Hostname, UnameShowsTheVirtualName) {
    Result r = lstar_run({"--hostname", "lstar-box"}, {prog("uname_host")});
    EXPECT_TRUE(r.exited(0)) << r.describe();
    EXPECT_EQ(r.out, "lstar-box\n");
    Result native = run({prog("uname_host")});
    EXPECT_NE(native.out, "lstar-box\n");
}

TEST(Hostname, BusyboxHostnameAndUname) {
    std::string bb = busybox();
    if (bb.empty()) GTEST_SKIP() << "busybox-static is not installed: /bin/busybox missing";
    Result h = lstar_run({"--hostname", "virt.example"}, {bb, "hostname"});
    EXPECT_TRUE(h.exited(0)) << h.describe();
    EXPECT_EQ(h.out, "virt.example\n");
    Result u = lstar_run({"--hostname", "virt.example"}, {bb, "uname", "-n"});
    EXPECT_TRUE(u.exited(0)) << u.describe();
    EXPECT_EQ(u.out, "virt.example\n");
    // Children too, with -f: a shell running uname.
    Result sh = lstar_run({"-f", "--hostname", "virt.example"}, {bb, "sh", "-c", "busybox uname -n; busybox hostname"},
                          RunOptions{.env = {"PATH=/bin:/usr/bin"}});
    EXPECT_TRUE(sh.exited(0)) << sh.describe();
    EXPECT_EQ(sh.out, "virt.example\nvirt.example\n") << sh.describe();
}
