// lstar top [-p PID ... | -- PROG ARGS]: a terminal view of the traced tasks,
// refreshed every second (ncurses). The session is lstar trace's (any backend,
// children followed); its one stage is LiveFeed (trace/live_feed.hpp), whose
// events make the LiveModel the view draws (trace/live_model.hpp). The view
// runs on a thread of its own, the session on the main thread.
//
// q ends it as lstar trace ends: an attached process is let go (SIGTERM to the
// session, which detaches), a launched program is killed (every process of it).
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/session.hpp"
#include "trace/live_feed.hpp"
#include "trace/live_model.hpp"

// Last, and as functions only: its macros (erase(), clear(), ...) would take over
// the same names everywhere after it.
#define NCURSES_NOMACROS
#include <curses.h>

namespace lstar {

const char* const kTopUsage =
    "Usage: lstar top [-d SECONDS] [-S calls|errors|time] [--class %CLASS] [--backend=ptrace|inproc|auto]\n"
    "                 { -p PID... | [-o FILE] [--] PROG [ARGS] }\n"
    "A live view of the traced tasks, refreshed every second: per task its current call (one that\n"
    "may block, decoded as far as it is known at entry), calls and errors per second and since the\n"
    "start; the busiest calls and the errors of the last interval; the table of lstar trace -c -w.\n"
    "Keys: c, e, t sort by calls, errors, time; f and F step through the classes (%file, %network,\n"
    "...), a shows all; p or space pauses; q or ^C quits: a launched program is killed, attached\n"
    "processes are let go.\n"
    "\n"
    "Options:\n"
    "  -p PID, --attach=PID          show process PID (its threads and children); may be repeated\n"
    "  -d SECONDS, --delay=SECONDS   seconds between refreshes (default 1)\n"
    "  -S KEY, --sort=KEY            sort by calls, errors or time at first (keys c, e, t)\n"
    "  --class=%CLASS                show only the calls of this class at first (key f)\n"
    "  -o FILE, --output=FILE        the program's stdout and stderr go to FILE (default: hidden,\n"
    "                                their last lines shown once the view ends)\n"
    "  --backend=ptrace|inproc|auto  how calls are caught: a tracer process (default), a SIGSYS\n"
    "                                inside the program (no -p), or inproc where it serves the\n"
    "                                program as ptrace would\n"
    "  -h, --help                    show this help\n";

std::string top_usage() { return kTopUsage; }

namespace {

enum : int { kBackend = 256, kClass };

const option kTopOptions[] = {
    {"attach", required_argument, nullptr, 'p'},  {"backend", required_argument, nullptr, kBackend},
    {"delay", required_argument, nullptr, 'd'},   {"sort", required_argument, nullptr, 'S'},
    {"class", required_argument, nullptr, kClass}, {"output", required_argument, nullptr, 'o'},
    {"help", no_argument, nullptr, 'h'},          {nullptr, 0, nullptr, 0},
};

struct TopOptions {
    std::vector<std::string> argv;
    std::vector<pid_t> attach;
    std::string backend = "ptrace";
    double delay_s = 1.0;
    LiveView view;
    std::string output;  // the program's stdout and stderr, and lstar's messages while the view is up
};

bool parse_sort(std::string_view name, LiveSort* out) {
    for (LiveSort s : {LiveSort::calls, LiveSort::errors, LiveSort::time})
        if (live_sort_name(s) == name) return *out = s, true;
    return false;
}

// The classes the view cycles through with f: every %class of the table (not the %% ones).
std::vector<ClassName> view_classes() {
    std::vector<ClassName> out;
    for (const ClassName& c : class_names())
        if (!c.name.starts_with("%%")) out.push_back(c);
    return out;
}

// The terminal the view draws on, and what the program (and lstar's messages)
// get instead of it while the view is up.
class Terminal {
public:
    // Moves lstar's standard descriptors aside (the terminal kept at others).
    Status take(const std::string& output) {
        output_ = output;
        tty_in_ = ::fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 10);
        tty_out_ = ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 10);
        saved_err_ = ::fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 10);
        int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        int out = output.empty() ? ::memfd_create("lstar-top-output", MFD_CLOEXEC)
                                 : ::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (tty_in_ < 0 || tty_out_ < 0 || saved_err_ < 0 || null < 0 || out < 0) {
            int err = errno;
            if (null >= 0) ::close(null);
            if (out >= 0) ::close(out);
            give_back();
            return error(output.empty() ? fmt::format("top: cannot set the terminal aside: {}", std::strerror(err))
                                        : fmt::format("top: cannot create '{}': {}", output, std::strerror(err)),
                         err);
        }
        std::fflush(stdout);
        std::fflush(stderr);
        ::dup2(null, STDIN_FILENO);
        ::dup2(out, STDOUT_FILENO);
        ::dup2(out, STDERR_FILENO);
        ::close(null);
        captured_ = output.empty() ? out : -1;
        if (!output.empty()) ::close(out);
        return {};
    }
    // The standard descriptors back; what went to the hidden output while the view
    // was up (lstar's messages, the program's): its last lines on stderr. When the
    // program never ran, -o FILE is removed and what it holds (lstar's message) said.
    void give_back(bool started = true) {
        if (!started && captured_ < 0 && !output_.empty() && tty_in_ >= 0)
            captured_ = ::open(output_.c_str(), O_RDONLY | O_CLOEXEC), ::unlink(output_.c_str());
        std::fflush(stdout);
        std::fflush(stderr);
        for (auto [fd, target] : {std::pair{tty_in_, STDIN_FILENO}, {tty_out_, STDOUT_FILENO}, {saved_err_, STDERR_FILENO}})
            if (fd >= 0) ::dup2(fd, target), ::close(fd);
        tty_in_ = tty_out_ = saved_err_ = -1;
        if (captured_ < 0) return;
        off_t size = ::lseek(captured_, 0, SEEK_END);
        constexpr off_t kTail = 2048;
        std::string tail(static_cast<std::size_t>(std::min(size, kTail)), '\0');
        if (!tail.empty() && ::pread(captured_, tail.data(), tail.size(), size - static_cast<off_t>(tail.size())) > 0) {
            if (size > kTail) tail.erase(0, std::min(tail.size(), tail.find('\n') + 1));
            std::fputs(tail.c_str(), stderr);
        }
        ::close(captured_);
        captured_ = -1;
    }
    int in() const { return tty_in_; }
    int out() const { return tty_out_; }

