// Real programs: busybox applets, a busybox sh script that forks and execs,
// python3 -c, a gcc compile. Same output and status as natively, and every
// call strace sees is seen by lstar too.
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>

#include "harness.hpp"

using namespace itg;

namespace {

std::string set_text(const std::set<std::string>& s) {
    std::string out;
    for (const auto& n : s) out += n + " ";
    return out;
}

// Runs argv natively, under `lstar run [-f]` and under `lstar trace -f`: same output
// and status. Returns the lstar trace for further checks.
Trace same_as_native(const std::vector<std::string>& argv, const RunOptions& opt, bool sort_output,
                     std::string* trace_text = nullptr) {
    Result native = run(argv, opt);
    EXPECT_FALSE(native.timed_out) << native.describe();
    auto norm = [&](const std::string& s) { return sort_output ? sorted_lines(s) : lines(s); };
    for (const auto& args : std::vector<std::vector<std::string>>{{}, {"-f"}, {"-f", "--no-prefilter"}}) {
        Result r = lstar_run(args, argv, opt);
        EXPECT_EQ(r.status, native.status) << "lstar run " << (args.empty() ? "" : args[0]) << "\n"
                                           << r.describe() << "\nnative: " << native.describe();
        EXPECT_EQ(norm(r.out), norm(native.out)) << r.describe();
    }
    std::string text;
    Result r = lstar_trace({"-f"}, argv, &text, opt);
    EXPECT_EQ(r.status, native.status) << "lstar trace -f\n" << r.describe();
    EXPECT_EQ(norm(r.out), norm(native.out)) << r.describe();
    if (trace_text) *trace_text = text;
    return parse_trace(text);
}

// Every call name strace sees appears in lstar's trace too.
void covers_strace(const Trace& lstar, const std::vector<std::string>& argv, const RunOptions& opt,
                   bool exact_counts, const std::string& lstar_text) {
    if (strace_bin().empty()) {
        std::cout << "[ NOTE     ] strace is not installed: the comparison with strace is left out\n";
        return;
    }
    std::string stext;
    Result s = strace_run({}, argv, &stext, opt);
    ASSERT_FALSE(s.timed_out);
    Trace st = parse_trace(stext);
    ASSERT_FALSE(st.calls.empty()) << stext.substr(0, 2000);
    std::set<std::string> missing;
    for (const auto& n : st.names())
        if (!lstar.names().count(n)) missing.insert(n);
    EXPECT_TRUE(missing.empty()) << "strace saw calls lstar did not: " << set_text(missing);
    // Calls that create and replace processes are the same in number.
    for (const char* n : {"execve", "vfork", "fork", "clone", "clone3", "exit_group"})
        EXPECT_EQ(lstar.count(n), st.count(n)) << n << "\nlstar:\n" << lstar_text.substr(0, 20000);
    if (exact_counts) EXPECT_EQ(lstar.counts(), st.counts()) << "lstar:\n" << lstar_text << "\nstrace:\n" << stext;
    // Numbers of tasks: the same count of "+++ exited" / "+++ killed" lines.
    auto ends = [](const Trace& t) {
        int n = 0;
        for (const auto& e : t.events) n += e.kind == "exited" || e.kind == "killed";
        return n;
    };
    EXPECT_EQ(ends(lstar), ends(st));
}

std::string need_busybox() {
    std::string bb = busybox();
    return bb;
}

}  // namespace

TEST(Busybox, Applets) {
    std::string bb = need_busybox();
    if (bb.empty()) GTEST_SKIP() << "busybox-static is not installed: /bin/busybox missing";
    std::vector<std::vector<std::string>> cmds = {
        {bb, "echo", "hello", "world"},
        {bb, "cat", "/etc/passwd"},
        {bb, "ls", "-l", "/usr"},
        {bb, "uname", "-a"},
        {bb, "sh", "-c", "exit 3"},
        {bb, "false"},
        {bb, "wc", "-l", "/etc/passwd"},
        {bb, "ls", "/nonexistent-lstar"},
    };
    for (const auto& cmd : cmds) {
        SCOPED_TRACE(cmd[1] + (cmd.size() > 2 ? " " + cmd[2] : ""));
        std::string text;
        Trace t = same_as_native(cmd, {}, false, &text);
        covers_strace(t, cmd, {}, /*exact_counts=*/true, text);
    }
}

