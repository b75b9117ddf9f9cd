#include "harness.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

extern char** environ;

namespace itg {

std::string lstar_bin() { return LSTAR_BIN; }
std::string prog(const std::string& name) { return std::string(ITG_PROGS_DIR) + "/" + name; }
bool have_m32() { return ITG_HAVE_M32 != 0; }

static std::string first_executable(std::initializer_list<const char*> paths) {
    for (const char* p : paths)
        if (::access(p, X_OK) == 0) return p;
    return "";
}
std::string busybox() { return first_executable({"/bin/busybox", "/usr/bin/busybox"}); }
std::string strace_bin() { return first_executable({"/usr/bin/strace", "/bin/strace"}); }

namespace {

std::vector<std::string>& scratch_dirs() {
    static std::vector<std::string> dirs;
    return dirs;
}

// Removes the test's temporary directories at the end, unless a test failed (their
// trace files then help to see why).
class ScratchCleanup : public ::testing::Environment {
public:
    void TearDown() override {
        if (!::testing::UnitTest::GetInstance()->Passed()) return;
        for (const auto& d : scratch_dirs()) {
            std::error_code ec;
            std::filesystem::remove_all(d, ec);
        }
    }
};
[[maybe_unused]] ::testing::Environment* const g_cleanup = ::testing::AddGlobalTestEnvironment(new ScratchCleanup);

}  // namespace

std::string scratch_dir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = info ? std::string(info->test_suite_name()) + "." + info->name() : "itg";
    std::replace(name.begin(), name.end(), '/', '_');
    const char* tmp = ::getenv("TMPDIR");
    std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/lstar-itg-" + name + "-XXXXXX";
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    if (!::mkdtemp(buf.data())) return "/tmp";
    scratch_dirs().push_back(buf.data());
    return buf.data();
}

Result run(const std::vector<std::string>& argv, const RunOptions& opt) { return lstar::test::run_process(argv, opt); }

std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

static std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

Result lstar_run(const std::vector<std::string>& lstar_args, const std::vector<std::string>& prog_argv,
                 const RunOptions& opt) {
    auto argv = concat(concat({lstar_bin(), "run"}, lstar_args), concat({"--"}, prog_argv));
    return run(argv, opt);
}

Result lstar_trace(const std::vector<std::string>& lstar_args, const std::vector<std::string>& prog_argv,
                   std::string* trace, const RunOptions& opt) {
    std::string file = scratch_dir() + "/trace.txt";
    auto argv = concat(concat({lstar_bin(), "trace", "-o", file}, lstar_args), concat({"--"}, prog_argv));
    Result r = run(argv, opt);
    *trace = read_file(file);
    return r;
}

Result strace_run(const std::vector<std::string>& args, const std::vector<std::string>& prog_argv,
                  std::string* trace, const RunOptions& opt) {
    std::string file = scratch_dir() + "/strace.txt";
    auto argv = concat(concat({strace_bin(), "-f", "-q", "-o", file}, args), concat({"--"}, prog_argv));
    Result r = run(argv, opt);
    *trace = read_file(file);
    return r;
}

// ---- Spawned -------------------------------------------------------------

Spawned spawn(const std::vector<std::string>& argv, bool with_stdin) {
    Spawned s;
    int in[2] = {-1, -1}, out[2];
    if (with_stdin && ::pipe2(in, O_CLOEXEC)) return s;
    if (::pipe2(out, O_CLOEXEC)) return s;
    pid_t pid = ::fork();
    if (pid == 0) {
        if (with_stdin) ::dup2(in[0], 0);
        else {
            int null = ::open("/dev/null", O_RDONLY);
            ::dup2(null, 0);
        }
        ::dup2(out[1], 1);
        lstar::test::exec_child(argv, RunOptions{});
    }
    if (with_stdin) ::close(in[0]);
    ::close(out[1]);
    s.pid = pid;
    s.in = in[1];
    s.out = out[0];
    return s;
}

std::optional<std::string> Spawned::read_line(std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        auto nl = buffered.find('\n');
        if (nl != std::string::npos) {
            std::string line = buffered.substr(0, nl);
            buffered.erase(0, nl + 1);
            return line;
        }
        if (out < 0) return std::nullopt;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return std::nullopt;
        pollfd p{out, POLLIN, 0};
        int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
        if (n <= 0) continue;
        char buf[4096];
        ssize_t got = ::read(out, buf, sizeof buf);
        if (got > 0) buffered.append(buf, static_cast<std::size_t>(got));
        else if (got == 0 || errno != EINTR) {
            ::close(out);
            out = -1;
        }
    }
}

void Spawned::write_input(const std::string& text) {
    if (in < 0) return;
    ssize_t n = ::write(in, text.data(), text.size());
    (void)n;
}

