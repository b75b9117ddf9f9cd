// Threads, fork, vfork, clone3 and execve from a multi-threaded process: every
// task's calls are seen (with -f), attributed to the right task, and the
// program behaves as natively.
#include <sys/wait.h>

#include <gtest/gtest.h>

#include "harness.hpp"

using namespace itg;

TEST(Threads, EveryThreadsCallsAreSeenWithFollowForks) {
    for (const auto& mode : std::vector<std::vector<std::string>>{{"-f"}, {"-f", "-e", "trace=getppid"}}) {
        std::string text;
        Result r = lstar_trace(mode, {prog("threads")}, &text);
        ASSERT_TRUE(r.exited(0)) << r.describe();
        EXPECT_EQ(sorted_lines(r.out), sorted_lines(run({prog("threads")}).out));
        auto ids = key_values(r.err);
        Trace t = parse_trace(text);
        EXPECT_EQ(t.count("getppid"), 43) << text;
        EXPECT_EQ(t.count("getppid", static_cast<pid_t>(ids["main"])), 3) << text;
        for (int i = 0; i < 4; ++i) {
            pid_t tid = static_cast<pid_t>(ids["thread" + std::to_string(i)]);
            ASSERT_GT(tid, 0) << r.err;
            EXPECT_EQ(t.count("getppid", tid), 10) << "thread " << i << " tid " << tid << "\n" << text;
        }
        for (const auto& c : t.of("getppid")) EXPECT_TRUE(c.finished) << c.line;
        if (mode.size() == 1) {
            // Each thread ends with exit(0); the process with exit_group(0).
            EXPECT_EQ(t.count("clone3") + t.count("clone"), 4) << text;
            EXPECT_EQ(t.count("exit"), 4) << text;
            EXPECT_EQ(t.count("exit_group"), 1) << text;
            EXPECT_EQ(t.count("write"), 10) << "5 lines on stdout, 5 on stderr\n" << text;
        } else {
            EXPECT_EQ(t.names(), std::set<std::string>{"getppid"}) << text;
        }
    }
}

TEST(Threads, WithoutFollowForksOnlyTheMainThread) {
    for (const auto& mode : std::vector<std::vector<std::string>>{{}, {"-e", "trace=getppid"}}) {
        std::string text;
        Result r = lstar_trace(mode, {prog("threads")}, &text);
        ASSERT_TRUE(r.exited(0)) << r.describe();
        EXPECT_EQ(sorted_lines(r.out), sorted_lines(run({prog("threads")}).out));
        Trace t = parse_trace(text);
        EXPECT_EQ(t.count("getppid"), 3) << text;
        EXPECT_EQ(t.pids(), std::set<pid_t>{0}) << "no pid prefixes without -f\n" << text;
    }
}

TEST(Forks, ForkVforkClone3ChildrenAreFollowed) {
    Result native = run({prog("forks")});
    ASSERT_TRUE(native.exited(0)) << native.describe();
    for (const auto& mode : std::vector<std::vector<std::string>>{{"-f"}, {"-f", "-e", "trace=!write"}}) {
        std::string text;
        Result r = lstar_trace(mode, {prog("forks")}, &text);
        ASSERT_TRUE(r.exited(0)) << r.describe();
        EXPECT_EQ(r.out, native.out);
        auto ids = key_values(r.err);
        Trace t = parse_trace(text);
        pid_t parent = static_cast<pid_t>(ids["parent"]);
        for (const char* child : {"fork", "vfork", "clone3"}) {
            pid_t pid = static_cast<pid_t>(ids[child]);
            ASSERT_GT(pid, 0) << r.err;
            EXPECT_EQ(t.count("getppid", pid), 2) << child << " child " << pid << "\n" << text;
        }
        EXPECT_EQ(t.count("getppid", parent), 0) << text;
        EXPECT_EQ(t.count("getppid"), 6) << text;
        // The vfork child execs: its execve is seen with its own pid and succeeds.
        auto execs = t.of("execve");
        ASSERT_EQ(execs.size(), 2u) << text;
        EXPECT_EQ(execs[1].pid, static_cast<pid_t>(ids["vfork"])) << text;
        EXPECT_EQ(execs[1].value(), 0) << execs[1].line;
        EXPECT_TRUE(t.has_event("exited", "3", static_cast<pid_t>(ids["fork"]))) << text;
        EXPECT_TRUE(t.has_event("exited", "4", static_cast<pid_t>(ids["vfork"]))) << text;
        EXPECT_TRUE(t.has_event("exited", "5", static_cast<pid_t>(ids["clone3"]))) << text;
        EXPECT_TRUE(t.has_event("exited", "0", parent)) << text;
        // One fork-like call per child, all from the parent.
        EXPECT_EQ(t.count("clone", parent) + t.count("fork", parent), 1) << text;
        EXPECT_EQ(t.count("vfork", parent), 1) << text;
        EXPECT_EQ(t.count("clone3", parent), 1) << text;
        EXPECT_EQ(t.count("wait4", parent), 3) << text;
    }
}

