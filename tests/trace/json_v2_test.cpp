// `lstar trace --json` version 2 (docs/json-schema.md): every line of real runs
// (a shell pipeline, python3 -c, a program of structs, sets, signals and a
// child, a sandboxed run, a summary) validated against docs/lstar-trace-v2.schema.json
// by Debian's python3-jsonschema; specific decoded values checked; the jq
// one-liners of the docs run with Debian's jq; version 1 still as it was.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/process.hpp"
#include "tests/support/run.hpp"

namespace {

using lstar::test::ProcessResult;

const std::string kSchema = std::string(LSTAR_SOURCE_DIR) + "/docs/lstar-trace-v2.schema.json";
const std::string kValidator = std::string(LSTAR_SOURCE_DIR) + "/tests/trace/validate_jsonl.py";
const std::string kProg = std::string(TRACE_PROGS_DIR) + "/jsonmix";

using lstar::test::read_file;

std::string temp_path(const std::string& tag) {
    return std::string(::testing::TempDir()) + "lstar-json2-" + tag + "-" + std::to_string(::getpid());
}

ProcessResult run(const std::vector<std::string>& argv) {
    lstar::test::ProcessOptions opt;
    opt.stdin_null = true;
    return lstar::test::run_process(argv, opt);
}

// `lstar trace OPTIONS -o FILE -- PROG...`: the file's path (kept for the validator).
std::string trace_to_file(const std::string& tag, std::vector<std::string> options, const std::vector<std::string>& prog,
                          ProcessResult* result = nullptr) {
    std::string path = temp_path(tag) + ".jsonl";
    std::vector<std::string> argv{LSTAR_BIN, "trace"};
    argv.insert(argv.end(), options.begin(), options.end());
    argv.insert(argv.end(), {"-o", path, "--"});
    argv.insert(argv.end(), prog.begin(), prog.end());
    ProcessResult r = run(argv);
    if (result) *result = r;
    EXPECT_FALSE(r.timed_out) << r.describe();
    return path;
}

std::vector<nlohmann::json> objects_of(const std::string& path) {
    std::vector<nlohmann::json> out;
    std::ifstream f(path);
    for (std::string line; std::getline(f, line);)
        if (!line.empty()) out.push_back(nlohmann::json::parse(line));  // throws on invalid JSON
    return out;
}

// Debian's python3-jsonschema on every line of the files.
void expect_valid(const std::vector<std::string>& files) {
    std::vector<std::string> argv{"/usr/bin/python3", "-I", kValidator, kSchema};  // Debian's python3 and its jsonschema
    argv.insert(argv.end(), files.begin(), files.end());
    ProcessResult r = run(argv);
    EXPECT_TRUE(r.exited(0)) << r.describe();
    EXPECT_NE(r.out.find(" 0 invalid"), std::string::npos) << r.out << r.err;
}

const nlohmann::json* first_call(const std::vector<nlohmann::json>& objs, const std::string& name,
                                 const std::function<bool(const nlohmann::json&)>& also = {}) {
    for (const nlohmann::json& o : objs)
        if (o["type"] == "syscall" && o["name"] == name && (!also || also(o))) return &o;
    return nullptr;
}

bool contains(const nlohmann::json& array, const nlohmann::json& v) {
    return array.is_array() && std::find(array.begin(), array.end(), v) != array.end();
}

class JsonV2 : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        ProcessResult probe = run({"/usr/bin/python3", "-c", "import jsonschema"});
        ASSERT_TRUE(probe.exited(0)) << "python3-jsonschema is needed (scripts/setup-debian installs it): " << probe.describe();
    }
    void TearDown() override {
        for (const std::string& f : files_) ::unlink(f.c_str());
    }
    std::string keep(std::string path) {
        files_.push_back(path);
        return path;
    }
    std::vector<std::string> files_;
};

