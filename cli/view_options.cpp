#include "cli/view_options.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <climits>
#include <cstdlib>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

namespace lstar {

namespace {

// Codes of their own, clear of both commands' long-only codes.
enum ViewCode : int {
    kUid = 1100, kGid, kFakeRoot, kState, kTime, kTimeFreeze, kSeed, kHostname, kRelease, kVersion, kMachine,
    kReproducible, kRoot, kBind, kReadOnly, kHide, kCwd, kProcSyscall, kViewEnd
};

constexpr option kViewOptions[] = {
    {"uid", required_argument, nullptr, kUid},
    {"gid", required_argument, nullptr, kGid},
    {"fake-root", no_argument, nullptr, kFakeRoot},
    {"state", required_argument, nullptr, kState},
    {"time", required_argument, nullptr, kTime},
    {"time-freeze", no_argument, nullptr, kTimeFreeze},
    {"seed", required_argument, nullptr, kSeed},
    {"hostname", required_argument, nullptr, kHostname},
    {"uname-release", required_argument, nullptr, kRelease},
    {"uname-version", required_argument, nullptr, kVersion},
    {"uname-machine", required_argument, nullptr, kMachine},
    {"reproducible", no_argument, nullptr, kReproducible},
    {"root", required_argument, nullptr, kRoot},
    {"bind", required_argument, nullptr, kBind},
    {"read-only", required_argument, nullptr, kReadOnly},
    {"hide", required_argument, nullptr, kHide},
    {"cwd", required_argument, nullptr, kCwd},
    {"proc-syscall", no_argument, nullptr, kProcSyscall},
};

template <class T>
bool parse_unsigned(std::string_view text, T* out) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
    return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

// A uid or gid: 0 .. 4294967294 (-1 means "no change" to the kernel).
Status parse_id(const char* what, const char* arg, std::optional<std::uint32_t>* out) {
    std::uint32_t id = 0;
    if (!parse_unsigned(std::string_view(arg), &id) || id == 0xffffffffu)
        return error(fmt::format("invalid {} '{}': give a number from 0 to 4294967294", what, arg), EINVAL);
    *out = id;
    return {};
}

Status name_option(const char* what, const char* arg, std::optional<std::string>* out) {
    if (std::strlen(arg) > 64 || !*arg) return error(fmt::format("invalid {} '{}': give 1 to 64 characters", what, arg), EINVAL);
    *out = arg;
    return {};
}

// --reproducible's fixed world: the start of 2000 (UTC), standing still.
constexpr std::int64_t kReproducibleStart = 946684800;

}  // namespace

std::vector<option> with_view_options(const option* base) {
    std::vector<option> out;
    for (; base->name; ++base) out.push_back(*base);
    out.insert(out.end(), std::begin(kViewOptions), std::end(kViewOptions));
    out.push_back(option{nullptr, 0, nullptr, 0});
    return out;
}

bool is_view_option(int code) { return code >= kUid && code < kViewEnd; }

Status parse_view_option(int code, const char* arg, ViewOptions* view) {
    switch (code) {
    case kUid: return parse_id("--uid", arg, &view->identity.uid);
    case kGid: return parse_id("--gid", arg, &view->identity.gid);
    case kFakeRoot: view->identity.fake_root = true; return {};
    case kState:
        if (!*arg) return error("invalid --state '': give the path of a state file", EINVAL);
        view->state = arg;
        return {};
    case kTime: {
        Result<TimeOptions> parsed = parse_time_spec(arg);
        if (!parsed) return parsed.error();
        view->time = *parsed;
        return {};
    }
    case kTimeFreeze: view->time_freeze = true; return {};
    case kSeed: {
        std::uint64_t seed = 0;
        if (!parse_unsigned(std::string_view(arg), &seed))
            return error(fmt::format("invalid --seed '{}': give a number from 0 to 18446744073709551615", arg), EINVAL);
        view->seed = seed;
        return {};
    }
    case kHostname: return name_option("--hostname", arg, &view->utsname.nodename);
    case kRelease: return name_option("--uname-release", arg, &view->utsname.release);
    case kVersion: return name_option("--uname-version", arg, &view->utsname.version);
    case kMachine: return name_option("--uname-machine", arg, &view->utsname.machine);
    case kReproducible: view->reproducible = true; return {};
    case kProcSyscall: view->proc_syscall = true; return {};
    case kRoot:
        if (!*arg) return error("invalid --root '': give the directory the program sees as /", EINVAL);
        if (!view->fs.root.empty()) return error(fmt::format("--root given twice ('{}', '{}'): give one", view->fs.root, arg), EINVAL);
        view->fs.root = arg;
        return {};
    case kBind: {
        // HOST[:GUEST]; GUEST defaults to HOST.
        std::string_view spec = arg;
        std::size_t colon = spec.find(':');
        std::string host(spec.substr(0, colon)), guest(colon == std::string_view::npos ? host : spec.substr(colon + 1));
        if (host.empty() || guest.empty())
            return error(fmt::format("invalid --bind '{}': give HOST or HOST:GUEST", arg), EINVAL);
        view->fs.binds.push_back({host, guest});
        return {};
    }
    case kReadOnly: view->fs.read_only.emplace_back(arg); return {};
    case kHide: view->fs.hide.emplace_back(arg); return {};
    case kCwd:
        if (view->fs.cwd) return error(fmt::format("--cwd given twice ('{}', '{}'): give one", *view->fs.cwd, arg), EINVAL);
        view->fs.cwd = arg;
        return {};
    default: return error(fmt::format("unknown view option {}", code), EINVAL);
    }
}

namespace {

// Where the program starts in the view and which file it is: argv[0] looked up
// as execvp would, in the program's view (its PATH, its directory).
Status place_program(const PathView& view, const FsViewOptions& fs, const std::vector<std::string>& argv,
                     BackendOptions* backend) {
    if (is_backend_image()) return {};  // a new image of a running program: its file is found, it is where it is
    char here[PATH_MAX];
    std::string cwd = fs.cwd ? normalise_guest(*fs.cwd)
                             : ::getcwd(here, sizeof here) ? view.guest_of(here).value_or("/") : "/";
    Result<PathView::Resolved> dir = view.resolve("/", cwd, true, ::getpid(), ::getpid());
    if (!dir) return error(fmt::format("--cwd '{}': {}", cwd, std::strerror(dir.error().err)), EINVAL);
    backend->cwd = dir->host;
    if (argv.empty()) return {};
    const std::string& name = argv[0];
    std::vector<std::string> candidates;
    if (name.find('/') != std::string::npos) {
        candidates.push_back(name);
    } else {
        const char* env = std::getenv("PATH");
        std::string_view search = env ? env : "/usr/local/bin:/usr/bin:/bin";
        for (std::size_t at = 0; at <= search.size();) {
            std::size_t end = std::min(search.find(':', at), search.size());
            std::string_view d = search.substr(at, end - at);
            candidates.push_back(fmt::format("{}/{}", d.empty() ? std::string_view(".") : d, name));
            at = end + 1;
        }
    }
    for (const std::string& c : candidates) {
        Result<PathView::Resolved> r = view.resolve(dir->guest, c, true, ::getpid(), ::getpid());
        struct stat st;
        if (!r || ::stat(r->host.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || ::access(r->host.c_str(), X_OK) != 0)
            continue;
        // Its name as found, not where its links lead (execve shows it; argv[0] stays the program's).
        backend->program_guest = c[0] == '/' ? c : normalise_guest(dir->guest + "/" + c);
        backend->program_host = r->host;
        return {};
    }
    return error(fmt::format("cannot find '{}' in the view (--root {}): give a program the view holds", name,
                             fs.root.empty() ? "/" : fs.root),
                 ENOENT);
}

}  // namespace

Result<bool> apply_view(const ViewOptions& given, Handlers& handlers, SyscallPath& path, BackendOptions* backend,
                        const std::vector<std::string>& argv) {
    ViewOptions view = given;
    if (view.reproducible) {
        if (!view.time.active) {
            view.time.active = true;
            view.time.start_ns = kReproducibleStart * 1000000000;
            view.time_freeze = true;
        }
        if (!view.seed) view.seed = 0;
        if (!view.utsname.nodename) view.utsname.nodename = "lstar";
        if (!view.utsname.release) view.utsname.release = "6.0.0-lstar";
        if (!view.utsname.version) view.utsname.version = "#1 SMP PREEMPT_DYNAMIC lstar";
    }
    if (view.time_freeze) {
        view.time.active = true;
        view.time.freeze = true;
    }
    bool identity = view.identity.uid || view.identity.gid || view.identity.fake_root;
    if (view.state && !view.identity.fake_root)
        return error(fmt::format("--state '{}' keeps --fake-root's ownership: give --fake-root too", *view.state), EINVAL);
    if (view.state) {
        Result<std::vector<OwnerRecord>> records = load_state_file(*view.state);
        if (!records) return records.error();
        handlers.store().set_state(*view.state, std::move(*records));
    }
    bool any = identity || view.time.active || view.seed || view.utsname.any() || view.fs.any() || view.proc_syscall;
    if (!any) return false;
    if (view.fs.any()) {
        LSTAR_TRY(handlers.bind_fs_view(path, view.fs));
        LSTAR_TRY(place_program(handlers.fs_view().view(), view.fs, argv, backend));
        // The in-process backend loads images itself: it asks the view for their files,
        // from the process it runs in (its directory, its /proc/self).
        const PathView* names = &handlers.fs_view().view();
        backend->image_view.exec_path = [names](const std::string& name) -> std::string {
            char here[PATH_MAX];
            std::string base = ::getcwd(here, sizeof here) ? names->guest_of(here).value_or("/") : "/";
            Result<PathView::Resolved> r = names->resolve(base, name, true, ::getpid(), static_cast<pid_t>(::gettid()));
            return r ? r->host : std::string();
        };
    }
    backend->outputs.push_back(&handlers.store());
    if (identity) handlers.bind_identity(path, view.identity);
    if (view.time.active) {
        handlers.bind_time(path, view.time);
        backend->image_view.hide_vdso = true;
    }
    if (view.seed) {
        handlers.bind_random(path, *view.seed);
        RandomView* random = &handlers.random();
        backend->image_view.at_random = [random](std::uint8_t* out) { random->image_random(out); };
    }
    if (view.utsname.any()) handlers.bind_utsname(path, view.utsname);
    if (view.utsname.any() || view.proc_syscall) {
        handlers.bind_files(path, view.utsname, view.proc_syscall);
        if (!handlers.files().empty()) backend->outputs.push_back(&handlers.files());
    }
    if (view.reproducible) {
        // Build tools stamp their output with it (https://reproducible-builds.org/specs/source-date-epoch/).
        std::int64_t epoch = view.time.start_ns ? *view.time.start_ns / 1000000000 : kReproducibleStart;
        backend->environment.push_back(fmt::format("SOURCE_DATE_EPOCH={}", epoch));
    }
    return true;
}

const char* view_usage() {
    return "Virtual view (docs/virtual-view.md):\n"
           "  --uid U, --gid G       the ids the program sees (get*id, getgroups, its files' owner)\n"
           "  --fake-root            ids 0 and a root's capabilities; chown and mknod of devices\n"
           "                         succeed, recorded, and the stat family shows them\n"
           "  --state FILE           keep --fake-root's record in FILE across runs\n"
           "  --time SPEC            \"2000-01-01 00:00:00\" (UTC, then runs on), \"@946684800\",\n"
           "                         \"+3d\", \"-2h\", \"x10\" (speed), \"+1h x2\"; all clocks agree\n"
           "  --time-freeze          the real-time clocks stand still\n"
           "  --seed N               getrandom, /dev/urandom, /dev/random, AT_RANDOM from seed N\n"
           "  --hostname NAME        uname(2) shows NAME as the node name\n"
           "  --uname-release R, --uname-version V, --uname-machine M   the rest of uname(2)\n"
           "  --reproducible         a fixed world: time frozen at 2000-01-01, seed 0, fixed uname,\n"
           "                         SOURCE_DATE_EPOCH set\n"
           "  --root DIR             the program sees DIR as / (`..` stays in it, links resolve in it)\n"
           "  --bind HOST[:GUEST]    HOST's tree seen at GUEST (default: at HOST) inside the view\n"
           "  --read-only PATH       PATH (as the program sees it) and beneath it cannot change: EROFS\n"
           "  --hide PATH            PATH is not there: ENOENT, and not listed in its directory\n"
           "  --cwd DIR              the directory the program starts in (default: lstar's, if in the view, else /)\n"
           "  --proc-syscall         /proc/<pid>/syscall of the session's tasks shows their calls as lstar\n"
           "                         sees them (every read then stops on the path)\n";
}

}  // namespace lstar
