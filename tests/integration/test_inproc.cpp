// The in-process backend (--backend=inproc, entry/inproc): programs run with
// their calls trapped by a seccomp filter into a SIGSYS handler in their own
// threads. Output and exit status as natively; the trace as the ptrace backend
// prints it, less what inproc cannot show (signals left at a default that
// ignores or stops, "+++ killed by" for processes the supervisor does not reap).
#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "harness.hpp"

using namespace itg;

namespace {

const std::string kInproc = "--backend=inproc";

std::vector<std::string> with_inproc(std::vector<std::string> args) {
    args.insert(args.begin(), kInproc);
    return args;
}

// A value no other process has in its environment: every process of a run
// under test carries it, so leftovers can be found in /proc afterwards.
std::string unique_marker() {
    static std::atomic<int> n{0};
    return "LSTAR_INPROC_TEST_MARKER=" + std::to_string(::getpid()) + "-" + std::to_string(++n) + "-" +
           std::to_string(::time(nullptr));
}

// Pids of live processes whose environment holds `marker`.
std::vector<pid_t> processes_with(const std::string& marker) {
    std::vector<pid_t> found;
    DIR* d = ::opendir("/proc");
    if (!d) return found;
    while (dirent* e = ::readdir(d)) {
        if (!std::isdigit(static_cast<unsigned char>(e->d_name[0]))) continue;
        std::string env = read_file(std::string("/proc/") + e->d_name + "/environ");
        std::string needle = marker;
        needle.push_back('\0');
        if (env.find(needle) != std::string::npos || (env.size() >= marker.size() && env.ends_with(marker)))
            found.push_back(static_cast<pid_t>(std::atoi(e->d_name)));
    }
    ::closedir(d);
    return found;
}

// Runs with a marker in the environment; after the run no process may carry it.
struct Marked {
    RunOptions opt;
    std::string marker;
    explicit Marked(RunOptions base = {}) : opt(std::move(base)), marker(unique_marker()) { opt.env.push_back(marker); }
    void expect_none_left(const std::string& what) const {
        bool gone = eventually([&] { return processes_with(marker).empty(); }, std::chrono::seconds(5));
        EXPECT_TRUE(gone) << what << ": processes left behind after lstar ended: " << processes_with(marker).size();
        for (pid_t p : processes_with(marker)) ::kill(p, SIGKILL);
    }
};

// `lstar run` with nothing on the path execs the program in its own place (no
// backend at all) unless --no-prefilter: given here so that the backend runs.
Result inproc_run(const std::vector<std::string>& args, const std::vector<std::string>& argv, const RunOptions& opt = {}) {
    std::vector<std::string> a = args;
    a.insert(a.begin(), "--no-prefilter");
    return lstar_run(with_inproc(a), argv, opt);
}
Result inproc_trace(const std::vector<std::string>& args, const std::vector<std::string>& argv, std::string* trace,
                    const RunOptions& opt = {}) {
    return lstar_trace(with_inproc(args), argv, trace, opt);
}

std::string join(const std::vector<std::string>& v, const std::string& sep = " ") {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
    return s;
}

// Runs argv natively and under the in-process backend (run, run -f, trace,
// trace -f): the same output (sorted when asked) and the same end; no process left.
void expect_same_as_native(const std::vector<std::string>& argv, bool sort_output = false, RunOptions base = {}) {
    Result native = run(argv, base);
    ASSERT_FALSE(native.timed_out) << join(argv);
    auto norm = [&](const std::string& s) { return sort_output ? sorted_lines(s) : lines(s); };
    for (const auto& args : std::vector<std::vector<std::string>>{{}, {"-f"}}) {
        Marked m(base);
        Result r = inproc_run(args, argv, m.opt);
        std::string what = "lstar run --backend=inproc " + join(args) + " " + join(argv);
        EXPECT_EQ(norm(r.out), norm(native.out)) << what << "\n" << r.describe();
        EXPECT_EQ(r.status, native.status) << what << "\n" << r.describe() << "\nnative: " << native.describe();
        m.expect_none_left(what);
    }
    for (const auto& args : std::vector<std::vector<std::string>>{{}, {"-f"}}) {
        Marked m(base);
        std::string trace;
        Result t = inproc_trace(args, argv, &trace, m.opt);
        std::string what = "lstar trace --backend=inproc " + join(args) + " " + join(argv);
        EXPECT_EQ(norm(t.out), norm(native.out)) << what << "\n" << t.describe();
        EXPECT_EQ(t.status, native.status) << what << "\n" << t.describe() << "\nnative: " << native.describe();
        m.expect_none_left(what);
    }
}

// "thread 3 12345" lines from stderr: label → tid.
std::map<std::string, pid_t> ids_from(const std::string& err) {
    std::map<std::string, pid_t> ids;
    for (const std::string& l : lines(err)) {
        auto sp = l.rfind(' ');
        if (sp == std::string::npos) continue;
        ids[l.substr(0, sp)] = static_cast<pid_t>(std::atol(l.c_str() + sp + 1));
    }
    return ids;
}

// The quoted path of an openat line ("" when none).
std::string openat_path(const Call& c) {
    auto q = c.line.find('"');
    if (q == std::string::npos) return "";
    auto e = c.line.find('"', q + 1);
    return e == std::string::npos ? "" : c.line.substr(q + 1, e - q - 1);
}

int count_path(const Trace& t, const std::string& path) {
    int n = 0;
    for (const Call& c : t.of("openat"))
        if (openat_path(c) == path) ++n;
    return n;
}

std::string strip_pid(const std::string& line) {
    static const std::regex pid(R"(^(\[pid +\d+\] |\d+ +))");
    return std::regex_replace(line, pid, "");
}

}  // namespace

// ---- 1. basics ------------------------------------------------------------

TEST(Inproc, TrueShowsExecveAndExit) {
    std::string text;
    Marked m;
    Result r = inproc_trace({}, {"/bin/true"}, &text, m.opt);
    ASSERT_TRUE(r.exited(0)) << r.describe() << "\n" << text;
    Trace t = parse_trace(text);
    ASSERT_FALSE(t.calls.empty()) << text;
    EXPECT_EQ(t.calls.front().name, "execve") << text;
    EXPECT_NE(t.calls.front().line.find("execve(\"/bin/true\", [\"/bin/true\"]"), std::string::npos) << text;
    EXPECT_TRUE(t.calls.front().finished && t.calls.front().value() == 0) << text;
    EXPECT_EQ(t.count("execve"), 1) << text;
    EXPECT_EQ(t.count("exit_group"), 1) << text;
    EXPECT_TRUE(t.has_event("exited", "0")) << text;
    ASSERT_FALSE(lines(text).empty());
    EXPECT_EQ(lines(text).back(), "+++ exited with 0 +++") << text;
    EXPECT_TRUE(t.unparsed.empty()) << "unparsed lines:\n" << join(t.unparsed, "\n");
    m.expect_none_left("true");
}

TEST(Inproc, ExitStatusPropagates) {
    for (const auto& args : std::vector<std::vector<std::string>>{{}, {"-f"}}) {
        Result r = inproc_run(args, {"/bin/sh", "-c", "exit 3"});
        EXPECT_TRUE(r.exited(3)) << r.describe();
        std::string text;
        Result t = inproc_trace(args, {"/bin/sh", "-c", "exit 3"}, &text);
        EXPECT_TRUE(t.exited(3)) << t.describe();
        EXPECT_TRUE(parse_trace(text).has_event("exited", "3")) << text;
    }
    Result r = inproc_run({}, {prog("dieby"), "exit", "42"});
    EXPECT_TRUE(r.exited(42)) << r.describe();
    EXPECT_EQ(r.out, "dying by exit\n");
}

TEST(Inproc, KilledBySignalPropagates) {
    for (const auto& [how, sig, name] : std::vector<std::tuple<std::string, int, std::string>>{
             {"segv", SIGSEGV, "SIGSEGV"}, {"term", SIGTERM, "SIGTERM"}, {"abrt", SIGABRT, "SIGABRT"},
             {"kill", SIGKILL, "SIGKILL"}}) {
        Result r = inproc_run({}, {prog("dieby"), how});
        EXPECT_TRUE(r.signaled(sig)) << how << ": " << r.describe();
        EXPECT_EQ(r.out, "dying by " + how + "\n") << how;
        std::string text;
        Result t = inproc_trace({}, {prog("dieby"), how}, &text);
        EXPECT_TRUE(t.signaled(sig)) << how << ": " << t.describe();
        Trace tr = parse_trace(text);
        EXPECT_TRUE(tr.has_event("killed", name)) << how << ":\n" << text;
        EXPECT_FALSE(tr.has_event("exited", "0")) << text;
    }
}

TEST(Inproc, ChildKilledBySignalUnderFollow) {
    std::string text;
    Result t = inproc_trace({"-f"}, {prog("dieby"), "child-segv"}, &text);
    EXPECT_TRUE(t.exited(0)) << t.describe();
    EXPECT_EQ(t.out, "dying by child-segv\nchild killed by 11\n") << t.describe();
    Trace trace = parse_trace(text);
    EXPECT_TRUE(trace.has_event("exited", "0")) << text;
    // The child cannot say it was killed: its parent's wait does, as strace shows it.
    EXPECT_TRUE(trace.has_event("killed", "SIGSEGV")) << text;
}

// Every process killed by a signal has its `+++ killed by` line, as under strace:
// children reaped by their parents (wait4, waitid) as well as the launched program.
TEST(Inproc, KilledLinesAsStrace) {
    if (strace_bin().empty()) GTEST_SKIP() << "strace is not installed";
    std::vector<std::string> argv = {"/bin/sh", "-c", "sleep 10 & kill -TERM $!; wait; sleep 10 & kill -KILL $!; wait; exit 3"};
    std::string theirs, ours;
    Result s = strace_run({}, argv, &theirs);
    if (theirs.empty()) GTEST_SKIP() << "strace could not trace here: " << s.describe();
    Result r = inproc_trace({"-f"}, argv, &ours);
    EXPECT_EQ(r.status, s.status) << r.describe();
    auto killed = [](const std::string& text) {
        std::multiset<std::string> signals;
        for (const TraceEvent& e : parse_trace(text).events)
            if (e.kind == "killed") signals.insert(e.what);
        return signals;
    };
    EXPECT_EQ(killed(ours), killed(theirs)) << ours;
    EXPECT_EQ(killed(ours).size(), 2u) << ours;
}

// The integration test programs the ptrace backend is tested with: the same
// output and end as natively.
TEST(Inproc, ExistingProgramsSameAsNative) {
    expect_same_as_native({prog("uname_host")});
    expect_same_as_native({prog("forks")});
    expect_same_as_native({prog("threads")}, /*sort_output=*/true);
    expect_same_as_native({prog("exec_mt")});
    expect_same_as_native({prog("mainexit")});
    expect_same_as_native({prog("stress")}, /*sort_output=*/true);
    for (const char* mode : {"eintr", "restart", "pause", "nanosleep"}) expect_same_as_native({prog("sigrestart"), mode});
}

// ---- 2. the same lines as the ptrace backend --------------------------------