private:
    std::string output_;
    int tty_in_ = -1, tty_out_ = -1, saved_err_ = -1, captured_ = -1;
};

// The view: draws the model every delay_s, reads keys in between.
class TopScreen {
public:
    TopScreen(LiveModel& model, TopOptions& options, bool attached)
        : model_(model), options_(options), attached_(attached), main_(::pthread_self()) {}

    // On the view's thread (every signal blocked: they are the session's).
    void start(const Terminal& term) {
        sigset_t all, before;
        sigfillset(&all);
        ::pthread_sigmask(SIG_SETMASK, &all, &before);
        thread_ = std::thread([this, &term] { run(term); });
        ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
    }
    void join() {
        if (thread_.joinable()) thread_.join();
    }
    bool quit() const { return quit_; }
    const std::string& failure() const { return failure_; }

private:
    void run(const Terminal& term) {
        std::FILE* in = ::fdopen(::dup(term.in()), "r");
        std::FILE* out = ::fdopen(::dup(term.out()), "w");
        SCREEN* screen = in && out ? ::newterm(nullptr, out, in) : nullptr;
        if (!screen) {
            failure_ = fmt::format("top: cannot draw on this terminal (TERM={})", std::getenv("TERM") ? std::getenv("TERM") : "");
            stop_session();
            wait_for_end();
        } else {
            ::set_term(screen);
            ::raw();  // ^C and ^Z are keys here: the program gets no signal from the terminal
            ::noecho();
            ::keypad(stdscr, TRUE);
            ::curs_set(0);
            ::timeout(100);
            loop();
            ::endwin();
            ::delscreen(screen);
        }
        if (in) std::fclose(in);
        if (out) std::fclose(out);
    }