// The file the program opens and stats, of a size the test knows.
std::string data_file() {
    std::string path = temp_path("data");
    std::ofstream(path) << std::string(1234, 'x');
    return path;
}

TEST_F(JsonV2, EveryLineOfRealRunsMatchesTheSchema) {
    std::string data = keep(data_file());
    std::vector<std::string> runs;
    runs.push_back(keep(trace_to_file("pipeline", {"-f", "--json"}, {"/bin/sh", "-c", "cat /etc/hostname | wc -c; ls /nonexistent 2>/dev/null; true"})));
    runs.push_back(keep(trace_to_file("python", {"-f", "--json"}, {"/usr/bin/python3", "-c", "import os, socket; print(os.stat('/').st_mode); socket.socketpair()"})));
    runs.push_back(keep(trace_to_file("mix", {"-f", "-e", "quiet=none", "--json"}, {kProg, data, temp_path("sock")})));
    runs.push_back(keep(trace_to_file("mix-y-v", {"-f", "-y", "-v", "-Y", "--json"}, {kProg, data, temp_path("sock")})));
    runs.push_back(keep(trace_to_file("mix-x-s", {"-f", "-xx", "-s", "8", "-X", "verbose", "--json"}, {kProg, data, temp_path("sock")})));
    runs.push_back(keep(trace_to_file("summary", {"-f", "-C", "--json"}, {kProg, data, temp_path("sock")})));
    runs.push_back(keep(trace_to_file("killed", {"--json"}, {"/bin/sh", "-c", "kill -TERM $$"})));
    // Ids of a pid namespace (where one may be made) with lstar's, and a child killed: a wait status's booleans.
    runs.push_back(keep(trace_to_file("pidns", {"-f", "-Y", "--decode-pids=pidns", "--json"}, {std::string(TRACE_PROGS_DIR) + "/pidns"})));
    runs.push_back(keep(trace_to_file("denied", {"--json", "--deny", "getppid"}, {"/bin/sh", "-c", "echo $PPID"})));
    // A supervised rule's decisions (layer "supervisor", with the real path) and -k's stacks.
    runs.push_back(keep(trace_to_file("supervised", {"--json", "--deny-glob", data}, {"/bin/cat", data})));
    runs.push_back(keep(trace_to_file("stacks", {"-kk", "-e", "trace=write", "--json"}, {"/bin/echo", "hi"})));
    expect_valid(runs);

    std::map<std::string, int> types;
    for (const std::string& f : runs)
        for (const nlohmann::json& o : objects_of(f)) ++types[o["type"].get<std::string>()];
    for (const char* t : {"syscall", "signal", "exit", "attach", "summary", "denial"}) EXPECT_GT(types[t], 0) << t;
    int supervised = 0, stacks = 0;
    for (const std::string& f : runs)
        for (const nlohmann::json& o : objects_of(f)) {
            supervised += o["type"] == "denial" && o["layer"] == "supervisor" && o["path"] == data;
            stacks += o.contains("stack") && !o["stack"].empty();
        }
    EXPECT_EQ(supervised, 1);
    EXPECT_GT(stacks, 0);
}