TEST(Busybox, ShellScriptThatForksAndExecs) {
    std::string bb = need_busybox();
    if (bb.empty()) GTEST_SKIP() << "busybox-static is not installed: /bin/busybox missing";
    std::string dir = scratch_dir();
    std::string script = dir + "/script.sh";
    std::ofstream(script) << "for i in 1 2 3; do busybox echo \"line $i\"; done\n"
                             "busybox echo piped | busybox tr a-z A-Z\n"
                             "x=$(busybox expr 6 \\* 7); echo \"x=$x\"\n"
                             "( busybox true; exit 4 ); echo \"subshell $?\"\n"
                             "busybox sh -c 'exit 5' & wait $!; echo \"bg $?\"\n"
                             "busybox cat " << script << " | busybox wc -l\n"
                             "exit 7\n";
    RunOptions opt;
    opt.env = {"PATH=/bin:/usr/bin"};
    std::vector<std::string> cmd = {bb, "sh", script};
    std::string text;
    Trace t = same_as_native(cmd, opt, false, &text);
    covers_strace(t, cmd, opt, /*exact_counts=*/false, text);
}

TEST(Python, DashC) {
    if (::access("/usr/bin/python3", X_OK) != 0) GTEST_SKIP() << "python3 is not installed";
    std::vector<std::string> cmd = {
        "/usr/bin/python3", "-c",
        "import os, sys, threading, subprocess\n"
        "r = []\n"
        "ts = [threading.Thread(target=lambda i=i: r.append(i * i)) for i in range(4)]\n"
        "[t.start() for t in ts]; [t.join() for t in ts]\n"
        "print(sorted(r))\n"
        "print(subprocess.run(['/bin/echo', 'from child'], capture_output=True, text=True).stdout, end='')\n"
        "print(os.uname().sysname)\n"
        "sys.exit(3)\n"};
    RunOptions opt;
    opt.env = {"PYTHONHASHSEED=0"};
    std::string text;
    Trace t = same_as_native(cmd, opt, false, &text);
    covers_strace(t, cmd, opt, /*exact_counts=*/false, text);
}

TEST(Gcc, CompileAndLinkASmallFile) {
    if (::access("/usr/bin/gcc", X_OK) != 0) GTEST_SKIP() << "gcc is not installed";
    std::string dir = scratch_dir();
    std::ofstream(dir + "/hello.c") << "#include <stdio.h>\nint main(void) { puts(\"hello from gcc\"); return 0; }\n";
    RunOptions opt;
    opt.cwd = dir;
    std::string native_bin = dir + "/native";
    Result native = run({"/usr/bin/gcc", "-O1", "hello.c", "-o", native_bin}, opt);
    ASSERT_TRUE(native.exited(0)) << native.describe();
    for (const auto& args : std::vector<std::vector<std::string>>{{}, {"-f"}}) {
        std::string out_bin = dir + "/under-lstar";
        Result r = lstar_run(args, {"/usr/bin/gcc", "-O1", "hello.c", "-o", out_bin}, opt);
        EXPECT_TRUE(r.exited(0)) << r.describe();
        Result hello = run({out_bin});
        EXPECT_EQ(hello.out, "hello from gcc\n") << hello.describe();
        ::unlink(out_bin.c_str());
    }
    std::vector<std::string> cmd = {"/usr/bin/gcc", "-O1", "-c", "hello.c", "-o", "hello.o"};
    std::string text;
    Result r = lstar_trace({"-f"}, cmd, &text, opt);
    EXPECT_TRUE(r.exited(0)) << r.describe();
    Trace t = parse_trace(text);
    EXPECT_GE(t.count("execve"), 3) << "gcc, cc1, as";
    struct stat st;
    EXPECT_EQ(::stat((dir + "/hello.o").c_str(), &st), 0);
    covers_strace(t, cmd, opt, /*exact_counts=*/false, text);
    // A failing compile fails the same way.
    std::ofstream(dir + "/bad.c") << "int main(void) { return nope; }\n";
    Result bad_native = run({"/usr/bin/gcc", "-c", "bad.c"}, opt);
    Result bad = lstar_run({"-f"}, {"/usr/bin/gcc", "-c", "bad.c"}, opt);
    EXPECT_EQ(bad.status, bad_native.status) << bad.describe();
    EXPECT_EQ(bad.err, bad_native.err);
}
