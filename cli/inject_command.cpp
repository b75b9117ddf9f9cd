// lstar inject --systematic -- PROG: runs PROG once to count its calls, then
// once per k with the k-th call failing (inject/systematic.hpp), and reports
// how each run ended: the error paths a program does not survive. Each run is a
// child lstar in its own session, so that a hang is ended (SIGKILL to the
// session after --timeout) with nothing left behind. --replay K runs one of
// them again in the foreground, with the program's output.
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/session.hpp"
#include "entry/backend.hpp"
#include "entry/find_program.hpp"
#include "inject/systematic.hpp"
#include "table/syscall_set.hpp"
#include "table/xlat.hpp"
#include "trace/format.hpp"

namespace lstar {
namespace {

constexpr const char* kUsage =
    "usage: lstar inject --systematic [-f] [-e trace=SET] [--error ERRNO] [--timeout SECONDS]\n"
    "                    [--from K] [--to K] [--show-output] [--] PROG [ARGS...]\n"
    "       lstar inject --replay K [-f] [-e trace=SET] [--error ERRNO] [--] PROG [ARGS...]\n"
    "\n"
    "Runs PROG once to count its system calls (those of SET, default all that can fail),\n"
    "then once for each k, failing the k-th call with the error tbl/fault_errors.tbl gives\n"
    "it (or ERRNO), and reports how each run ended: exit status, killed by a signal\n"
    "(a crash), or still running after the timeout (a hang, default 10 s). Exits 1 when a\n"
    "run crashed or hung, 0 otherwise. Calls are counted in the order the tracer sees\n"
    "them; with -f a multi-process program's order may vary from run to run.\n"
    "\n"
    "  -f                 count and fail calls of the program's children too\n"
    "  -e trace=SET       the calls to fail, in lstar trace's syntax (openat,read or %file)\n"
    "  --error ERRNO      fail every call with ERRNO instead\n"
    "  --timeout SECONDS  a run still going after this long is a hang (default 10)\n"
    "  --from K, --to K   only runs K.. and ..K\n"
    "  --show-output      let the program's output through (default: /dev/null)\n"
    "  --replay K         run with the K-th call failing, output shown, and say which call it was\n";

struct Options {
    bool systematic = false;
    std::uint64_t replay = 0;
    bool follow_forks = false;
    SyscallSet calls = SyscallSet::all();
    int error = 0;
    double timeout_s = 10;
    std::uint64_t from = 1, to = UINT64_MAX;
    bool show_output = false;
    std::vector<std::string> argv;
};

// What one run reported back through its pipe, and how it ended.
struct Run {
    bool started = false;         // the program ran (its end was reported)
    int status = 0;               // its wait status
    bool hung = false;            // killed after the timeout
    std::vector<NthCallFault::Call> calls;  // k = 0: the calls it made
    bool failed = false;          // the k-th call was reached and failed
    NthCallFault::Call failed_call;
    int failed_errno = 0;
};

std::string outcome(const Run& run) {
    if (run.hung) return "hung (killed after the timeout)";
    if (!run.started) return "did not run";
    if (WIFEXITED(run.status)) return fmt::format("exited with {}", WEXITSTATUS(run.status));
    if (WIFSIGNALED(run.status))
        return fmt::format("killed by {}{}", signal_name(WTERMSIG(run.status)), WCOREDUMP(run.status) ? " (core dumped)" : "");
    return "?";
}
bool crashed(const Run& run) { return run.started && !run.hung && WIFSIGNALED(run.status); }

// The child lstar: runs the program under the ptrace backend (one path for every
// task: calls are counted in one order) and writes what happened to `fd`.
[[noreturn]] void run_child(const Options& opt, std::uint64_t k, int fd, bool quiet) {
    ::setsid();
    if (quiet) {
        int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
        ::dup2(null, STDIN_FILENO), ::dup2(null, STDOUT_FILENO), ::dup2(null, STDERR_FILENO);
    }
    SyscallPath path;
    NthCallFault fault(opt.calls, k, opt.error);
    path.add_hook(Stage::fault_injection, &fault);
    BackendOptions backend_options;
    backend_options.follow_forks = opt.follow_forks;
    SessionOptions session;
    session.argv = opt.argv;
    session.at_end = [&](int status) {
        std::string out = fmt::format("status {}\n", status);
        if (const auto& f = fault.failed())
            out += fmt::format("failed {} {} {} {}\n", f->name, f->tid, f->nth_of_name, fault.failed_errno());
        for (const NthCallFault::Call& c : fault.calls()) out += fmt::format("call {} {} {}\n", c.name, c.tid, c.nth_of_name);
        for (std::size_t done = 0; done < out.size();) {
            ssize_t n = ::write(fd, out.data() + done, out.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            done += static_cast<std::size_t>(n);
        }
        ::close(fd);
    };
    auto backend = make_backend("ptrace", path, backend_options);
    if (!backend) ::_exit(fail(2, backend.error().message));
    ::_exit(run_session(**backend, path, backend_options, session));
}

Run parse_report(const std::string& text) {
    Run run;
    std::istringstream in(text);
    std::string word;
    while (in >> word) {
        if (word == "status") {
            in >> run.status;
            run.started = true;
        } else if (word == "failed") {
            in >> run.failed_call.name >> run.failed_call.tid >> run.failed_call.nth_of_name >> run.failed_errno;
            run.failed = true;
        } else if (word == "call") {
            NthCallFault::Call c;
            in >> c.name >> c.tid >> c.nth_of_name;
            run.calls.push_back(std::move(c));
        }
    }
    return run;
}

// One run with the k-th call failing (k = 0: none), in a child lstar.
Result<Run> run_once(const Options& opt, std::uint64_t k, bool quiet, double timeout_s) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return error(fmt::format("pipe: {}", std::strerror(errno)));
    pid_t child = ::fork();
    if (child < 0) return error(fmt::format("fork: {}", std::strerror(errno)));
    if (child == 0) {
        ::close(fds[0]);
        run_child(opt, k, fds[1], quiet);
    }
    ::close(fds[1]);
    std::string text;
    timespec start{};
    ::clock_gettime(CLOCK_MONOTONIC, &start);
    bool hung = false;
    for (;;) {
        timespec now{};
        ::clock_gettime(CLOCK_MONOTONIC, &now);
        double left = timeout_s - static_cast<double>(now.tv_sec - start.tv_sec) -
                      static_cast<double>(now.tv_nsec - start.tv_nsec) * 1e-9;
        if (timeout_s > 0 && left <= 0) {
            hung = true;
            break;
        }
        pollfd p{fds[0], POLLIN, 0};
        int r = ::poll(&p, 1, timeout_s > 0 ? static_cast<int>(left * 1000) + 1 : -1);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) continue;
        char buf[65536];
        ssize_t n = ::read(fds[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // the child has written its report (or is gone)
        text.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fds[0]);
    // The run's session: the child lstar, the program, whatever it started.
    if (hung) ::kill(-child, SIGKILL), ::kill(child, SIGKILL);
    int ws = 0;
    while (::waitpid(child, &ws, 0) < 0 && errno == EINTR) {
    }
    if (hung) ::kill(-child, SIGKILL);
    Run run = parse_report(text);
    run.hung = hung;
    return run;
}

std::string describe(const NthCallFault::Call& c) {
    return c.nth_of_name > 1 ? fmt::format("{} #{}", c.name, c.nth_of_name) : c.name;
}

int systematic(const Options& opt) {
    Result<Run> counted = run_once(opt, 0, !opt.show_output, opt.timeout_s);
    if (!counted) return fail(1, "inject: " + counted.error().message);
    if (!counted->started && !counted->hung)
        return fail(1, fmt::format("inject: {} did not run: see `lstar trace -- {}`", opt.argv[0], opt.argv[0]));
    std::uint64_t n = counted->calls.size();
    fmt::print("lstar: inject: {} makes {} calls that can fail; without a fault it {}\n", opt.argv[0], n, outcome(*counted));
    std::uint64_t last = std::min(n, opt.to);
    fmt::print("{:>6}  {:<24} {:<12} {}\n", "k", "call", "error", "outcome");
    std::map<std::string, int> tally;
    std::vector<std::uint64_t> crashes, hangs;
    for (std::uint64_t k = opt.from; k <= last; ++k) {
        Result<Run> run = run_once(opt, k, !opt.show_output, opt.timeout_s);
        if (!run) return fail(1, "inject: " + run.error().message);
        std::string call = run->failed ? describe(run->failed_call) : describe(counted->calls[k - 1]) + " (not reached)";
        std::string_view err = run->failed ? errno_name(run->failed_errno) : "-";
        std::string what = outcome(*run);
        bool bad = crashed(*run) || run->hung;
        fmt::print("{:>6}  {:<24} {:<12} {}{}\n", k, call, err, what, bad ? "   <--" : "");
        std::fflush(stdout);
        ++tally[what];
        if (crashed(*run)) crashes.push_back(k);
        if (run->hung) hangs.push_back(k);
    }
    std::string counts;
    for (const auto& [what, count] : tally) counts += fmt::format("{}{} {}", counts.empty() ? "" : ", ", count, what);
    fmt::print("lstar: inject: {} runs: {}\n", last >= opt.from ? last - opt.from + 1 : 0, counts.empty() ? "none" : counts);
    auto list = [](const std::vector<std::uint64_t>& ks) {
        std::string s;
        for (std::uint64_t k : ks) s += fmt::format("{}{}", s.empty() ? "" : " ", k);
        return s;
    };
    if (!crashes.empty()) fmt::print("lstar: inject: crashed at k = {} (lstar inject --replay K to see one)\n", list(crashes));
    if (!hangs.empty()) fmt::print("lstar: inject: hung at k = {}\n", list(hangs));
    return crashes.empty() && hangs.empty() ? 0 : 1;
}

int replay(const Options& opt) {
    Result<Run> run = run_once(opt, opt.replay, false, 0);
    if (!run) return fail(1, "inject: " + run.error().message);
    if (run->failed)
        fmt::print(stderr, "lstar: inject: call {} ({} in pid {}) failed with {}; outcome: {}\n", opt.replay,
                   describe(run->failed_call), run->failed_call.tid, errno_name(run->failed_errno), outcome(*run));
    else
        fmt::print(stderr, "lstar: inject: the program made fewer than {} such calls; outcome: {}\n", opt.replay, outcome(*run));
    if (!run->started) return 1;
    return WIFEXITED(run->status) ? WEXITSTATUS(run->status) : 128 + WTERMSIG(run->status);
}

Result<std::uint64_t> positive(const char* what, const char* text) {
    char* end = nullptr;
    errno = 0;
    unsigned long long v = std::strtoull(text, &end, 10);
    if (!*text || *end || errno || v == 0 || *text == '-')
        return error(fmt::format("inject: {} takes a positive number, not '{}'", what, text));
    return v;
}

}  // namespace

std::string inject_usage() { return kUsage; }

}  // namespace lstar

int inject_command(int argc, char** argv) {
    using namespace lstar;
    enum { kSystematic = 0x100, kReplay, kError, kTimeout, kFrom, kTo, kShowOutput };
    static const option longopts[] = {
        {"systematic", no_argument, nullptr, kSystematic}, {"replay", required_argument, nullptr, kReplay},
        {"error", required_argument, nullptr, kError},     {"timeout", required_argument, nullptr, kTimeout},
        {"from", required_argument, nullptr, kFrom},       {"to", required_argument, nullptr, kTo},
        {"show-output", no_argument, nullptr, kShowOutput}, {"help", no_argument, nullptr, 'h'},
        {nullptr, 0, nullptr, 0}};
    Options opt;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+:fhe:", longopts, nullptr)) != -1) {
        switch (c) {
        case 'f': opt.follow_forks = true; break;
        case 'e': {
            std::string_view spec = optarg;
            if (spec.starts_with("trace=")) spec.remove_prefix(6);
            else if (spec.find('=') != std::string_view::npos)
                return fail(2, fmt::format("inject: -e {}: only trace=SET chooses the calls to fail", optarg));
            Result<SyscallSet> set = SyscallSet::parse(spec);
            if (!set) return fail(2, "inject: " + set.error().message);
            opt.calls = std::move(set).value();
            break;
        }
        case kSystematic: opt.systematic = true; break;
        case kReplay: {
            auto k = positive("--replay", optarg);
            if (!k) return fail(2, k.error().message);
            opt.replay = *k;
            break;
        }
        case kFrom: case kTo: {
            auto k = positive(c == kFrom ? "--from" : "--to", optarg);
            if (!k) return fail(2, k.error().message);
            (c == kFrom ? opt.from : opt.to) = *k;
            break;
        }
        case kError: {
            const XlatEntry* e = xlat_find("errno", std::string_view(optarg));
            if (!e) return fail(2, fmt::format("inject: --error {}: not an errno name (ENOENT, EIO, ...)", optarg));
            opt.error = static_cast<int>(e->value);
            break;
        }
        case kTimeout: {
            char* end = nullptr;
            opt.timeout_s = std::strtod(optarg, &end);
            if (!*optarg || *end || !(opt.timeout_s > 0))
                return fail(2, fmt::format("inject: --timeout takes seconds (> 0), not '{}'", optarg));
            break;
        }
        case kShowOutput: opt.show_output = true; break;
        case 'h': fmt::print("{}", kUsage); return 0;
        case ':': return fail(2, fmt::format("inject: option '{}' requires an argument (see lstar inject --help)", argv[optind - 1]));
        default: return fail(2, fmt::format("inject: unrecognized option '{}' (see lstar inject --help)", argv[optind - 1]));
        }
    }
    for (int i = optind; i < argc; ++i) opt.argv.emplace_back(argv[i]);
    if (opt.systematic == (opt.replay != 0))
        return fail(2, "inject: say --systematic or --replay K (see lstar inject --help)");
    if (opt.argv.empty()) return fail(2, "inject: no program given (usage: lstar inject --systematic -- PROG [ARGS...])");
    if (opt.from > opt.to) return fail(2, fmt::format("inject: --from {} is after --to {}", opt.from, opt.to));
    if (Result<std::string> exe = find_program(opt.argv[0]); !exe) return fail(2, "inject: " + exe.error().message);
    return opt.replay ? replay(opt) : systematic(opt);
}