namespace {

// Lines of a trace, without what the in-process backend leaves out, with pids
// and addresses replaced.
std::vector<std::string> comparable(const std::string& text) {
    std::vector<std::string> out;
    std::set<std::string> pids;
    static const std::regex pid_result(R"(^(\d+ +)?(clone|clone3|fork|vfork|getpid|gettid|getppid|wait4|set_tid_address)\(.*\) += (\d+))");
    for (const std::string& l : lines(text)) {
        std::smatch m;
        if (std::regex_search(l, m, pid_result)) pids.insert(m[3]);
        static const std::regex prefix(R"(^(\d+) )");
        if (std::regex_search(l, m, prefix)) pids.insert(m[1]);
    }
    for (std::string l : lines(text)) {
        std::string bare = strip_pid(l);
        if (bare.rfind("--- SIGCHLD", 0) == 0 || bare.rfind("+++ killed by", 0) == 0)
            continue;
        for (const std::string& pid : pids) l = std::regex_replace(l, std::regex("\\b" + pid + "\\b"), "PID");
        l = std::regex_replace(l, std::regex("0x[0-9a-f]+"), "0xADDR");
        // Column padding depends on the length of the addresses; getrandom's bytes on luck.
        l = std::regex_replace(l, std::regex(R"(\) +=)"), ") =");
        l = std::regex_replace(l, std::regex(R"(^((\d+ +)?getrandom\()\"[^\"]*\")"), "$1\"RANDOM\"");
        out.push_back(l);
    }
    return out;
}

std::string diff_text(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    std::ostringstream s;
    for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
        std::string x = i < a.size() ? a[i] : "<none>", y = i < b.size() ? b[i] : "<none>";
        if (x != y) s << "  line " << i + 1 << "\n    ptrace: " << x << "\n    inproc: " << y << "\n";
    }
    return s.str();
}

}  // namespace

// A process killed by a signal (SIGKILL among them) while its trace waits in the
// buffer it shares with the supervisor: every line up to its death is written,
// the same lines as under ptrace, then how it died.
TEST(Inproc, KilledProcessLeavesEveryLine) {
    for (const auto& [how, name] : std::vector<std::pair<std::string, std::string>>{
             {"kill", "SIGKILL"}, {"segv", "SIGSEGV"}, {"term", "SIGTERM"}}) {
        for (const std::vector<std::string> follow : {std::vector<std::string>{}, {"-f"}}) {
            std::vector<std::string> argv = {prog("dieby"), how, "5000"};
            std::string p, q;
            lstar_trace(follow, argv, &p);
            Result r = inproc_trace(follow, argv, &q);
            EXPECT_TRUE(parse_trace(q).has_event("killed", name)) << how << "\n" << r.describe();
            // Random bytes differ; the call SIGKILL kills it in cannot return under
            // inproc (the signal comes as it returns), and ends unfinished. A signal at
            // a default that ends the process is shown after the call, as under ptrace.
            auto keep = [](std::vector<std::string> v) {
                std::erase_if(v, [](const std::string& l) { return l.find("getrandom(") != std::string::npos; });
                return v;
            };
            std::vector<std::string> a = keep(comparable(p)), b = keep(comparable(q));
            ASSERT_EQ(a.size(), b.size()) << how << "\n" << q;
            EXPECT_EQ(std::count_if(b.begin(), b.end(), [](const std::string& l) { return l.find("getppid()") != std::string::npos; }),
                      5000)
                << how;
            if (how == "kill") {
                EXPECT_TRUE(std::regex_search(b.back(), std::regex(R"(kill\(PID, SIG[A-Z]+ <unfinished \.\.\.>\) = \?$)")))
                    << b.back();
                a.pop_back(), b.pop_back();
            }
            EXPECT_EQ(a, b) << how << " " << join(follow) << "\n" << diff_text(a, b);
        }
    }
}

// Static single-threaded programs: every line the same as under ptrace.
TEST(Inproc, SameLinesAsPtraceBackend) {
    std::vector<std::vector<std::string>> progs = {
        {prog("dieby"), "exit", "7"},
        {prog("uname_host")},
        {prog("emulate_getpid")},
        {prog("inproc_fds"), "close_range"},
        {prog("inproc_exe")},
        {prog("inproc_signals"), "usr1"},
        {prog("inproc_signals"), "sigsys"},
    };
    for (const auto& argv : progs) {
        std::string p, q;
        Result a = lstar_trace({}, argv, &p);
        Result b = inproc_trace({}, argv, &q);
        EXPECT_EQ(a.status, b.status) << join(argv);
        if (argv[0] != prog("emulate_getpid")) { EXPECT_EQ(a.out, b.out) << join(argv); }  // it prints its pid
        auto x = comparable(p), y = comparable(q);
        EXPECT_EQ(x, y) << join(argv) << "\n" << diff_text(x, y);
    }
}

// ---- 3. -f over fork and exec -----------------------------------------------

TEST(Inproc, ShellPipelineFollowed) {
    std::vector<std::string> argv = {"/bin/sh", "-c", "ls / | wc -l"};
    Result native = run(argv);
    ASSERT_TRUE(native.exited(0)) << native.describe();
    Marked m;
    std::string text;
    Result r = inproc_trace({"-f"}, argv, &text, m.opt);
    EXPECT_TRUE(r.exited(0)) << r.describe();
    EXPECT_EQ(r.out, native.out);
    m.expect_none_left("sh -c 'ls / | wc -l'");
    Trace t = parse_trace(text);
    EXPECT_TRUE(t.unparsed.empty()) << join(t.unparsed, "\n");
    // Three processes: sh, and the two it forks; each ran one program.
    std::set<pid_t> pids = t.pids();
    EXPECT_EQ(pids.size(), 3u) << text;
    EXPECT_EQ(pids.count(0), 0u) << "every line carries a pid under -f\n" << text;
    std::map<pid_t, int> execs;
    std::set<std::string> programs;
    for (const Call& c : t.of("execve"))
        if (c.finished && c.value() == 0) {
            ++execs[c.pid];
            auto q = c.line.find('"');
            programs.insert(c.line.substr(q + 1, c.line.find('"', q + 1) - q - 1));
        }
    EXPECT_EQ(execs.size(), 3u) << text;
    for (const auto& [pid, n] : execs) EXPECT_EQ(n, 1) << "pid " << pid << "\n" << text;
    EXPECT_EQ(programs.count("/bin/sh"), 1u) << text;
    bool ls = false, wc = false;
    for (const std::string& p : programs) ls |= p.ends_with("/ls"), wc |= p.ends_with("/wc");
    EXPECT_TRUE(ls && wc) << text;
    for (pid_t pid : pids) EXPECT_TRUE(t.has_event("exited", "0", pid)) << "pid " << pid << "\n" << text;
    // The clones that made the children.
    int clones = t.count("clone") + t.count("clone3") + t.count("fork") + t.count("vfork");
    EXPECT_EQ(clones, 2) << text;
    for (const char* name : {"clone", "clone3", "fork", "vfork"})
        for (const Call& c : t.of(name)) EXPECT_TRUE(pids.count(static_cast<pid_t>(c.value()))) << c.line;
}

TEST(Inproc, ShellPipelineNotFollowed) {
    std::vector<std::string> argv = {"/bin/sh", "-c", "ls / | wc -l"};
    Result native = run(argv);
    Marked m;
    std::string text;
    Result r = inproc_trace({}, argv, &text, m.opt);
    EXPECT_TRUE(r.exited(0)) << r.describe();
    EXPECT_EQ(r.out, native.out);
    m.expect_none_left("sh -c 'ls / | wc -l' without -f");
    Trace t = parse_trace(text);
    EXPECT_EQ(t.pids(), std::set<pid_t>{0}) << "one process, no pid column\n" << text;
    EXPECT_EQ(t.count("execve"), 1) << text;
    EXPECT_EQ(t.count("wait4"), 3) << text;  // two children, then WNOHANG: ECHILD
    int exits = 0;
    for (const auto& e : t.events) exits += e.kind == "exited";
    EXPECT_EQ(exits, 1) << text;
}

TEST(Inproc, ForksFollowed) {
    std::string text;
    Result r = inproc_trace({"-f"}, {prog("forks")}, &text);
    ASSERT_TRUE(r.exited(0)) << r.describe();
    EXPECT_EQ(r.out,
              "fork child\nfork child exited with 3\nvfork child after exec\nvfork child exited with 4\n"
              "clone3 child\nclone3 child exited with 5\nparent done\n");
    auto ids = key_values(r.err);
    Trace t = parse_trace(text);
    for (const char* who : {"fork", "clone3"}) {
        pid_t child = static_cast<pid_t>(ids[who]);
        EXPECT_EQ(t.count("getppid", child), 2) << who << " " << child << "\n" << text;
    }
    pid_t vchild = static_cast<pid_t>(ids["vfork"]);
    EXPECT_EQ(t.count("getppid", vchild), 2) << text;
    int ok_exec = 0;
    for (const Call& c : t.of("execve")) ok_exec += c.finished && c.value() == 0 && c.pid == vchild;
    EXPECT_EQ(ok_exec, 1) << text;
    EXPECT_TRUE(t.has_event("exited", "3", static_cast<pid_t>(ids["fork"]))) << text;
    EXPECT_TRUE(t.has_event("exited", "4", vchild)) << text;
    EXPECT_TRUE(t.has_event("exited", "5", static_cast<pid_t>(ids["clone3"]))) << text;
    EXPECT_TRUE(t.has_event("exited", "0", static_cast<pid_t>(ids["parent"]))) << text;
    EXPECT_EQ(t.count("getppid", static_cast<pid_t>(ids["parent"])), 0) << text;
}

// ---- 4. threads -------------------------------------------------------------

// Every marker call of every thread once, with its tid. Run twice: with the
// thread pointer swapped by rdfsbase/wrfsbase, and by arch_prctl (machines
// without FSGSBASE).
void expect_every_thread_marker(const RunOptions& base) {
    const int n = 8, k = 25;
    std::string text;
    Marked m(base);
    Result r = inproc_trace({"-f"}, {prog("inproc_threads"), std::to_string(n), std::to_string(k)}, &text, m.opt);
    ASSERT_TRUE(r.exited(0)) << r.describe();
    m.expect_none_left("inproc_threads");
    std::vector<std::string> expected;
    for (int i = 0; i < n; ++i) expected.push_back("thread " + std::to_string(i) + " done");
    expected.push_back("all " + std::to_string(n) + " threads done");
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(sorted_lines(r.out), expected);
    auto ids = ids_from(r.err);
    Trace t = parse_trace(text);
    std::map<std::string, std::vector<pid_t>> seen;
    for (const Call& c : t.of("openat")) {
        std::string p = openat_path(c);
        if (p.rfind("/nonexistent/inproc-", 0) == 0) {
            seen[p].push_back(c.pid);
            EXPECT_TRUE(c.finished && c.error() == "ENOENT") << c.line;
        }
    }
    for (int i = 0; i < n; ++i) {
        pid_t tid = ids["thread " + std::to_string(i)];
        ASSERT_GT(tid, 0) << r.err;
        for (int j = 0; j < k; ++j) {
            std::string p = "/nonexistent/inproc-marker-" + std::to_string(i) + "-" + std::to_string(j);
            EXPECT_EQ(seen[p], std::vector<pid_t>{tid}) << p;
        }
    }
    for (int j = 0; j < 3; ++j)
        EXPECT_EQ(seen["/nonexistent/inproc-main-" + std::to_string(j)], std::vector<pid_t>{ids["main"]});
    EXPECT_EQ(seen.size(), static_cast<std::size_t>(n * k + 3));
    EXPECT_TRUE(t.has_event("exited", "0", ids["main"])) << text;
}

