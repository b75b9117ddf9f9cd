// Signals: group stops (kill -STOP / kill -CONT of a traced program), signals
// that interrupt system calls (the restart codes reach exit work as the kernel
// shows them), and programs that die by a signal (lstar dies the same way).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "harness.hpp"

using namespace itg;

namespace {

bool stopped_state(pid_t pid) {
    std::string s = proc_status_field(pid, "State");
    return !s.empty() && (s[0] == 'T' || s[0] == 't');
}

// Starts `lstar ARGS -- stopcont MODE`, stops and continues the program from outside.
// Returns the trace text (if traced) and lstar's output.
void stop_and_continue(const std::vector<std::string>& lstar_args, const std::string& mode, bool traced,
                       std::string* out, std::string* trace_text, int* status) {
    std::string file = scratch_dir() + "/trace.txt";
    std::vector<std::string> argv = {lstar_bin()};
    if (traced) argv.insert(argv.end(), {"trace", "-o", file});
    else argv.push_back("run");
    argv.insert(argv.end(), lstar_args.begin(), lstar_args.end());
    argv.insert(argv.end(), {"--", prog("stopcont"), mode});
    Spawned s = spawn(argv);
    auto first = s.read_line();
    ASSERT_TRUE(first.has_value()) << "no pid line";
    pid_t pid = static_cast<pid_t>(std::atol(first->c_str() + 4));
    ASSERT_GT(pid, 0) << *first;
    // Wait until the program is in its blocking call (read or clock_nanosleep).
    ASSERT_TRUE(eventually([&] {
        std::string sys = read_file("/proc/" + std::to_string(pid) + "/syscall");
        long nr = std::atol(sys.c_str());
        return sys.rfind("running", 0) != 0 && (nr == 0 || nr == 230 || nr == 35);
    })) << "the program never blocked";
    ASSERT_EQ(::kill(pid, SIGSTOP), 0);
    EXPECT_TRUE(eventually([&] { return stopped_state(pid); })) << proc_status_field(pid, "State");
    // It stays stopped while nobody continues it (no timing asserted: just still stopped).
    ::usleep(100000);
    EXPECT_TRUE(stopped_state(pid)) << proc_status_field(pid, "State");
    ASSERT_EQ(::kill(pid, SIGCONT), 0);
    if (mode == "read") s.write_input("go\n");
    std::string rest;
    while (auto l = s.read_line()) rest += *l + "\n";
    auto st = s.wait();
    ASSERT_TRUE(st.has_value()) << "lstar did not end";
    *status = *st;
    *out = rest;
    if (traced) *trace_text = read_file(file);
}

}  // namespace

TEST(GroupStop, StopThenContinueUnderRun) {
    for (const auto& args : std::vector<std::vector<std::string>>{{}, {"-f"}, {"--no-prefilter"}}) {
        std::string out, trace;
        int status = -1;
        stop_and_continue(args, "read", false, &out, &trace, &status);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
        EXPECT_EQ(out, "got go\n");
    }
}

// The stop as a tracer sees it: the ptrace backend's (in-process, below, no
// stop is seen: SIGSTOP cannot be caught, and only a parent hears of a stop).
TEST(GroupStop, StopThenContinueUnderTrace) {
    for (const auto& args : std::vector<std::vector<std::string>>{{"--backend=ptrace"}, {"--backend=ptrace", "-f"}}) {
        std::string out, text;
        int status = -1;
        stop_and_continue(args, "read", true, &out, &text, &status);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << "\n" << text;
        EXPECT_EQ(out, "got go\n");
        Trace t = parse_trace(text);
        auto reads = t.of("read");
        // The read is interrupted by the stop (ERESTARTSYS, restarted by the kernel) and
        // then returns the 3 bytes.
        ASSERT_EQ(reads.size(), 2u) << text;
        EXPECT_EQ(reads[0].error(), "ERESTARTSYS") << reads[0].line;
        EXPECT_EQ(reads[1].value(), 3) << reads[1].line;
        EXPECT_TRUE(t.has_event("signal", "SIGSTOP")) << text;
        EXPECT_TRUE(t.has_event("signal", "SIGCONT")) << text;
    }
}