TEST(Forks, RunWithoutFollowForksChildrenRunNormally) {
    Result native = run({prog("forks")});
    for (const auto& args : std::vector<std::vector<std::string>>{{}, {"-f"}, {"--no-prefilter"}}) {
        Result r = lstar_run(args, {prog("forks")});
        EXPECT_TRUE(r.exited(0)) << r.describe();
        EXPECT_EQ(r.out, native.out);
    }
    std::string text;
    Result r = lstar_trace({}, {prog("forks")}, &text);
    EXPECT_TRUE(r.exited(0)) << r.describe();
    EXPECT_EQ(r.out, native.out);
    Trace t = parse_trace(text);
    EXPECT_EQ(t.count("getppid"), 0) << "children are not traced without -f\n" << text;
    EXPECT_EQ(t.count("execve"), 1) << text;
    EXPECT_EQ(t.count("wait4"), 3) << text;
}

TEST(Exec, NonLeaderThreadExecTakesTheLeadersId) {
    for (const auto& mode : std::vector<std::vector<std::string>>{{"-f"}, {"-f", "-e", "trace=execve,getppid"},
                                                                   {"--backend=inproc", "-f"}}) {
        std::string text;
        Result r = lstar_trace(mode, {prog("exec_mt")}, &text);
        ASSERT_TRUE(r.exited(0)) << r.describe() << "\n" << text;
        EXPECT_EQ(r.out, "exec ok\n") << r.describe();
        auto ids = key_values(r.err);
        pid_t leader = static_cast<pid_t>(ids["leader"]);
        pid_t execer = static_cast<pid_t>(ids["execer"]);
        ASSERT_GT(leader, 0);
        ASSERT_GT(execer, 0);
        ASSERT_NE(leader, execer);
        Trace t = parse_trace(text);
        // The launch's execve and the thread's.
        auto execs = t.of("execve");
        ASSERT_EQ(execs.size(), 2u) << text;
        EXPECT_EQ(execs[1].pid, execer) << "the execve begins in the thread\n" << text;
        EXPECT_TRUE(execs[1].finished) << text;
        EXPECT_EQ(execs[1].value(), 0) << text;
        // After the exec, the new image runs as the leader's id.
        EXPECT_EQ(t.count("getppid", leader), 7) << text;
        EXPECT_EQ(t.count("getppid"), 7) << text;
        EXPECT_TRUE(t.has_event("exited", "0", leader)) << text;
        EXPECT_FALSE(t.has_event("exited", "0", execer)) << text;
    }
}

TEST(Exec, NonLeaderThreadExecUnderRun) {
    for (const auto& args : std::vector<std::vector<std::string>>{{}, {"-f"}, {"--no-prefilter"}, {"-f", "--emulate", "getppid=1"}}) {
        Result r = lstar_run(args, {prog("exec_mt")});
        EXPECT_TRUE(r.exited(0)) << r.describe();
        EXPECT_EQ(r.out, "exec ok\n") << r.describe();
    }
}