TEST(Inproc, ThreadsEveryMarkerOnceWithItsTid) {
    LSTAR_REQUIRE(has_fsgsbase());  // else the runtime takes the arch_prctl path of the test below
    expect_every_thread_marker({});
}

TEST(Inproc, ThreadsWithoutFsgsbase) {
    RunOptions o;
    o.env.push_back("LSTAR_INPROC_NO_FSGSBASE=1");
    expect_every_thread_marker(o);
}

TEST(Inproc, ThreadsNotFollowed) {
    std::string text;
    Result r = inproc_trace({}, {prog("inproc_threads"), "6", "20"}, &text);
    ASSERT_TRUE(r.exited(0)) << r.describe();
    EXPECT_EQ(lines(r.out).size(), 7u) << r.out;
    Trace t = parse_trace(text);
    int thread_markers = 0, main_markers = 0;
    for (const Call& c : t.of("openat")) {
        std::string p = openat_path(c);
        thread_markers += p.rfind("/nonexistent/inproc-marker-", 0) == 0;
        main_markers += p.rfind("/nonexistent/inproc-main-", 0) == 0;
    }
    EXPECT_EQ(thread_markers, 0) << text;
    EXPECT_EQ(main_markers, 3) << text;
    EXPECT_EQ(t.pids(), std::set<pid_t>{0}) << text;
}

TEST(Inproc, ThreadsManyRounds) {
    // Start-up and exit of many threads at once, repeated: no lost or doubled lines.
    for (int round = 0; round < 5; ++round) {
        std::string text;
        Result r = inproc_trace({"-f"}, {prog("inproc_threads"), "16", "10"}, &text);
        ASSERT_TRUE(r.exited(0)) << "round " << round << ": " << r.describe();
        Trace t = parse_trace(text);
        int markers = 0;
        for (const Call& c : t.of("openat")) markers += openat_path(c).rfind("/nonexistent/inproc-", 0) == 0;
        EXPECT_EQ(markers, 16 * 10 + 3) << "round " << round;
        EXPECT_TRUE(t.unparsed.empty()) << join(t.unparsed, "\n");
    }
}

// ---- 5. vfork and posix_spawn -----------------------------------------------

TEST(Inproc, PosixSpawnAndVfork) {
    const std::string expected =
        "spawned echo\nspawn echo: exited 0\nspawn false: exited 1\nspawn missing: ENOENT\n"
        "spawnp missing: ENOENT\nvfork exec: exited 7\nvfork exit: exited 9\nvfork exec missing: exited 127\n";
    Result native = run({prog("inproc_spawn")});
    ASSERT_EQ(native.out, expected) << native.describe();
    expect_same_as_native({prog("inproc_spawn")});
    std::string text;
    Result r = inproc_trace({"-f"}, {prog("inproc_spawn")}, &text);
    EXPECT_EQ(r.out, expected);
    Trace t = parse_trace(text);
    int echo_execs = 0;
    for (const Call& c : t.of("execve"))
        echo_execs += c.line.find("\"/bin/echo\"") != std::string::npos && c.finished && c.value() == 0;
    EXPECT_EQ(echo_execs, 1) << text;
}

TEST(Inproc, PythonSubprocessVfork) {
    if (::access("/usr/bin/python3", X_OK) != 0) GTEST_SKIP() << "python3 is not installed (/usr/bin/python3)";
    std::vector<std::string> argv = {"/usr/bin/python3", "-c",
                                     "import subprocess; r = subprocess.run(['echo', 'x']); print(r.returncode)"};
    Result native = run(argv);
    ASSERT_EQ(native.out, "x\n0\n") << native.describe();
    Marked m;
    std::string text;
    Result r = inproc_trace({"-f"}, argv, &text, m.opt);
    EXPECT_TRUE(r.exited(0)) << r.describe();
    EXPECT_EQ(r.out, "x\n0\n") << r.describe();
    m.expect_none_left("python3 subprocess");
    Trace t = parse_trace(text);
    std::vector<Call> vforks = t.of("vfork");
    bool clone_vfork = false;
    for (const char* name : {"clone", "clone3"})
        for (const Call& c : t.of(name)) clone_vfork |= c.line.find("CLONE_VFORK") != std::string::npos;
    EXPECT_TRUE(!vforks.empty() || clone_vfork) << text;
    pid_t child = 0;
    for (const Call& c : vforks) child = static_cast<pid_t>(c.value());
    int echo = 0;
    for (const Call& c : t.of("execve"))
        if (c.finished && c.value() == 0 && c.line.find("\"echo\", \"x\"") != std::string::npos) {
            ++echo;
            if (child) { EXPECT_EQ(c.pid, child) << c.line; }
        }
    EXPECT_EQ(echo, 1) << text;
}

// ---- 6. the program's own signal handling ----------------------------------------

TEST(Inproc, SignalHandlersKeepWorking) {
    struct Case {
        std::string mode, out;
        int getppids;
    };
    std::vector<Case> cases = {
        {"restart", "restart read 1 x\n", 1},
        {"eintr", "eintr read -1 EINTR\neintr again 1 x\n", 1},
        {"longjmp", "jumped 1\njumped 2\njumped 3\nlongjmp done 3\n", 6},
        {"blockall", "blockall getppid ok\nblockall done\n", 4},
        {"sigsys", "sigsys handler kept 1\nsigsys default back 1\nsigsys done\n", 2},
        {"usr1", "usr1 handled 1\n", 1},
    };
    for (const Case& c : cases) {
        Result native = run({prog("inproc_signals"), c.mode});
        ASSERT_EQ(native.out, c.out) << "native " << c.mode << ": " << native.describe();
        Result r = inproc_run({}, {prog("inproc_signals"), c.mode});
        EXPECT_TRUE(r.exited(0)) << c.mode << ": " << r.describe();
        EXPECT_EQ(r.out, c.out) << c.mode;
        std::string text;
        Result t = inproc_trace({}, {prog("inproc_signals"), c.mode}, &text);
        EXPECT_TRUE(t.exited(0)) << c.mode << ": " << t.describe() << "\n" << text;
        EXPECT_EQ(t.out, c.out) << c.mode;
        Trace tr = parse_trace(text);
        EXPECT_EQ(tr.count("getppid"), c.getppids) << c.mode << "\n" << text;
        EXPECT_TRUE(tr.has_event("exited", "0")) << c.mode << "\n" << text;
        if (c.mode == "eintr") {
            bool interrupted = false;  // as a tracer sees it (the program gets EINTR)
            for (const Call& call : tr.of("read")) interrupted |= call.error() == "ERESTARTSYS";
            EXPECT_TRUE(interrupted) << text;
        }
        if (c.mode == "restart" || c.mode == "eintr") {
            // The handler's write into the pipe, made while the read was under way.
            bool handler_write = false;
            for (const Call& call : tr.of("write")) handler_write |= call.line.find("\"x\", 1") != std::string::npos;
            EXPECT_TRUE(handler_write) << text;
        }
    }
}

// A signal for a handler the program set is shown as strace shows it: after the
// line of the call it interrupted, which ends with the code a tracer sees
// (ERESTARTSYS for a read: EINTR for the program without SA_RESTART, a new read
// with it), before the handler's calls.
TEST(Inproc, HandledSignalsAreShown) {
    auto lines_of = [](const std::string& text) {
        std::vector<std::string> v;
        std::istringstream in(text);
        for (std::string line; std::getline(in, line);) v.push_back(line);
        return v;
    };
    // The first line that starts with `prefix` and has `part` in it.
    auto index_of = [](const std::vector<std::string>& v, const std::string& prefix, const std::string& part = "") {
        for (std::size_t i = 0; i < v.size(); ++i)
            if (v[i].rfind(prefix, 0) == 0 && v[i].find(part) != std::string::npos) return static_cast<long>(i);
        return -1L;
    };
    for (const char* mode : {"eintr", "restart"}) {
        std::string text;
        Result t = inproc_trace({}, {prog("inproc_signals"), mode}, &text);
        ASSERT_TRUE(t.exited(0)) << t.describe();
        auto v = lines_of(text);
        long read = index_of(v, "read(");
        ASSERT_GE(read, 0) << text;
        EXPECT_NE(v[read].find("= ? ERESTARTSYS (To be restarted if SA_RESTART is set)"), std::string::npos) << text;
        EXPECT_EQ(index_of(v, "--- SIGALRM {si_signo=SIGALRM"), read + 1) << text;
        EXPECT_EQ(index_of(v, "write(", "\"x\", 1)"), read + 2) << text;
        bool restart = std::string(mode) == "restart";
        EXPECT_EQ(index_of(v, "rt_sigreturn({mask=[]})", restart ? "= 0" : "= -1 EINTR"), read + 3) << text;
        if (restart) EXPECT_EQ(index_of(v, "read(", "\"x\", 1) "), read + 4) << text;
    }

    std::string text;
    // -e signal=none hides them.
    Result t = inproc_trace({"-e", "signal=none"}, {prog("inproc_signals"), "eintr"}, &text);
    EXPECT_EQ(text.find("--- SIG"), std::string::npos) << text;
}

// Signals at any moment (a 50 µs timer whose handler makes a call, SIGCHLD from
// a stream of children) while the program forks, waits and makes calls: the
// runtime must never deadlock on its own lock nor lose a call. The storm is at
// most 64 ticks a round (see the program), so that it ends on a machine of any
// speed; the 1 µs timer is faster than any machine's trapped call (with a
// free-running 1 µs timer the program never ends, here as on a slow machine).
TEST(Inproc, SignalStormEnds) {
    for (const std::string interval : {"50", "1"}) {
        for (const auto& args : std::vector<std::vector<std::string>>{{}, {"-f"}}) {
            SCOPED_TRACE("timer " + interval + " us, " + join(args));
            Marked m;
            m.opt.timeout = std::chrono::seconds(120);  // a hang guard: a hang is a failure, not a wait
            std::string text;
            Result t = inproc_trace(args, {prog("inproc_signal_storm"), "300", interval}, &text, m.opt);
            ASSERT_FALSE(t.timed_out) << "hung\n" << t.describe();
            EXPECT_TRUE(t.exited(0)) << t.describe();
            EXPECT_EQ(t.out, "storm done 300\n");
            // The storm happened: every round arms the timer and lasts longer than its first tick.
            long ticks = key_values(t.err)["ticks"];
            EXPECT_GT(ticks, 0) << t.err;
            EXPECT_LE(ticks, 300 * (64 + 1)) << t.err;  // the cap, plus one signal pending as it disarms
            Trace tr = parse_trace(text);
            // Each tick's handler makes one getppid, as each round does 20.
            EXPECT_GE(tr.count("getppid"), 300 * 20 + ticks) << join(args);
            m.expect_none_left("signal storm");
        }
    }
}