    void loop() {
        using clock = std::chrono::steady_clock;
        auto interval = std::chrono::duration<double>(options_.delay_s);
        auto last = clock::now();
        draw();
        for (;;) {
            int key = ::getch();
            bool redraw = key == KEY_RESIZE;
            switch (key) {
            case 'q': case 'Q': case 3 /* ^C */: quit_ = true; break;
            case 'c': options_.view.sort = LiveSort::calls, redraw = true; break;
            case 'e': options_.view.sort = LiveSort::errors, redraw = true; break;
            case 't': options_.view.sort = LiveSort::time, redraw = true; break;
            case 'f': next_class(+1), redraw = true; break;
            case 'F': next_class(-1), redraw = true; break;
            case 'a': set_class(-1), redraw = true; break;
            case 'p': case ' ': options_.view.paused = !options_.view.paused, redraw = true; break;
            default: break;
            }
            if (quit_) {
                stop_session();
                if (model_.ended()) return;
            }
            auto now = clock::now();
            if (!options_.view.paused && now - last >= interval) {
                model_.tick(std::chrono::duration<double>(now - last).count());
                last = now;
                redraw = true;
            }
            if (model_.ended() != shown_ended_) redraw = true;
            if (redraw) draw();
        }
    }

    void draw() {
        shown_ended_ = model_.ended();
        int rows, cols;
        getmaxyx(stdscr, rows, cols);
        std::vector<LiveLine> lines = model_.render(options_.view, cols, rows - 1);
        ::erase();
        for (std::size_t i = 0; i < lines.size(); ++i) {
            if (lines[i].heading) ::attron(A_BOLD);
            ::mvaddnstr(static_cast<int>(i), 0, lines[i].text.c_str(), cols);
            if (lines[i].heading) ::attroff(A_BOLD);
        }
        ::attron(A_REVERSE);
        std::string keys = " keys: c/e/t sort by calls/errors/time  f/F next/previous class  a all  p pause  q quit";
        keys.resize(static_cast<std::size_t>(std::max(cols, 0)), ' ');
        ::mvaddnstr(rows - 1, 0, keys.c_str(), cols);
        ::attroff(A_REVERSE);
        ::refresh();
    }

    void set_class(int index) {
        class_index_ = index;
        std::vector<ClassName> classes = view_classes();
        if (index < 0 || index >= static_cast<int>(classes.size())) {
            class_index_ = -1;
            options_.view.class_name = {};
            options_.view.class_bit = 0;
        } else {
            options_.view.class_name = classes[static_cast<std::size_t>(index)].name;
            options_.view.class_bit = classes[static_cast<std::size_t>(index)].bit;
        }
    }
    // all → %file → %desc → ... → all
    void next_class(int step) {
        int n = static_cast<int>(view_classes().size()) + 1;
        set_class((class_index_ + 1 + step + n) % n - 1);
    }

