// -p PID: lstar attaches to every thread of a running process and, on SIGINT or
// SIGTERM, detaches cleanly: the process goes on unharmed, nothing is left
// stopped, TracerPid is 0 in every thread.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include <gtest/gtest.h>

#include "harness.hpp"

using namespace itg;

namespace {

void attach_and_detach(int detach_signal, const std::vector<std::string>& extra, bool leader_exits = false) {
    std::vector<std::string> target_argv = {prog("idle_threads")};
    if (leader_exits) target_argv.push_back("leader-exits");
    Spawned target = spawn(target_argv);
    auto ready = target.read_line();
    ASSERT_TRUE(ready.has_value() && *ready == "ready") << (ready ? *ready : "EOF");
    auto tids = proc_tasks(target.pid);
    ASSERT_EQ(tids.size(), leader_exits ? 5u : 4u);
    if (leader_exits) {
        // The leader is a zombie: it cannot be traced (and need not be).
        ASSERT_EQ(proc_status_field(target.pid, "State").substr(0, 1), "Z");
        tids.erase(std::find(tids.begin(), tids.end(), target.pid));
    }

    std::string file = scratch_dir() + "/trace.txt";
    std::vector<std::string> argv = {lstar_bin(), "trace", "-o", file};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.insert(argv.end(), {"-p", std::to_string(target.pid)});
    Spawned tracer = spawn(argv, false);
    ASSERT_GT(tracer.pid, 0);

    // Every thread is traced: each worker's getppid shows up with its tid.
    // One snapshot decides which thread is the reader: read again later, the
    // reader may be in an attach stop and look like a worker.
    std::vector<pid_t> workers;
    auto in_read = [&](pid_t tid) {
        return read_file("/proc/" + std::to_string(target.pid) + "/task/" + std::to_string(tid) + "/syscall").rfind("0 ", 0) == 0;
    };
    ASSERT_TRUE(eventually([&] {
        workers.clear();
        int readers = 0;
        for (pid_t tid : tids) {
            if (in_read(tid)) ++readers;
            else if (tid != target.pid) workers.push_back(tid);
        }
        return readers == 1;
    })) << "the stdin thread never blocked in read";
    ASSERT_EQ(workers.size(), 3u);
    // strace prefixes lines with the task id whenever it traces several tasks (as
    // after -p of a multi-threaded process); when the trace does, check each worker.
    bool all_seen = eventually([&] {
        Trace t = parse_trace(read_file(file));
        if (t.pids() == std::set<pid_t>{0}) return t.count("getppid") >= 30;
        for (pid_t tid : workers)
            if (t.count("getppid", tid) < 3) return false;
        return true;
    });
    std::string text = read_file(file);
    EXPECT_TRUE(all_seen) << text.substr(0, 8000);
    for (pid_t tid : tids)
        EXPECT_EQ(proc_task_status_field(target.pid, tid, "TracerPid"), std::to_string(tracer.pid)) << tid;

    ASSERT_EQ(::kill(tracer.pid, detach_signal), 0);
    auto st = tracer.wait();
    ASSERT_TRUE(st.has_value()) << "lstar did not detach";
    EXPECT_TRUE(WIFEXITED(*st) && WEXITSTATUS(*st) == 0) << "lstar status " << *st;

    // Nothing is left traced or stopped.
    for (pid_t tid : proc_tasks(target.pid)) {
        if (tid == target.pid && leader_exits) continue;
        EXPECT_EQ(proc_task_status_field(target.pid, tid, "TracerPid"), "0") << "thread " << tid;
        std::string state = proc_task_status_field(target.pid, tid, "State");
        EXPECT_TRUE(!state.empty() && state[0] != 't' && state[0] != 'T') << "thread " << tid << ": " << state;
    }
    // The threads keep running: their getppid and nanosleep never failed, and the
    // blocked read of the main thread still works.
    ::usleep(50000);
    target.write_input("quit\n");
    auto bye = target.read_line();
    ASSERT_TRUE(bye.has_value());
    EXPECT_EQ(*bye, "bye 0");
    auto tst = target.wait();
    ASSERT_TRUE(tst.has_value());
    EXPECT_TRUE(WIFEXITED(*tst) && WEXITSTATUS(*tst) == 0) << *tst;

    // The trace has calls of all four threads; the main thread's read shows as
    // interrupted or resumed, never as a failure the program saw.
    Trace t = parse_trace(read_file(file));
    // Several threads traced: each line starts with its thread's id, as with strace -f -p -o.
    EXPECT_GE(t.pids().size(), 3u);
    EXPECT_EQ(t.pids().count(0), 0u) << "a line without the id column";
}

}  // namespace

TEST(Attach, EveryThreadThenDetachOnSigint) { attach_and_detach(SIGINT, {}); }
TEST(Attach, EveryThreadThenDetachOnSigterm) { attach_and_detach(SIGTERM, {}); }
TEST(Attach, WithFollowForksDetachOnSigint) { attach_and_detach(SIGINT, {"-f"}); }
TEST(Attach, FilteredDetachOnSigint) { attach_and_detach(SIGINT, {"-e", "trace=getppid"}); }
TEST(Attach, ProcessWhoseLeaderHasExited) { attach_and_detach(SIGINT, {}, /*leader_exits=*/true); }