// The program's thread pointer around the runtime, which makes its calls with
// lstar's and, without FSGSBASE, reads the program's from its TCB while every one
// in use is a TCB: a handler that interrupts a blocking call, a pthread, a thread
// pointer that is not a TCB. The same with the arch_prctl path forced.
TEST(Inproc, ThreadPointerAroundTheRuntime) {
    for (const std::string force : {"", "LSTAR_INPROC_NO_FSGSBASE=1"}) {
        for (const auto& args : std::vector<std::vector<std::string>>{{}, {"-f"}}) {
            SCOPED_TRACE(force + " " + join(args));
            Marked m;
            if (!force.empty()) m.opt.env.push_back(force);
            std::string text;
            Result t = inproc_trace(args, {prog("inproc_thread_pointer")}, &text, m.opt);
            EXPECT_TRUE(t.exited(0)) << t.describe() << text;
            EXPECT_EQ(t.out, "handler 1 eintr 1 tls 7\nthread 1 tls 7\nforeign 1 tls 7 fs 1\n");
            Trace tr = parse_trace(text);
            EXPECT_GE(tr.count("getppid"), 4) << text;  // the thread's only with -f
            bool interrupted = false;  // as a tracer sees it (the program gets EINTR)
            for (const Call& call : tr.of("read")) interrupted |= call.error() == "ERESTARTSYS";
            EXPECT_TRUE(interrupted) << text;
            m.expect_none_left("thread pointer");
        }
    }
}

// Without -f a call that waits is shown while it waits; a program killed there
// ends its line as strace ends it.
TEST(Inproc, WaitingCallShownAndEndedWhenKilled) {
    std::string file = scratch_dir() + "/waiting.txt";
    Spawned s = spawn({lstar_bin(), "trace", "--backend=inproc", "-o", file, "--", "/bin/sleep", "30"});
    ASSERT_TRUE(eventually([&] { return read_file(file).find("clock_nanosleep(") != std::string::npos; }))
        << read_file(file);
    pid_t pid = static_cast<pid_t>(std::atol(read_file("/proc/" + std::to_string(s.pid) + "/task/" +
                                                       std::to_string(s.pid) + "/children").c_str()));
    ASSERT_GT(pid, 0);
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    auto status = s.wait();
    ASSERT_TRUE(status.has_value());
    EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL) << *status;
    std::string text = read_file(file);
    auto at = text.rfind("clock_nanosleep(");
    ASSERT_NE(at, std::string::npos) << text;
    std::string tail = text.substr(at);
    EXPECT_NE(tail.find(" <unfinished ...>) = ?\n+++ killed by SIGKILL +++\n"), std::string::npos) << tail;
}

// -c under the in-process backend: every process counts its own calls and the
// supervising lstar prints one table with their sum, as strace -f -c does.
TEST(Inproc, CountsAddUpOverProcesses) {
    std::string text;
    Result r = inproc_trace({"-f", "-c"}, {prog("forks")}, &text);
    ASSERT_TRUE(r.exited(0)) << r.describe();
    std::size_t tables = 0;
    for (std::size_t at = 0; (at = text.find("% time", at)) != std::string::npos; ++at) ++tables;
    EXPECT_EQ(tables, 1u) << text;
    // forks.c: its fork, vfork and clone3 children make two getppid calls each.
    std::regex getppid_row(R"(\n\s*[0-9.]+\s+[0-9.]+\s+[0-9]+\s+([0-9]+)\s+getppid\n)");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(text, m, getppid_row)) << text;
    EXPECT_EQ(m[1].str(), "6") << text;
    EXPECT_NE(text.find("total"), std::string::npos) << text;
}

// -f with the trace on stderr: a line says whose it is while several tasks are
// traced (the vfork child's, not its parent's before and after it), and a vfork
// child's execve is one whole line (its parent shares the buffer it would have
// left it in).
TEST(Inproc, FollowedTraceOnStderr) {
    Result r = run({lstar_bin(), "trace", kInproc, "-f", "-e", "trace=execve", "--", "/bin/sh", "-c", "/bin/echo hi"});
    ASSERT_TRUE(r.exited(0)) << r.describe();
    EXPECT_EQ(r.out, "hi\n");
    int echo_lines = 0;
    std::istringstream in(r.err);
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("lstar: ", 0) == 0) continue;
        bool child = line.find("/bin/echo\", [") != std::string::npos || line.find("exited with 0") != std::string::npos;
        if (line.rfind("+++ exited with 0", 0) == 0) child = false;  // the shell's own end
        EXPECT_EQ(line.rfind("[pid ", 0) == 0, child) << line << "\n" << r.err;
        if (line.find("execve(\"/bin/echo\"") != std::string::npos) {
            ++echo_lines;
            EXPECT_NE(line.find(") = 0"), std::string::npos) << line;
        }
    }
    EXPECT_EQ(echo_lines, 1) << r.err;
    EXPECT_EQ(r.err.find("unfinished"), std::string::npos) << r.err;
}

// ---- 7. lstar's descriptors --------------------------------------------------------

TEST(Inproc, ProgramCannotCloseTheTrace) {
    for (const std::string mode : {"close", "close_range", "dup2", "cloexec"}) {
        std::string text;
        Result r = inproc_trace({"-f"}, {prog("inproc_fds"), mode}, &text);
        std::string done = mode == "cloexec" ? "close done\n" : mode + " done\n";
        EXPECT_TRUE(r.exited(0)) << mode << ": " << r.describe();
        EXPECT_EQ(r.out, done) << mode << ": " << r.describe();
        Trace t = parse_trace(text);
        for (int i = 1; i <= 3; ++i) {
            int expected = i == 2 ? (mode == "dup2" || mode == "cloexec") : 1;
            if (mode == "cloexec" && i == 1) expected = 2;  // before and after the exec
            EXPECT_EQ(count_path(t, "/nonexistent/inproc-fd-marker-" + std::to_string(i)), expected)
                << mode << " marker " << i << "\n" << text;
        }
        EXPECT_TRUE(t.has_event("exited", "0")) << mode << "\n" << text;
        // The trace on stderr (no -o): the same.
        Result e = run({lstar_bin(), "trace", kInproc, "--", prog("inproc_fds"), mode});
        EXPECT_TRUE(e.exited(0)) << mode << ": " << e.describe();
        EXPECT_NE(e.err.find("/nonexistent/inproc-fd-marker-3"), std::string::npos) << mode << "\n" << e.err;
        EXPECT_NE(e.err.find("+++ exited with 0 +++"), std::string::npos) << mode << "\n" << e.err;
    }
}

// A program that execs itself through /proc/self/exe (busybox does, for its
// applets) runs itself again, not lstar.
TEST(Inproc, ExecOfProcSelfExe) {
    std::vector<std::string> argv = {"/bin/sh", "-c", "exec /proc/self/exe -c 'echo hi from self'"};
    ASSERT_EQ(run(argv).out, "hi from self\n");
    Result r = inproc_run({}, argv);
    EXPECT_TRUE(r.exited(0)) << r.describe();
    EXPECT_EQ(r.out, "hi from self\n") << r.describe();
    std::string text;
    Result t = inproc_trace({"-f"}, argv, &text);
    EXPECT_TRUE(t.exited(0)) << t.describe();
    EXPECT_EQ(t.out, "hi from self\n") << t.describe();
    std::string bb = busybox();
    if (bb.empty()) return;
    std::vector<std::string> applets = {bb, "sh", "-c", "x=$(busybox expr 6 \\* 7); echo \"x=$x\"; busybox echo a | busybox tr a-z A-Z"};
    ASSERT_EQ(run(applets).out, "x=42\nA\n");
    Result b = inproc_run({"-f"}, applets);
    EXPECT_TRUE(b.exited(0)) << b.describe();
    EXPECT_EQ(b.out, "x=42\nA\n") << b.describe();
}

// ---- 8. /proc/self/exe -------------------------------------------------------------

TEST(Inproc, ProcSelfExeIsTheProgram) {
    char resolved[PATH_MAX];
    ASSERT_TRUE(::realpath(prog("inproc_exe").c_str(), resolved));
    std::string p = resolved;
    std::string expected = "readlink " + p + "\nreadlinkat " + p + "\npid-exe " + p + "\n";
    ASSERT_EQ(run({prog("inproc_exe")}).out, expected);
    EXPECT_EQ(inproc_run({}, {prog("inproc_exe")}).out, expected);
    std::string text;
    Result t = inproc_trace({}, {prog("inproc_exe")}, &text);
    EXPECT_EQ(t.out, expected);
    Trace tr = parse_trace(text);
    EXPECT_EQ(tr.count("readlink"), 3) << text;  // libc's start-up, then the program's two
    EXPECT_EQ(tr.count("readlinkat"), 1) << text;
    for (const char* name : {"readlink", "readlinkat"})
        for (const Call& c : tr.of(name)) EXPECT_EQ(c.value(), static_cast<long long>(p.size())) << c.line;
    // A program that runs another: the same through the exec.
    Result sh = inproc_run({"-f"}, {"/bin/sh", "-c", prog("inproc_exe")});
    EXPECT_EQ(sh.out, expected);
}

// ---- 9. -e trace=openat --------------------------------------------------------------

TEST(Inproc, TraceOnlyOpenatAsStrace) {
    if (strace_bin().empty()) GTEST_SKIP() << "strace is not installed";
    for (const auto& argv : std::vector<std::vector<std::string>>{{prog("inproc_fds"), "close"}, {"/bin/cat", "/etc/hostname"}}) {
        std::string mine, theirs;
        Result a = inproc_trace({"-f", "-e", "trace=openat"}, argv, &mine);
        Result b = strace_run({"-e", "trace=openat"}, argv, &theirs);
        if (theirs.empty()) GTEST_SKIP() << "strace could not trace here: " << b.describe();
        EXPECT_EQ(a.status, b.status) << join(argv);
        EXPECT_EQ(a.out, b.out) << join(argv);
        std::vector<std::string> x, y;
        for (const auto& l : lines(theirs)) x.push_back(strip_pid(l));
        for (const auto& l : lines(mine)) y.push_back(strip_pid(l));
        EXPECT_EQ(x, y) << join(argv) << "\n" << diff_text(x, y);
        Trace t = parse_trace(mine);
        EXPECT_EQ(t.names(), std::set<std::string>{"openat"}) << mine;
    }
}

// ---- 10. injection and emulation ------------------------------------------------------

TEST(Inproc, InjectOpenatError) {
    std::vector<std::string> argv = {"/bin/cat", "/etc/hostname"};
    std::string p, q;
    Result a = lstar_trace({"-e", "inject=openat:error=ENOENT"}, argv, &p);
    Result b = inproc_trace({"-e", "inject=openat:error=ENOENT"}, argv, &q);
    EXPECT_FALSE(a.exited(0)) << a.describe();
    EXPECT_EQ(a.status, b.status) << "ptrace: " << a.describe() << "\ninproc: " << b.describe();
    EXPECT_EQ(a.out, b.out);
    EXPECT_EQ(a.err, b.err);
    Trace t = parse_trace(q);
    ASSERT_FALSE(t.of("openat").empty()) << q;
    for (const Call& c : t.of("openat")) EXPECT_NE(c.line.find("ENOENT (No such file or directory) (INJECTED)"), std::string::npos) << c.line;
    auto x = comparable(p), y = comparable(q);
    EXPECT_EQ(x, y) << diff_text(x, y);
}