TEST_F(JsonV2, DecodedArgumentsAreValues) {
    std::string data = keep(data_file());
    std::string path = keep(trace_to_file("values", {"-f", "--json"}, {kProg, data, temp_path("sock")}));
    std::vector<nlohmann::json> objs = objects_of(path);

    const nlohmann::json* open = first_call(objs, "openat", [&](const nlohmann::json& o) { return o["decoded"][1] == data; });
    ASSERT_TRUE(open) << "no openat of " << data;
    EXPECT_EQ((*open)["decoded"][0], "AT_FDCWD");
    EXPECT_TRUE(contains((*open)["decoded"][2], "O_RDONLY")) << open->dump();
    EXPECT_EQ((*open)["result"], (*open)["ret"]);

    const nlohmann::json* failed = first_call(objs, "openat", [](const nlohmann::json& o) { return o["errno"] == "ENOENT"; });
    ASSERT_TRUE(failed);
    EXPECT_EQ((*failed)["decoded"][1], "/nonexistent/lstar-json-test");
    EXPECT_TRUE((*failed)["result"].is_null());
    EXPECT_EQ((*failed)["strerror"], "No such file or directory");

    // stat: glibc's stat is newfstatat(AT_FDCWD, path, &st, 0).
    const nlohmann::json* stat = first_call(objs, "newfstatat", [&](const nlohmann::json& o) { return o["decoded"][1] == data; });
    ASSERT_TRUE(stat);
    const nlohmann::json& st = (*stat)["decoded"][2];
    ASSERT_TRUE(st.is_object()) << stat->dump();
    EXPECT_EQ(st["st_size"], 1234) << st.dump();
    EXPECT_TRUE(contains(st["st_mode"], "S_IFREG")) << st.dump();
    EXPECT_EQ(st["..."], true) << "without -v strace elides fields: " << st.dump();

    const nlohmann::json* poll = first_call(objs, "poll");
    ASSERT_TRUE(poll);
    const nlohmann::json& fds = (*poll)["decoded"][0];
    ASSERT_TRUE(fds.is_array() && fds.size() == 1 && fds[0].is_object()) << poll->dump();
    EXPECT_TRUE(fds[0]["fd"].is_number());
    EXPECT_TRUE(contains(fds[0]["events"], "POLLIN"));
    EXPECT_EQ((*poll)["decoded"][1], 1);
    EXPECT_EQ((*poll)["result"], 1);
    ASSERT_TRUE((*poll)["detail"].is_array()) << poll->dump();
    EXPECT_TRUE(contains((*poll)["detail"][0][0]["revents"], "POLLIN")) << poll->dump();

    const nlohmann::json* pair = first_call(objs, "socketpair");
    ASSERT_TRUE(pair);
    EXPECT_EQ((*pair)["decoded"][0], "AF_UNIX");
    EXPECT_TRUE(contains((*pair)["decoded"][1], "SOCK_STREAM"));
    EXPECT_TRUE((*pair)["decoded"][3].is_array() && (*pair)["decoded"][3].size() == 2) << pair->dump();

    const nlohmann::json* bind = first_call(objs, "bind");
    ASSERT_TRUE(bind);
    EXPECT_EQ((*bind)["decoded"][1]["sa_family"], "AF_UNIX") << bind->dump();
    EXPECT_EQ((*bind)["decoded"][1]["sun_path"], temp_path("sock")) << bind->dump();

    const nlohmann::json* sigaction = first_call(objs, "rt_sigaction", [](const nlohmann::json& o) { return o["decoded"][0] == "SIGUSR1"; });
    ASSERT_TRUE(sigaction);
    const nlohmann::json& act = (*sigaction)["decoded"][1];
    EXPECT_TRUE(act["sa_handler"].is_object() && act["sa_handler"].contains("addr")) << act.dump();
    EXPECT_TRUE(contains(act["sa_mask"], "SIGTERM")) << act.dump();
    EXPECT_TRUE((*sigaction)["decoded"][2].is_null());

    bool signal = false;
    for (const nlohmann::json& o : objs)
        if (o["type"] == "signal" && o["signal"] == "SIGUSR1") {
            signal = true;
            EXPECT_EQ(o["siginfo"]["si_signo"], "SIGUSR1") << o.dump();
            EXPECT_EQ(o["siginfo"]["si_code"], "SI_USER") << o.dump();
            EXPECT_EQ(o["siginfo"]["si_pid"], o["pid"]) << o.dump();
        }
    EXPECT_TRUE(signal);

    // fork: clone(child_stack=NULL, flags=...|SIGCHLD, child_tidptr=0x...) = PID, named values as strace
    // prints them: one object.
    const nlohmann::json* clone = first_call(objs, "clone");
    ASSERT_TRUE(clone);
    const nlohmann::json& how = (*clone)["decoded"][0];
    EXPECT_TRUE(how["child_stack"].is_null()) << clone->dump();
    EXPECT_TRUE(contains(how["flags"], "SIGCHLD")) << clone->dump();
    EXPECT_TRUE(how["child_tidptr"]["addr"].is_number()) << clone->dump();
    const nlohmann::json* wait = first_call(objs, "wait4");
    ASSERT_TRUE(wait);
    EXPECT_EQ((*wait)["decoded"][0], (*clone)["ret"]);
    EXPECT_TRUE((*wait)["decoded"][1].is_array()) << wait->dump();
    // The child's _exit(7): the status itself, not strace's macro text.
    EXPECT_EQ((*wait)["decoded"][1], nlohmann::json::parse(R"([{"exited": 7}])")) << wait->dump();

    const nlohmann::json* binary = first_call(objs, "write", [](const nlohmann::json& o) { return o["ret"] == 13; });
    ASSERT_TRUE(binary);
    // "\xff\xfe not utf-8" and its NUL.
    EXPECT_EQ((*binary)["decoded"][1], nlohmann::json({{"bytes", "fffe206e6f74207574662d3800"}})) << binary->dump();
    const nlohmann::json* cut = first_call(objs, "write", [](const nlohmann::json& o) { return o["ret"] == 51; });
    ASSERT_TRUE(cut);
    EXPECT_EQ((*cut)["decoded"][1], nlohmann::json({{"str", "a line longer than strace's defa"}, {"truncated", true}}));

    // fcntl(F_GETFL)'s "= 0x8001 (flags O_WRONLY|O_LARGEFILE)": the comment's value by its label.
    const nlohmann::json* getfl = first_call(objs, "fcntl", [](const nlohmann::json& o) { return o["decoded"][1] == "F_GETFL"; });
    ASSERT_TRUE(getfl);
    EXPECT_EQ((*getfl)["detail"], nlohmann::json::parse(R"([{"flags": ["O_WRONLY", "O_LARGEFILE"]}])")) << getfl->dump();

    const nlohmann::json* exec = first_call(objs, "execve");
    ASSERT_TRUE(exec);
    const nlohmann::json& argv = (*exec)["decoded"][1];
    ASSERT_TRUE(argv.is_array() && argv.size() == 3) << exec->dump();
    // The program's path is longer than -s 32: cut.
    EXPECT_EQ(argv[0], nlohmann::json({{"str", kProg.substr(0, 32)}, {"truncated", true}})) << exec->dump();
    EXPECT_EQ(argv[1], data);
    EXPECT_EQ(argv[2], temp_path("sock"));
    EXPECT_TRUE((*exec)["decoded"][2].contains("addr")) << "envp is shown as its address: " << exec->dump();
}

