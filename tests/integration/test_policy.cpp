// The policy sandbox judged by attacks: for each rule, the ways a program could
// try to get around it (tests/integration/progs/escape.c), on both backends.
// Every attempt must fail; a run without the sandbox shows each attempt would
// have worked.
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <regex>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "harness.hpp"
#include "tests/support/tmux.hpp"

using namespace itg;

namespace {

// A scratch directory with the attacks' targets: secret, allowed, sub/.
std::string secret_scratch_dir() {
    std::string dir = scratch_dir();
    std::ofstream(dir + "/secret") << "SECRET\n";
    std::ofstream(dir + "/allowed") << "fine\n";
    ::mkdir((dir + "/sub").c_str(), 0755);
    return dir;
}

class Sandbox : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override { dir_ = secret_scratch_dir(); }
    std::vector<std::string> with_backend(std::vector<std::string> args) const {
        args.insert(args.begin(), "--backend=" + GetParam());
        return args;
    }
    Result escape(const std::vector<std::string>& policy, const std::string& mode) const {
        return lstar_run(with_backend(policy), {prog("escape"), mode, dir_});
    }
    Result deny_path(const std::string& mode) const { return escape({"--deny-path", dir_ + "/secret"}, mode); }
    std::string dir_;
};

std::string secret_left(const std::string& dir) { return read_file(dir + "/secret"); }

// lstar run SANDBOX -- escape watch DIR, and lstar killed with SIGKILL: the
// program neither reads the secret nor lives on.
void expect_program_ends_with_lstar(const std::vector<std::string>& sandbox, const std::string& dir) {
    std::vector<std::string> argv = {lstar_bin(), "run"};
    argv.insert(argv.end(), sandbox.begin(), sandbox.end());
    argv.insert(argv.end(), {"--", prog("escape"), "watch", dir});
    Spawned s = spawn(argv, false);
    auto ready = s.read_line();
    ASSERT_TRUE(ready && ready->rfind("ready ", 0) == 0) << (ready ? *ready : "EOF");
    pid_t program = std::stoi(ready->substr(6));
    ASSERT_EQ(::kill(s.pid, SIGKILL), 0);
    ::usleep(300000);
    std::string rest;
    while (auto line = s.read_line(std::chrono::seconds(1))) rest += *line + "\n";
    EXPECT_EQ(rest.find("ESCAPED"), std::string::npos) << rest;
    // (With nothing else on the path, lstar execs the program in its own place: then
    // the program is what was killed.)
    auto gone = [&] {
        std::string state = proc_status_field(program, "State");
        return state.empty() || state[0] == 'Z';
    };
    EXPECT_TRUE(eventually(gone)) << "the program lived on";
    ::kill(program, SIGKILL);
}

struct Refusal {
    std::vector<std::string> args;  // lstar run's
    std::string message;            // the line's start, after "lstar: "
};