TEST(Inproc, EmulateHostnameAndGetpid) {
    Result h = inproc_run({"--hostname", "foo"}, {"/bin/uname", "-n"});
    EXPECT_TRUE(h.exited(0)) << h.describe();
    EXPECT_EQ(h.out, "foo\n") << h.describe();
    Result hf = inproc_run({"-f", "--hostname", "foo"}, {"/bin/sh", "-c", "uname -n"});
    EXPECT_EQ(hf.out, "foo\n") << hf.describe();
    Result g = inproc_run({"--emulate", "getpid=42"}, {prog("emulate_getpid")});
    EXPECT_TRUE(g.exited(0)) << g.describe();
    EXPECT_EQ(g.out, "getpid 42\nopen ok\n") << g.describe();
    Result o = inproc_run({"--emulate", "openat=-ENOENT"}, {prog("emulate_getpid")});
    EXPECT_EQ(o.out.substr(o.out.find('\n') + 1), "open ENOENT\n") << o.describe();
}

// ---- 11. --json ----------------------------------------------------------------------

TEST(Inproc, JsonParsesLineByLine) {
    std::string text;
    Result r = inproc_trace({"--json", "-f"}, {prog("forks")}, &text);
    ASSERT_TRUE(r.exited(0)) << r.describe();
    int syscalls = 0, execves = 0, exits = 0;
    std::set<long> pids;
    for (const std::string& line : lines(text)) {
        if (line.empty()) continue;
        nlohmann::json j;
        try {
            j = nlohmann::json::parse(line);
        } catch (const std::exception& e) {
            ADD_FAILURE() << "not JSON: " << line << "\n" << e.what();
            continue;
        }
        EXPECT_EQ(j["v"], 2) << line;
        EXPECT_TRUE(j["pid"].is_number() && j["tid"].is_number()) << line;
        pids.insert(j["pid"].get<long>());
        if (j["type"] == "syscall") {
            ++syscalls;
            EXPECT_EQ(j["abi"], "x86_64") << line;
            if (j["name"] == "execve" && j["ret"] == 0) ++execves;
        }
        exits += j["type"] == "exit";
    }
    EXPECT_GT(syscalls, 10) << text;
    EXPECT_EQ(execves, 2) << text;  // the program, and its vfork child's exec
    EXPECT_EQ(pids.size(), 4u) << text;
    EXPECT_GE(exits, 4) << text;
}

// ---- 12. what the in-process backend refuses -------------------------------------------

namespace {
void expect_one_line_error(const Result& r, const std::string& what) {
    EXPECT_TRUE(r.exited(1)) << what << ": " << r.describe();
    auto l = lines(r.err);
    EXPECT_EQ(l.size(), 1u) << what << ": " << r.err;
    if (!l.empty()) { EXPECT_EQ(l[0].rfind("lstar: ", 0), 0u) << what << ": " << r.err; }
}
}  // namespace

TEST(Inproc, RefusedOptions) {
    expect_one_line_error(run({lstar_bin(), "trace", kInproc, "-p", "1"}), "-p 1");
    Result bogus = run({lstar_bin(), "trace", "--backend=bogus", "--", "/bin/true"});
    EXPECT_TRUE(bogus.exited(1)) << bogus.describe();
    EXPECT_NE(bogus.err.find("bogus"), std::string::npos) << bogus.err;
    Result rbogus = run({lstar_bin(), "run", "--backend=bogus", "--", "/bin/true"});
    EXPECT_FALSE(rbogus.exited(0)) << rbogus.describe();
    EXPECT_NE(rbogus.err.find("bogus"), std::string::npos) << rbogus.err;
}

TEST(Inproc, MissingProgramIsAClearError) {
    std::string dir = scratch_dir();
    std::string file = dir + "/trace.txt";
    Result r = run({lstar_bin(), "trace", kInproc, "-o", file, "--", "/nonexistent/program"});
    expect_one_line_error(r, "missing program");
    EXPECT_NE(::access(file.c_str(), F_OK), 0) << "the trace file was left behind";
}

// The two tests below need prog32 built, not run: lstar refuses it before any exec
// (so they run on machines without i386 execution too).
TEST(Inproc, Refuses32BitProgram) {
    if (!have_m32()) GTEST_SKIP() << "no -m32 toolchain (gcc-multilib): prog32 was not built";
    std::string dir = scratch_dir();
    std::string file = dir + "/trace.txt";
    Result r = run({lstar_bin(), "trace", kInproc, "-o", file, "--", prog("prog32")});
    expect_one_line_error(r, "trace prog32");
    EXPECT_NE(r.err.find(prog("prog32")), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_NE(::access(file.c_str(), F_OK), 0) << "the trace file was left behind";
    Result rr = run({lstar_bin(), "run", kInproc, "--no-prefilter", "--", prog("prog32")});
    expect_one_line_error(rr, "run prog32");
    EXPECT_NE(rr.err.find(prog("prog32")), std::string::npos) << rr.err;
    // An existing -o file that lstar did not create stays (as when any launch fails).
    std::ofstream(dir + "/kept.txt") << "kept\n";
    Result k = run({lstar_bin(), "trace", kInproc, "-o", dir + "/kept.txt", "--", prog("prog32")});
    EXPECT_TRUE(k.exited(1)) << k.describe();
    EXPECT_EQ(::access((dir + "/kept.txt").c_str(), F_OK), 0) << "a file lstar did not create was removed";
}

TEST(Inproc, ExecOf32BitProgramFailsWithEnoexec) {
    if (!have_m32()) GTEST_SKIP() << "no -m32 toolchain (gcc-multilib): prog32 was not built";
    for (const auto& args : std::vector<std::vector<std::string>>{{}, {"-f"}}) {
        std::string text;
        Result r = inproc_trace(args, {prog("inproc_exec"), prog("prog32")}, &text);
        EXPECT_TRUE(r.exited(1)) << r.describe();
        EXPECT_EQ(r.out, "execve failed: ENOEXEC\n") << r.describe();
        EXPECT_NE(r.err.find("lstar: " + prog("prog32") + ": not an x86_64 program"), std::string::npos) << r.err;
        Trace t = parse_trace(text);
        ASSERT_EQ(t.count("execve"), 2) << text;
        EXPECT_EQ(t.of("execve")[1].error(), "ENOEXEC") << text;
        Result rr = inproc_run(args, {prog("inproc_exec"), prog("prog32")});
        EXPECT_EQ(rr.out, "execve failed: ENOEXEC\n") << rr.describe();
    }
    // A 64-bit program it execs runs as usual; a missing one is ENOENT.
    Result ok = inproc_run({}, {prog("inproc_exec"), prog("dieby"), "exit", "5"});
    EXPECT_TRUE(ok.exited(5)) << ok.describe();
    Result missing = inproc_run({}, {prog("inproc_exec"), "/nonexistent/program"});
    EXPECT_EQ(missing.out, "execve failed: ENOENT\n") << missing.describe();
    std::string dir = scratch_dir();
    std::ofstream(dir + "/data") << "not a program\n";
    ::chmod((dir + "/data").c_str(), 0644);
    Result notexec = inproc_run({}, {prog("inproc_exec"), dir + "/data"});
    EXPECT_EQ(notexec.out, "execve failed: EACCES\n") << notexec.describe();
}

// ---- 13. real programs ------------------------------------------------------------------

namespace {
std::string source_dir() {
    std::string f = __FILE__;  // .../tests/integration/test_inproc.cpp
    return f.substr(0, f.rfind("/tests/integration/"));
}
}  // namespace

TEST(Inproc, BusyboxScript) {
    std::string bb = busybox();
    if (bb.empty()) GTEST_SKIP() << "busybox-static is not installed: /bin/busybox missing";
    std::string script = source_dir() + "/bench/workloads/busybox_script.sh";
    if (::access(script.c_str(), R_OK) != 0) GTEST_SKIP() << script << " not found";
    expect_same_as_native({bb, "sh", script, "20"});
    std::string dir = scratch_dir();
    std::ofstream(dir + "/s.sh") << "for i in 1 2 3; do busybox echo \"line $i\"; done\n"
                                    "busybox echo piped | busybox tr a-z A-Z\n"
                                    "x=$(busybox expr 6 \\* 7); echo \"x=$x\"\n"
                                    "( busybox true; exit 4 ); echo \"subshell $?\"\n"
                                    "busybox sh -c 'exit 5' & wait $!; echo \"bg $?\"\n"
                                    "exit 6\n";
    expect_same_as_native({bb, "sh", dir + "/s.sh"});
}

TEST(Inproc, PythonDashC) {
    if (::access("/usr/bin/python3", X_OK) != 0) GTEST_SKIP() << "python3 is not installed (/usr/bin/python3)";
    expect_same_as_native({"/usr/bin/python3", "-c",
                           "import json, os, threading\n"
                           "out = []\n"
                           "t = [threading.Thread(target=lambda i=i: out.append(i)) for i in range(4)]\n"
                           "[x.start() for x in t]; [x.join() for x in t]\n"
                           "print(json.dumps(sorted(out)), os.path.exists('/etc/passwd'))\n"
                           "raise SystemExit(3)\n"});
}

TEST(Inproc, GccCompileAndLink) {
    if (::access("/usr/bin/gcc", X_OK) != 0) GTEST_SKIP() << "gcc is not installed";
    std::string dir = scratch_dir();
    std::ofstream(dir + "/hello.c") << "#include <stdio.h>\nint main(void) { puts(\"hello from gcc\"); return 0; }\n";
    RunOptions opt;
    opt.cwd = dir;
    for (const auto& args : std::vector<std::vector<std::string>>{{"-f"}, {}}) {
        Marked m(opt);
        std::string bin = dir + "/hello" + std::to_string(args.size());
        std::string text;
        Result r = inproc_trace(args, {"/usr/bin/gcc", "-O1", "hello.c", "-o", bin}, &text, m.opt);
        EXPECT_TRUE(r.exited(0)) << r.describe();
        m.expect_none_left("gcc");
        Result hello = run({bin});
        EXPECT_EQ(hello.out, "hello from gcc\n") << hello.describe();
        if (!args.empty()) {
            Trace t = parse_trace(text);
            int ok = 0;
            for (const Call& c : t.of("execve")) ok += c.finished && c.value() == 0;
            EXPECT_GE(ok, 4) << "gcc, cc1, as, collect2/ld";
        }
    }
    std::ofstream(dir + "/bad.c") << "int main(void) { return x; }\n";
    Result native = run({"/usr/bin/gcc", "-c", "bad.c"}, opt);
    Result bad = inproc_run({"-f"}, {"/usr/bin/gcc", "-c", "bad.c"}, opt);
    EXPECT_EQ(bad.status, native.status) << bad.describe();
    EXPECT_EQ(bad.err, native.err);
}

TEST(Inproc, TarPipeline) {
    if (::access("/usr/include/linux", R_OK) != 0) GTEST_SKIP() << "/usr/include/linux is missing";
    expect_same_as_native({"/bin/sh", "-c", "tar -cf - /usr/include/linux 2>/dev/null | wc -c"});
}

// ---- 14. nothing left behind ----------------------------------------------------------------

// lstar killed with SIGKILL while the program runs: no process of the program
// lives on, whatever it is doing (spinning without a call, waiting in a call
// the runtime never sees, a fork of a fork, an exec'd child, threads), as
// under --backend=ptrace -f, whose PTRACE_O_EXITKILL ends its tracees.
TEST(Inproc, NothingLeftWhenLstarIsKilled) {
    std::vector<std::vector<std::string>> modes = {
        {"run", "--no-prefilter", kInproc},         {"run", "--no-prefilter", "-f", kInproc},
        {"trace", "-o", "/dev/null", kInproc},      {"trace", "-f", "-o", "/dev/null", kInproc},
        {"run", "--no-prefilter", "-f", "--backend=ptrace"}, {"trace", "-f", "-o", "/dev/null", "--backend=ptrace"}};
    modes.insert(modes.begin(), std::vector<std::string>{});  // natively: the same tree
    for (const std::vector<std::string>& mode : modes) {
        std::string what = mode.empty() ? "native" : "lstar " + join(mode);
        SCOPED_TRACE(what);
        std::string marker = unique_marker();
        std::vector<std::string> argv = {"/usr/bin/env", marker};
        if (!mode.empty()) argv.push_back(lstar_bin());
        argv.insert(argv.end(), mode.begin(), mode.end());
        if (!mode.empty()) argv.push_back("--");
        argv.push_back(prog("inproc_orphans"));
        Spawned s = spawn(argv, false);
        int pids = 0;
        for (;;) {
            std::optional<std::string> line = s.read_line();
            ASSERT_TRUE(line.has_value()) << "no \"ready\" after " << pids << " pids";
            if (*line == "ready") break;
            EXPECT_EQ(line->rfind("pid ", 0), 0u) << *line;
            ++pids;
        }
        EXPECT_EQ(pids, 4);
        // The tree (and lstar). Eventually: the sleeper's vfork returns in its parent
        // before its exec has set up the new environment, which /proc shows empty till then.
        EXPECT_TRUE(eventually([&] { return processes_with(marker).size() >= 4u; }, std::chrono::seconds(20)))
            << processes_with(marker).size() << " processes of the program seen";
        // lstar alone (natively: the top process alone), not its process group.
        ASSERT_EQ(::kill(s.pid, SIGKILL), 0);
        std::optional<int> status = s.wait();
        ASSERT_TRUE(status.has_value());
        EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL) << *status;
        std::size_t left = mode.empty() ? 3 : 0;  // natively the rest of the tree lives on
        bool ended = eventually([&] { return processes_with(marker).size() == left; }, std::chrono::seconds(20));
        EXPECT_TRUE(ended) << processes_with(marker).size() << " processes of the program left";
        for (pid_t p : processes_with(marker)) ::kill(p, SIGKILL);
    }
}