std::optional<int> Spawned::wait(std::chrono::seconds timeout) {
    if (pid <= 0) return std::nullopt;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        int status;
        pid_t w = ::waitpid(pid, &status, WNOHANG);
        if (w == pid) {
            pid = -1;
            return status;
        }
        if (w < 0 && errno != EINTR) return std::nullopt;
        if (std::chrono::steady_clock::now() >= deadline) {
            kill_now();
            return std::nullopt;
        }
        ::usleep(2000);
    }
}

void Spawned::kill_now() {
    if (pid <= 0) return;
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    pid = -1;
}

Spawned::~Spawned() {
    kill_now();
    if (in >= 0) ::close(in);
    if (out >= 0) ::close(out);
}

// ---- trace parsing ----------------------------------------------------------

long long Call::value() const {
    if (result.empty() || result[0] == '?') return 0;
    return std::strtoll(result.c_str(), nullptr, 0);
}

std::string Call::error() const {
    std::istringstream s(result);
    std::string first, second;
    s >> first >> second;
    if ((first == "-1" || first == "?") && !second.empty() && second[0] == 'E') return second;
    // A printer without the name: "? errno 512".
    std::string third;
    if (second == "errno" && (s >> third)) {
        static const std::map<std::string, std::string> kernel_codes = {
            {"512", "ERESTARTSYS"}, {"513", "ERESTARTNOINTR"}, {"514", "ERESTARTNOHAND"},
            {"515", "ENOIOCTLCMD"}, {"516", "ERESTART_RESTARTBLOCK"}};
        auto it = kernel_codes.find(third);
        return it != kernel_codes.end() ? it->second : "errno " + third;
    }
    return "";
}

bool Call::restart_code() const { return error().rfind("ERESTART", 0) == 0; }

namespace {

bool is_ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Strips "[pid  123] " or a "123 " column; returns the pid (0 if none).
pid_t take_pid(std::string& line) {
    if (line.rfind("[pid", 0) == 0) {
        auto close = line.find(']');
        if (close == std::string::npos) return 0;
        pid_t pid = static_cast<pid_t>(std::atol(line.c_str() + 4));
        line.erase(0, close + 1);
        while (!line.empty() && line[0] == ' ') line.erase(0, 1);
        return pid;
    }
    if (!line.empty() && std::isdigit(static_cast<unsigned char>(line[0]))) {
        std::size_t i = 0;
        while (i < line.size() && std::isdigit(static_cast<unsigned char>(line[i]))) ++i;
        if (i < line.size() && line[i] == ' ') {
            pid_t pid = static_cast<pid_t>(std::atol(line.c_str()));
            while (i < line.size() && line[i] == ' ') ++i;
            line.erase(0, i);
            return pid;
        }
    }
    return 0;
}

// Drops a " <...>" timing suffix (-T) and returns the text after the last " = ".
std::string result_of(const std::string& line, bool* found) {
    auto eq = line.rfind(") = ");
    std::size_t skip = 4;
    if (eq == std::string::npos) {
        eq = line.rfind(" = ");
        skip = 3;
    }
    // Padded lines: ")                     = 3".
    if (eq != std::string::npos && skip == 3) {
        auto close = line.rfind(')', eq);
        if (close == std::string::npos) eq = std::string::npos;
    }
    *found = eq != std::string::npos;
    if (!*found) return "";
    std::string r = line.substr(eq + skip);
    while (!r.empty() && (r.back() == '\n' || r.back() == '\r')) r.pop_back();
    return r;
}

}  // namespace

