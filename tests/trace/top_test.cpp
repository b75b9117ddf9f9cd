// lstar top, as a user drives it: started in a detached tmux session (a private
// tmux server, killed at the end of each test whatever happens), keys sent with
// send-keys, the screen read with capture-pane. The program (progs/toploop.c)
// makes known calls in a loop: 500 getppid, 20 failing openat, one nanosleep.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/process.hpp"
#include "tests/support/tmux.hpp"

namespace {

using lstar::test::ProcessResult;

const std::string kProg = std::string(TRACE_PROGS_DIR) + "/toploop";

using lstar::test::Tmux;
using lstar::test::tmux_missing;

bool has(const std::string& screen, const std::string& text) { return screen.find(text) != std::string::npos; }

// The -c table's row of `name`: its calls and errors ("% time seconds usecs/call calls errors syscall").
bool summary_row(const std::string& screen, const std::string& name, long* calls, long* errors) {
    std::regex row("^ *[0-9.]+ +[0-9.]+ +[0-9]+ +([0-9]+) +([0-9]*) +" + name + " *$");
    std::istringstream in(screen);
    std::string line;
    bool since_start = false;
    while (std::getline(in, line)) {
        since_start = since_start || has(line, "SINCE THE START");
        std::smatch m;
        if (since_start && std::regex_match(line, m, row)) {
            *calls = std::stol(m[1]);
            *errors = m[2].length() ? std::stol(m[2]) : 0;
            return true;
        }
    }
    return false;
}

// The first line after the BUSIEST CALLS header.
std::string first_busiest(const std::string& screen) {
    std::istringstream in(screen);
    std::string line;
    while (std::getline(in, line))
        if (has(line, "BUSIEST CALLS")) return std::getline(in, line) ? line : "";
    return "";
}

// The task row of the program: its PID column.
pid_t program_pid(const std::string& screen) {
    std::smatch m;
    if (std::regex_search(screen, m, std::regex(" *([0-9]+) +([0-9]+) toploop ")) ) return std::stoi(m[2]);
    return 0;
}

bool gone(pid_t pid) {
    for (int i = 0; i < 300; ++i) {
        if (::kill(pid, 0) != 0) return true;
        std::ifstream status("/proc/" + std::to_string(pid) + "/status");
        std::string line;
        while (std::getline(status, line))
            if (line.starts_with("State:") && has(line, "Z")) return true;  // a zombie: dead, not yet reaped
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
}

// What every backend must show of toploop: its calls by name, rates, the one that
// blocks as the current call, the errors, the -c table's counts.
void check_live_screen(const Tmux& tmux) {
    std::string s = tmux.wait_for([](const std::string& s) {
        return has(s, "nanosleep({tv_sec=0, tv_nsec=50000000}, ...)") && has(s, "ENOENT") &&
               std::regex_search(s, std::regex("getppid +[1-9][0-9]* "));
    });
    EXPECT_TRUE(has(s, "toploop")) << s;
    EXPECT_TRUE(has(s, "nanosleep({tv_sec=0, tv_nsec=50000000}, ...)")) << "the current call, decoded\n" << s;
    EXPECT_TRUE(std::regex_search(s, std::regex("getppid +[1-9][0-9]* "))) << "getppid's rate\n" << s;
    EXPECT_TRUE(std::regex_search(s, std::regex("openat +ENOENT +[1-9]"))) << "openat's errors\n" << s;
    long calls = 0, errors = 0;
    ASSERT_TRUE(summary_row(s, "openat", &calls, &errors)) << s;
    EXPECT_GT(calls, 0) << s;
    EXPECT_EQ(calls, errors) << "every openat fails\n" << s;
    ASSERT_TRUE(summary_row(s, "getppid", &calls, &errors)) << s;
    EXPECT_GT(calls, 0) << s;
    EXPECT_EQ(errors, 0) << s;
    long sleeps = 0;
    ASSERT_TRUE(summary_row(s, "nanosleep", &sleeps, &errors)) << s;
    // Whole loops: 500 getppid before each nanosleep (the view may have caught one more loop going on).
    EXPECT_GE(calls, 500 * sleeps) << s;
    EXPECT_LE(calls, 500 * (sleeps + 1)) << s;
}

TEST(Top, ShowsTheCallsOfALaunchedProgramSortsFiltersPausesAndQuits) {
    if (std::string why = tmux_missing(); !why.empty()) GTEST_SKIP() << why;
    Tmux tmux;
    tmux.start(std::string(LSTAR_BIN) + " top -- " + kProg);
    check_live_screen(tmux);
    pid_t pid = program_pid(tmux.screen());
    ASSERT_GT(pid, 0) << tmux.screen();

    // Sort by errors: openat (the only call that fails) heads the busiest calls.
    tmux.keys("e");
    std::string s = tmux.wait_for([](const std::string& s) { return has(s, "sort: errors") && first_busiest(s).starts_with("openat"); });
    EXPECT_TRUE(first_busiest(s).starts_with("openat")) << s;
    tmux.keys("c");
    s = tmux.wait_for([](const std::string& s) { return has(s, "sort: calls") && first_busiest(s).starts_with("getppid"); });
    EXPECT_TRUE(first_busiest(s).starts_with("getppid")) << s;

    // %file: openat stays, getppid (%pure) and nanosleep go, from the lists and the -c table.
    tmux.keys("f");
    s = tmux.wait_for([](const std::string& s) { return has(s, "class: %file") && has(s, "openat") && !has(s, "getppid"); });
    EXPECT_TRUE(has(s, "class: %file")) << s;
    EXPECT_FALSE(has(s, "getppid")) << s;
    long calls = 0, errors = 0;
    EXPECT_TRUE(summary_row(s, "openat", &calls, &errors)) << s;
    tmux.keys("a");
    s = tmux.wait_for([](const std::string& s) { return has(s, "class: all") && has(s, "getppid"); });
    EXPECT_TRUE(has(s, "getppid")) << s;

    // Paused, the screen stands still (the counting goes on), for more than two refreshes.
    tmux.keys("p");
    std::string paused = tmux.wait_for("[paused]");
    ASSERT_TRUE(has(paused, "[paused]")) << paused;
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    EXPECT_EQ(tmux.screen(), paused);
    tmux.keys("p");
    s = tmux.wait_for([&](const std::string& s) { return !has(s, "[paused]") && s != paused; });
    EXPECT_FALSE(has(s, "[paused]")) << s;

    // q: the program is killed, lstar top ends with 0 and gives the terminal back.
    tmux.keys("q");
    s = tmux.wait_for("EXIT=");
    EXPECT_TRUE(has(s, "EXIT=0")) << s;
    EXPECT_FALSE(has(s, "BUSIEST CALLS")) << "the view is gone\n" << s;
    EXPECT_TRUE(gone(pid)) << "pid " << pid << " left behind";
}

TEST(Top, InProcess) {
    if (std::string why = tmux_missing(); !why.empty()) GTEST_SKIP() << why;
    Tmux tmux;
    tmux.start(std::string(LSTAR_BIN) + " top --backend=inproc -- " + kProg);
    check_live_screen(tmux);
    EXPECT_TRUE(has(tmux.screen(), "(inproc)"));
    pid_t pid = program_pid(tmux.screen());
    ASSERT_GT(pid, 0) << tmux.screen();
    tmux.keys("q");
    std::string s = tmux.wait_for("EXIT=");
    EXPECT_TRUE(has(s, "EXIT=0")) << s;
    EXPECT_TRUE(gone(pid)) << "pid " << pid << " left behind";
}

TEST(Top, AttachedProcessIsLetGoOnQuit) {
    if (std::string why = tmux_missing(); !why.empty()) GTEST_SKIP() << why;
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        lstar::test::exec_child({kProg}, {});
    }
    struct Reap {
        pid_t pid;
        ~Reap() { ::kill(pid, SIGKILL), ::waitpid(pid, nullptr, 0); }
    } reap{pid};
    Tmux tmux;
    tmux.start(std::string(LSTAR_BIN) + " top -p " + std::to_string(pid));
    check_live_screen(tmux);
    tmux.keys("q");
    std::string s = tmux.wait_for("EXIT=");
    EXPECT_TRUE(has(s, "EXIT=0")) << s;
    // Still running, traced by no one, not stopped.
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line, state, tracer;
    while (std::getline(status, line)) {
        if (line.starts_with("State:")) state = line;
        if (line.starts_with("TracerPid:")) tracer = line;
    }
    EXPECT_TRUE(state.find('S') != std::string::npos || state.find('R') != std::string::npos) << state;
    EXPECT_EQ(tracer, "TracerPid:\t0");
    int st;
    EXPECT_EQ(::waitpid(pid, &st, WNOHANG), 0) << "it is still running";
}

// A program that cannot run: one line on the terminal once the view is gone, and
// no -o FILE left behind.
TEST(Top, ProgramThatCannotRunIsOneLineAndLeavesNoFile) {
    if (std::string why = tmux_missing(); !why.empty()) GTEST_SKIP() << why;
    std::string out = std::string(::testing::TempDir()) + "lstar-top-output-" + std::to_string(::getpid());
    Tmux tmux;
    tmux.start(std::string(LSTAR_BIN) + " top -o " + out + " -- /nonexistent-lstar-top-program");
    std::string s = tmux.wait_for("EXIT=");
    EXPECT_TRUE(has(s, "lstar: cannot run '/nonexistent-lstar-top-program'")) << s;
    EXPECT_TRUE(has(s, "EXIT=1")) << s;
    struct stat st;
    EXPECT_NE(::stat(out.c_str(), &st), 0) << out << " left behind";
}

TEST(Top, RefusesWithoutATerminal) {
    ProcessResult r = lstar::test::run_process({LSTAR_BIN, "top", "--", kProg}, {});
    EXPECT_TRUE(r.exited(2)) << r.describe();
    EXPECT_TRUE(has(r.err, "needs a terminal")) << r.err;
    r = lstar::test::run_process({LSTAR_BIN, "top", "-S", "bogus", "--", kProg}, {});
    EXPECT_TRUE(r.exited(2)) << r.describe();
    EXPECT_TRUE(has(r.err, "invalid -S argument 'bogus'")) << r.err;
}

}  // namespace