// ---- 15. what a program sees of its signals and children ------------------------------------

namespace {

// Natively, under --backend=ptrace (run -f, trace -f) and under the in-process
// backend (run, run -f, trace, trace -f): the same output and the same end.
void expect_same_on_every_backend(const std::vector<std::string>& argv, RunOptions base = {}) {
    expect_same_as_native(argv, false, base);
    Result native = run(argv, base);
    for (bool traced : {false, true}) {
        std::string trace;
        std::string what = std::string(traced ? "lstar trace" : "lstar run") + " --backend=ptrace -f " + join(argv);
        Result r = traced ? lstar_trace({"--backend=ptrace", "-f"}, argv, &trace, base)
                          : lstar_run({"--backend=ptrace", "-f"}, argv, base);
        EXPECT_EQ(lines(r.out), lines(native.out)) << what << "\n" << r.describe();
        EXPECT_EQ(r.status, native.status) << what << "\n" << r.describe() << "\nnative: " << native.describe();
    }
}

// A program whose native run ends with status 0 and prints each of `shown` (so
// that what the test compares is what it is about), then runs the same everywhere.
void expect_as_native_everywhere(const std::vector<std::string>& argv, const std::vector<std::string>& shown) {
    Result native = run(argv);
    ASSERT_TRUE(native.exited(0)) << native.describe();
    for (const std::string& text : shown) EXPECT_NE(native.out.find(text), std::string::npos) << text << "\n" << native.out;
    expect_same_on_every_backend(argv);
}

}  // namespace

// A child killed by a signal is reported to its parent as killed by it (wait4,
// waitpid, waitid), for every signal whose default action ends a process.
TEST(Inproc, WaitStatusOfKilledChildren) {
    Result native = run({prog("inproc_waitstatus")});
    EXPECT_EQ(lines(native.out).size(), 26u) << native.out;
    for (const std::string& l : lines(native.out)) EXPECT_NE(l.find("wait4 signaled 1"), std::string::npos) << l;
    expect_as_native_everywhere({prog("inproc_waitstatus")}, {"31: wait4 signaled 1 term 31"});
}

// The core-dump bit too, where the children may dump core (whatever the machine's
// core pattern makes of it, natively and under lstar alike).
TEST(Inproc, WaitStatusCoreDumpBit) {
    std::string dir = scratch_dir();
    expect_same_on_every_backend({prog("inproc_waitstatus"), "core", dir});
}

// SIGSYS is the program's like any other signal, though the runtime traps with it.
TEST(Inproc, ProgramOwnsSigsys) {
    expect_as_native_everywhere({prog("inproc_sigsys")}, {"kill: 1 delivered: 31 code 0"});
}

TEST(Inproc, KilledBySigsysAtItsDefault) {
    Result native = run({prog("inproc_sigsys"), "die"});
    ASSERT_TRUE(native.signaled(SIGSYS)) << native.describe();
    expect_same_on_every_backend({prog("inproc_sigsys"), "die"});
}

// ---- 16. the program's descriptors ------------------------------------------------------------

// The runtime's descriptors take nothing of the program's RLIMIT_NOFILE: a program
// that dups up to its limit gets as many as natively, and the same errors at
// and past it. (The soft limit is set below the hard one, as usual outside
// containers: the runtime's descriptors then sit above it.)
TEST(Inproc, DescriptorLimitAsNative) {
    rlimit saved{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
    if (saved.rlim_max < 512) GTEST_SKIP() << "the hard RLIMIT_NOFILE is below 512: " << saved.rlim_max;
    rlimit low = saved;
    low.rlim_cur = 256;
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
    expect_as_native_everywhere({prog("inproc_fdlimit")}, {"last 255 then EMFILE"});
    ::setrlimit(RLIMIT_NOFILE, &saved);
}

// ---- 17. exec ----------------------------------------------------------------------------------

// execveat: through a directory descriptor, on a descriptor (fexecve), and its errors.
TEST(Inproc, ExecveatAsNative) {
    expect_as_native_everywhere({prog("inproc_execveat")}, {"empty path: exited 7"});
}

// Set-uid and set-gid programs get the ids and AT_SECURE they get natively: run by
// root, under no_new_privs (none), and by another user; one that may be executed
// but not read runs natively and under ptrace, and under the in-process backend,
// which must read a program to load it, fails with EACCES and a line saying why.
TEST(Inproc, SetIdProgramsAsNative) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root, to make set-uid files of other users";
    std::string dir = scratch_dir();
    ASSERT_EQ(::chmod(dir.c_str(), 0755), 0);
    auto copy = [&](const std::string& name, uid_t uid, gid_t gid, mode_t mode) {
        std::string path = dir + "/" + name;
        std::filesystem::copy_file(prog("inproc_setid"), path);
        EXPECT_EQ(::chown(path.c_str(), uid, gid), 0);
        EXPECT_EQ(::chmod(path.c_str(), mode), 0);  // after chown, which clears the bits
        return path;
    };
    std::string setid = copy("setid", 65534, 1, 06755), exec_only = copy("exec_only", 0, 0, 04711);
    struct statvfs vfs{};
    ASSERT_EQ(::statvfs(dir.c_str(), &vfs), 0);
    if (vfs.f_flag & ST_NOSUID) GTEST_SKIP() << dir << " is on a nosuid mount";
    expect_as_native_everywhere({prog("inproc_setid"), "run", setid}, {"uid 0 65534 65534 gid 0 1 1 secure 1"});
    expect_as_native_everywhere({prog("inproc_setid"), "nnp", setid}, {"uid 0 0 0 gid 0 0 0 secure 0"});
    expect_as_native_everywhere({prog("inproc_setid"), "drop", "65534", setid}, {"uid 65534 65534 65534 gid 65534 65534 65534 secure 0"});
    std::vector<std::string> drop = {prog("inproc_setid"), "drop", "65534", exec_only};
    Result native = run(drop);
    EXPECT_EQ(native.out, "uid 65534 65534 65534 gid 65534 65534 65534 secure 0\ndrop: exited 0\n") << native.describe();
    std::string trace;
    EXPECT_EQ(lstar_trace({"--backend=ptrace", "-f"}, drop, &trace).out, native.out);
    Result r = inproc_run({"-f"}, drop);
    EXPECT_EQ(r.out, "exec: EACCES\ndrop: exited 126\n") << r.describe();
    EXPECT_NE(r.err.find(exec_only + ": may be executed but not read"), std::string::npos) << r.err;
}

// setpgid on a child that has exec'd fails with EACCES (after fork and exec, which the
// runtime makes in place, and after posix_spawn); before the exec it succeeds.
TEST(Inproc, SetpgidAfterExecAsNative) {
    expect_as_native_everywhere({prog("inproc_setpgid")},
                                {"fork: setpgid 0", "fork, exec: setpgid EACCES", "posix_spawn: setpgid EACCES"});
}

// A running program's file cannot be written (ETXTBSY), and /proc/self/exe, cmdline
// and environ are the program's: in the launched program, in a fork-and-exec child
// (an exec in place) and in a posix_spawn child (a kernel exec of a runtime image).
// The exe file takes CAP_CHECKPOINT_RESTORE; the command line and environment any user.
TEST(Inproc, ProgramFileAsNative) {
    if (::geteuid() != 0) GTEST_SKIP() << "the program's file is written to by root only here, and the exe file needs root";
    std::string busy = "CapEff:";
    std::string status = read_file("/proc/self/status");
    auto at = status.find(busy);
    unsigned long long caps = at == std::string::npos ? 0 : std::strtoull(status.c_str() + at + busy.size(), nullptr, 16);
    if (!(caps & (1ull << 40)) && !(caps & (1ull << 21)))
        GTEST_SKIP() << "lstar has neither CAP_CHECKPOINT_RESTORE nor CAP_SYS_ADMIN: the exe file stays lstar's";
    std::string dir = scratch_dir();
    std::string copy = dir + "/inproc_textbusy";
    std::filesystem::copy_file(prog("inproc_textbusy"), copy);
    ::chmod(copy.c_str(), 0755);
    std::vector<std::string> shown;
    for (std::string who : {"parent", "child", "spawned"})
        for (std::string what : {": open for writing: ETXTBSY", ": creat: ETXTBSY", ": /proc/self/exe is the program's file",
                                 ": /proc/self/cmdline is the program's argv", ": /proc/self/environ starts with the program's"})
            shown.push_back(who + what);
    expect_as_native_everywhere({copy}, shown);
}

// ---- 18. the program's own seccomp ---------------------------------------------------------------

