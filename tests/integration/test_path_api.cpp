// The path as a library: a backend (entry/backend.hpp) driving a SyscallPath with hooks of
// each stage, on real programs. Checks what enter and exit work may do
// (rewrite arguments, replace results, kill), the fixed order of the stages,
// and that a task's view of its call is what /proc/<tid>/syscall shows.
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "entry/backend.hpp"
#include "kernel/syscall_path.hpp"

namespace lstar {
namespace {

const char* kBusybox = "/bin/busybox";

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// A hook from a lambda per event, for tests.
struct TestHook : Hook {
    std::function<Verdict(Task&)> enter = [](Task&) { return Verdict::proceed; };
    std::function<void(Task&)> exit = [](Task&) {};
    Verdict on_enter(Task& t) override { return enter(t); }
    void on_exit(Task& t) override { exit(t); }
};

// Runs busybox with args under the path; returns the wait status.
int run_busybox(SyscallPath& path, std::vector<std::string> args) {
    args.insert(args.begin(), kBusybox);
    auto backend = make_backend("ptrace", path, BackendOptions{.follow_forks = true, .prefilter = true});
    EXPECT_TRUE(backend.ok());
    Status launched = (*backend)->launch(args);
    EXPECT_TRUE(launched.ok()) << (launched.ok() ? "" : launched.error().message);
    return (*backend)->run();
}

class PathApi : public testing::Test {
protected:
    void SetUp() override {
        if (access(kBusybox, X_OK) != 0) GTEST_SKIP() << kBusybox << " is not installed (busybox-static)";
        dir_ = testing::TempDir() + "lstar-path-api-" + std::to_string(getpid());
        ASSERT_EQ(system(("mkdir -p " + dir_).c_str()), 0);
    }
    void TearDown() override {
        if (!dir_.empty()) (void)system(("rm -rf " + dir_).c_str());
    }
    std::string dir_;
};

TEST_F(PathApi, EnterWorkRewritesArguments) {
    SyscallPath path;
    TestHook policy;
    std::vector<std::int64_t> results;
    // The write goes to descriptor 1000 instead: the host kernel itself must answer EBADF.
    policy.enter = [](Task& t) {
        if (t.syscall_name() == "write" && t.arg(0) == 1) t.set_arg(0, 1000);
        return Verdict::proceed;
    };
    policy.exit = [&](Task& t) {
        if (t.syscall_name() == "write") results.push_back(t.retval);
    };
    path.add_hook(Stage::policy, &policy);
    std::string out = dir_ + "/out";
    int status = run_busybox(path, {"sh", "-c", "echo hello > " + out});
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0) << "echo must fail";
    EXPECT_EQ(read_file(out), "");
    ASSERT_FALSE(results.empty());
    EXPECT_EQ(results.front(), -EBADF);
}

TEST_F(PathApi, ExitWorkReplacesResults) {
    SyscallPath path;
    TestHook accounting;
    accounting.exit = [](Task& t) {
        if (t.syscall_name() == "getpid") {
            t.retval = 4242;
            t.retval_changed = true;
        }
    };
    path.add_hook(Stage::accounting, &accounting);
    std::string out = dir_ + "/out";
    int status = run_busybox(path, {"sh", "-c", "echo $$ > " + out});
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    EXPECT_EQ(read_file(out), "4242\n");
}

TEST_F(PathApi, SkippedCallsReturnTheHooksValue) {
    SyscallPath path;
    TestHook fault;
    fault.enter = [](Task& t) {
        if (t.syscall_name() != "openat") return Verdict::proceed;
        t.retval = -EACCES;
        return Verdict::skip;
    };
    path.add_hook(Stage::fault_injection, &fault);
    int status = run_busybox(path, {"cat", "/etc/hostname"});
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_NE(WEXITSTATUS(status), 0) << "cat must fail when openat fails";
}

TEST_F(PathApi, KillVerdictKillsTheTask) {
    SyscallPath path;
    TestHook policy;
    policy.enter = [](Task& t) { return t.syscall_name() == "openat" ? Verdict::kill : Verdict::proceed; };
    path.add_hook(Stage::policy, &policy);
    int status = run_busybox(path, {"cat", "/etc/hostname"});
    ASSERT_TRUE(WIFSIGNALED(status));
    EXPECT_EQ(WTERMSIG(status), SIGKILL);
}

TEST_F(PathApi, StagesRunInTheKernelsOrder) {
    SyscallPath path;
    std::vector<std::string> order;
    TestHook hooks[kStageCount];
    const char* names[kStageCount] = {"policy", "fault_injection", "tracing", "accounting"};
    // Added in reverse: the order is the stage's, not the order of adding.
    for (int s = kStageCount - 1; s >= 0; --s) {
        hooks[s].enter = [&, s](Task& t) {
            if (t.syscall_name() == "getppid") order.push_back(std::string("enter ") + names[s]);
            return Verdict::proceed;
        };
        hooks[s].exit = [&, s](Task& t) {
            if (t.syscall_name() == "getppid") order.push_back(std::string("exit ") + names[s]);
        };
        path.add_hook(static_cast<Stage>(s), &hooks[s]);
    }
    run_busybox(path, {"sh", "-c", "echo $PPID >/dev/null"});
    std::vector<std::string> expected;
    for (const char* n : names) expected.push_back(std::string("enter ") + n);
    for (const char* n : names) expected.push_back(std::string("exit ") + n);
    EXPECT_EQ(order, expected);
}

TEST_F(PathApi, TaskViewMatchesProcSyscall) {
    SyscallPath path;
    TestHook tracing;
    int compared = 0;
    tracing.enter = [&](Task& t) {
        // The task is stopped at the call's entry: the kernel shows the same call.
        std::string proc = read_file("/proc/" + std::to_string(t.tid) + "/syscall");
        if (!proc.empty() && proc.back() == '\n') proc.pop_back();
        EXPECT_EQ(proc, t.proc_syscall_line()) << t.syscall_name();
        ++compared;
        return Verdict::proceed;
    };
    path.add_hook(Stage::tracing, &tracing);
    int status = run_busybox(path, {"cat", "/etc/hostname"});
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    EXPECT_GT(compared, 5);
}

}  // namespace
}  // namespace lstar