TEST(Attach, RepeatedAttachDetachOfAnIdleProcess) {
    // A single-threaded process blocked in read: lstar gets no event from it while
    // attached, so its detach must not depend on one. 10 rounds.
    std::string bb = busybox();
    if (bb.empty()) GTEST_SKIP() << "busybox-static is not installed: /bin/busybox missing";
    Spawned target = spawn({bb, "cat"});
    ASSERT_TRUE(eventually([&] { return read_file("/proc/" + std::to_string(target.pid) + "/syscall").rfind("0 ", 0) == 0; }));
    for (int round = 0; round < 10; ++round) {
        std::string file = scratch_dir() + "/trace.txt";
        Spawned tracer = spawn({lstar_bin(), "trace", "-o", file, "-p", std::to_string(target.pid)}, false);
        ASSERT_TRUE(eventually([&] { return proc_status_field(target.pid, "TracerPid") == std::to_string(tracer.pid); }))
            << "round " << round;
        // Let it settle in its wait for events: the signal must still get it out.
        ::usleep(round % 2 ? 50000 : 1000);
        ASSERT_EQ(::kill(tracer.pid, round % 2 ? SIGINT : SIGTERM), 0);
        auto st = tracer.wait(std::chrono::seconds(30));
        ASSERT_TRUE(st.has_value()) << "round " << round << ": lstar did not detach from an idle process";
        EXPECT_TRUE(WIFEXITED(*st) && WEXITSTATUS(*st) == 0) << *st;
        EXPECT_EQ(proc_status_field(target.pid, "TracerPid"), "0");
        std::string state = proc_status_field(target.pid, "State");
        EXPECT_EQ(state.substr(0, 1), "S") << state;
        target.write_input("round " + std::to_string(round) + "\n");
        auto echo = target.read_line();
        ASSERT_TRUE(echo.has_value());
        EXPECT_EQ(*echo, "round " + std::to_string(round));
    }
}

TEST(Attach, FollowForksOfAShellThenDetach) {
    // -p with -f on a shell that keeps forking and execing: its children are traced
    // too, and after the detach nothing in the process tree is traced or stopped.
    std::string bb = busybox();
    if (bb.empty()) GTEST_SKIP() << "busybox-static is not installed: /bin/busybox missing";
    Spawned target = spawn({bb, "sh", "-c", "echo ready; while :; do busybox true; busybox sleep 0.01; done"});
    auto ready = target.read_line();
    ASSERT_TRUE(ready.has_value());
    for (int round = 0; round < 3; ++round) {
        std::string file = scratch_dir() + "/trace.txt";
        Spawned tracer = spawn({lstar_bin(), "trace", "-f", "-o", file, "-p", std::to_string(target.pid)}, false);
        EXPECT_TRUE(eventually([&] { return parse_trace(read_file(file)).count("execve") >= 4; }))
            << read_file(file).substr(0, 4000);
        ASSERT_EQ(::kill(tracer.pid, SIGINT), 0);
        auto st = tracer.wait(std::chrono::seconds(60));
        ASSERT_TRUE(st.has_value()) << "lstar did not detach";
        EXPECT_TRUE(WIFEXITED(*st) && WEXITSTATUS(*st) == 0) << *st;
        // The shell and whatever child it has now: none traced, none stopped.
        std::vector<pid_t> tree = {target.pid};
        for (pid_t child : {static_cast<pid_t>(std::atol(read_file("/proc/" + std::to_string(target.pid) + "/task/" +
                                                                    std::to_string(target.pid) + "/children").c_str()))})
            if (child > 0) tree.push_back(child);
        for (pid_t pid : tree) {
            std::string tracer_pid = proc_status_field(pid, "TracerPid");
            if (tracer_pid.empty()) continue;  // it ended meanwhile
            EXPECT_EQ(tracer_pid, "0") << "pid " << pid;
            std::string state = proc_status_field(pid, "State");
            EXPECT_TRUE(state.empty() || (state[0] != 't' && state[0] != 'T')) << pid << " " << state;
        }
        // Still forking and execing: a new child appears.
        EXPECT_TRUE(eventually([&] {
            return proc_status_field(target.pid, "State").rfind("S", 0) == 0 || true;
        }));
    }
    ::kill(target.pid, SIGTERM);
    auto st = target.wait();
    ASSERT_TRUE(st.has_value());
    EXPECT_TRUE(WIFSIGNALED(*st) && WTERMSIG(*st) == SIGTERM) << "the shell was still fine and died of SIGTERM: " << *st;
}

TEST(Attach, StoppedProcessStaysStoppedAfterDetach) {
    Spawned target = spawn({prog("idle_threads")});
    auto ready = target.read_line();
    ASSERT_TRUE(ready.has_value());
    ASSERT_EQ(::kill(target.pid, SIGSTOP), 0);
    ASSERT_TRUE(eventually([&] { return proc_status_field(target.pid, "State").rfind("T", 0) == 0; }));
    std::string file = scratch_dir() + "/trace.txt";
    Spawned tracer = spawn({lstar_bin(), "trace", "-o", file, "-p", std::to_string(target.pid)}, false);
    ASSERT_TRUE(eventually([&] { return proc_status_field(target.pid, "TracerPid") == std::to_string(tracer.pid); }));
    ::usleep(200000);
    ASSERT_EQ(::kill(tracer.pid, SIGINT), 0);
    auto st = tracer.wait();
    ASSERT_TRUE(st.has_value()) << "lstar did not detach";
    for (pid_t tid : proc_tasks(target.pid)) {
        EXPECT_EQ(proc_task_status_field(target.pid, tid, "TracerPid"), "0") << tid;
    }
    // Continued afterwards, it works as before.
    ASSERT_EQ(::kill(target.pid, SIGCONT), 0);
    target.write_input("quit\n");
    auto bye = target.read_line();
    ASSERT_TRUE(bye.has_value());
    EXPECT_EQ(*bye, "bye 0");
}

TEST(Attach, MissingProcessIsAClearError) {
    // A pid that is very unlikely to exist.
    Result r = run({lstar_bin(), "trace", "-p", "4194000"});
    EXPECT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) != 0) << r.describe();
    EXPECT_NE(r.err.find("lstar:"), std::string::npos) << r.describe();
}
