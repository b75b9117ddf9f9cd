// -k / --stack-trace: a purpose-made program (tests/trace/progs/stack.c, -g,
// non-inlined stack_middle -> stack_leaf -> write) traced by lstar, and by
// Debian's strace -k where it has stack traces.
#include <unistd.h>

#include <gtest/gtest.h>

#include "tests/support/process.hpp"

#include <cstdint>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

struct Traced {
    int status = -1;
    std::string out, err, trace;
};

std::string temp_path(const std::string& tag) {
    return std::string(::testing::TempDir()) + "lstar-stack-" + tag + "-" + std::to_string(::getpid());
}

// `tracer [trace] options -o FILE STACK_PROG args`: the trace from FILE.
Traced trace(const std::string& tracer, const std::vector<std::string>& options, const std::vector<std::string>& args = {}) {
    std::vector<std::string> argv{tracer};
    if (tracer == LSTAR_BIN) argv.emplace_back("trace");
    argv.insert(argv.end(), options.begin(), options.end());
    std::string path = temp_path(tracer == LSTAR_BIN ? "lstar" : "strace");
    argv.insert(argv.end(), {"-o", path, STACK_PROG});
    argv.insert(argv.end(), args.begin(), args.end());
    lstar::test::ProcessOptions opt;
    opt.stdin_null = true;
    lstar::test::ProcessResult p = lstar::test::run_process(argv, opt);
    Traced r{p.exit_code(), p.out, p.err, {}};
    std::ifstream f(path);
    std::stringstream s;
    s << f.rdbuf();
    r.trace = s.str();
    ::unlink(path.c_str());
    return r;
}

struct Frame {
    std::string module, function;  // function: "" when the line has none
    std::uint64_t offset = 0, rel_pc = 0;
    std::string source;            // "file:line" with --stack-trace=source
};

// The " > " lines after the first line that contains `call` (a call's line).
std::vector<Frame> frames_after(const std::string& text, const std::string& call) {
    static const std::regex kFrame(R"(^ > (.*)\(([^()]*)\) \[0x([0-9a-f]+)\](?: (.+))?$)");
    std::vector<Frame> frames;
    std::stringstream s(text);
    bool in = false;
    for (std::string line; std::getline(s, line);) {
        if (!in) {
            in = line.find(call) != std::string::npos && line.rfind(" > ", 0) != 0;
            continue;
        }
        std::smatch m;
        if (!std::regex_match(line, m, kFrame)) break;
        Frame f;
        f.module = m[1];
        std::string fn = m[2];
        if (auto plus = fn.rfind("+0x"); plus != std::string::npos) {
            f.function = fn.substr(0, plus);
            f.offset = std::stoull(fn.substr(plus + 3), nullptr, 16);
        }
        f.rel_pc = std::stoull(m[3], nullptr, 16);
        f.source = m[4];
        frames.push_back(f);
    }
    return frames;
}

std::vector<std::string> functions(const std::vector<Frame>& frames) {
    std::vector<std::string> out;
    for (const Frame& f : frames) out.push_back(f.function);
    return out;
}

// Where `name` is among the frames' functions (frames.size() when absent).
std::size_t index_of(const std::vector<Frame>& frames, const std::string& name) {
    for (std::size_t i = 0; i < frames.size(); ++i)
        if (frames[i].function == name) return i;
    return frames.size();
}

void expect_program_frames(const std::vector<Frame>& frames, const std::string& context) {
    std::size_t leaf = index_of(frames, "stack_leaf"), middle = index_of(frames, "stack_middle"),
                main = index_of(frames, "main");
    ASSERT_LT(main, frames.size()) << context;
    EXPECT_GT(leaf, 0u) << "libc's write is the innermost frame\n" << context;
    EXPECT_EQ(middle, leaf + 1) << context;
    EXPECT_EQ(main, middle + 1) << context;
    EXPECT_EQ(frames[leaf].module, STACK_PROG) << context;
    EXPECT_NE(frames[0].module.find("libc.so"), std::string::npos) << context;
}