    // q: an attached process is let go (the session's SIGTERM), a launched program
    // killed, each of its processes, until the session has seen them all go.
    void stop_session() {
        if (attached_) {
            if (!stop_sent_) ::pthread_kill(main_, SIGTERM);
        } else {
            for (pid_t pid : model_.live_processes()) ::kill(pid, SIGKILL);
        }
        stop_sent_ = true;
    }
    void wait_for_end() {
        while (!model_.ended()) {
            if (!attached_) stop_session();
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }

    LiveModel& model_;
    TopOptions& options_;
    bool attached_;
    pthread_t main_;
    std::thread thread_;
    std::atomic<bool> quit_{false};
    bool stop_sent_ = false;
    bool shown_ended_ = false;
    int class_index_ = -1;
    std::string failure_;
};

// The command line; nullopt: go on (else the exit status).
std::optional<int> parse_top_args(int argc, char** argv, TopOptions* o) {
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+:hp:d:S:o:", kTopOptions, nullptr)) != -1) {
        switch (c) {
        case 'p': {
            char* end = nullptr;
            long pid = std::strtol(optarg, &end, 10);
            if (*end || pid <= 0) return fail(2, fmt::format("top: invalid process id '{}' (-p PID)", optarg));
            o->attach.push_back(static_cast<pid_t>(pid));
            break;
        }
        case kBackend: o->backend = optarg; break;
        case 'd': {
            char* end = nullptr;
            double d = std::strtod(optarg, &end);
            if (*end || !(d >= 0.1 && d <= 3600))
                return fail(2, fmt::format("top: invalid -d argument '{}' (seconds between refreshes, 0.1 to 3600)", optarg));
            o->delay_s = d;
            break;
        }
        case 'S':
            if (!parse_sort(optarg, &o->view.sort))
                return fail(2, fmt::format("top: invalid -S argument '{}' (calls, errors or time)", optarg));
            break;
        case kClass: {
            std::string name = optarg[0] == '%' ? optarg : fmt::format("%{}", optarg);
            bool found = false;
            for (const ClassName& k : view_classes())
                if (k.name == name) o->view.class_name = k.name, o->view.class_bit = k.bit, found = true;
            if (!found) return fail(2, fmt::format("top: unknown class '{}' (see lstar table --classes)", optarg));
            break;
        }
        case 'o': o->output = optarg; break;
        case 'h': std::fputs(kTopUsage, stdout); return 0;
        case ':': return fail(2, fmt::format("top: option '{}' requires an argument (see lstar top --help)", argv[optind - 1]));
        default: return fail(2, fmt::format("top: unrecognized option '{}' (see lstar top --help)", argv[optind - 1]));
        }
    }
    for (int i = optind; i < argc; ++i) o->argv.emplace_back(argv[i]);
    if (o->argv.empty() == o->attach.empty())
        return fail(2, "top: give a program (lstar top -- PROG ARGS) or processes (-p PID), not both or neither");
    return std::nullopt;
}

}  // namespace


}  // namespace lstar

int top_command(int argc, char** argv) {
    using namespace lstar;
    TopOptions options;
    if (std::optional<int> done = parse_top_args(argc, argv, &options)) return *done;
    bool attached = options.argv.empty();
    bool image = is_backend_image();  // a runtime image of the in-process backend: no view here
    if (!image && (!::isatty(STDIN_FILENO) || !::isatty(STDOUT_FILENO)))
        return fail(2, "top: needs a terminal on stdin and stdout (for a record of a run, use lstar trace -c or --report)");

    LiveModel model;
    LiveFeed feed([&model](const LiveEvent& e) { model.apply(e); });
    SyscallPath path;
    path.add_hook(Stage::accounting, &feed);
    BackendOptions backend_options;
    backend_options.command.assign(argv, argv + (argc - static_cast<int>(options.argv.size())));
    if (!backend_options.command.empty() && backend_options.command.back() == "--") backend_options.command.pop_back();
    backend_options.follow_forks = true;
    backend_options.outputs.push_back(&feed.channel());
    options.backend = choose_backend(options.backend, options.argv, backend_options, attached ? "-p" : "");
    auto backend = make_backend(options.backend, path, backend_options);
    if (!backend) return fail(2, "top: " + backend.error().message);
    if (attached && !(*backend)->traits().can_attach)
        return fail(2, fmt::format("top: --backend={} cannot attach to running processes (-p): use --backend=ptrace", options.backend));

    SessionOptions session;
    session.argv = options.argv;
    session.attach = options.attach;
    if (image) return run_session(**backend, path, backend_options, session);

    options.view.title = attached ? fmt::format("-p {}", fmt::join(options.attach, ",")) : fmt::format("{}", fmt::join(options.argv, " "));
    options.view.title += fmt::format(" ({})", options.backend);
    Terminal term;
    if (Status s = term.take(options.output); !s) return fail(2, s.error().message);
    TopScreen screen(model, options, attached);
    bool started = false;
    session.at_start = [&] {
        started = true;
        screen.start(term);
    };
    session.at_end = [&](int status) {
        model.end(how_it_went(attached ? -1 : status));
        screen.join();
        term.give_back();
        if (!screen.failure().empty()) print_error(error(screen.failure()));
        // The user ended it: lstar top's own end, not the program's.
        if (screen.quit() && screen.failure().empty()) session.end_like_program = false;
    };
    int status = run_session(**backend, path, backend_options, session);
    term.give_back(started);  // a session that never started: its message
    return screen.failure().empty() ? status : 2;
}