// Strict mode (which the kernel sets over no filter: the runtime stands in for it)
// and a filter of the program's, stacked on the trap filter, as natively.
TEST(Inproc, ProgramsOwnSeccomp) {
    expect_as_native_everywhere({prog("inproc_seccomp")}, {"strict, then getpid: killed by 9", "getuid: 4242"});
}

// ---- 19. programs that trace --------------------------------------------------------------------

// A program that traces its child runs as natively (its tracer passes the runtime's
// SIGSYS on), and lstar says in one line that it cannot step aside for the tracer.
// (Under --backend=ptrace -f lstar steps aside: below.)
TEST(Inproc, ProgramThatTracesIsToldOf) {
    Result native = run({prog("inproc_tracer")});
    EXPECT_TRUE(native.exited(0)) << native.describe();
    EXPECT_EQ(native.out, "child stopped\nchild runs traced\nchild exited 3\n");
    expect_same_as_native({prog("inproc_tracer")});
    Result r = inproc_run({"-f"}, {prog("inproc_tracer")});
    std::vector<std::string> said;
    for (const std::string& l : lines(r.err))
        if (l.find("is traced by its parent") != std::string::npos) said.push_back(l);
    EXPECT_EQ(said.size(), 1u) << r.err;
    EXPECT_TRUE(said.empty() || said[0].rfind("lstar: pid ", 0) == 0) << r.err;
}

// Under --backend=ptrace -f, lstar is the tracer of every process of the program:
// when one of them is to be traced by another (PTRACE_TRACEME, or PTRACE_SEIZE of a
// stopped child), lstar lets go of it, says so in one line, and the program's own
// tracer sees what it sees natively.
TEST(ProgramsThatTrace, PtraceBackendStepsAside) {
    for (std::string mode : {"traceme", "seize"}) {
        std::vector<std::string> argv = {prog("inproc_tracer"), mode};
        Result native = run(argv);
        ASSERT_TRUE(native.exited(0)) << native.describe();
        std::string trace;
        Result r = lstar_trace({"--backend=ptrace", "-f"}, argv, &trace);
        EXPECT_EQ(r.out, native.out) << mode << "\n" << r.describe();
        EXPECT_EQ(r.status, native.status) << mode << "\n" << r.describe();
        int said = 0;
        for (const std::string& l : lines(r.err))
            said += l.rfind("lstar: pid ", 0) == 0 && l.find("lstar no longer follows it") != std::string::npos;
        EXPECT_EQ(said, 1) << mode << "\n" << r.err;
        // lstar's own trace ends that task's lines at the call that hands it over.
        EXPECT_GT(parse_trace(trace).count("ptrace"), 0) << trace;
    }
}

// strace run under lstar sees every call of its program, as when run alone.
TEST(ProgramsThatTrace, StraceUnderLstar) {
    if (strace_bin().empty()) GTEST_SKIP() << "strace is not installed";
    std::string dir = scratch_dir();
    Result alone = run({strace_bin(), "-o", dir + "/alone", "/bin/echo", "hi"});
    if (!alone.exited(0)) GTEST_SKIP() << "strace cannot trace here: " << alone.describe();
    std::string trace;
    Result r = lstar_trace({"--backend=ptrace", "-f"}, {strace_bin(), "-o", dir + "/under", "/bin/echo", "hi"}, &trace);
    EXPECT_TRUE(r.exited(0)) << r.describe();
    EXPECT_EQ(r.out, "hi\n");
    Trace theirs = parse_trace(read_file(dir + "/alone")), ours = parse_trace(read_file(dir + "/under"));
    EXPECT_EQ(ours.counts(), theirs.counts()) << read_file(dir + "/under");
    EXPECT_GT(theirs.count("write"), 0);
}

// With a seccomp prefilter in the program (a selection of calls), lstar cannot let
// go of a task (the filter's stops would fail its calls under another tracer): it
// says so, and the program's tracer fails as under strace -f.
TEST(ProgramsThatTrace, PrefilterSaysWhy) {
    std::string trace;
    Result r = lstar_trace({"--backend=ptrace", "-f", "-e", "trace=openat"}, {prog("inproc_tracer")}, &trace);
    EXPECT_EQ(r.out, "traceme: EPERM\nchild exited 1\n") << r.describe();
    EXPECT_NE(r.err.find("cannot step aside for a tracer under its seccomp prefilter"), std::string::npos) << r.err;
}

// ---- --backend=auto ------------------------------------------------------------------------------

// TracerPid in a program's /proc/self/status tells the backends apart: lstar's pid
// under ptrace, 0 under the in-process backend.
bool traced_by_ptrace(const Result& r) {
    auto at = r.out.find("TracerPid:");
    return at != std::string::npos && std::atol(r.out.c_str() + at + 10) != 0;
}

// In-process for a 64-bit program it can load, also in the processes it starts;
// ptrace for what only ptrace serves as natively: -p, the sandbox options, a
// program that traces (it imports ptrace), a 32-bit program.
TEST(BackendAuto, ChoosesWhatServesTheProgram) {
    std::vector<std::string> status = {"/bin/grep", "TracerPid", "/proc/self/status"};
    std::string trace;
    Result plain = lstar_trace({"--backend=auto"}, status, &trace);
    EXPECT_TRUE(plain.exited(0)) << plain.describe();
    EXPECT_FALSE(traced_by_ptrace(plain)) << plain.describe();
    Result child = lstar_trace({"--backend=auto", "-f"}, {"/bin/sh", "-c", "grep TracerPid /proc/self/status"}, &trace);
    EXPECT_FALSE(traced_by_ptrace(child)) << child.describe();
    Result sandboxed = lstar_trace({"--backend=auto", "--deny", "mount"}, status, &trace);
    EXPECT_TRUE(sandboxed.exited(0)) << sandboxed.describe();
    EXPECT_TRUE(traced_by_ptrace(sandboxed)) << sandboxed.describe();
    // A tracer (a dynamic program importing ptrace): under ptrace lstar steps aside for it.
    if (strace_bin().empty()) GTEST_SKIP() << "strace is not installed: no dynamic tracer to run";
    Result traced = lstar_trace({"--backend=auto", "-f"}, {strace_bin(), "-o", "/dev/null", "/bin/echo", "hi"}, &trace);
    EXPECT_EQ(traced.out, "hi\n") << traced.describe();
    EXPECT_NE(traced.err.find("lstar no longer follows it"), std::string::npos) << traced.err;
}

TEST(BackendAuto, AttachesWithPtrace) {
    pid_t sleeper = ::fork();
    if (sleeper == 0) {
        ::execl("/bin/sleep", "sleep", "1", static_cast<char*>(nullptr));
        ::_exit(127);
    }
    Result r = run({lstar_bin(), "trace", "--backend=auto", "-p", std::to_string(sleeper)});
    int st = 0;
    ::waitpid(sleeper, &st, 0);
    EXPECT_TRUE(r.exited(0)) << r.describe();
    EXPECT_NE(r.err.find("attached"), std::string::npos) << r.describe();
}

TEST(BackendAuto, RunsA32BitProgramWithPtrace) {
    LSTAR_REQUIRE(can_exec_i386());
    if (!have_m32()) GTEST_SKIP() << "no -m32 toolchain (gcc-multilib): prog32 was not built";
    Result native = run({prog("prog32")});
    std::string trace;
    Result r = lstar_trace({"--backend=auto"}, {prog("prog32")}, &trace);
    EXPECT_EQ(r.out, native.out) << r.describe();
    EXPECT_EQ(r.status, native.status) << r.describe();
}

// The calls of each process that ran `program` (by its execve line), in order,
// up to its next execve: name and result, with ids and addresses taken out (a
// pid of the run, or anything above 1000), and
// without a wait a SIGCHLD interrupted (a ptrace stop shows it restarted, or
// not, as the child's exit happens to come).
std::vector<std::vector<std::string>> calls_after_exec_of(const Trace& t, const std::string& program) {
    std::vector<std::vector<std::string>> per_process;
    std::set<pid_t> ids = t.pids();  // a result that is a pid or tid of the run, however small
    for (const Call& exec : t.of("execve")) {
        if (exec.line.find("\"" + program + "\"") == std::string::npos) continue;
        std::vector<std::string>& calls = per_process.emplace_back();
        bool after = false;
        for (const Call& c : t.of_pid(exec.pid)) {
            if (after && c.name == "execve") break;
            after = after || c.line == exec.line;
            if (!after || c.restart_code()) continue;
            bool number = c.result.find_first_of("0123456789") == 0;
            bool id = number && (c.value() > 1000 || ids.contains(static_cast<pid_t>(c.value())));
            std::string result = id ? "ID" : c.result;
            calls.push_back(c.name + " = " + result);
        }
    }
    return per_process;
}

// A 64-bit program under the in-process backend that execs a 32-bit one: that
// process goes on under ptrace from its execve on, and so does a 64-bit program
// the 32-bit one execs. The 32-bit part's calls are those the ptrace backend
// shows for the same run, and the in-process part stays in-process.
TEST(BackendAuto, ExecOfA32BitProgramGoesOnUnderPtrace) {
    REQUIRE_I386();
    std::string script = "grep TracerPid /proc/self/status; " + prog("prog32") + " fork; " + prog("prog32") +
                         " exec /bin/grep TracerPid /proc/self/status; echo done";
    std::vector<std::string> argv = {"/bin/sh", "-c", script};
    for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{{}, {"-f"}}) {
        std::string in_auto, in_ptrace;
        std::vector<std::string> with_auto = args, with_ptrace = args;
        with_auto.insert(with_auto.begin(), "--backend=auto");
        with_ptrace.insert(with_ptrace.begin(), "--backend=ptrace");
        Result a = lstar_trace(with_auto, argv, &in_auto);
        Result p = lstar_trace(with_ptrace, argv, &in_ptrace);
        ASSERT_TRUE(a.exited(0)) << a.describe();
        std::vector<std::string> out = lines(a.out);
        ASSERT_EQ(out.size(), 12u) << a.describe();
        EXPECT_EQ(out[0], "TracerPid:\t0") << "the 64-bit grep ran in-process\n" << a.describe();
        EXPECT_EQ(out[5], "child 3") << a.describe();
        EXPECT_NE(out[10], "TracerPid:\t0") << "the 64-bit grep the 32-bit program execs runs under ptrace\n" << a.describe();
        EXPECT_EQ(out[11], "done");
        EXPECT_EQ(a.err.find("not an x86_64 program"), std::string::npos) << a.err;
        if (args.empty()) {
            // Only the shell is traced: its children run, untraced, under either backend.
            EXPECT_EQ(parse_trace(in_auto).count("execve"), 1) << in_auto;
            continue;
        }
        auto from_auto = calls_after_exec_of(parse_trace(in_auto), prog("prog32"));
        auto from_ptrace = calls_after_exec_of(parse_trace(in_ptrace), prog("prog32"));
        ASSERT_EQ(from_auto.size(), 2u) << in_auto;
        EXPECT_EQ(from_auto, from_ptrace) << "--backend=auto:\n" << in_auto << "\n--backend=ptrace:\n" << in_ptrace;
        EXPECT_TRUE(parse_trace(in_auto).has_event("exited", "0")) << in_auto;
    }
}

