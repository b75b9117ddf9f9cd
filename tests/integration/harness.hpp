// Helpers for the integration tests: run a program (natively, under `lstar run`,
// under `lstar trace`, under strace) with bounded waits, and parse trace output
// into calls, signals and exits without depending on how arguments are printed.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tests/support/capabilities.hpp"
#include "tests/support/process.hpp"

namespace itg {

std::string lstar_bin();
std::string prog(const std::string& name);  // a test program from tests/integration/progs
bool have_m32();                             // the i386 test program prog32 was built
std::string busybox();                       // "" when missing
std::string strace_bin();                    // "" when missing
std::string scratch_dir();                   // a fresh temporary directory for this test

// The one runner of the tests (tests/support/process.hpp): stdin a pipe holding
// `input`, stdout and stderr captured, a hang guard of `timeout` (240 s), the wait status.
using RunOptions = lstar::test::ProcessOptions;
using Result = lstar::test::ProcessResult;

// What the machine can do: LSTAR_REQUIRE(can_exec_i386()) skips a test with the reason.
using lstar::test::can_exec_i386;
using lstar::test::can_int80_from_64bit;
using lstar::test::has_fsgsbase;

Result run(const std::vector<std::string>& argv, const RunOptions& opt = {});

// `lstar run ARGS -- PROG...`
Result lstar_run(const std::vector<std::string>& lstar_args, const std::vector<std::string>& prog_argv,
                 const RunOptions& opt = {});
// `lstar trace -o FILE ARGS -- PROG...`; the trace text lands in *trace.
Result lstar_trace(const std::vector<std::string>& lstar_args, const std::vector<std::string>& prog_argv,
                   std::string* trace, const RunOptions& opt = {});
// `strace -f -q -o FILE ARGS -- PROG...`.
Result strace_run(const std::vector<std::string>& args, const std::vector<std::string>& prog_argv,
                  std::string* trace, const RunOptions& opt = {});

std::string read_file(const std::string& path);

// A started process whose output is read line by line (attach and stop tests).
struct Spawned {
    pid_t pid = -1;
    int in = -1;   // its stdin (write end), or -1
    int out = -1;  // its stdout (read end)
    std::string buffered;
    // The next line of its stdout (without '\n'); nullopt at EOF or after the timeout.
    std::optional<std::string> read_line(std::chrono::seconds timeout = std::chrono::seconds(60));
    void write_input(const std::string& text);
    // Waits for it to end; nullopt after the timeout (it is then killed).
    std::optional<int> wait(std::chrono::seconds timeout = std::chrono::seconds(120));
    void kill_now();
    ~Spawned();
};
Spawned spawn(const std::vector<std::string>& argv, bool with_stdin = true);

// One system call as a trace shows it. Entry and result may be split over an
// "<unfinished ...>" and a "<... NAME resumed>" line; they are joined per task.
struct Call {
    pid_t pid = 0;          // 0 when the line had no pid
    std::string name;
    std::string result;     // the text after " = ": "3", "-1 ENOENT (...)", "? ERESTARTSYS (...)", "?"
    bool finished = false;  // a result was seen
    std::string line;       // the (first) line

    long long value() const;         // the numeric result; -1 for "-1 E...", 0 when none
    std::string error() const;       // "ENOENT", "ERESTARTSYS", "" when none
    bool restart_code() const;       // "? ERESTART..." (or "= ?" with a restart errno)
};

struct TraceEvent {
    pid_t pid = 0;
    std::string kind;  // "signal", "exited", "killed", "other"
    std::string what;  // the signal name ("SIGUSR1"), or the exit code ("0")
    std::string line;
};

struct Trace {
    std::vector<Call> calls;
    std::vector<TraceEvent> events;
    std::vector<std::string> unparsed;

    int count(const std::string& name) const;
    int count(const std::string& name, pid_t pid) const;
    std::vector<Call> of(const std::string& name) const;
    std::vector<Call> of_pid(pid_t pid) const;
    std::set<std::string> names() const;
    std::map<std::string, int> counts() const;
    std::set<pid_t> pids() const;
    std::set<pid_t> pids_of(const std::string& name) const;
    bool has_event(const std::string& kind, const std::string& what, pid_t pid = 0) const;
};

Trace parse_trace(const std::string& text);

std::vector<std::string> lines(const std::string& text);
std::vector<std::string> sorted_lines(const std::string& text);

// "pid 1234" style lines from a test program's stderr: key → number.
std::map<std::string, long> key_values(const std::string& text);

// /proc/PID/status field ("State", "TracerPid"), "" if unreadable.
std::string proc_status_field(pid_t pid, const std::string& field);
std::string proc_task_status_field(pid_t pid, pid_t tid, const std::string& field);
std::vector<pid_t> proc_tasks(pid_t pid);

// Polls until cond() holds; false after the timeout (no timing is asserted).
template <class F>
bool eventually(F cond, std::chrono::seconds timeout = std::chrono::seconds(60));

}  // namespace itg

// In a test: the i386 test programs were built, and this machine runs i386 programs.
#define REQUIRE_I386()                                                                                         \
    do {                                                                                                       \
        if (!have_m32())                                                                                       \
            GTEST_SKIP() << "no i386 test program: gcc -m32 -static did not work at configure time "           \
                            "(install gcc-multilib)";                                                          \
        LSTAR_REQUIRE(can_exec_i386());                                                                        \
    } while (0)

#include <thread>

template <class F>
bool itg::eventually(F cond, std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (cond()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return cond();
}