// Whether Debian's strace was built with stack traces.
bool strace_has_stack_traces() {
    lstar::test::ProcessResult p = lstar::test::run_process({STRACE_BIN, "-V"});
    return p.exited(0) && p.out.find("stack-trace=") != std::string::npos;
}

TEST(StackTrace, KnownFunctionsInOrderBelowTheWrite) {
    Traced r = trace(LSTAR_BIN, {"-k", "-e", "trace=write"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "hello\n");
    expect_program_frames(frames_after(r.trace, "write(1, \"hello\\n\", 6)"), r.trace);
}

// The frames strace -k shows for the same write: the same modules and the same
// addresses in them, and in the program (which has its symbol table) the same
// function names; the names in libc may differ (libdwfl and libunwind pick
// different aliases from its dynamic symbols).
TEST(StackTrace, SameFramesAsStrace) {
    if (!strace_has_stack_traces()) GTEST_SKIP() << STRACE_BIN << " was built without -k (strace -V)";
    Traced l = trace(LSTAR_BIN, {"-k", "-e", "trace=write"});
    Traced s = trace(STRACE_BIN, {"-k", "-e", "trace=write"});
    ASSERT_EQ(l.status, 0) << l.err;
    ASSERT_EQ(s.status, 0) << s.err;
    std::vector<Frame> lf = frames_after(l.trace, "write(1, \"hello"), sf = frames_after(s.trace, "write(1, \"hello");
    std::string both = "lstar:\n" + l.trace + "strace:\n" + s.trace;
    // strace's libunwind may stop one frame earlier or later below _start.
    std::size_t shared = std::min(lf.size(), sf.size());
    ASSERT_GE(shared, index_of(sf, "main") + 1) << both;
    for (std::size_t i = 0; i < shared; ++i) {
        EXPECT_EQ(lf[i].module, sf[i].module) << "frame " << i << "\n" << both;
        EXPECT_EQ(lf[i].rel_pc, sf[i].rel_pc) << "frame " << i << "\n" << both;
        if (lf[i].module == STACK_PROG && !sf[i].function.empty()) {
            EXPECT_EQ(lf[i].function, sf[i].function) << "frame " << i << "\n" << both;
            EXPECT_EQ(lf[i].offset, sf[i].offset) << "frame " << i << "\n" << both;
        }
    }
}

TEST(StackTrace, SourceLinesWithDebugInfo) {
    Traced r = trace(LSTAR_BIN, {"--stack-trace=source", "-e", "trace=write"});
    ASSERT_EQ(r.status, 0) << r.err;
    std::vector<Frame> frames = frames_after(r.trace, "write(1, \"hello");
    std::size_t leaf = index_of(frames, "stack_leaf");
    ASSERT_LT(leaf, frames.size()) << r.trace;
    // stack.c's line of the write call, as the -g line table says.
    std::ifstream src(std::string(STACK_PROG_SOURCE));
    int line_no = 0, write_line = 0;
    for (std::string line; std::getline(src, line);)
        if (++line_no && line.find("/* the traced write */") != std::string::npos) write_line = line_no;
    ASSERT_GT(write_line, 0);
    EXPECT_EQ(frames[leaf].source, std::string(STACK_PROG_SOURCE) + ":" + std::to_string(write_line)) << r.trace;
    // -kk is the same.
    Traced kk = trace(LSTAR_BIN, {"-kk", "-e", "trace=write"});
    std::vector<Frame> kk_frames = frames_after(kk.trace, "write(1, \"hello");
    ASSERT_LT(index_of(kk_frames, "stack_leaf"), kk_frames.size()) << kk.trace;
    EXPECT_EQ(kk_frames[index_of(kk_frames, "stack_leaf")].source, frames[leaf].source);
}

TEST(StackTrace, FollowsForks) {
    Traced r = trace(LSTAR_BIN, {"-f", "-k", "-e", "trace=write"}, {"fork"});
    ASSERT_EQ(r.status, 0) << r.err;
    expect_program_frames(frames_after(r.trace, "write(1, \"child\\n\", 6)"), r.trace);
    expect_program_frames(frames_after(r.trace, "write(1, \"hello\\n\", 6)"), r.trace);
}

TEST(StackTrace, JsonStackField) {
    Traced r = trace(LSTAR_BIN, {"--json", "-k", "-e", "trace=write"});
    ASSERT_EQ(r.status, 0) << r.err;
    bool seen = false;
    std::stringstream s(r.trace);
    for (std::string line; std::getline(s, line);) {
        nlohmann::json j = nlohmann::json::parse(line);
        if (j["type"] != "syscall" || j["name"] != "write") continue;
        seen = true;
        ASSERT_TRUE(j.contains("stack")) << line;
        std::vector<std::string> names;
        for (const auto& f : j["stack"]) {
            names.push_back(f["function"].is_null() ? "" : f["function"].get<std::string>());
            EXPECT_TRUE(f["module"].is_string() && f["offset"].is_number() && f["pc"].is_number() && f["addr"].is_number()) << f;
        }
        std::vector<Frame> frames;
        for (std::size_t i = 0; i < names.size(); ++i)
            frames.push_back(Frame{j["stack"][i]["module"], names[i], 0, 0, {}});
        expect_program_frames(frames, line);
    }
    EXPECT_TRUE(seen) << r.trace;
}

// Without -k, no frames and no "stack" field.
TEST(StackTrace, NoneWithoutTheOption) {
    Traced r = trace(LSTAR_BIN, {"-e", "trace=write"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.trace.find("\n > "), std::string::npos) << r.trace;
    Traced j = trace(LSTAR_BIN, {"--json", "-e", "trace=write"});
    EXPECT_EQ(j.trace.find("\"stack\""), std::string::npos) << j.trace;
}

// lstar's exec of the launched program is no call of the program's: no frames of
// lstar's own under it.
TEST(StackTrace, NoneForTheLaunchExec) {
    Traced r = trace(LSTAR_BIN, {"-k", "-e", "trace=execve"});
    ASSERT_EQ(r.status, 0) << r.err;
    ASSERT_EQ(r.trace.rfind("execve(", 0), 0u) << r.trace;
    EXPECT_EQ(r.trace.find("\n > "), std::string::npos) << r.trace;
}

TEST(StackTrace, FrameLimit) {
    Traced r = trace(LSTAR_BIN, {"-k", "--stack-trace-frame-limit=2", "-e", "trace=write"});
    ASSERT_EQ(r.status, 0) << r.err;
    std::vector<Frame> frames = frames_after(r.trace, "write(1, \"hello");
    EXPECT_EQ(frames.size(), 2u) << r.trace;
    EXPECT_NE(r.trace.find("\n > too many stack frames\n"), std::string::npos) << r.trace;
}

// The in-process backend cannot take the stack: refused in one line; auto picks ptrace.
TEST(StackTrace, BackendChoice) {
    Traced in = trace(LSTAR_BIN, {"--backend=inproc", "-k", "-e", "trace=write"});
    EXPECT_EQ(in.status, 1);
    EXPECT_EQ(in.err,
              "lstar: -k/--stack-trace needs --backend=ptrace: the inproc backend cannot take a call's stack "
              "(its tracer runs in the program's signal handler)\n");
    EXPECT_EQ(in.out, "");
    Traced a = trace(LSTAR_BIN, {"--backend=auto", "-k", "-e", "trace=write"});
    ASSERT_EQ(a.status, 0) << a.err;
    expect_program_frames(frames_after(a.trace, "write(1, \"hello"), a.trace);
}

// strace's words for a bad --stack-trace value, and its exit status.
TEST(StackTrace, BadInput) {
    lstar::test::ProcessResult p = lstar::test::run_process({LSTAR_BIN, "trace", "--stack-trace=bogus", "true"});
    EXPECT_EQ(p.exit_code(), 1);
    EXPECT_EQ(p.err, "lstar: invalid --stack-trace argument: 'bogus'\nTry 'lstar trace -h' for more information.\n");
    p = lstar::test::run_process({LSTAR_BIN, "trace", "-kkk", "true"});
    EXPECT_EQ(p.exit_code(), 1);
    EXPECT_EQ(p.err, "lstar: Too many -k options\n");
}

}  // namespace