// A hand-over whose exec fails (here a 32-bit file the kernel cannot load; on a
// machine without 32-bit support, any): the call's error, once, and the process
// goes on in-process, traced as before. Needs prog32 built, not run.
TEST(BackendAuto, FailedExecAfterTheHandOverGoesOnInProcess) {
    if (!have_m32()) GTEST_SKIP() << "no -m32 toolchain (gcc-multilib): prog32 was not built";
    std::string bad = scratch_dir() + "/bad32";
    {
        std::ifstream in(prog("prog32"), std::ios::binary);
        std::string elf((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        ASSERT_GT(elf.size(), 46u);
        elf[44] = elf[45] = 0;  // e_phnum: no program headers, which binfmt_elf refuses
        std::ofstream(bad, std::ios::binary) << elf;
        ::chmod(bad.c_str(), 0755);
    }
    for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{{"--backend=auto"}, {"--backend=auto", "-f"}}) {
        std::string text;
        Result r = lstar_trace(args, {prog("inproc_exec"), bad}, &text);
        EXPECT_TRUE(r.exited(1)) << r.describe();
        EXPECT_EQ(r.out, "execve failed: ENOEXEC\n") << r.describe();
        EXPECT_EQ(r.err.find("detached"), std::string::npos) << r.err;
        EXPECT_EQ(r.err.find("not an x86_64 program"), std::string::npos) << r.err;
        Trace t = parse_trace(text);
        ASSERT_EQ(t.count("execve"), 2) << text;
        EXPECT_EQ(t.of("execve")[1].error(), "ENOEXEC") << text;
        EXPECT_EQ(t.count("write"), 1) << "the runtime traces the process again\n" << text;
        EXPECT_EQ(t.count("exit_group"), 1) << text;
    }
    // An untraced child (no -f) goes back in-process too.
    std::string text;
    Result r = lstar_trace({"--backend=auto"}, {"/bin/sh", "-c", prog("inproc_exec") + " " + bad + "; echo $?"}, &text);
    EXPECT_TRUE(r.exited(0)) << r.describe();
    EXPECT_EQ(r.out, "execve failed: ENOEXEC\n1\n") << r.describe();
}

// ---- the trace as strace's, line for line -------------------------------------

namespace {

// `strace -q OPTS PROG` or `lstar trace --backend=inproc -q OPTS PROG`, the trace
// on stderr (where "[pid N]" is strace's form), with what varies by run replaced:
// ids, and the padding before " = " that follows them.
std::string stderr_trace(bool strace, const std::vector<std::string>& opts, const std::vector<std::string>& argv,
                         const RunOptions& opt, Result* result) {
    std::vector<std::string> cmd = strace ? std::vector<std::string>{strace_bin(), "-q"}
                                          : std::vector<std::string>{lstar_bin(), "trace", kInproc, "-q"};
    cmd.insert(cmd.end(), opts.begin(), opts.end());
    cmd.push_back("--");
    cmd.insert(cmd.end(), argv.begin(), argv.end());
    *result = run(cmd, opt);
    std::string t = result->err;
    t = std::regex_replace(t, std::regex(R"(\[pid +\d+\])"), "[pid N]");
    t = std::regex_replace(t, std::regex(R"(\b(si_pid|si_uid|si_utime|si_stime)=\d+( /\* [0-9.]+ s \*/)?)"), "$1=N");
    t = std::regex_replace(t, std::regex(R"(0x[0-9a-f]+ /\* \d+ vars \*/)"), "ENVP");
    t = std::regex_replace(t, std::regex(R"(\bkill\(\d+)"), "kill(PID");
    t = std::regex_replace(t, std::regex(R"(^((\[pid N\] )?getppid\(\)) += \d+)", std::regex::multiline), "$1 = PPID");
    t = std::regex_replace(t, std::regex(R"(\) +=)"), ") =");
    return t;
}

// The same trace as strace's, with the runtime's thread pointer swapped both ways.
void expect_trace_as_strace(const std::vector<std::string>& opts, const std::vector<std::string>& argv) {
    if (strace_bin().empty()) GTEST_SKIP() << "strace is not installed (apt-get install strace)";
    Result s, r;
    std::string theirs = stderr_trace(true, opts, argv, {}, &s);
    if (theirs.find("+++ ") == std::string::npos) GTEST_SKIP() << "strace could not trace here: " << s.describe();
    for (bool fsgsbase : {true, false}) {
        if (fsgsbase && !has_fsgsbase()) continue;
        RunOptions o;
        if (!fsgsbase) o.env.push_back("LSTAR_INPROC_NO_FSGSBASE=1");
        std::string ours = stderr_trace(false, opts, argv, o, &r);
        std::string what = join(opts) + " " + join(argv) + (fsgsbase ? "" : " (without FSGSBASE)");
        EXPECT_EQ(ours, theirs) << what;
        EXPECT_EQ(r.status, s.status) << what << "\n" << r.describe();
        EXPECT_EQ(r.out, s.out) << what;
    }
}

}  // namespace

// With -f, strace puts "[pid N]" on a line only while it traces more than one
// task: not before the first fork, and not once the child is reaped.
TEST(InprocAsStrace, PidPrefixWhileSeveralTasks) {
    expect_trace_as_strace({"-f", "-e", "trace=getppid", "-e", "signal=none"}, {prog("inproc_output"), "fork"});
    // A vfork child and its parent's SIGCHLD after it.
    expect_trace_as_strace({"-f", "-e", "trace=execve"}, {"/bin/sh", "-c", "/bin/echo hi"});
}

// A handler's return shows as strace shows it: `rt_sigreturn({mask=[...]}) = N`
// after the handler's calls, with the mask the frame restores and the value it
// restores (EINTR for a call interrupted without SA_RESTART, the call's number
// for one that restarts), before the call the program resumes.
TEST(InprocAsStrace, SigreturnLines) {
    for (const char* mode : {"usr1", "eintr", "restart"})
        for (const char* follow : {"", "-f"}) {
            std::vector<std::string> opts = {"-e", "trace=getppid,rt_sigreturn"};
            if (*follow) opts.insert(opts.begin(), follow);
            expect_trace_as_strace(opts, {prog("inproc_output"), mode});
        }
}

// A signal the program leaves at a default that ends the process is shown as
// strace shows it (`--- SIGTERM {...} ---`), and ends it the same way; the program
// reads its action back as the default it set (the runtime's handler stands in
// for it unseen); an ignored one, set so or inherited across exec, stays ignored.
TEST(InprocAsStrace, DefaultActionThatEndsTheProcess) {
    expect_trace_as_strace({"-e", "trace=getppid,kill"}, {prog("inproc_output"), "term"});
    expect_trace_as_strace({"-e", "trace=rt_sigaction,kill"}, {prog("inproc_output"), "dfl"});
    expect_trace_as_strace({"-e", "trace=kill"}, {prog("inproc_output"), "hup"});
    // A vfork child that sets its handlers back to the default leaves its parent's.
    expect_trace_as_strace({"-e", "trace=kill", "-e", "signal=!SIGCHLD"}, {prog("inproc_output"), "spawn"});
    expect_trace_as_strace({"-f", "-e", "trace=kill,execve", "-e", "signal=!SIGCHLD"}, {prog("inproc_output"), "spawn"});
    // Ignored (strace shows it, the runtime cannot see it: see docs/inproc.md).
    std::vector<std::string> ignored = {"/bin/sh", "-c", "trap '' HUP; exec " + prog("inproc_output") + " hup"};
    Result native = run(ignored);
    ASSERT_TRUE(native.exited(0)) << native.describe();
    for (const std::string& env : {"", "LSTAR_INPROC_NO_FSGSBASE=1"}) {
        RunOptions o;
        if (!env.empty()) o.env.push_back(env);
        std::string text;
        Result r = inproc_trace({"-f"}, ignored, &text, o);
        EXPECT_EQ(r.out, native.out) << env << "\n" << text;
        EXPECT_TRUE(r.exited(0)) << env << "\n" << r.describe();
    }
}

// A signal whose default ignores it (SIGCHLD here) is shown as strace shows it
// after the wait it came in; it does not end a call that natively goes on (a
// poll, which strace shows interrupted and restarted: not compared).
TEST(InprocAsStrace, DefaultIgnoredSignalAfterTheWait) {
    if (strace_bin().empty()) GTEST_SKIP() << "strace is not installed (apt-get install strace)";
    auto shown = [](bool strace) {
        Result r;
        std::string t = stderr_trace(strace, {"-e", "trace=wait4"}, {prog("inproc_output"), "chld"}, {}, &r);
        return std::regex_replace(t, std::regex(R"(\b\d{2,}\b)"), "ID");
    };
    std::string theirs = shown(true);
    ASSERT_EQ(std::count(theirs.begin(), theirs.end(), '\n'), 7) << theirs;
    EXPECT_EQ(shown(false), theirs);
    std::string text;
    Result r = inproc_trace({"-e", "trace=poll"}, {prog("inproc_output"), "chldpoll"}, &text);
    EXPECT_EQ(r.out, "chld poll 0\n") << r.describe();
    EXPECT_EQ(parse_trace(text).of("poll").at(0).result, "0 (Timeout)") << text;
}

// Wherever a signal at a default that ignores it comes (the program's own code,
// waits with a mask of their own, a sleep no call of the path needs), it is shown
// as strace shows it, and no wait ends early for it: the program's results are
// its native ones (strace's own stops make epoll_pwait fail with EINTR).
TEST(InprocAsStrace, DefaultIgnoredSignalsWhereverTheyCome) {
    if (strace_bin().empty()) GTEST_SKIP() << "strace is not installed (apt-get install strace)";
    std::vector<std::string> argv = {prog("inproc_output"), "chldall"};
    Result native = run(argv);
    ASSERT_EQ(native.out, "chld all 0 0 0 0 0\n") << native.describe();
    auto shown = [&](bool strace, Result* r) {
        std::string t = stderr_trace(strace, {"-e", "trace=none"}, argv, {}, r);
        return std::regex_replace(t, std::regex(R"(\b\d{2,}\b)"), "ID");
    };
    Result theirs_run, ours_run;
    std::string theirs = shown(true, &theirs_run), ours = shown(false, &ours_run);
    EXPECT_EQ(std::count(theirs.begin(), theirs.end(), '\n'), 7) << theirs;
    EXPECT_EQ(ours, theirs);
    EXPECT_EQ(ours_run.out, native.out);
}

// Where no signal line is printed (-c, -e signal=none, lstar run) no default is
// watched: the caught signals /proc shows are the program's (but SIGSYS).
TEST(Inproc, NoDefaultWatchedWithoutSignalLines) {
    std::vector<std::string> argv = {prog("inproc_output"), "sigcgt"};
    Result native = run(argv);
    ASSERT_EQ(native.out, "sigcgt 0000000000000000\n") << native.describe();
    for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{{"-c"}, {"-e", "signal=none"}}) {
        std::string text;
        Result r = inproc_trace(args, argv, &text);
        EXPECT_EQ(r.out, native.out) << join(args);
    }
    EXPECT_EQ(inproc_run({}, argv).out, native.out);
    // With signal lines, the defaults that end the process are watched.
    std::string text;
    EXPECT_NE(inproc_trace({}, argv, &text).out, native.out);
}
