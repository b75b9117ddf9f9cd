// `lstar trace` against strace on task events: a non-leader thread's execve
// ("+++ superseded by execve +++") and -p of a running multi-threaded process
// (attach/detach messages, the id on each line). The exact lines are compared
// with strace's after the ids are replaced by names.
#include <signal.h>
#include <unistd.h>

#include <iostream>
#include <regex>

#include <gtest/gtest.h>

#include "harness.hpp"

using namespace itg;

namespace {

#define REQUIRE_STRACE()                                                               \
    do {                                                                               \
        if (strace_bin().empty()) GTEST_SKIP() << "strace is not installed (apt-get install strace)"; \
    } while (0)

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
    if (from.empty()) return text;
    for (std::size_t at = 0; (at = text.find(from, at)) != std::string::npos; at += to.size()) text.replace(at, from.size(), to);
    return text;
}

// Ids become names; addresses and environment sizes become placeholders.
std::string name_ids(std::string text, const std::map<pid_t, std::string>& names) {
    text = std::regex_replace(text, std::regex(R"(0x[0-9a-f]+)"), "0xADDR");
    text = std::regex_replace(text, std::regex(R"(/\* \d+ vars \*/)"), "/* N vars */");
    for (auto& [id, name] : names) text = std::regex_replace(text, std::regex("\\b" + std::to_string(id) + "\\b"), name);
    return text;
}

// The old leader's line when the execve replaces it. It normally sleeps already
// ("<... clock_nanosleep resumed>" after the execer's line broke its line); on a
// busy machine it may enter clock_nanosleep after the execve began (its own line is
// then still open) or never get there (no line).
bool leader_unfinished(const std::string& line, const std::string& prefix) {
    static const std::regex re(R"((<\.\.\. clock_nanosleep resumed> |clock_nanosleep\(.*,  )<unfinished \.\.\.>\) = \?)");
    return line.starts_with(prefix) && std::regex_match(line.substr(prefix.size()), re);
}

std::vector<std::string> last_lines(const std::string& text, std::size_t n) {
    auto all = lines(text);
    if (all.size() > n) all.erase(all.begin(), all.end() - static_cast<long>(n));
    return all;
}

// exec_mt: the leader sleeps in clock_nanosleep while a second thread runs execve.
TEST(TraceCompat, ThreadExecveSupersedesTheLeaderToFile) {
    REQUIRE_STRACE();
    std::vector<std::string> opts{"-f", "-e", "trace=execve,clock_nanosleep"};
    std::vector<std::vector<std::string>> tails;
    for (bool strace : {false, true}) {
        std::string text;
        Result r = strace ? strace_run({"-e", "trace=execve,clock_nanosleep"}, {prog("exec_mt")}, &text)
                          : lstar_trace(opts, {prog("exec_mt")}, &text);
        ASSERT_TRUE(r.exited(0)) << r.describe();
        ASSERT_EQ(r.out, "exec ok\n");
        auto ids = key_values(r.err);
        std::string named = name_ids(text, {{static_cast<pid_t>(ids["leader"]), "L"}, {static_cast<pid_t>(ids["execer"]), "E"}});
        named = std::regex_replace(named, std::regex(R"(\) +=)"), ") =");
        named = std::regex_replace(named, std::regex(R"((^|\n)([LE]) +)"), "$1$2 ");
        auto tail = last_lines(named, 4);
        ASSERT_EQ(tail.size(), 4u) << named;
        if (leader_unfinished(tail[0], "L ")) {
            tail[0] = "L <... clock_nanosleep resumed> <unfinished ...>) = ?";
        } else {
            // The leader never entered the call: no line of it, the execer's is the one before.
            EXPECT_TRUE(tail[0].starts_with("E execve(")) << named;
            std::cout << "[ NOTE     ] the leader was not in clock_nanosleep when the execve came\n";
            tail[0] = "L <... clock_nanosleep resumed> <unfinished ...>) = ?";
        }
        tails.push_back(tail);
        EXPECT_EQ(tails.back(), (std::vector<std::string>{
                                    "L <... clock_nanosleep resumed> <unfinished ...>) = ?",
                                    "L +++ superseded by execve in pid E +++",
                                    "L <... execve resumed>) = 0",
                                    "L +++ exited with 0 +++",
                                }))
            << (strace ? "strace" : "lstar") << ":\n" << text;
        EXPECT_TRUE(std::regex_search(
            named, std::regex(R"(\nE execve\(".*", \[.*, "after", "L"\], 0xADDR /\* N vars \*/ <unfinished \.\.\.>\n)")))
            << named;
    }
    EXPECT_EQ(tails[0], tails[1]);
}