TEST_F(JsonV2, DescriptorsWithPaths) {
    std::string data = keep(data_file());
    std::string path = keep(trace_to_file("fds", {"-y", "-e", "trace=read,close", "--json"}, {kProg, data, temp_path("sock")}));
    std::vector<nlohmann::json> objs = objects_of(path);
    const nlohmann::json* read = first_call(objs, "read", [&](const nlohmann::json& o) { return o["ret"] == 64; });
    ASSERT_TRUE(read);
    const nlohmann::json& fd = (*read)["decoded"][0];
    EXPECT_TRUE(fd["fd"].is_number()) << read->dump();
    EXPECT_EQ(fd["path"], data) << read->dump();
    EXPECT_EQ((*read)["decoded"][1], nlohmann::json({{"str", std::string(32, 'x')}, {"truncated", true}})) << read->dump();
}

// The one-liners of docs/json-schema.md ("jq one-liners"), run as written
// there with Debian's jq on a real trace.
std::vector<std::string> doc_one_liners() {
    std::string doc = read_file(std::string(LSTAR_SOURCE_DIR) + "/docs/json-schema.md");
    std::vector<std::string> out;
    std::size_t at = doc.find("## jq one-liners");
    std::stringstream s(at == std::string::npos ? "" : doc.substr(at));
    for (std::string line; std::getline(s, line);) {
        if (line.starts_with("## ") && !out.empty()) break;
        if (line.starts_with("jq ")) out.push_back(line);
    }
    return out;
}