// In-process the program stops and goes on as natively; what is seen of it is
// the SIGCONT (held while the read waits, shown as it ends), not the SIGSTOP.
TEST(GroupStop, StopThenContinueInProcess) {
    std::string out, text;
    int status = -1;
    stop_and_continue({"--backend=inproc"}, "read", true, &out, &text, &status);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << "\n" << text;
    EXPECT_EQ(out, "got go\n");
    Trace t = parse_trace(text);
    auto reads = t.of("read");
    ASSERT_EQ(reads.size(), 1u) << text;
    EXPECT_EQ(reads[0].value(), 3) << reads[0].line;
    EXPECT_TRUE(t.has_event("signal", "SIGCONT")) << text;
    EXPECT_FALSE(t.has_event("signal", "SIGSTOP")) << text;
}

TEST(GroupStop, SleepRestartsThroughRestartSyscall) {
    std::string out, text;
    int status = -1;
    stop_and_continue({"--backend=ptrace"}, "sleep", true, &out, &text, &status);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << "\n" << text;
    EXPECT_EQ(out, "slept 0\n");
    Trace t = parse_trace(text);
    auto sleeps = t.of("clock_nanosleep");
    ASSERT_EQ(sleeps.size(), 1u) << text;
    EXPECT_EQ(sleeps[0].error(), "ERESTART_RESTARTBLOCK") << sleeps[0].line;
    auto restarts = t.of("restart_syscall");
    ASSERT_EQ(restarts.size(), 1u) << text;
    EXPECT_EQ(restarts[0].value(), 0) << restarts[0].line;
}

TEST(GroupStop, StopThenContinueWithoutPrefilter) {
    std::string out, text;
    int status = -1;
    stop_and_continue({"--no-prefilter"}, "sleep", false, &out, &text, &status);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    EXPECT_EQ(out, "slept 0\n");
}

TEST(GroupStop, EveryThreadStopsAndContinues) {
    // (A plain `lstar run` has nothing on its path and execs the program in its own
    // place: there is no child to find. --no-prefilter keeps it on the path.)
    for (const auto& args : std::vector<std::vector<std::string>>{{"run", "--no-prefilter"}, {"run", "-f", "--no-prefilter"},
                                                                 {"trace", "-f", "-o", "/dev/null"}}) {
        std::vector<std::string> argv = {lstar_bin()};
        argv.insert(argv.end(), args.begin(), args.end());
        argv.insert(argv.end(), {"--", prog("idle_threads")});
        Spawned s = spawn(argv);
        auto ready = s.read_line();
        ASSERT_TRUE(ready.has_value() && *ready == "ready");
        // The program is lstar's child.
        pid_t pid = 0;
        ASSERT_TRUE(eventually([&] {
            std::string children = read_file("/proc/" + std::to_string(s.pid) + "/task/" + std::to_string(s.pid) + "/children");
            pid = static_cast<pid_t>(std::atol(children.c_str()));
            return pid > 0;
        }));
        ASSERT_EQ(::kill(pid, SIGSTOP), 0);
        auto all_stopped = [&] {
            auto tids = proc_tasks(pid);
            if (tids.size() != 4) return false;
            for (pid_t tid : tids) {
                std::string st = proc_task_status_field(pid, tid, "State");
                if (st.empty() || (st[0] != 'T' && st[0] != 't')) return false;
            }
            return true;
        };
        EXPECT_TRUE(eventually(all_stopped)) << args[0];
        ::usleep(100000);
        EXPECT_TRUE(all_stopped()) << "a thread went on while the process was stopped";
        ASSERT_EQ(::kill(pid, SIGCONT), 0);
        EXPECT_TRUE(eventually([&] {
            for (pid_t tid : proc_tasks(pid)) {
                std::string st = proc_task_status_field(pid, tid, "State");
                if (st.empty() || st[0] == 'T') return false;
            }
            return true;
        }));
        s.write_input("quit\n");
        auto bye = s.read_line();
        ASSERT_TRUE(bye.has_value());
        EXPECT_EQ(*bye, "bye 0") << "a call failed after the stop";
        auto st = s.wait();
        ASSERT_TRUE(st.has_value());
        EXPECT_TRUE(WIFEXITED(*st) && WEXITSTATUS(*st) == 0) << *st;
    }
}