TEST(Threads, MainThreadLeavesFirst) {
    Result native = run({prog("mainexit")});
    ASSERT_TRUE(native.exited(9)) << native.describe();
    for (const auto& args : std::vector<std::vector<std::string>>{{}, {"-f"}, {"--no-prefilter"}}) {
        Result r = lstar_run(args, {prog("mainexit")});
        EXPECT_TRUE(r.exited(9)) << r.describe();
        EXPECT_EQ(r.out, native.out);
    }
    // Both backends: the leader's exit stays unfinished until the process ends.
    for (const char* backend : {"--backend=ptrace", "--backend=inproc"}) {
        std::string text;
        Result r = lstar_trace({backend, "-f"}, {prog("mainexit")}, &text);
        EXPECT_TRUE(r.exited(9)) << r.describe();
        Trace t = parse_trace(text);
        EXPECT_EQ(t.count("getppid"), 5) << backend << "\n" << text;
        EXPECT_EQ(t.count("exit"), 1) << "the main thread's pthread_exit\n" << text;
        EXPECT_EQ(t.count("exit_group"), 1) << text;
        int exited9 = 0;
        for (const auto& e : t.events) exited9 += e.kind == "exited" && e.what == "9";
        EXPECT_EQ(exited9, 2) << "both tasks end with the process's status\n" << backend << "\n" << text;
        std::vector<std::string> all = lines(text);
        ASSERT_FALSE(all.empty());
        EXPECT_NE(all.back().find("+++ exited with 9 +++"), std::string::npos) << text;
        ASSERT_FALSE(t.of("execve").empty()) << text;
        EXPECT_EQ(all.back().substr(0, all.back().find(' ')), std::to_string(t.of("execve")[0].pid))
            << "the leader's end comes last\n" << text;
    }
}

TEST(Threads, ManyTasksAtOnceAllCallsSeen) {
    Result native = run({prog("stress")});
    ASSERT_TRUE(native.exited(0)) << native.describe();
    ASSERT_EQ(native.out, "children 33\n");
    for (const auto& mode : std::vector<std::vector<std::string>>{{"-f"}, {"-f", "-e", "trace=getppid,clone,clone3"}}) {
        std::string text;
        Result r = lstar_trace(mode, {prog("stress")}, &text);
        ASSERT_TRUE(r.exited(0)) << r.describe();
        EXPECT_EQ(r.out, native.out);
        Trace t = parse_trace(text);
        EXPECT_EQ(t.count("getppid"), 2707) << mode.size();
        int finished = 0;
        for (const auto& c : t.of("getppid")) finished += c.finished;
        EXPECT_EQ(finished, 2707);
        // 3 processes with 2 threads each, 6 threads of the parent, 3 forks.
        EXPECT_EQ(t.count("clone3") + t.count("clone"), 15) << text.substr(0, 4000);
        EXPECT_EQ(t.pids_of("getppid").size(), 1u + 6u + 3u * 3u);
    }
    std::string text;
    Result r = lstar_trace({"-e", "trace=getppid"}, {prog("stress")}, &text);
    ASSERT_TRUE(r.exited(0)) << r.describe();
    EXPECT_EQ(r.out, native.out);
    EXPECT_EQ(parse_trace(text).count("getppid"), 7) << "only the main thread without -f";
}

TEST(Threads, EmulationInManyTasksAtOnce) {
    for (const auto& args : std::vector<std::vector<std::string>>{{"-f"}, {}, {"-f", "--no-prefilter"}}) {
        auto a = args;
        a.insert(a.end(), {"--emulate", "getppid=77"});
        Result r = lstar_run(a, {prog("stress")});
        EXPECT_TRUE(r.exited(0)) << r.describe();
        EXPECT_EQ(r.out, "children 33\n");
        Result th = lstar_run(a, {prog("threads")});
        EXPECT_TRUE(th.exited(0)) << th.describe();
        EXPECT_EQ(sorted_lines(th.out), sorted_lines(run({prog("threads")}).out));
    }
}