TEST(TraceCompat, ThreadExecveSupersedesTheLeaderOnStderr) {
    REQUIRE_STRACE();
    std::vector<std::vector<std::string>> tails;
    for (const std::string& tool : {lstar_bin(), strace_bin()}) {
        std::vector<std::string> argv{tool};
        if (tool == lstar_bin()) argv.push_back("trace");
        argv.insert(argv.end(), {"-f", "-q", "-e", "trace=execve,clock_nanosleep", prog("exec_mt")});
        Result r = run(argv);
        ASSERT_TRUE(r.exited(0)) << r.describe();
        // The program's own stderr lines ("leader N", "execer N") mix with the trace,
        // maybe in the middle of a line.
        std::smatch leader, execer;
        ASSERT_TRUE(std::regex_search(r.err, leader, std::regex(R"(leader (\d+)\n)"))) << r.err;
        ASSERT_TRUE(std::regex_search(r.err, execer, std::regex(R"(execer (\d+)\n)"))) << r.err;
        // Once the old leader is gone one task is left: the lines lose the "[pid N] " prefix.
        std::string named = name_ids(r.err, {{std::stoi(leader[1]), "L"}, {std::stoi(execer[1]), "E"}});
        auto tail = last_lines(std::regex_replace(named, std::regex(R"(\[pid +)"), "[pid "), 4);
        ASSERT_EQ(tail.size(), 4u) << named;
        if (leader_unfinished(tail[0], "[pid L] ")) {
            tail[0] = "[pid L] <... clock_nanosleep resumed> <unfinished ...>) = ?";
        } else {
            EXPECT_TRUE(tail[0].starts_with("[pid E] execve(")) << named;
            std::cout << "[ NOTE     ] the leader was not in clock_nanosleep when the execve came\n";
            tail[0] = "[pid L] <... clock_nanosleep resumed> <unfinished ...>) = ?";
        }
        EXPECT_EQ(tail, (std::vector<std::string>{
                            "[pid L] <... clock_nanosleep resumed> <unfinished ...>) = ?",
                            "+++ superseded by execve in pid E +++",
                            "<... execve resumed>)                   = 0",
                            "+++ exited with 0 +++",
                        }))
            << tool << ":\n" << r.err;
        tails.push_back(tail);
    }
    EXPECT_EQ(tails[0], tails[1]);
    // -qqq (or -e quiet=thread-execve) leaves the superseded line out, as strace does.
    for (const char* quiet : {"-qqq", "--quiet=thread-execve"}) {
        Result r = run({lstar_bin(), "trace", "-f", quiet, "-e", "trace=execve", prog("exec_mt")});
        EXPECT_TRUE(r.exited(0)) << r.describe();
        EXPECT_EQ(r.err.find("superseded"), std::string::npos) << quiet << "\n" << r.err;
        Result s = run({strace_bin(), "-f", quiet, "-e", "trace=execve", prog("exec_mt")});
        EXPECT_EQ(s.err.find("superseded"), std::string::npos) << quiet << "\n" << s.err;
    }
}

// Runs `TOOL [trace] ARGS -p PID` for about a second, then SIGINT: the tool detaches.
Result attach_for_a_while(const std::string& tool, std::vector<std::string> args, pid_t pid) {
    std::vector<std::string> argv{"/usr/bin/timeout", "-s", "INT", "1.5", tool};
    if (tool == lstar_bin()) argv.push_back("trace");
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"-p", std::to_string(pid)});
    return run(argv);
}

std::string as_lstar(const std::string& strace_text) {
    return std::regex_replace(strace_text, std::regex("(^|\n)" + strace_bin() + ": "), "$1lstar: ");
}