// Each waiting call a handler interrupts ends, as a tracer shows it, with the
// kernel's code for it (ERESTARTSYS, ERESTARTNOHAND, ERESTART_RESTARTBLOCK, or
// EINTR itself): the in-process backend, which sees only the EINTR the program
// gets, shows the code the table gives for the call (tbl/README.md, flags), and
// the ptrace backend the one the kernel gives; both as strace shows it.
TEST(SignalInterrupts, EachWaitEndsWithItsCode) {
    if (strace_bin().empty()) GTEST_SKIP() << "strace is not installed (apt-get install strace)";
    // The interrupted call's line: its name and what follows " = ".
    auto interrupted = [](const std::string& text) -> std::string {
        for (const Call& c : parse_trace(text).calls)
            if (c.name != "rt_sigreturn" && (c.restart_code() || c.error() == "EINTR")) return c.name + " = " + c.result;
        return "none in:\n" + text;
    };
    for (const char* mode : {"read", "pause", "nanosleep", "clock_nanosleep", "clock_nanosleep_abs", "poll", "ppoll",
                             "select", "pselect6", "epoll_wait", "epoll_pwait", "rt_sigtimedwait", "futex",
                             "futex_timed", "wait4", "accept", "recvfrom", "msgrcv", "semop", "flock"}) {
        SCOPED_TRACE(mode);
        std::vector<std::string> argv = {prog("interrupted_waits"), mode};
        std::string theirs;
        Result s = strace_run({}, argv, &theirs);
        ASSERT_EQ(s.out, std::string(mode) + " -1 EINTR\n") << s.describe();
        for (const char* backend : {"--backend=ptrace", "--backend=inproc"}) {
            std::string ours;
            Result r = lstar_trace({backend}, argv, &ours);
            EXPECT_EQ(r.out, s.out) << backend << "\n" << r.describe();
            EXPECT_EQ(interrupted(ours), interrupted(theirs)) << backend;
        }
    }
}

struct RestartCase {
    const char* mode;
    const char* call;          // the interrupted call
    const char* restart_code;  // what its exit shows
    const char* printed;       // what the program prints at the end
    long sigreturn;            // rt_sigreturn's result: -1 (EINTR) or the restarted number
};

class SignalInterrupts : public ::testing::TestWithParam<RestartCase> {};

TEST_P(SignalInterrupts, RestartCodeReachesExitWork) {
    const RestartCase& c = GetParam();
    Result native = run({prog("sigrestart"), c.mode});
    ASSERT_TRUE(native.exited(0)) << native.describe();
    ASSERT_EQ(native.out, std::string("handler\n") + c.printed + "\n");
    std::vector<std::vector<std::string>> option_sets;
    for (const char* backend : {"--backend=ptrace", "--backend=inproc"}) {
        option_sets.push_back({backend});
        option_sets.push_back({backend, "-e", std::string("trace=") + c.call + ",rt_sigreturn"});
    }
    for (const auto& args : option_sets) {
        SCOPED_TRACE(args[0]);
        std::string text;
        Result r = lstar_trace(args, {prog("sigrestart"), c.mode}, &text);
        ASSERT_TRUE(r.exited(0)) << r.describe() << text;
        EXPECT_EQ(r.out, native.out);
        Trace t = parse_trace(text);
        auto calls = t.of(c.call);
        bool restarted = std::string(c.mode) == "restart";
        ASSERT_EQ(calls.size(), restarted ? 2u : 1u) << text;
        EXPECT_TRUE(calls[0].restart_code()) << calls[0].line;
        EXPECT_EQ(calls[0].error(), c.restart_code) << calls[0].line;
        if (restarted) EXPECT_EQ(calls[1].value(), 1) << calls[1].line;
        EXPECT_TRUE(t.has_event("signal", "SIGUSR1")) << text;
        auto rets = t.of("rt_sigreturn");
        ASSERT_EQ(rets.size(), 1u) << text;
        if (c.sigreturn < 0) EXPECT_EQ(rets[0].error(), "EINTR") << rets[0].line;
        else EXPECT_EQ(rets[0].value(), c.sigreturn) << rets[0].line;
    }
    Result run_r = lstar_run({}, {prog("sigrestart"), c.mode});
    EXPECT_EQ(run_r.out, native.out) << run_r.describe();
    Result run_nf = lstar_run({"--no-prefilter"}, {prog("sigrestart"), c.mode});
    EXPECT_EQ(run_nf.out, native.out) << run_nf.describe();
}