Trace parse_trace(const std::string& text) {
    Trace t;
    std::map<pid_t, std::size_t> open;  // pid → index of its unfinished call
    for (const std::string& raw : lines(text)) {
        if (raw.empty()) continue;
        std::string line = raw;
        pid_t pid = take_pid(line);
        if (line.rfind("--- ", 0) == 0) {
            TraceEvent e{pid, "signal", "", raw};
            std::istringstream s(line.substr(4));
            s >> e.what;
            t.events.push_back(e);
            continue;
        }
        if (line.rfind("+++ ", 0) == 0) {
            TraceEvent e{pid, "other", "", raw};
            if (line.rfind("+++ exited with ", 0) == 0) {
                e.kind = "exited";
                std::istringstream s(line.substr(16));
                s >> e.what;
            } else if (line.rfind("+++ killed by ", 0) == 0) {
                e.kind = "killed";
                std::istringstream s(line.substr(14));
                s >> e.what;
            }
            t.events.push_back(e);
            continue;
        }
        if (line.rfind("<... ", 0) == 0) {
            // "<... read resumed>...) = 3"
            std::string name;
            for (std::size_t i = 5; i < line.size() && is_ident_char(line[i]); ++i) name += line[i];
            bool found;
            std::string result = result_of(line, &found);
            auto it = open.find(pid);
            if ((it == open.end() || t.calls[it->second].name != name) && (name == "execve" || name == "execveat")) {
                // A non-leader thread's execve ends under the leader's id.
                for (auto o = open.begin(); o != open.end(); ++o)
                    if (t.calls[o->second].name == name) it = o;
            }
            if (it != open.end() && t.calls[it->second].name == name) {
                Call& c = t.calls[it->second];
                c.result = result;
                c.finished = found;
                if (line.find("<unfinished ...>") == std::string::npos) open.erase(it);
            } else {
                Call c{pid, name, result, found, raw};
                t.calls.push_back(c);
            }
            continue;
        }
        std::size_t i = 0;
        while (i < line.size() && is_ident_char(line[i])) ++i;
        if (i == 0 || i >= line.size() || line[i] != '(') {
            t.unparsed.push_back(raw);
            continue;
        }
        Call c{pid, line.substr(0, i), "", false, raw};
        if (line.size() >= 16 && line.compare(line.size() - 16, 16, "<unfinished ...>") == 0) {
            open[pid] = t.calls.size();
        } else {
            bool found;
            c.result = result_of(line, &found);
            c.finished = found;
        }
        t.calls.push_back(c);
    }
    return t;
}

int Trace::count(const std::string& name) const {
    return static_cast<int>(std::count_if(calls.begin(), calls.end(), [&](const Call& c) { return c.name == name; }));
}
int Trace::count(const std::string& name, pid_t pid) const {
    return static_cast<int>(std::count_if(calls.begin(), calls.end(),
                                          [&](const Call& c) { return c.name == name && c.pid == pid; }));
}
std::vector<Call> Trace::of(const std::string& name) const {
    std::vector<Call> v;
    for (const auto& c : calls)
        if (c.name == name) v.push_back(c);
    return v;
}
std::vector<Call> Trace::of_pid(pid_t pid) const {
    std::vector<Call> v;
    for (const auto& c : calls)
        if (c.pid == pid) v.push_back(c);
    return v;
}
std::set<std::string> Trace::names() const {
    std::set<std::string> s;
    for (const auto& c : calls) s.insert(c.name);
    return s;
}
std::map<std::string, int> Trace::counts() const {
    std::map<std::string, int> m;
    for (const auto& c : calls) ++m[c.name];
    return m;
}
std::set<pid_t> Trace::pids() const {
    std::set<pid_t> s;
    for (const auto& c : calls) s.insert(c.pid);
    return s;
}
std::set<pid_t> Trace::pids_of(const std::string& name) const {
    std::set<pid_t> s;
    for (const auto& c : calls)
        if (c.name == name) s.insert(c.pid);
    return s;
}
bool Trace::has_event(const std::string& kind, const std::string& what, pid_t pid) const {
    for (const auto& e : events)
        if (e.kind == kind && e.what == what && (pid == 0 || e.pid == pid)) return true;
    return false;
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> v;
    std::istringstream s(text);
    std::string l;
    while (std::getline(s, l)) v.push_back(l);
    return v;
}

std::vector<std::string> sorted_lines(const std::string& text) {
    auto v = lines(text);
    std::sort(v.begin(), v.end());
    return v;
}

std::map<std::string, long> key_values(const std::string& text) {
    std::map<std::string, long> m;
    for (const auto& l : lines(text)) {
        std::istringstream s(l);
        std::string key;
        long value;
        if (s >> key >> value) m[key] = value;
    }
    return m;
}

std::string proc_task_status_field(pid_t pid, pid_t tid, const std::string& field) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid) + "/status");
    std::string l;
    while (std::getline(f, l)) {
        if (l.rfind(field + ":", 0) == 0) {
            std::string v = l.substr(field.size() + 1);
            while (!v.empty() && (v[0] == ' ' || v[0] == '\t')) v.erase(0, 1);
            return v;
        }
    }
    return "";
}

std::string proc_status_field(pid_t pid, const std::string& field) {
    return proc_task_status_field(pid, pid, field);
}

std::vector<pid_t> proc_tasks(pid_t pid) {
    std::vector<pid_t> v;
    DIR* d = ::opendir(("/proc/" + std::to_string(pid) + "/task").c_str());
    if (!d) return v;
    while (dirent* e = ::readdir(d)) {
        pid_t t = static_cast<pid_t>(std::atoi(e->d_name));
        if (t > 0) v.push_back(t);
    }
    ::closedir(d);
    std::sort(v.begin(), v.end());
    return v;
}

}  // namespace itg