TEST_F(JsonV2, TheDocsJqOneLiners) {
    std::vector<std::string> lines = doc_one_liners();
    ASSERT_EQ(lines.size(), 3u) << "docs/json-schema.md's jq one-liners";
    std::string data = keep(data_file());
    std::string trace = keep(trace_to_file("jq", {"-f", "--json"}, {"/bin/sh", "-c", "cat /etc/hostname > /dev/null; " + kProg + " " + data + " " + temp_path("sock")}));
    std::vector<nlohmann::json> objs = objects_of(trace);
    auto jq = [&](std::string line) {
        // The docs read trace.jsonl.
        std::size_t at = line.rfind("trace.jsonl");
        EXPECT_NE(at, std::string::npos) << line;
        line.replace(at, 11, trace);
        ProcessResult r = lstar::test::run_shell(line);
        EXPECT_TRUE(r.exited(0)) << line << "\n" << r.describe();
        std::vector<std::string> out;
        std::stringstream s(r.out);
        for (std::string l; std::getline(s, l);) out.push_back(l);
        return out;
    };

    // 1. The slowest calls: "DUR_NS NAME(...)" lines, slowest first, as many as the calls up to 10.
    std::vector<std::string> slow = jq(lines[0]);
    std::size_t calls = std::count_if(objs.begin(), objs.end(), [](const nlohmann::json& o) { return o["type"] == "syscall" && !o.contains("unfinished"); });
    EXPECT_EQ(slow.size(), std::min<std::size_t>(calls, 10)) << lines[0];
    std::uint64_t longest = 0;
    for (const nlohmann::json& o : objs)
        if (o["type"] == "syscall" && o.contains("dur_ns")) longest = std::max(longest, o["dur_ns"].get<std::uint64_t>());
    ASSERT_FALSE(slow.empty());
    EXPECT_EQ(std::stoull(slow[0]), longest) << slow[0];
    for (std::size_t i = 1; i < slow.size(); ++i) EXPECT_GE(std::stoull(slow[i - 1]), std::stoull(slow[i]));

    // 2. The files opened: each path once.
    std::vector<std::string> files = jq(lines[1]);
    EXPECT_TRUE(std::find(files.begin(), files.end(), "/etc/hostname") != files.end()) << lines[1];
    EXPECT_TRUE(std::find(files.begin(), files.end(), data) != files.end()) << lines[1];
    EXPECT_TRUE(std::find(files.begin(), files.end(), "/nonexistent/lstar-json-test") == files.end()) << "failed opens are not opened files";
    std::vector<std::string> sorted = files;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_TRUE(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end());

    // 3. Failed calls by errno: "COUNT ERRNO", most first, counts as the objects say.
    std::map<std::string, int> expected;
    for (const nlohmann::json& o : objs)
        if (o["type"] == "syscall" && o["errno"].is_string()) ++expected[o["errno"].get<std::string>()];
    std::vector<std::string> by_errno = jq(lines[2]);
    EXPECT_EQ(by_errno.size(), expected.size()) << lines[2];
    for (const std::string& l : by_errno) {
        std::stringstream s(l);
        int n = 0;
        std::string name;
        s >> n >> name;
        EXPECT_EQ(expected[name], n) << l;
    }
    EXPECT_GE(expected["ENOENT"], 1);
}