INSTANTIATE_TEST_SUITE_P(
    Modes, SignalInterrupts,
    ::testing::Values(RestartCase{"eintr", "read", "ERESTARTSYS", "eintr -1 EINTR", -1},
                      RestartCase{"restart", "read", "ERESTARTSYS", "restart 1", 0},
                      RestartCase{"pause", "pause", "ERESTARTNOHAND", "pause -1 EINTR", -1},
                      RestartCase{"nanosleep", "nanosleep", "ERESTART_RESTARTBLOCK", "nanosleep -1 EINTR", -1}),
    [](const auto& info) { return std::string(info.param.mode); });

class DiesBySignal : public ::testing::TestWithParam<std::pair<const char*, int>> {};

TEST_P(DiesBySignal, LstarDiesTheSameWay) {
    auto [how, sig] = GetParam();
    Result native = run({prog("dieby"), how});
    ASSERT_TRUE(native.signaled(sig)) << native.describe();
    for (const auto& args : std::vector<std::vector<std::string>>{{}, {"-f"}, {"--no-prefilter"}}) {
        Result r = lstar_run(args, {prog("dieby"), how});
        EXPECT_TRUE(r.signaled(sig)) << r.describe();
        EXPECT_EQ(r.out, native.out);
    }
    std::string text;
    Result t = lstar_trace({}, {prog("dieby"), how}, &text);
    EXPECT_TRUE(t.signaled(sig)) << t.describe();
    Trace tr = parse_trace(text);
    EXPECT_TRUE(tr.has_event("killed", ::sigabbrev_np(sig) ? std::string("SIG") + ::sigabbrev_np(sig) : "")) << text;
}

INSTANTIATE_TEST_SUITE_P(Signals, DiesBySignal,
                         ::testing::Values(std::make_pair("segv", SIGSEGV), std::make_pair("term", SIGTERM),
                                           std::make_pair("abrt", SIGABRT), std::make_pair("kill", SIGKILL)),
                         [](const auto& info) { return std::string(info.param.first); });

TEST(DiesBySignal, ChildDiesParentExitsNormally) {
    Result native = run({prog("dieby"), "child-segv"});
    ASSERT_TRUE(native.exited(0)) << native.describe();
    for (const auto& args : std::vector<std::vector<std::string>>{{}, {"-f"}}) {
        Result r = lstar_run(args, {prog("dieby"), "child-segv"});
        EXPECT_TRUE(r.exited(0)) << r.describe();
        EXPECT_EQ(r.out, native.out);
    }
    std::string text;
    Result t = lstar_trace({"-f"}, {prog("dieby"), "child-segv"}, &text);
    EXPECT_TRUE(t.exited(0)) << t.describe();
    Trace tr = parse_trace(text);
    EXPECT_TRUE(tr.has_event("killed", "SIGSEGV")) << text;
    EXPECT_TRUE(tr.has_event("signal", "SIGSEGV")) << text;
    EXPECT_TRUE(tr.has_event("signal", "SIGCHLD")) << text;
}

TEST(SignalsToLstar, TermIsPassedOnToTheProgram) {
    // `lstar run -- stopcont read`: SIGTERM to lstar reaches the program, which dies
    // of it; lstar then dies the same way.
    Spawned s = spawn({lstar_bin(), "run", "--", prog("stopcont"), "read"});
    auto first = s.read_line();
    ASSERT_TRUE(first.has_value());
    ASSERT_EQ(::kill(s.pid, SIGTERM), 0);
    auto st = s.wait();
    ASSERT_TRUE(st.has_value());
    EXPECT_TRUE(WIFSIGNALED(*st) && WTERMSIG(*st) == SIGTERM) << *st;
}