// lstar seizes every thread of a -p process, with or without -f: its messages and
// lines are strace -f -p's.
TEST(TraceCompat, AttachToThreadsLikeStraceFollow) {
    REQUIRE_STRACE();
    if (::access("/usr/bin/timeout", X_OK) != 0) GTEST_SKIP() << "/usr/bin/timeout is missing";
    Spawned target = spawn({prog("idle_threads")});
    auto ready = target.read_line();
    ASSERT_TRUE(ready.has_value() && *ready == "ready") << (ready ? *ready : "EOF");
    auto tids = proc_tasks(target.pid);
    ASSERT_EQ(tids.size(), 4u);
    std::string pid = std::to_string(target.pid);

    Result l = attach_for_a_while(lstar_bin(), {"-e", "trace=none"}, target.pid);
    Result lf = attach_for_a_while(lstar_bin(), {"-f", "-e", "trace=none"}, target.pid);
    Result s = attach_for_a_while(strace_bin(), {"-f", "-e", "trace=none"}, target.pid);
    std::string expected = "lstar: Process " + pid + " attached with 4 threads\n";
    for (pid_t tid : tids) expected += "lstar: Process " + std::to_string(tid) + " detached\n";
    EXPECT_EQ(as_lstar(s.err), expected) << "strace itself";
    EXPECT_EQ(l.err, expected);
    EXPECT_EQ(lf.err, expected);

    // -q, -e quiet=attach: no messages.
    for (const char* quiet : {"-q", "--quiet=attach"}) {
        Result q = attach_for_a_while(lstar_bin(), {quiet, "-e", "trace=none"}, target.pid);
        Result sq = attach_for_a_while(strace_bin(), {"-f", quiet, "-e", "trace=none"}, target.pid);
        EXPECT_EQ(q.err, "") << quiet;
        EXPECT_EQ(sq.err, "") << quiet;
    }

    // The lines carry the thread: "[pid N] " on stderr, a first column with -o.
    Result lines_err = attach_for_a_while(lstar_bin(), {"-q", "-e", "trace=getppid"}, target.pid);
    int prefixed = 0;
    for (const auto& line : lines(lines_err.err)) {
        EXPECT_TRUE(std::regex_match(line, std::regex(R"(^\[pid +\d+\] (getppid\(|<\.\.\. getppid resumed>).*)"))) << line;
        ++prefixed;
    }
    EXPECT_GT(prefixed, 10) << lines_err.err;
    std::string file = scratch_dir() + "/attach.txt";
    for (const std::string& tool : {lstar_bin(), strace_bin()}) {
        std::vector<std::string> args{"-q", "-o", file, "-e", "trace=getppid"};
        if (tool == strace_bin()) args.insert(args.begin(), "-f");
        Result r = attach_for_a_while(tool, args, target.pid);
        std::string text = read_file(file);
        int n = 0;
        for (const auto& line : lines(text)) {
            EXPECT_TRUE(std::regex_match(line, std::regex(R"(^\d+ +(getppid\(|<\.\.\. getppid resumed>).*)"))) << tool << ": " << line;
            ++n;
        }
        EXPECT_GT(n, 10) << tool << "\n" << text;
    }

    target.write_input("quit\n");
    auto bye = target.read_line();
    EXPECT_TRUE(bye.has_value() && *bye == "bye 0") << (bye ? *bye : "EOF");
    auto st = target.wait();
    ASSERT_TRUE(st.has_value());
    EXPECT_TRUE(WIFEXITED(*st) && WEXITSTATUS(*st) == 0) << *st;
}

TEST(TraceCompat, AttachToOneThreadLikeStrace) {
    REQUIRE_STRACE();
    if (::access("/usr/bin/timeout", X_OK) != 0) GTEST_SKIP() << "/usr/bin/timeout is missing";
    Spawned target = spawn({"/bin/sleep", "30"}, false);
    ASSERT_TRUE(eventually([&] { return proc_status_field(target.pid, "State").starts_with("S"); }));
    std::string pid = std::to_string(target.pid);
    Result l = attach_for_a_while(lstar_bin(), {"-e", "trace=none"}, target.pid);
    Result s = attach_for_a_while(strace_bin(), {"-e", "trace=none"}, target.pid);
    EXPECT_EQ(l.err, "lstar: Process " + pid + " attached\nlstar: Process " + pid + " detached\n");
    EXPECT_EQ(as_lstar(s.err), l.err);
    // One task: no ids on the lines, with -o either.
    std::string file = scratch_dir() + "/one.txt";
    Result o = attach_for_a_while(lstar_bin(), {"-o", file}, target.pid);
    EXPECT_EQ(o.err, l.err) << "the messages stay on stderr";
    for (const auto& line : lines(read_file(file))) EXPECT_FALSE(std::regex_search(line, std::regex(R"(^\d)"))) << line;
    target.kill_now();
}

}  // namespace