// --json=1 still writes version 1: arguments and the result as strace's text.
TEST_F(JsonV2, VersionOneOnRequest) {
    std::string data = keep(data_file());
    std::string path = keep(trace_to_file("v1", {"--json=1", "-e", "trace=openat"}, {kProg, data, temp_path("sock")}));
    std::vector<nlohmann::json> objs = objects_of(path);
    ASSERT_FALSE(objs.empty());
    for (const nlohmann::json& o : objs) EXPECT_EQ(o["v"], 1);
    const nlohmann::json* open = first_call(objs, "openat", [&](const nlohmann::json& o) { return o["decoded"][1] == "\"" + data + "\""; });
    ASSERT_TRUE(open) << read_file(path);
    EXPECT_EQ((*open)["decoded"][2], "O_RDONLY");
    EXPECT_EQ((*open)["result"], std::to_string((*open)["ret"].get<int>()));

    ProcessResult bad = run({LSTAR_BIN, "trace", "--json=3", "/bin/true"});
    EXPECT_TRUE(bad.exited(1) || bad.exited(2)) << bad.describe();
    EXPECT_NE(bad.err.find("invalid --json argument: '3'"), std::string::npos) << bad.err;
}

// lstar report reads version 2 runs as it reads version 1 ones.
TEST_F(JsonV2, ReportReadsBothVersions) {
    std::string data = keep(data_file());
    for (const char* json : {"--json", "--json=1"}) {
        std::string run_path = keep(trace_to_file(std::string("report") + json, {"-f", json}, {kProg, data, temp_path("sock")}));
        std::string html = keep(temp_path("report") + ".html");
        ProcessResult r = run({LSTAR_BIN, "report", run_path, "-o", html});
        ASSERT_TRUE(r.exited(0)) << json << " " << r.describe();
        std::string page = read_file(html);
        EXPECT_NE(page.find(data), std::string::npos) << json << ": the file opened is in the report";
        EXPECT_NE(page.find("ENOENT"), std::string::npos) << json;

        // The timeline shows each argument as strace's text, from either version.
        std::string timeline = keep(temp_path("timeline") + ".json");
        r = run({LSTAR_BIN, "report", run_path, "--timeline", timeline});
        ASSERT_TRUE(r.exited(0)) << json << " " << r.describe();
        nlohmann::json tl = nlohmann::json::parse(read_file(timeline));
        // The descriptors are the run's (a test runner may leave some open).
        std::vector<nlohmann::json> objs = objects_of(run_path);
        const nlohmann::json* open = first_call(objs, "openat", [&](const nlohmann::json& o) { return o["decoded"][1] == data || o["decoded"][1] == "\"" + data + "\""; });
        const nlohmann::json* poll = first_call(objs, "poll");
        ASSERT_TRUE(open && poll);
        std::string polled = std::string(json) == "--json" ? (*poll)["decoded"][0][0]["fd"].dump() : "";
        if (polled.empty()) {
            std::string ufds = (*poll)["decoded"][0];  // version 1: "[{fd=N, events=POLLIN}]"
            polled = ufds.substr(5, ufds.find(',') - 5);
        }
        bool open_shown = false, poll_shown = false;
        for (const nlohmann::json& e : tl["traceEvents"]) {
            if (e["ph"] != "X") continue;
            std::string args = e["args"].dump();
            if (e["name"] == "openat" && args.find("\\\"" + data + "\\\"") != std::string::npos) {
                open_shown = true;
                EXPECT_NE(args.find("O_RDONLY"), std::string::npos) << json << " " << args;
                EXPECT_EQ(e["args"]["result"], std::to_string((*open)["ret"].get<int>())) << json << " " << args;
            }
            if (e["name"] == "poll") {
                poll_shown = true;
                EXPECT_EQ(e["args"]["result"], "1 ([{fd=" + polled + ", revents=POLLIN}])") << json << " " << args;
            }
        }
        EXPECT_TRUE(open_shown && poll_shown) << json;
    }
}

}  // namespace