// Bad input: lstar says what is wrong in one line and exits 2; the program (which
// would make `marker`) never starts.
void expect_refused_before_start(const std::vector<std::string>& args, const std::string& message, const std::string& marker) {
    Result r = lstar_run(args, {"sh", "-c", "touch " + marker});
    EXPECT_TRUE(r.exited(2)) << r.describe();
    EXPECT_EQ(r.err.rfind("lstar: " + message, 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(::access(marker.c_str(), F_OK), 0) << "the program ran despite: " << message;
}

}  // namespace

// Without the sandbox, each attempt gets the secret: the test can fail.
TEST_P(Sandbox, AttemptsWorkWithoutIt) {
    EXPECT_TRUE(lstar_run(with_backend({}), {prog("escape"), "open", dir_}).exited(1));
    EXPECT_TRUE(lstar_run(with_backend({}), {prog("escape"), "call", dir_}).exited(1));
    // A listener of its own works without the sandbox (only natively: the backends'
    // own filters may refuse it); under a sandbox it is refused.
    EXPECT_TRUE(run({prog("escape"), "call_notify", dir_}).exited(1));
}


TEST_P(Sandbox, DeniedPathCannotBeReachedAnyWay) {
    for (const char* mode : {"open", "write", "dotdot", "symlink", "hardlink", "rename", "unlink", "proc_root", "dirfd",
                             "openat2", "opath", "handle", "fork", "exec", "io_uring"}) {
        Result r = deny_path(mode);
        EXPECT_TRUE(r.exited(0)) << mode << ": " << r.describe();
        EXPECT_EQ(r.out.find("ESCAPED"), std::string::npos) << mode << ": " << r.out;
        EXPECT_EQ(secret_left(dir_), "SECRET\n") << mode;
    }
    // What is beside it stays usable.
    Result ls = lstar_run(with_backend({"--deny-path", dir_ + "/secret"}), {"cat", dir_ + "/allowed"});
    EXPECT_TRUE(ls.exited(0)) << ls.describe();
    EXPECT_EQ(ls.out, "fine\n");
}

// A second thread, or another process writing the buffer with process_vm_writev,
// flips the path between an allowed file and the secret during 20000 opens: the
// kernel resolves the path once, so no open reads the secret.
TEST_P(Sandbox, PathFlippedDuringTheCheckNeverReadsIt) {
    for (const char* mode : {"race", "race_process"}) {
        Result r = deny_path(mode);
        EXPECT_TRUE(r.exited(0)) << mode << ": " << r.describe();
        EXPECT_NE(r.out.find("denied: "), std::string::npos) << mode << ": " << r.out;
    }
}

TEST_P(Sandbox, DeniedCallCannotBeMadeAnyWay) {
    std::vector<const char*> modes = {"call", "call_x32", "call_fork", "call_exec", "call_thread", "call_notify"};
    if (lstar::test::can_int80_from_64bit()) modes.push_back("call_int80");
    else std::printf("[ NOTE ] call_int80 not tried: %s\n", lstar::test::can_int80_from_64bit().why_not.c_str());
    for (const char* mode : modes) {
        Result r = escape({"--deny", "uname"}, mode);
        EXPECT_TRUE(r.exited(0)) << mode << ": " << r.describe();
        EXPECT_EQ(r.out.find("ESCAPED"), std::string::npos) << mode << ": " << r.out;
    }
}

TEST_P(Sandbox, NoNetworkLeavesOnlyUnixSockets) {
    Result r = escape({"--no-network"}, "network");
    EXPECT_TRUE(r.exited(0)) << r.describe();
    EXPECT_EQ(r.out.find("ESCAPED"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("EAFNOSUPPORT"), std::string::npos) << r.out;
}

// lstar killed with SIGKILL: the program does not go on outside the sandbox (it is
// kernel-enforced, so it outlives lstar), and both backends end the program.
TEST_P(Sandbox, SandboxOutlivesLstar) {
    expect_program_ends_with_lstar({"--backend=" + GetParam(), "--deny-path", dir_ + "/secret"}, dir_);
}

// Bad input: one line, exit 2, and the program never starts.
TEST_P(Sandbox, BadPoliciesStopBeforeTheProgramStarts) {
    std::string marker = dir_ + "/started";
    std::ofstream(dir_ + "/bad.toml") << "default = \"allow\"\n[[rule]]\ncalls = [\"opn\"]\naction = \"allow\"\n";
    std::ofstream(dir_ + "/broken.toml") << "default = \"allow\"\nrule = [\n";
    std::ofstream(dir_ + "/broken.json") << "{\n  \"defaultAction\": \"SCMP_ACT_ALLOW\",\n  \"syscalls\": [\n";
    const Refusal cases[] = {
        {{"--policy", dir_ + "/missing.toml"}, "cannot read policy '" + dir_ + "/missing.toml': No such file or directory"},
        {{"--policy", dir_ + "/bad.toml"}, dir_ + "/bad.toml:2: unknown system call 'opn'"},
        {{"--policy", dir_ + "/broken.toml"}, dir_ + "/broken.toml:2: not valid TOML"},
        {{"--policy", dir_ + "/broken.json"}, dir_ + "/broken.json:4: not valid JSON"},
        {{"--deny", "opn"}, "--deny opn: unknown system call 'opn'"},
        {{"--deny-path", "relative"}, "run: --deny-path takes an absolute path, not 'relative'"},
    };
    for (const Refusal& c : cases) expect_refused_before_start(with_backend(c.args), c.message, marker);
}

// Each denial is one line on stderr naming the call and the rule, from any
// process of the program; -q silences them (the kernel still denies).
TEST_P(Sandbox, DenialsAreReported) {
    Result calls = lstar_run(with_backend({"--deny", "uname"}), {"sh", "-c", "uname; uname -r; exit 3"});
    EXPECT_TRUE(calls.exited(3)) << calls.describe();
    EXPECT_EQ(std::count(calls.err.begin(), calls.err.end(), '\n') >= 4, true) << calls.err;
    EXPECT_NE(calls.err.find("lstar: policy: denied uname(0x"), std::string::npos) << calls.err;
    EXPECT_NE(calls.err.find(") in pid "), std::string::npos) << calls.err;
    EXPECT_NE(calls.err.find(" (rule: --deny uname)\n"), std::string::npos) << calls.err;
    Result path = lstar_run(with_backend({"--deny-path", dir_ + "/secret"}), {"cat", dir_ + "/secret"});
    EXPECT_TRUE(path.exited(1)) << path.describe();
    EXPECT_NE(path.err.find("lstar: policy: denied openat(AT_FDCWD, \"" + dir_ + "/secret\", O_RDONLY) in pid "), std::string::npos)
        << path.err;
    EXPECT_NE(path.err.find("(rule: --deny-path " + dir_ + "/secret)\n"), std::string::npos) << path.err;
    Result quiet = lstar_run(with_backend({"-q", "--deny", "uname"}), {"sh", "-c", "uname"});
    EXPECT_TRUE(quiet.exited(1)) << quiet.describe();
    EXPECT_EQ(quiet.err.find("lstar: policy:"), std::string::npos) << quiet.err;
    EXPECT_NE(quiet.err.find("Operation not permitted"), std::string::npos) << quiet.err;
}

// A read-only tree can be read and run, not changed; what is beside it can. New
// entries cannot be made in its parent directories (docs/policy.md: Landlock
// grants a directory's rights to its whole tree, so the parents get only what
// the read-only tree may have, and their existing entries get the rest).
TEST_P(Sandbox, ReadOnlyTree) {
    std::string ro = dir_ + "/sub";
    std::ofstream(ro + "/file") << "fine\n";
    std::string script = "cat " + ro + "/file; echo x > " + ro + "/file || echo no-write; touch " + ro +
                         "/new || echo no-create; rm " + ro + "/file || echo no-remove; python3 -c \"import os; os.truncate('" + ro +
                         "/file', 0)\" 2>/dev/null || echo no-truncate; echo changed > " + dir_ +
                         "/allowed && cat " + dir_ + "/allowed; touch " + dir_ + "/new-beside || echo no-new-in-parent";
    Result r = lstar_run(with_backend({"--read-only", ro}), {"sh", "-c", script});
    EXPECT_TRUE(r.exited(0)) << r.describe();
    EXPECT_EQ(r.out, "fine\nno-write\nno-create\nno-remove\nno-truncate\nchanged\nno-new-in-parent\n") << r.err;
    EXPECT_EQ(read_file(ro + "/file"), "fine\n");
}

// Only the allowed trees (and what the program needs to run) can be reached.
TEST_P(Sandbox, AllowPathsOnly) {
    Result r = lstar_run(with_backend({"--allow-path", "/usr", "--allow-path", "/lib", "--allow-path", "/lib64", "--allow-path",
                                       "/etc", "--allow-path", dir_ + "/sub", "--allow-path", "/dev"}),
                         {"/bin/sh", "-c", "cat " + dir_ + "/allowed || echo no-read; echo hi > " + dir_ + "/sub/f && cat " + dir_ + "/sub/f"});
    EXPECT_TRUE(r.exited(0)) << r.describe();
    EXPECT_EQ(r.out, "no-read\nhi\n") << r.err;
}

INSTANTIATE_TEST_SUITE_P(Backends, Sandbox, ::testing::Values("ptrace", "inproc"),
                         [](const auto& info) { return info.param; });

// lstar policy compile|check|show.
TEST(PolicyCommand, CompileCheckShow) {
    Result compiled = run({lstar_bin(), "policy", "compile", "--deny", "getppid"});
    EXPECT_TRUE(compiled.exited(0)) << compiled.describe();
    EXPECT_NE(compiled.out.find("; getppid (x86_64)"), std::string::npos) << compiled.out;
    EXPECT_NE(compiled.out.find("; getppid (i386)"), std::string::npos) << compiled.out;
    EXPECT_NE(compiled.out.find("ret ERRNO(EPERM)"), std::string::npos) << compiled.out;
    Result checked = run({lstar_bin(), "policy", "check", "--deny", "getppid"});
    EXPECT_TRUE(checked.exited(0)) << checked.describe();
    EXPECT_NE(checked.out.find("policy: OK"), std::string::npos) << checked.out;
    Result shown = run({lstar_bin(), "policy", "show", "--deny", "getppid", "--deny-path", "/etc/shadow"});
    EXPECT_TRUE(shown.exited(0)) << shown.describe();
    EXPECT_NE(shown.out.find("errno:EPERM    getppid  [--deny getppid]"), std::string::npos) << shown.out;
    EXPECT_NE(shown.out.find("/etc/shadow"), std::string::npos) << shown.out;
}

// policy learn → run --policy: the learned policy runs the same program with no
// denial, and a call the run did not make is denied.
TEST(PolicyLearn, LearnedPoliciesRunTheSameProgram) {
    std::string dir = scratch_dir();
    std::ofstream(dir + "/in.txt") << "some input\n";
    std::ofstream(dir + "/hello.c") << "#include <stdio.h>\nint main(void) { puts(\"compiled\"); return 0; }\n";
    std::vector<std::vector<std::string>> programs = {
        {"sh", "-c", "cat " + dir + "/in.txt | wc -c; ls " + dir + " > " + dir + "/ls.txt; echo done"},
        {"python3", "-c", "import json, os; print(json.dumps(sorted(os.listdir('" + dir + "'))[:1]))"},
        {"tar", "-cf", dir + "/out.tar", "-C", dir, "in.txt"},
        {"gcc", "-o", dir + "/hello", dir + "/hello.c"},
    };
    if (!busybox().empty()) programs.push_back({busybox(), "sh", "-c", "echo busybox; cat " + dir + "/in.txt"});
    int n = 0;
    for (const auto& argv : programs) {
        std::string file = dir + "/learned" + std::to_string(n++) + ".toml";
        std::vector<std::string> learn = {lstar_bin(), "policy", "learn", "-f", "-o", file, "--"};
        learn.insert(learn.end(), argv.begin(), argv.end());
        Result learned = run(learn);
        ASSERT_TRUE(learned.exited(0)) << argv[0] << ": " << learned.describe();
        Result native = run(argv);
        Result confined = lstar_run({"--policy", file}, argv);
        EXPECT_EQ(confined.status, native.status) << argv[0] << ": " << confined.describe();
        EXPECT_EQ(confined.out, native.out) << argv[0];
        EXPECT_EQ(confined.err.find("lstar: policy:"), std::string::npos) << argv[0] << ": " << confined.err;
        // A call it never made (kill) is denied.
        Result other = lstar_run({"--policy", file}, {"sh", "-c", "kill -0 $$"});
        EXPECT_FALSE(other.exited(0)) << argv[0] << ": " << other.describe();
    }
    Result dash = lstar_run({"--policy", dir + "/learned0.toml"}, {"sh", "-c", "kill -0 $$"});
    EXPECT_NE(dash.err.find("lstar: policy: denied kill("), std::string::npos) << dash.err;
}

// Several runs merged: what each needed.
TEST(PolicyLearn, MergedRuns) {
    std::string dir = scratch_dir();
    ASSERT_TRUE(run({lstar_bin(), "policy", "learn", "-f", "-o", dir + "/a.toml", "--", "sh", "-c", "echo a"}).exited(0));
    Result merged = run({lstar_bin(), "policy", "learn", "-f", "-o", dir + "/b.toml", "--merge", dir + "/a.toml", "--", "sh", "-c", "kill -0 $$"});
    ASSERT_TRUE(merged.exited(0)) << merged.describe();
    Result r = lstar_run({"--policy", dir + "/b.toml"}, {"sh", "-c", "kill -0 $$ && echo a"});
    EXPECT_TRUE(r.exited(0)) << r.describe();
    EXPECT_EQ(r.out, "a\n");
}

// The OCI profile of a learned run loads in Debian's runc unchanged: the program
// runs in a container with it, and a call outside it is denied.
TEST(PolicyLearn, OciProfileRunsUnderRunc) {
    if (busybox().empty()) GTEST_SKIP() << "no busybox-static to make a root file system of";
    if (run({"sh", "-c", "command -v runc"}).status != 0) GTEST_SKIP() << "no runc (Debian's runc package)";
    std::string bundle = scratch_dir();
    ::mkdir((bundle + "/rootfs").c_str(), 0755);
    ::mkdir((bundle + "/rootfs/bin").c_str(), 0755);
    ASSERT_TRUE(run({"cp", busybox(), bundle + "/rootfs/bin/busybox"}).exited(0));
    ASSERT_EQ(::symlink("busybox", (bundle + "/rootfs/bin/sh").c_str()), 0);
    ASSERT_TRUE(run({"runc", "spec", "-b", bundle}).exited(0));
    Result learned = run({lstar_bin(), "policy", "learn", "-f", "--oci", bundle + "/profile.json", "-o", bundle + "/p.toml", "--",
                          bundle + "/rootfs/bin/sh", "-c", "echo in-container"});
    ASSERT_TRUE(learned.exited(0)) << learned.describe();
    auto run_in_container = [&](const std::string& script, const std::string& id) {
        std::string py =
            "import json,sys; c=json.load(open(sys.argv[1]+'/config.json')); c['process']['terminal']=False;"
            "c['process']['args']=['/bin/sh','-c',sys.argv[2]]; c['linux']['seccomp']=json.load(open(sys.argv[1]+'/profile.json'));"
            "json.dump(c,open(sys.argv[1]+'/config.json','w'))";
        EXPECT_TRUE(run({"python3", "-c", py, bundle, script}).exited(0));
        return run({"runc", "run", "-b", bundle, id});
    };
    std::string id = "lstar-test-" + std::to_string(::getpid());
    Result ok = run_in_container("echo in-container", id + "a");
    if (ok.err.find("cgroup") != std::string::npos && !ok.exited(0)) GTEST_SKIP() << "runc cannot run containers here: " << ok.err;
    EXPECT_TRUE(ok.exited(0)) << ok.describe();
    EXPECT_EQ(ok.out, "in-container\n");
    Result denied = run_in_container("echo in-container; kill -0 $$", id + "b");
    EXPECT_FALSE(denied.exited(0)) << denied.describe();
    EXPECT_NE(denied.err.find("Operation not permitted"), std::string::npos) << denied.err;
}

// `lstar trace` with the sandbox options: the trace shows the denied call, and the
// denial follows its line (text) or is a "denial" object of the stream (--json).
TEST(TracedSandbox, DenialsFollowTheirCallsAndAreJsonEvents) {
    std::string dir = scratch_dir();
    std::ofstream(dir + "/secret") << "SECRET\n";
    std::string trace;
    Result r = lstar_trace({"-e", "trace=openat", "--deny-path", dir + "/secret"}, {"/bin/cat", dir + "/secret"}, &trace);
    EXPECT_TRUE(r.exited(1)) << r.describe();
    EXPECT_EQ(r.out, "");
    std::string call = "openat(AT_FDCWD, \"" + dir + "/secret\", O_RDONLY) = -1 EACCES (Permission denied)\n";
    EXPECT_NE(trace.find(call), std::string::npos) << trace;
    std::string denial = "lstar: policy: denied openat(AT_FDCWD, \"" + dir + "/secret\", O_RDONLY) in pid ";
    EXPECT_NE(r.err.find(denial), std::string::npos) << r.err;

    Result j = lstar_trace({"--json", "-e", "trace=openat,getppid", "--deny", "getppid", "--deny-path", dir + "/secret"},
                           {"/bin/sh", "-c", "cat " + dir + "/secret"}, &trace);  // dash asks getppid for $PPID
    int denials = 0;
    for (std::size_t at = 0, nl; (nl = trace.find('\n', at)) != std::string::npos; at = nl + 1) {
        nlohmann::json o = nlohmann::json::parse(trace.substr(at, nl - at));
        if (o["type"] != "denial") continue;
        ++denials;
        EXPECT_EQ(o["v"], 2);
        EXPECT_EQ(o["layer"], "seccomp") << o.dump();
        EXPECT_EQ(o["name"], "getppid");
        EXPECT_EQ(o["rule"], "--deny getppid");
    }
    EXPECT_EQ(denials, 1) << trace;
}

TEST(TracedSandbox, InprocBackendIsRefused) {
    std::string trace;
    Result r = lstar_trace({"--backend=inproc", "--deny", "getpid"}, {"/bin/true"}, &trace);
    EXPECT_TRUE(r.exited(2)) << r.describe();
    EXPECT_NE(r.err.find("need --backend=ptrace"), std::string::npos) << r.err;
}

// The report of a sandboxed run lists its denials (from the "denial" objects).
TEST(TracedSandbox, ReportListsDenials) {
    std::string dir = scratch_dir();
    std::ofstream(dir + "/secret") << "SECRET\n";
    std::string report = dir + "/report.html", trace;
    Result r = lstar_trace({"--report", report, "--deny-path", dir + "/secret"}, {"/bin/cat", dir + "/secret"}, &trace);
    EXPECT_TRUE(r.exited(1)) << r.describe();
    std::string html = read_file(report);
    EXPECT_NE(html.find("id=\"denials-list\""), std::string::npos) << html.substr(0, 200);
    EXPECT_NE(html.find(">--deny-path " + dir + "/secret<"), std::string::npos);
    EXPECT_NE(html.find(">landlock<"), std::string::npos);
}

// Supervised rules (globs): every way around a rule that names the secret by a
// pattern fails, on the ptrace backend, where lstar's supervisor answers the
// calls the rules cover and performs them itself (policy/supervisor.cpp).
namespace {

class Supervised : public ::testing::Test {
protected:
    void SetUp() override { dir_ = secret_scratch_dir(); }
    Result escape(const std::string& mode, std::vector<std::string> extra = {}) const {
        std::vector<std::string> args = {"--backend=ptrace", "--deny-glob", dir_ + "/s[e]cr*"};
        args.insert(args.end(), extra.begin(), extra.end());
        return lstar_run(args, {prog("escape"), mode, dir_});
    }
    std::string dir_;
};

}  // namespace

TEST_F(Supervised, DeniedPathCannotBeReachedAnyWay) {
    for (const char* mode : {"open", "write", "dotdot", "symlink", "hardlink", "rename", "proc_root", "dirfd", "openat2", "opath",
                             "handle", "fork", "exec", "io_uring", "mount"}) {
        Result r = escape(mode);
        EXPECT_TRUE(r.exited(0)) << mode << ": " << r.describe();
        EXPECT_EQ(r.out.find("ESCAPED"), std::string::npos) << mode << ": " << r.out;
        EXPECT_NE(r.out.find("denied: "), std::string::npos) << mode << ": " << r.out;
        EXPECT_EQ(secret_left(dir_), "SECRET\n") << mode;
    }
    // The same attempts with -q (no reporter on the path: the supervisor alone).
    for (const char* mode : {"open", "symlink", "opath", "proc_root"}) {
        Result r = escape(mode, {"-q"});
        EXPECT_TRUE(r.exited(0)) << mode << ": " << r.describe();
        EXPECT_EQ(r.err.find("lstar: policy:"), std::string::npos) << r.err;
    }
    // What is beside it stays usable, and a real program runs (its opens performed by lstar).
    Result ok = lstar_run({"--backend=ptrace", "--deny-glob", dir_ + "/s[e]cr*"},
                          {"sh", "-c", "cat " + dir_ + "/allowed; echo new > " + dir_ + "/sub/made && cat " + dir_ +
                                           "/sub/made; mv " + dir_ + "/sub/made " + dir_ + "/sub/moved && ls " + dir_ + "/sub"});
    EXPECT_TRUE(ok.exited(0)) << ok.describe();
    EXPECT_EQ(ok.out, "fine\nnew\nmoved\n") << ok.err;
}

// Another thread flips the path between the allowed file and the secret during
// 20000 opens: the supervisor reads the path once and opens what it read.
TEST_F(Supervised, PathFlippedDuringTheCheckNeverReadsIt) {
    Result r = escape("race");
    EXPECT_TRUE(r.exited(0)) << r.describe();
    EXPECT_NE(r.out.find("denied: 0 of 20000 opens read the secret"), std::string::npos) << r.out;
}

// An exec rule: the denied program does not run, by its name or by a path flipped
// after the supervisor's check (the kernel reads execve's path again; the new
// image is killed at its exec stop before it runs).
TEST_F(Supervised, DeniedProgramNeverRuns) {
    ASSERT_EQ(run({"cp", prog("escape"), dir_ + "/tool"}).status, 0);
    std::vector<std::string> args = {"--backend=ptrace", "--deny-glob", dir_ + "/tool"};
    Result plain = lstar_run(args, {prog("escape"), "exec_denied", dir_});
    EXPECT_TRUE(plain.exited(0)) << plain.describe();
    EXPECT_NE(plain.out.find("denied: EACCES (execve)"), std::string::npos) << plain.out;
    Result race = lstar_run(args, {prog("escape"), "exec_race", dir_});
    EXPECT_TRUE(race.exited(0)) << race.describe();
    EXPECT_NE(race.out.find("denied: 0 of 300 execs ran the denied program"), std::string::npos) << race.out;
    // Without the rule, the attack works (the test can fail).
    Result open = lstar_run({"--backend=ptrace"}, {prog("escape"), "exec_denied", dir_});
    EXPECT_TRUE(open.exited(1)) << open.describe();
}

// lstar killed with SIGKILL: the program does not go on unsupervised (the ptrace
// backend's tracees die with it; a call of the user-notify filter without its
// listener would fail with ENOSYS).
TEST_F(Supervised, ProgramEndsWithLstar) {
    expect_program_ends_with_lstar({"--backend=ptrace", "--deny-glob", dir_ + "/s[e]cr*"}, dir_);
}

// Limits, log and allow exceptions, in lstar's TOML.
TEST_F(Supervised, LimitsLogAndExceptions) {
    std::ofstream(dir_ + "/p.toml") << "default = \"allow\"\n"
                                       "[[path_rule]]\nglob = \"" + dir_ + "/allowed\"\naccess = \"read\"\nlimit = 3\naction = \"errno:EMFILE\"\n"
                                       "[[path_rule]]\nglob = \"" + dir_ + "/sub/keep\"\naction = \"allow\"\n"
                                       "[[path_rule]]\nglob = \"" + dir_ + "/sub/**\"\naccess = \"write\"\n"
                                       "[[path_rule]]\nglob = \"**/*.log\"\naction = \"log\"\n";
    std::ofstream(dir_ + "/sub/keep") << "k\n";
    std::ofstream(dir_ + "/x.log") << "l\n";
    std::string script = "for i in 1 2 3 4 5; do cat " + dir_ + "/allowed || echo over; done; echo w > " + dir_ +
                         "/sub/keep && echo kept; echo w > " + dir_ + "/sub/other || echo no-write; cat " + dir_ + "/x.log";
    Result r = lstar_run({"--backend=ptrace", "--policy", dir_ + "/p.toml"}, {"sh", "-c", script});
    EXPECT_TRUE(r.exited(0)) << r.describe();
    EXPECT_EQ(r.out, "fine\nfine\nfine\nover\nover\nkept\nno-write\nl\n") << r.err;
    EXPECT_NE(r.err.find("lstar: policy: denied openat(\"" + dir_ + "/allowed\") in pid "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(dir_ + "/allowed, limit 3 reached)"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("lstar: policy: logged openat(\"" + dir_ + "/x.log\")"), std::string::npos) << r.err;
}

// Bad input: one line with file:line, exit 2, the program never started; and
// the in-process backend refuses supervised rules (it is not a security boundary).
TEST_F(Supervised, BadRulesStopBeforeTheProgramStarts) {
    std::string marker = dir_ + "/started";
    std::ofstream(dir_ + "/glob.toml") << "[[path_rule]]\nglob = \"/home/[a\"\n";
    std::ofstream(dir_ + "/rel.toml") << "\n[[path_rule]]\nglob = \"*.pem\"\n";
    std::ofstream(dir_ + "/limit.toml") << "[[path_rule]]\nglob = \"/etc/**\"\nlimit = -1\naction = \"errno\"\n";
    std::ofstream(dir_ + "/access.toml") << "[[path_rule]]\nglob = \"/etc/**\"\naccess = \"rwx\"\n";
    const Refusal cases[] = {
        {{"--policy", dir_ + "/glob.toml"}, dir_ + "/glob.toml:2: glob '/home/[a': '[' without its ']'"},
        {{"--policy", dir_ + "/rel.toml"}, dir_ + "/rel.toml:3: glob '*.pem' must be absolute or start with **/ (write **/*.pem)"},
        {{"--policy", dir_ + "/limit.toml"}, dir_ + "/limit.toml:3: 'limit' must be a whole number"},
        {{"--policy", dir_ + "/access.toml"}, dir_ + "/access.toml:3: unknown access 'rwx'"},
        {{"--deny-glob", "/a/**b"}, "run: --deny-glob: glob '/a/**b': ** must be a whole name"},
        {{"--backend=inproc", "--deny-glob", "/etc/shadow"}, "--deny-glob /etc/shadow: supervised rules need --backend=ptrace: the in-process backend is not a security boundary"},
    };
    for (const Refusal& c : cases) {
        std::vector<std::string> args = c.args;
        if (args[0].rfind("--backend", 0) != 0) args.insert(args.begin(), "--backend=ptrace");
        expect_refused_before_start(args, c.message, marker);
    }
}

// The calls lstar makes for the program get no more than the program would: they
// are made in a thread that entered the sandbox's Landlock domain.
TEST_F(Supervised, PerformedCallsStayInTheLandlockDomain) {
    std::ofstream(dir_ + "/sub/f") << "landlocked\n";
    Result r = lstar_run({"--backend=ptrace", "-q", "--deny-path", dir_ + "/sub", "--deny-glob", dir_ + "/s[e]cr*"},
                         {"sh", "-c", "cat " + dir_ + "/sub/f || echo no-sub; cat " + dir_ + "/secret || echo no-secret; cat " + dir_ +
                                          "/allowed"});
    EXPECT_TRUE(r.exited(0)) << r.describe();
    EXPECT_EQ(r.out, "no-sub\nno-secret\nfine\n") << r.err;
}

// A call rule with a limit: the first N matching calls pass, the later ones get
// the rule's action, counted over the whole run (threads, processes, ABIs alike).
TEST_F(Supervised, CountedCallRulesHoldAgainstRacesAndOtherAbis) {
    std::string policy = dir_ + "/counted.toml";
    std::ofstream(policy) << "default = \"allow\"\n"
                             "[[rule]]\ncalls = [\"getppid\"]\naction = \"errno:EPERM\"\nlimit = 3\n"
                             "[[rule]]\ncalls = [\"socket\"]\nwhen = \"family == AF_INET\"\naction = \"errno:EACCES\"\nlimit = 1\n";
    auto counted = [&](const std::string& mode, std::vector<std::string> extra = {}) {
        std::vector<std::string> args = {"--backend=ptrace", "--policy", policy};
        args.insert(args.end(), extra.begin(), extra.end());
        return lstar_run(args, {prog("counted"), mode});
    };
    Result seq = counted("sequence");
    EXPECT_TRUE(seq.exited(0)) << seq.describe();
    EXPECT_EQ(seq.out, "ok ok ok Operation not permitted Operation not permitted\n");
    EXPECT_NE(seq.err.find("lstar: policy: denied getppid() in pid "), std::string::npos) << seq.err;
    EXPECT_NE(seq.err.find("(rule: " + policy + ":2, limit 3 reached)"), std::string::npos) << seq.err;
    for (const char* mode : {"threads", "processes"}) {
        Result r = counted(mode, {"-q"});
        EXPECT_TRUE(r.exited(0)) << mode << ": " << r.describe();
        EXPECT_EQ(r.out, "3\n") << mode << ": 40 or 20 calls, 3 through";
        EXPECT_EQ(r.err, "") << mode;
    }
    if (lstar::test::can_int80_from_64bit()) {
        Result r = counted("int80", {"-q"});
        EXPECT_TRUE(r.exited(0)) << r.describe();
        EXPECT_EQ(r.out, "3\n") << "the i386 ABI's getppid counts against the same rule";
    } else {
        std::printf("[ NOTE ] int80 not tried: %s\n", lstar::test::can_int80_from_64bit().why_not.c_str());
    }
    // Conditions select what is counted: AF_UNIX and AF_INET6 are not.
    Result sockets = counted("sockets", {"-q"});
    EXPECT_TRUE(sockets.exited(0)) << sockets.describe();
    EXPECT_EQ(sockets.out, "ok ok Permission denied ok\n");
    // Without the sandbox every call goes through (the attempts would have worked).
    Result native = run({prog("counted"), "threads"});
    EXPECT_EQ(native.out, "40\n");

    // kill-process beyond the limit; and what cannot be counted is refused.
    std::ofstream(dir_ + "/kill.toml") << "default = \"allow\"\n"
                                          "[[rule]]\ncalls = [\"getppid\"]\naction = \"kill-process\"\nlimit = 1\n";
    Result killed = lstar_run({"--backend=ptrace", "-q", "--policy", dir_ + "/kill.toml"}, {prog("counted"), "sequence"});
    EXPECT_TRUE(killed.signaled(SIGKILL)) << killed.describe();
    std::ofstream(dir_ + "/allow.toml") << "[[rule]]\ncalls = [\"getppid\"]\naction = \"allow\"\nlimit = 1\n";
    Result bad = lstar_run({"--policy", dir_ + "/allow.toml"}, {"/bin/true"});
    EXPECT_TRUE(bad.exited(2)) << bad.describe();
    EXPECT_NE(bad.err.find("a 'limit' needs errno:NAME or kill-process"), std::string::npos) << bad.err;
    Result inproc = lstar_run({"--backend=inproc", "--policy", policy}, {"/bin/true"});
    EXPECT_TRUE(inproc.exited(2)) << inproc.describe();
    EXPECT_NE(inproc.err.find(policy + ":2: supervised rules need --backend=ptrace"), std::string::npos) << inproc.err;
}

// action = "ask": lstar asks at its terminal (a tmux pane here, driven as a user
// would), per call, or once for the run with always/never.
TEST_F(Supervised, AskRulesAreAnsweredAtTheTerminal) {
    if (std::string why = lstar::test::tmux_missing(); !why.empty()) GTEST_SKIP() << why;
    std::string policy = dir_ + "/ask.toml";
    std::ofstream(policy) << "[[path_rule]]\nglob = \"" << dir_ << "/s[e]cr*\"\naction = \"ask\"\n";
    std::string out = dir_ + "/out";
    // Four opens of the secret: yes, no, always (the fourth is not asked).
    std::string script = "for i in 1 2 3 4; do cat " + dir_ + "/secret 2>/dev/null || echo refused; done > " + out;
    lstar::test::Tmux term;
    term.start(lstar_bin() + " run --backend=ptrace --policy " + policy + " -- sh -c '" + script + "'");
    const std::string question = "lstar: policy: allow openat(\"" + dir_ + "/secret\") in pid ";
    auto questions = [&](const std::string& screen) {
        int n = 0;
        for (std::size_t at = 0; (at = screen.find(question, at)) != std::string::npos; at += question.size()) ++n;
        return n;
    };
    for (auto [answer, asked] : std::vector<std::pair<std::string, int>>{{"y", 1}, {"n", 2}, {"a", 3}}) {
        std::string screen = term.wait_for([&](const std::string& s) { return questions(s) == asked; });
        ASSERT_EQ(questions(screen), asked) << screen;
        EXPECT_NE(screen.find("[y]es [n]o [a]lways ne[v]er"), std::string::npos) << screen;
        term.keys(answer);
        term.keys("Enter");
    }
    std::string done = term.wait_for("EXIT=");
    EXPECT_NE(done.find("EXIT=0"), std::string::npos) << done;
    EXPECT_EQ(questions(done), 3) << "always holds for the rest of the run:\n" << done;
    std::ifstream f(out);
    std::string got((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    EXPECT_EQ(got, "SECRET\nrefused\nSECRET\nSECRET\n") << got;

    // Without a terminal (a session of its own has none): refused at the start, with the reason.
    Result no_tty = run({"setsid", "--wait", lstar_bin(), "run", "--backend=ptrace", "--policy", policy, "--", "/bin/true"});
    EXPECT_TRUE(no_tty.exited(2)) << no_tty.describe();
    EXPECT_NE(no_tty.err.find(policy + ":1: an 'ask' rule needs a terminal to ask at"), std::string::npos) << no_tty.err;
    std::ofstream(dir_ + "/ask_exec.toml") << "[[path_rule]]\nglob = \"/bin/*\"\naccess = \"exec\"\naction = \"ask\"\n";
    Result bad = lstar_run({"--policy", dir_ + "/ask_exec.toml"}, {"/bin/true"});
    EXPECT_TRUE(bad.exited(2)) << bad.describe();
    EXPECT_NE(bad.err.find("an 'ask' rule cannot cover exec"), std::string::npos) << bad.err;
}

// lstar trace --json: a supervised rule's decision is a "denial" object of the
// stream (layer "supervisor", the real path it decided on), not a line on stderr.
TEST_F(Supervised, DecisionsAreJsonEventsOfTheTrace) {
    ASSERT_EQ(::symlink((dir_ + "/secret").c_str(), (dir_ + "/alias").c_str()), 0);
    std::string trace;
    Result r = lstar_trace({"--json", "-e", "trace=openat", "--deny-glob", dir_ + "/s[e]cr*"},
                           {"cat", dir_ + "/alias", dir_ + "/allowed"}, &trace);
    EXPECT_TRUE(r.exited(1)) << r.describe();
    EXPECT_EQ(r.out, "fine\n");
    EXPECT_EQ(r.err.find("lstar: policy:"), std::string::npos) << r.err;
    int denials = 0;
    for (std::size_t at = 0, nl; (nl = trace.find('\n', at)) != std::string::npos; at = nl + 1) {
        nlohmann::json o = nlohmann::json::parse(trace.substr(at, nl - at));
        if (o["type"] != "denial") continue;
        ++denials;
        EXPECT_EQ(o["layer"], "supervisor") << o.dump();
        EXPECT_EQ(o["name"], "openat") << o.dump();
        EXPECT_EQ(o["call"], "openat(AT_FDCWD, \"" + dir_ + "/alias\", O_RDONLY)") << o.dump();
        EXPECT_EQ(o["path"], dir_ + "/secret") << o.dump();
        EXPECT_EQ(o["rule"], "--deny-glob " + dir_ + "/s[e]cr*") << o.dump();
        EXPECT_FALSE(o.contains("logged")) << o.dump();
    }
    EXPECT_EQ(denials, 1) << trace;
}

// Under lstar trace, a supervised call is traced with the result lstar gave.
TEST_F(Supervised, TracedCallsShowTheirAnswers) {
    std::string trace;
    Result r = lstar_trace({"-e", "trace=openat", "--deny-glob", dir_ + "/s[e]cr*"}, {"cat", dir_ + "/secret", dir_ + "/allowed"}, &trace);
    EXPECT_TRUE(r.exited(1)) << r.describe();
    EXPECT_EQ(r.out, "fine\n");
    EXPECT_NE(trace.find("openat(AT_FDCWD, \"" + dir_ + "/secret\", O_RDONLY) = -1 EACCES (Permission denied)"), std::string::npos) << trace;
    std::size_t allowed = trace.find("openat(AT_FDCWD, \"" + dir_ + "/allowed\", O_RDONLY) = ");
    ASSERT_NE(allowed, std::string::npos) << trace;
    EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(trace[trace.find(" = ", allowed) + 3]))) << trace;  // a descriptor
}

// [scope] (Landlock ABI 6): signals and abstract unix sockets reach only the
// program's own processes. progs/scope_escape.c tries every call that signals
// (kill, tgkill, rt_sigqueueinfo, pidfd_send_signal) a process outside, and a
// stream connect, a datagram sendto and connect to abstract sockets bound
// outside; natively each works, under the policy each is EPERM, while the
// program's own child and own socket stay reachable.
TEST(PolicyScope, SignalsAndAbstractSocketsStayInside) {
    long abi = ::syscall(SYS_landlock_create_ruleset, nullptr, 0, 1 /* LANDLOCK_CREATE_RULESET_VERSION */);
    if (abi < 6) GTEST_SKIP() << "the kernel's Landlock ABI is " << abi << ": scopes need ABI 6 (Linux 6.12)";
    pid_t outside = ::fork();
    if (outside == 0) {
        ::execl("/bin/sleep", "sleep", "60", static_cast<char*>(nullptr));
        ::_exit(127);
    }
    std::string stream = "lstar-scope-stream-" + std::to_string(::getpid());
    std::string dgram = "lstar-scope-dgram-" + std::to_string(::getpid());
    auto bound = [](int type, const std::string& name) {
        int fd = ::socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::memcpy(a.sun_path + 1, name.data(), name.size());
        auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
        EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), len), 0) << std::strerror(errno);
        if (type == SOCK_STREAM) ::listen(fd, 8);
        return fd;
    };
    int s = bound(SOCK_STREAM, stream), d = bound(SOCK_DGRAM, dgram);
    std::vector<std::string> argv = {prog("scope_escape"), std::to_string(outside), stream, dgram};
    Result native = run(argv);
    ASSERT_TRUE(native.exited(0)) << native.describe();
    EXPECT_EQ(native.out.find(": E"), std::string::npos) << "natively every attempt works:\n" << native.out;
    std::string dir = scratch_dir();
    std::ofstream(dir + "/scope.toml") << "default = \"allow\"\n[scope]\nsignals = true\nabstract_unix_sockets = true\n";
    for (const std::string backend : {"ptrace", "inproc"}) {
        Result r = lstar_run({"--backend=" + backend, "--policy", dir + "/scope.toml"}, argv);
        ASSERT_TRUE(r.exited(0)) << backend << "\n" << r.describe();
        std::size_t outside_lines = 0;
        for (const std::string& l : lines(r.out)) {
            if (l.rfind("outside ", 0) == 0) {
                ++outside_lines;
                EXPECT_TRUE(l.ends_with(": EPERM")) << backend << ": " << l;
            } else {
                EXPECT_TRUE(l.ends_with(": ok")) << backend << ": " << l;
            }
        }
        EXPECT_EQ(outside_lines, 8u) << backend << "\n" << r.out;
    }
    // Only signals in the scope: the sockets are reached, the signals are not.
    std::ofstream(dir + "/signals.toml") << "default = \"allow\"\n[scope]\nsignals = true\n";
    Result r = lstar_run({"--policy", dir + "/signals.toml"}, argv);
    EXPECT_NE(r.out.find("outside kill 0: EPERM"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("outside stream connect: ok"), std::string::npos) << r.out;
    ::kill(outside, SIGKILL);
    ::waitpid(outside, nullptr, 0);
    ::close(s);
    ::close(d);
}

// A scope the kernel's Landlock cannot enforce is an error, or with
// --best-effort a warning; a bad value is one line.
TEST(PolicyScope, BadScopeIsOneLine) {
    std::string dir = scratch_dir();
    std::ofstream(dir + "/bad.toml") << "default = \"allow\"\n[scope]\nsignals = \"yes\"\n";
    Result r = lstar_run({"--policy", dir + "/bad.toml"}, {"/bin/true"});
    EXPECT_TRUE(r.exited(2)) << r.describe();
    EXPECT_NE(r.err.find("bad.toml:3"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("'signals' must be true or false"), std::string::npos) << r.err;
    std::ofstream(dir + "/unknown.toml") << "default = \"allow\"\n[scope]\nipc = true\n";
    r = lstar_run({"--policy", dir + "/unknown.toml"}, {"/bin/true"});
    EXPECT_TRUE(r.exited(2)) << r.describe();
    EXPECT_EQ(lines(r.err).size(), 1u) << r.err;
}
