#include "policy/supervisor.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <optional>

#include <fmt/format.h>

#include "kernel/task.hpp"

namespace lstar::policy {

// ---------------------------------------------------------------------------
// Which calls, from the table.

namespace {

int arg_of_kind(const EntryMeta& e, ArgKind kind, int from = 0) {
    for (int i = from; i < e.nargs; ++i)
        if (e.args[i].kind == kind) return i;
    return -1;
}

// The directory descriptor a path argument is relative to (the dirfd just before it), or -1.
int dirfd_before(const EntryMeta& e, int path_index) {
    return path_index > 0 && e.args[path_index - 1].kind == ArgKind::dirfd ? path_index - 1 : -1;
}

bool takes_open_flags(const EntryMeta& e) {
    for (int i = 0; i < e.nargs; ++i) {
        const ArgMeta& a = e.args[i];
        if ((a.kind == ArgKind::flags && a.param == "open_flags") || (a.kind == ArgKind::struct_in && a.param == "open_how"))
            return true;
    }
    return false;
}

bool has_flags(const EntryMeta& e) { return arg_of_kind(e, ArgKind::flags) >= 0 || arg_of_kind(e, ArgKind::struct_in) >= 0; }

}  // namespace

SupervisedKind supervised_kind(const EntryMeta& e) {
    if (program_arg(e) >= 0) return SupervisedKind::exec;
    if ((e.flags & kReturnsFd) && arg_of_kind(e, ArgKind::path) < 0) {
        int s = arg_of_kind(e, ArgKind::struct_in);
        return s >= 0 && e.args[s].param == "file_handle" ? SupervisedKind::open_handle : SupervisedKind::none;
    }
    int first = arg_of_kind(e, ArgKind::path);
    if (first < 0) return SupervisedKind::none;
    if (e.flags & kReturnsFd) {
        // open/openat/openat2 by their flags, creat by none; the others (open_tree,
        // fspick) take mount flags: a tree, not a file.
        return takes_open_flags(e) || !has_flags(e) ? SupervisedKind::open : SupervisedKind::mount;
    }
    int second = arg_of_kind(e, ArgKind::path, first + 1);
    if (second < 0) return SupervisedKind::none;
    PathUse a = path_use(e.args[first].param), b = path_use(e.args[second].param);
    if (a == PathUse::target || b == PathUse::target) return SupervisedKind::none;  // symlink: text, no file
    // link and rename name the file itself; mount, move_mount, pivot_root look it up.
    if (a == PathUse::nofollow || a == PathUse::write_nofollow) return SupervisedKind::rename;
    return SupervisedKind::mount;
}

// ---------------------------------------------------------------------------
// The rules.

Result<GlobRules> GlobRules::compile(const std::vector<GlobRule>& rules) {
    GlobRules out;
    out.rules_ = rules;
    for (const GlobRule& r : rules) {
        Result<Glob> g = Glob::parse(r.glob);
        if (!g) return error(fmt::format("{}: {}", r.origin, g.error().message));
        out.globs_.push_back(std::move(*g));
    }
    out.counts_ = std::make_unique<std::atomic<std::int64_t>[]>(rules.size());
    return out;
}

GlobRules::Decision GlobRules::decide(const std::string& real, unsigned access, bool count) {
    for (std::size_t i = 0; i < rules_.size(); ++i) {
        const GlobRule& r = rules_[i];
        if (!(r.access & access) || !globs_[i].matches(real)) continue;
        Decision d{&r, !r.action.denies(), false};
        if (r.limit >= 0) {
            if (!count) d.allowed = counts_[i].load() <= r.limit;
            else if (counts_[i].fetch_add(1) < r.limit) d.allowed = true;
            else d.limit_reached = true;
            if (d.allowed) d.rule = nullptr;  // within the limit: nothing to say
        }
        return d;
    }
    return {};
}

const GlobRule* GlobRules::refuses_move(const std::string& real) const {
    for (std::size_t i = 0; i < rules_.size(); ++i) {
        if (globs_[i].matches(real)) {
            if (rules_[i].action.denies()) return &rules_[i];
            break;  // an allowing rule is the file's first match
        }
    }
    for (std::size_t i = 0; i < rules_.size(); ++i)
        if (rules_[i].action.denies() && globs_[i].anchors_beneath(real)) return &rules_[i];
    return nullptr;
}

// ---------------------------------------------------------------------------
// The supervisor.

namespace {

struct Fd {
    int fd = -1;
    Fd() = default;
    explicit Fd(int f) : fd(f) {}
    Fd(Fd&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
    Fd& operator=(Fd&& o) noexcept {
        if (this != &o) {
            reset();
            fd = std::exchange(o.fd, -1);
        }
        return *this;
    }
    ~Fd() { reset(); }
    void reset() {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
    int release() { return std::exchange(fd, -1); }
    explicit operator bool() const { return fd >= 0; }
};

std::string fd_path(int fd) {
    char buf[PATH_MAX];
    ssize_t n = ::readlink(fmt::format("/proc/self/fd/{}", fd).c_str(), buf, sizeof buf - 1);
    return n < 0 ? std::string() : std::string(buf, static_cast<std::size_t>(n));
}

std::string join(const std::string& dir, const std::string& name) {
    if (name.empty()) return dir;
    return dir == "/" ? "/" + name : dir + "/" + name;
}

// Fields of /proc/<tid>/status: Tgid, Umask (-1 when it cannot be read).
struct TaskStatus {
    long tgid = -1;
    long umask = -1;
    std::uint64_t cap_eff = 0;
};
TaskStatus task_status(pid_t tid) {
    TaskStatus out;
    std::optional<ProcStatus> status = ProcStatus::read(tid);
    if (!status) return out;
    auto number = [&](std::string_view name, int base) -> long {
        std::string text(status->field(name));
        return text.empty() ? -1 : std::strtol(text.c_str(), nullptr, base);
    };
    out.tgid = number("Tgid", 10);
    out.cap_eff = static_cast<std::uint64_t>(std::strtoull(std::string(status->field("CapEff")).c_str(), nullptr, 16));
    out.umask = number("Umask", 8);
    return out;
}

// One byte that carries one descriptor (SCM_RIGHTS): the listener, child to lstar.
struct FdMessage {
    char byte = 'L';
    iovec iov{&byte, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    FdMessage() {
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
    }
    FdMessage(const FdMessage&) = delete;
    FdMessage& operator=(const FdMessage&) = delete;
};

// A rule as a denial names it: "--deny-glob PATTERN", or "p.toml:7 glob PATTERN".
std::string rule_text(const GlobRule& r) {
    return r.origin.rfind("--", 0) == 0 ? r.origin : fmt::format("{} glob {}", r.origin, r.glob);
}

// What one notification is about: the task, and where its names are relative to.
struct Call {
    seccomp_notif* req;
    pid_t tid;
    const SyscallDesc* row;
    const EntryMeta* entry;
    // /proc/<tid>/status, read when first needed.
    mutable std::optional<TaskStatus> status_;
    const TaskStatus& status() const {
        if (!status_) status_ = task_status(tid);
        return *status_;
    }
    pid_t tgid() const { return static_cast<pid_t>(status().tgid); }
};

// RESOLVE_* flags the walk honours (openat2's; the other calls: none).
constexpr std::uint64_t kResolveKnown =
    RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH | RESOLVE_IN_ROOT | RESOLVE_CACHED;

struct WalkResult {
    Fd fd;             // the object (O_PATH), or with `parent` its directory
    std::string last;  // with `parent`: the last name ("" when the path ends in /, . or ..)
    bool trailing_slash = false;
};

}  // namespace

struct Supervisor::Impl {
    Supervisor& owner;
    GlobRules rules;
    // Rules with a limit (CallRule::limit): their table, and per rule (by origin)
    // its limit and the calls counted so far, over the whole run.
    CompiledPolicy limits;
    struct Counted {
        std::int64_t limit;
        std::atomic<std::int64_t> calls{0};
    };
    std::map<std::string, Counted> counted;
    std::string ask_origin;  // where the first "ask" rule is, if any: lstar needs a terminal
    std::vector<int> listeners;
    // Where calls lstar performs for the program are made: a thread in the sandbox's
    // Landlock domain (if any) with a file-system context of its own (umask 0).
    std::mutex mutex;
    std::condition_variable cv;
    std::deque<std::function<void()>> work;
    std::thread performer;
    bool stopping = false;
    bool performer_ready = false;
    int performer_status = 0;

    explicit Impl(Supervisor& o, GlobRules r) : owner(o), rules(std::move(r)) {}

    // --- the performing thread
    static int enter_performer_context(int landlock) {
        if (::unshare(CLONE_FS) != 0) return -errno;
        ::umask(0);  // the task's umask is applied to the mode lstar passes
        if (landlock >= 0) {
            if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -errno;
            if (::syscall(SYS_landlock_restrict_self, landlock, 0) != 0) return -errno;
        }
        return 0;
    }
    void performer_loop(int landlock) {
        sigset_t all;
        sigfillset(&all);
        ::pthread_sigmask(SIG_BLOCK, &all, nullptr);
        int status = enter_performer_context(landlock);
        {
            std::lock_guard lock(mutex);
            performer_ready = true;
            performer_status = status;
        }
        cv.notify_all();
        for (;;) {
            std::function<void()> job;
            {
                std::unique_lock lock(mutex);
                cv.wait(lock, [&] { return stopping || !work.empty(); });
                if (work.empty()) return;
                job = std::move(work.front());
                work.pop_front();
            }
            job();
        }
    }
    // Runs f in the performing thread and returns its result (-errno or a value).
    long perform(const std::function<long()>& f) {
        if (!performer.joinable()) return f();  // no Landlock domain: the serving thread itself
        long result = 0;
        bool done = false;
        std::mutex m;
        std::condition_variable done_cv;
        {
            std::lock_guard lock(mutex);
            work.emplace_back([&] {
                long r = f();
                std::lock_guard l(m);
                result = r;
                done = true;
                done_cv.notify_all();
            });
        }
        cv.notify_all();
        std::unique_lock l(m);
        done_cv.wait(l, [&] { return done; });
        return result;
    }

    // --- reading the task
    static bool read_memory(pid_t tid, std::uint64_t addr, void* out, std::size_t size) {
        iovec local{out, size}, remote{reinterpret_cast<void*>(addr), size};
        return ::process_vm_readv(tid, &local, 1, &remote, 1, 0) == static_cast<ssize_t>(size);
    }
    // A NUL-terminated path of at most PATH_MAX bytes, read once: -errno on failure.
    static int read_path(pid_t tid, std::uint64_t addr, std::string& out) {
        if (!addr) return -EFAULT;
        out.clear();
        char page[4096];
        while (out.size() < PATH_MAX) {
            std::size_t chunk = 4096 - (addr & 4095);
            iovec local{page, chunk}, remote{reinterpret_cast<void*>(addr), chunk};
            ssize_t n = ::process_vm_readv(tid, &local, 1, &remote, 1, 0);
            if (n <= 0) return -EFAULT;
            const char* nul = static_cast<const char*>(std::memchr(page, 0, static_cast<std::size_t>(n)));
            if (nul) {
                out.append(page, static_cast<std::size_t>(nul - page));
                return out.size() < PATH_MAX ? 0 : -ENAMETOOLONG;
            }
            out.append(page, static_cast<std::size_t>(n));
            addr += static_cast<std::uint64_t>(n);
        }
        return -ENAMETOOLONG;
    }

    // Opens /proc/<tid>/<link> (cwd, root, fd/N): the task's directory, O_PATH.
    static int task_link(pid_t tid, const std::string& link) {
        return ::open(fmt::format("/proc/{}/{}", tid, link).c_str(), O_PATH | O_CLOEXEC);
    }
    static int start_dir(const Call& c, std::int64_t dirfd) {
        if (dirfd == AT_FDCWD) return task_link(c.tid, "cwd");
        if (dirfd < 0 || dirfd > INT_MAX) return -1;
        return task_link(c.tid, fmt::format("fd/{}", dirfd));
    }

    // The path resolved as the kernel resolves it for the task, name by name with
    // O_PATH|O_NOFOLLOW: symlinks read and followed by text (procfs's `self` and
    // `thread-self` as the task's), /proc's magic links (fd/N, cwd, root, exe) opened
    // through, `..` stopped at the task's root. With `parent`, the last name is left
    // for the caller (to make, rename or link it). -errno, or 0.
    int walk(const Call& c, std::int64_t dirfd, const std::string& path, std::uint64_t resolve, bool follow_last,
             bool parent, WalkResult& out) {
        if (path.empty()) return -ENOENT;
        Fd root(task_link(c.tid, "root"));
        if (!root) return -ESRCH;
        Fd start(path[0] == '/' && !(resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT)) ? ::dup(root.fd) : start_dir(c, dirfd));
        if (!start) return dirfd == AT_FDCWD ? -ESRCH : -EBADF;
        if (path[0] == '/' && (resolve & RESOLVE_BENEATH)) return -EXDEV;
        struct stat root_st {}, start_st {};
        ::fstat(root.fd, &root_st);
        ::fstat(start.fd, &start_st);
        bool scoped = resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT);
        // The walk's own root: the task's, or the directory with RESOLVE_IN_ROOT/BENEATH.
        const struct stat& top = scoped ? start_st : root_st;
        Fd cur(::dup(start.fd));
        std::deque<std::string> names;
        auto push_front_path = [&](std::string_view p) {
            std::vector<std::string_view> parts = split_path(p);
            names.insert(names.begin(), parts.begin(), parts.end());
        };
        out.trailing_slash = path.back() == '/';
        push_front_path(path);
        int links = 0;
        while (!names.empty()) {
            std::string name = std::move(names.front());
            names.pop_front();
            bool last = names.empty();
            if (name == ".") continue;
            if (name == "..") {
                struct stat st {};
                ::fstat(cur.fd, &st);
                if (st.st_dev == top.st_dev && st.st_ino == top.st_ino) {
                    if (resolve & RESOLVE_BENEATH) return -EXDEV;
                    continue;  // .. of the root is the root
                }
                Fd up(::openat(cur.fd, "..", O_PATH | O_NOFOLLOW | O_CLOEXEC));
                if (!up) return -errno;
                if ((resolve & RESOLVE_NO_XDEV) && !same_device(cur.fd, up.fd)) return -EXDEV;
                cur = std::move(up);
                continue;
            }
            if (last && parent && !out.trailing_slash) {
                out.fd = std::move(cur);
                out.last = name;
                return 0;
            }
            Fd next(::openat(cur.fd, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
            if (!next) return -errno;
            struct stat st {};
            if (::fstat(next.fd, &st) != 0) return -errno;
            if (S_ISLNK(st.st_mode)) {
                if (last && !follow_last && !out.trailing_slash) {
                    cur = std::move(next);
                    break;
                }
                if (resolve & RESOLVE_NO_SYMLINKS) return -ELOOP;
                if (++links > 40) return -ELOOP;
                struct statfs fs {};
                struct stat dir_st {};
                ::fstatfs(cur.fd, &fs);
                ::fstat(cur.fd, &dir_st);
                bool in_proc = fs.f_type == PROC_SUPER_MAGIC;
                bool proc_root = in_proc && dir_st.st_ino == 1;
                if (in_proc && !proc_root) {
                    // A magic link (fd/N, cwd, root, exe): the kernel opens it through.
                    if (resolve & (RESOLVE_NO_MAGICLINKS | RESOLVE_BENEATH | RESOLVE_IN_ROOT)) return -ELOOP;
                    Fd through(::openat(cur.fd, name.c_str(), O_PATH | O_CLOEXEC));
                    if (!through) return -errno;
                    cur = std::move(through);
                    continue;
                }
                std::string text;
                if (proc_root && name == "self") {
                    text = std::to_string(c.tgid());
                } else if (proc_root && name == "thread-self") {
                    text = fmt::format("{}/task/{}", c.tgid(), c.tid);
                } else {
                    char buf[PATH_MAX];
                    ssize_t n = ::readlinkat(next.fd, "", buf, sizeof buf);
                    if (n < 0) return -errno;
                    text.assign(buf, static_cast<std::size_t>(n));
                }
                if (!text.empty() && text[0] == '/') {
                    if (resolve & RESOLVE_BENEATH) return -EXDEV;
                    cur = Fd(::dup(scoped ? start.fd : root.fd));
                }
                push_front_path(text);
                continue;
            }
            if (!last && !S_ISDIR(st.st_mode)) return -ENOTDIR;
            if ((resolve & RESOLVE_NO_XDEV) && !same_device(cur.fd, next.fd)) return -EXDEV;
            cur = std::move(next);
        }
        if (out.trailing_slash || !parent) {
            struct stat st {};
            ::fstat(cur.fd, &st);
            if (out.trailing_slash && !S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode)) return -ENOTDIR;
        }
        out.fd = std::move(cur);
        out.last.clear();
        return 0;
    }
    static bool same_device(int a, int b) {
        struct stat sa {}, sb {};
        ::fstat(a, &sa);
        ::fstat(b, &sb);
        return sa.st_dev == sb.st_dev;
    }

    // --- answering
    void say(const Call& c, std::string_view verb, const std::string& given, const std::string& real, const GlobRule& rule,
             bool limit) {
        if (owner.quiet_) return;
        std::string why = rule_text(rule) + (limit ? fmt::format(", limit {} reached", rule.limit) : "");
        tell(c, verb == "denied", why, real,
             fmt::format("lstar: policy: {} {}(\"{}\"{}) in pid {} (rule: {})\n", verb, c.row->name, given,
                         real == given ? "" : fmt::format(" = {}", real), c.tid, why));
    }
    // A decision as its line on stderr, or kept as a notice for the trace's JSON
    // stream (Supervisor::start's to_json); nothing with -q.
    void tell(const Call& c, bool denied, const std::string& why, const std::string& real, std::string_view line) {
        if (owner.quiet_ || owner.keep_notices(c.tid, denied, why, real)) return;
        [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
    }
    // A denying action's answer: -errno, the process killed first for kill-process.
    static int refusal(const Call& c, const Action& action) {
        if (action.kind == ActionKind::kill_process) ::kill(c.tgid(), SIGKILL);
        return action.kind == ActionKind::errno_ ? -action.err : -EPERM;
    }
    // The answer a decision gives: 0 (go on), or -errno. Kills the process for kill-process.
    int verdict(const Call& c, const GlobRules::Decision& d, const std::string& given, const std::string& real) {
        if (!d.rule) return 0;
        if (d.rule->ask && asked(c, given, real, *d.rule)) return 0;
        if (d.allowed) {
            if (d.rule->action.kind == ActionKind::log) say(c, "logged", given, real, *d.rule, false);
            return 0;
        }
        say(c, "denied", given, real, *d.rule, d.limit_reached);
        return refusal(c, d.rule->action);
    }

    // An "ask" rule: the user's answer at lstar's terminal. One question at a time
    // (the supervisor's thread waits for it; the calling task waits in the kernel).
    // "always" and "never" hold for this rule and real path for the rest of the run.
    std::map<std::pair<const GlobRule*, std::string>, bool> answered;
    bool asked(const Call& c, const std::string& given, const std::string& real, const GlobRule& rule) {
        auto key = std::make_pair(&rule, real);
        if (auto it = answered.find(key); it != answered.end()) return it->second;
        std::string question = fmt::format("lstar: policy: allow {}(\"{}\"{}) in pid {} (rule: {})? [y]es [n]o [a]lways ne[v]er: ",
                                           c.row->name, given, real == given ? "" : fmt::format(" = {}", real), c.tid,
                                           rule_text(rule));
        for (;;) {
            if (::write(owner.tty_, question.data(), question.size()) < 0) return false;
            // lstar ending (its stop event) ends the wait too: no.
            pollfd wait[2] = {{owner.tty_, POLLIN, 0}, {owner.stop_fd_, POLLIN, 0}};
            while (::poll(wait, 2, -1) < 0)
                if (errno != EINTR) return false;
            if (wait[1].revents) return false;
            char line[64];
            ssize_t n = ::read(owner.tty_, line, sizeof line - 1);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return false;  // the terminal is gone: no
            switch (line[0]) {
            case 'y': case 'Y': return true;
            case 'n': case 'N': case '\n': return false;
            case 'a': case 'A': return answered[key] = true;
            case 'v': case 'V': return answered[key] = false;
            default: break;  // asked again
            }
        }
    }

    void respond(int listener, const Call& c, long val, int err, bool cont = false) {
        seccomp_notif_resp resp{};
        resp.id = c.req->id;
        resp.val = err ? 0 : val;
        resp.error = err;
        resp.flags = cont ? SECCOMP_USER_NOTIF_FLAG_CONTINUE : 0;
        ::ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);  // ENOENT: the call was interrupted meanwhile
    }
    // Installs `fd` in the task as the call's result (atomically: ADDFD with SEND).
    void respond_fd(int listener, const Call& c, Fd fd, bool cloexec) {
        seccomp_notif_addfd add{};
        add.id = c.req->id;
        add.flags = SECCOMP_ADDFD_FLAG_SEND;
        add.srcfd = static_cast<std::uint32_t>(fd.fd);
        add.newfd_flags = cloexec ? O_CLOEXEC : 0;
        if (::ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add) < 0 && errno != ENOENT) respond(listener, c, 0, -errno);
    }

    bool still_valid(int listener, const Call& c) { return seccomp_notify_id_valid(listener, c.req->id) == 0; }

    // The object an open reached (O_PATH): decided on by its real path, opened again
    // through lstar's descriptor (the very object decided on), installed in the task.
    void finish_open(int listener, const Call& c, const std::string& given, Fd object, std::uint64_t flags, unsigned access,
                     std::uint64_t mode) {
        bool cloexec = flags & O_CLOEXEC;
        struct stat st {};
        if (::fstat(object.fd, &st) != 0) return respond(listener, c, 0, -errno);
        if ((flags & O_DIRECTORY) && !S_ISDIR(st.st_mode) && !(flags & O_PATH))
            return respond(listener, c, 0, -ENOTDIR);
        if (S_ISLNK(st.st_mode) && !(flags & O_PATH)) return respond(listener, c, 0, -ELOOP);
        std::string real = fd_path(object.fd);
        GlobRules::Decision d = rules.decide(real, access);
        if (int err = verdict(c, d, given, real); err < 0) return respond(listener, c, 0, err);
        if (flags & O_PATH) return respond_fd(listener, c, std::move(object), cloexec);
        // Opened again through lstar's own O_PATH descriptor: the very object decided on.
        std::string through = fmt::format("/proc/self/fd/{}", object.fd);
        int reopen_flags = static_cast<int>((flags & ~static_cast<std::uint64_t>(O_CREAT | O_EXCL | O_NOFOLLOW)) | O_NOCTTY | O_CLOEXEC);
        auto reopen = [through, reopen_flags, mode]() -> long {
            int fd = ::open(through.c_str(), reopen_flags, static_cast<mode_t>(mode));
            return fd < 0 ? -errno : fd;
        };
        if (S_ISFIFO(st.st_mode) && !(flags & O_NONBLOCK)) {
            // Waits for the other end: in a thread of its own, so that the other
            // end's open can be answered meanwhile.
            std::thread([this, listener, kept = keep(c), reopen, obj = std::make_shared<Fd>(std::move(object)), cloexec,
                         landlock = owner.landlock_] {
                sigset_t all;
                sigfillset(&all);
                ::pthread_sigmask(SIG_BLOCK, &all, nullptr);
                if (int err = enter_performer_context(landlock); err < 0) return respond(listener, kept->call, 0, err);
                long r = reopen();
                if (r < 0) return respond(listener, kept->call, 0, static_cast<int>(r));
                respond_fd(listener, kept->call, Fd(static_cast<int>(r)), cloexec);
            }).detach();
            return;
        }
        long r = perform(reopen);
        if (r < 0) return respond(listener, c, 0, static_cast<int>(r));
        return respond_fd(listener, c, Fd(static_cast<int>(r)), cloexec);
    }

    // open, openat, openat2, creat.
    void handle_open(int listener, const Call& c) {
        const EntryMeta& e = *c.entry;
        const __u64* args = c.req->data.args;
        int path_i = arg_of_kind(e, ArgKind::path);
        int dir_i = dirfd_before(e, path_i);
        std::int64_t dirfd = dir_i >= 0 ? static_cast<std::int32_t>(args[dir_i]) : AT_FDCWD;
        std::uint64_t flags = 0, mode = 0, resolve = 0;
        int how_i = -1;
        for (int i = 0; i < e.nargs; ++i) {
            if (e.args[i].kind == ArgKind::flags && e.args[i].param == "open_flags") flags = static_cast<std::uint32_t>(args[i]);
            if (e.args[i].kind == ArgKind::mode) mode = static_cast<std::uint32_t>(args[i]);
            if (e.args[i].kind == ArgKind::struct_in && e.args[i].param == "open_how") how_i = i;
        }
        if (!takes_open_flags(e)) flags = O_CREAT | O_WRONLY | O_TRUNC;  // creat
        if (how_i >= 0) {
            open_how how{};
            std::uint64_t usize = args[how_i + 1];
            if (usize < sizeof(open_how)) return respond(listener, c, 0, -EINVAL);
            if (usize > 4096) return respond(listener, c, 0, -E2BIG);
            std::vector<unsigned char> raw(usize);
            if (!read_memory(c.tid, args[how_i], raw.data(), raw.size())) return respond(listener, c, 0, -EFAULT);
            for (std::size_t i = sizeof how; i < raw.size(); ++i)
                if (raw[i]) return respond(listener, c, 0, -E2BIG);
            std::memcpy(&how, raw.data(), sizeof how);
            flags = how.flags;
            mode = how.mode;
            resolve = how.resolve;
            if (resolve & ~kResolveKnown) return respond(listener, c, 0, -EINVAL);
            if (resolve & RESOLVE_CACHED) return respond(listener, c, 0, -EAGAIN);  // "not from the cache": try again without
            if (!(flags & O_CREAT) && (flags & O_TMPFILE) != O_TMPFILE && mode) return respond(listener, c, 0, -EINVAL);
        }
        std::string given;
        if (int err = read_path(c.tid, args[path_i], given); err < 0) return respond(listener, c, 0, err);
        if (!still_valid(listener, c)) return;  // the task is gone (its pid may be another's now)
        bool tmpfile = (flags & O_TMPFILE) == O_TMPFILE;
        if ((flags & O_CREAT) || tmpfile) {
            long umask = c.status().umask;
            if (umask >= 0) mode &= ~static_cast<std::uint64_t>(umask);
        }
        unsigned acc = flags & O_ACCMODE;
        unsigned access = (flags & O_PATH) ? kGlobAny
                                           : (acc != O_WRONLY ? kGlobRead : 0u) | (acc != O_RDONLY ? kGlobWrite : 0u) |
                                                 ((flags & (O_CREAT | O_TRUNC)) || tmpfile ? kGlobWrite : 0u);
        bool cloexec = flags & O_CLOEXEC;
        bool excl_create = (flags & O_CREAT) && (flags & O_EXCL);
        bool follow = !(flags & O_NOFOLLOW) && !excl_create;
        for (int attempt = 0; attempt < 8; ++attempt) {
            WalkResult w;
            bool creating = (flags & O_CREAT) && !tmpfile;
            if (int err = walk(c, dirfd, given, resolve, follow, creating, w); err < 0) return respond(listener, c, 0, err);
            if (!still_valid(listener, c)) return;
            Fd object;
            if (creating) {
                if (w.last.empty()) return respond(listener, c, 0, -EISDIR);
                Fd existing(::openat(w.fd.fd, w.last.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
                if (!existing) {
                    if (errno != ENOENT) return respond(listener, c, 0, -errno);
                    // A new file: decided on its real directory and name, made there.
                    std::string real = join(fd_path(w.fd.fd), w.last);
                    GlobRules::Decision d = rules.decide(real, access | kGlobWrite);
                    if (int err = verdict(c, d, given, real); err < 0) return respond(listener, c, 0, err);
                    int parent = w.fd.fd;
                    std::string name = w.last;
                    long r = perform([&]() -> long {
                        int fd = ::openat(parent, name.c_str(), static_cast<int>(flags | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC),
                                          static_cast<mode_t>(mode));
                        return fd < 0 ? -errno : fd;
                    });
                    if (r >= 0) return respond_fd(listener, c, Fd(static_cast<int>(r)), cloexec);
                    if ((r == -EEXIST && !excl_create) || (r == -ELOOP && !(flags & O_NOFOLLOW))) continue;  // made meanwhile
                    return respond(listener, c, 0, static_cast<int>(r));
                }
                if (excl_create) return respond(listener, c, 0, -EEXIST);
                struct stat st {};
                ::fstat(existing.fd, &st);
                if (S_ISLNK(st.st_mode)) {
                    if (flags & O_NOFOLLOW) return respond(listener, c, 0, -ELOOP);
                    // Follow it: the walk again, to the object (or the place) it names.
                    WalkResult through;
                    if (int err = walk(c, dirfd, given, resolve, true, false, through); err < 0) {
                        if (err != -ENOENT) return respond(listener, c, 0, err);
                        // A dangling link with O_CREAT makes its target: lstar does not
                        // follow a link to make a file; the program gets what
                        // O_NOFOLLOW would give.
                        return respond(listener, c, 0, -ELOOP);
                    }
                    object = std::move(through.fd);
                } else {
                    object = std::move(existing);
                }
            } else {
                object = std::move(w.fd);
            }
            return finish_open(listener, c, given, std::move(object), flags, access, mode);
        }
        respond(listener, c, 0, -EAGAIN);
    }

    // A call kept beyond the loop's buffer (a FIFO's open, answered from its own thread).
    struct KeptCall {
        seccomp_notif req;
        Call call;
    };
    static std::shared_ptr<KeptCall> keep(const Call& c) {
        auto k = std::make_shared<KeptCall>();
        k->req = *c.req;
        k->call = c;
        k->call.req = &k->req;
        return k;
    }

    // open_by_handle_at: the handle is opened by lstar (O_PATH) and decided on by the
    // real path of what it names, as an open is.
    void handle_by_handle(int listener, const Call& c) {
        const EntryMeta& e = *c.entry;
        const __u64* args = c.req->data.args;
        int mount_i = arg_of_kind(e, ArgKind::fd), handle_i = arg_of_kind(e, ArgKind::struct_in);
        int flags_i = arg_of_kind(e, ArgKind::flags);
        std::uint64_t flags = flags_i >= 0 ? static_cast<std::uint32_t>(args[flags_i]) : 0;
        // The kernel asks for CAP_DAC_READ_SEARCH; lstar may have it where the task has not.
        if (!(c.status().cap_eff & (1ull << 2))) return respond(listener, c, 0, -EPERM);
        struct {
            file_handle head;
            unsigned char bytes[MAX_HANDLE_SZ];
        } h{};
        if (!read_memory(c.tid, args[handle_i], &h.head, sizeof h.head)) return respond(listener, c, 0, -EFAULT);
        if (h.head.handle_bytes > MAX_HANDLE_SZ || h.head.handle_bytes == 0) return respond(listener, c, 0, -EINVAL);
        if (!read_memory(c.tid, args[handle_i] + sizeof h.head, h.bytes, h.head.handle_bytes)) return respond(listener, c, 0, -EFAULT);
        // The kernel takes no O_PATH descriptor for the mount: one opened through it.
        Fd mount_path(start_dir(c, static_cast<std::int32_t>(args[mount_i])));
        if (!mount_path) return respond(listener, c, 0, -EBADF);
        Fd mount(::open(fmt::format("/proc/self/fd/{}", mount_path.fd).c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
        if (!mount) return respond(listener, c, 0, -EBADF);
        if (!still_valid(listener, c)) return;
        Fd object(::open_by_handle_at(mount.fd, &h.head, O_PATH | O_CLOEXEC | static_cast<int>(flags & O_NOFOLLOW)));
        if (!object) return respond(listener, c, 0, -errno);
        unsigned acc = flags & O_ACCMODE;
        unsigned access = (flags & O_PATH) ? kGlobAny
                                           : (acc != O_WRONLY ? kGlobRead : 0u) | (acc != O_RDONLY ? kGlobWrite : 0u) |
                                                 ((flags & O_TRUNC) ? kGlobWrite : 0u);
        finish_open(listener, c, "(a file handle)", std::move(object), flags & ~static_cast<std::uint64_t>(O_CREAT), access, 0);
    }

    // execve, execveat: the path is checked; the kernel reads it again, so the new
    // image is checked too, at its exec stop (ExecImageCheck).
    void handle_exec(int listener, const Call& c) {
        const EntryMeta& e = *c.entry;
        const __u64* args = c.req->data.args;
        int path_i = program_arg(e);
        int dir_i = dirfd_before(e, path_i);
        std::int64_t dirfd = dir_i >= 0 ? static_cast<std::int32_t>(args[dir_i]) : AT_FDCWD;
        int flags_i = arg_of_kind(e, ArgKind::flags);
        unsigned at_flags = flags_i >= 0 ? static_cast<unsigned>(args[flags_i]) : 0;
        std::string given;
        if (int err = read_path(c.tid, args[path_i], given); err < 0) return respond(listener, c, 0, err);
        Fd object;
        if (given.empty() && (at_flags & AT_EMPTY_PATH)) {
            object = Fd(start_dir(c, dirfd));
            if (!object) return respond(listener, c, 0, -EBADF);
        } else {
            WalkResult w;
            if (int err = walk(c, dirfd, given, 0, !(at_flags & AT_SYMLINK_NOFOLLOW), false, w); err < 0)
                return respond(listener, c, 0, err);
            object = std::move(w.fd);
        }
        if (!still_valid(listener, c)) return;
        std::string real = fd_path(object.fd);
        GlobRules::Decision d = rules.decide(real, kGlobExec);
        if (int err = verdict(c, d, given, real); err < 0) return respond(listener, c, 0, err);
        respond(listener, c, 0, 0, true);
    }

    // link, linkat, rename, renameat, renameat2: made by lstar on the directories
    // it resolved, so that the names decided on are the names changed.
    void handle_rename(int listener, const Call& c) {
        const EntryMeta& e = *c.entry;
        const __u64* args = c.req->data.args;
        int old_i = arg_of_kind(e, ArgKind::path);
        int new_i = arg_of_kind(e, ArgKind::path, old_i + 1);
        auto dir_of = [&](int path_i) -> std::int64_t {
            int d = dirfd_before(e, path_i);
            return d >= 0 ? static_cast<std::int32_t>(args[d]) : AT_FDCWD;
        };
        int flags_i = arg_of_kind(e, ArgKind::flags);
        unsigned flags = flags_i >= 0 ? static_cast<unsigned>(args[flags_i]) : 0;
        bool is_link = e.entry.find("link") != std::string_view::npos;
        std::string old_name, new_name;
        if (int err = read_path(c.tid, args[old_i], old_name); err < 0) return respond(listener, c, 0, err);
        if (int err = read_path(c.tid, args[new_i], new_name); err < 0) return respond(listener, c, 0, err);
        if (is_link && (flags & AT_EMPTY_PATH)) return respond(listener, c, 0, -ENOENT);  // needs CAP_DAC_READ_SEARCH
        bool follow = is_link && (flags & AT_SYMLINK_FOLLOW);
        WalkResult from, to;
        if (int err = walk(c, dir_of(old_i), old_name, 0, true, !follow, from); err < 0) return respond(listener, c, 0, err);
        if (int err = walk(c, dir_of(new_i), new_name, 0, false, true, to); err < 0) return respond(listener, c, 0, err);
        if (!still_valid(listener, c)) return;
        std::string real_from = follow ? fd_path(from.fd.fd) : join(fd_path(from.fd.fd), from.last);
        std::string real_to = join(fd_path(to.fd.fd), to.last);
        for (const std::string* real : {&real_from, &real_to}) {
            const GlobRule* r = real == &real_from ? rules.refuses_move(*real) : nullptr;
            if (real == &real_to) {
                GlobRules::Decision d = rules.decide(*real, kGlobAny, false);
                r = d.rule && !d.allowed ? d.rule : nullptr;
            }
            if (r) {
                GlobRules::Decision d{r, false, false};
                int err = verdict(c, d, real == &real_from ? old_name : new_name, *real);
                return respond(listener, c, 0, err < 0 ? err : -EACCES);
            }
        }
        int from_fd = from.fd.fd, to_fd = to.fd.fd;
        std::string from_last = from.last, to_last = to.last;
        long r = perform([&]() -> long {
            int rc;
            if (follow)
                rc = ::linkat(AT_FDCWD, fmt::format("/proc/self/fd/{}", from_fd).c_str(), to_fd, to_last.c_str(), AT_SYMLINK_FOLLOW);
            else if (is_link)
                rc = ::linkat(from_fd, from_last.c_str(), to_fd, to_last.c_str(), 0);
            else
                rc = static_cast<int>(::syscall(SYS_renameat2, from_fd, from_last.c_str(), to_fd, to_last.c_str(), flags));
            return rc < 0 ? -errno : 0;
        });
        respond(listener, c, 0, static_cast<int>(r));
    }

    // A counted rule's decision (its conditions are on registers, which the kernel
    // has read already: letting the call go on reads nothing again). True when
    // answered: the limit was reached, or the call needs nothing else of lstar.
    bool counted_call(int listener, const Call& c, Abi abi) {
        std::uint64_t args[6];
        for (int i = 0; i < 6; ++i) args[i] = c.req->data.args[i];
        const RowRule* rule = limits.first_match(abi, c.req->data.nr, args);
        if (!rule) return false;
        Counted& n = counted.at(rule->origin);
        if (n.calls.fetch_add(1) < n.limit) {
            if (supervised_kind(*c.entry) != SupervisedKind::none && !rules.empty()) return false;  // the globs decide too
            respond(listener, c, 0, 0, true);
            return true;
        }
        std::string why = fmt::format("{}, limit {} reached", rule->origin, n.limit);
        tell(c, true, why, "", fmt::format("lstar: policy: denied {}() in pid {} (rule: {})\n", c.row->name, c.tid, why));
        respond(listener, c, 0, refusal(c, rule->action));
        return true;
    }

    void handle(int listener, seccomp_notif* req) {
        Abi abi = req->data.arch == AUDIT_ARCH_I386 ? Abi::i386 : Abi::x86_64;
        const SyscallDesc* row = find_syscall(abi, req->data.nr);
        Call c{req, static_cast<pid_t>(req->pid), row, row ? &row->effective() : nullptr, {}};
        if (!row) return respond(listener, c, 0, -ENOSYS);
        if (counted_call(listener, c, abi)) return;
        switch (supervised_kind(*c.entry)) {
        case SupervisedKind::open: return handle_open(listener, c);
        case SupervisedKind::open_handle: return handle_by_handle(listener, c);
        case SupervisedKind::exec: return handle_exec(listener, c);
        case SupervisedKind::rename: return handle_rename(listener, c);
        case SupervisedKind::mount:
        case SupervisedKind::none: break;
        }
        // A mount could show a file under another path, out of the globs' reach.
        static constexpr const char* kMountWhy = "a mount could give a file another path, out of the supervised rules' reach";
        tell(c, true, kMountWhy, "", fmt::format("lstar: policy: denied {}() in pid {} ({})\n", row->name, c.tid, kMountWhy));
        respond(listener, c, 0, -EPERM);
    }
};

Result<std::unique_ptr<Supervisor>> Supervisor::prepare(const Policy& policy, int landlock_ruleset) {
    std::unique_ptr<Supervisor> s(new Supervisor());
    LSTAR_TRY_ASSIGN(GlobRules rules, GlobRules::compile(policy.globs));
    for (const GlobRule& r : policy.globs)
        if ((r.access & kGlobExec) && r.limit >= 0)
            return error(fmt::format("{}: a 'limit' counts opens, not execs (give the exec rule no limit, or access = read/write)",
                                     r.origin));
    std::vector<const SyscallDesc*> rows;
    if (!policy.globs.empty())
        for (Abi abi : {Abi::x86_64, Abi::i386})
            for (const SyscallDesc& row : syscall_table(abi))
                if (!row.is_ni() && !row.name.empty() && supervised_kind(row.effective()) != SupervisedKind::none) rows.push_back(&row);
    LSTAR_TRY_ASSIGN(CompiledPolicy limits, compile_call_limits(policy));
    LSTAR_TRY_ASSIGN(s->filter_, compile_notify_filter(rows, limits));
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
        return error(fmt::format("socketpair: {}", std::strerror(errno)), errno);
    s->parent_socket_ = pair[0];
    s->child_socket_ = pair[1];
    s->stop_fd_ = ::eventfd(0, EFD_CLOEXEC);
    if (landlock_ruleset >= 0) s->landlock_ = ::fcntl(landlock_ruleset, F_DUPFD_CLOEXEC, 0);
    s->impl_ = std::make_unique<Impl>(*s, std::move(rules));
    s->impl_->limits = std::move(limits);
    for (const GlobRule& r : policy.globs)
        if (r.ask && s->impl_->ask_origin.empty()) s->impl_->ask_origin = r.origin;
    for (const CallRule& r : policy.calls)
        if (r.limit >= 0) s->impl_->counted.try_emplace(r.origin).first->second.limit = r.limit;
    return s;
}

Supervisor::~Supervisor() {
    if (thread_.joinable()) {
        std::uint64_t one = 1;
        [[maybe_unused]] ssize_t n = ::write(stop_fd_, &one, sizeof one);
        thread_.join();
    }
    if (impl_ && impl_->performer.joinable()) {
        {
            std::lock_guard lock(impl_->mutex);
            impl_->stopping = true;
        }
        impl_->cv.notify_all();
        impl_->performer.join();
    }
    if (impl_)
        for (int l : impl_->listeners) ::close(l);
    for (int fd : {child_socket_, parent_socket_, stop_fd_, landlock_})
        if (fd >= 0) ::close(fd);
    if (tty_ >= 0) ::close(tty_);
}

int Supervisor::enter_in_child() const noexcept {
    sock_fprog prog{static_cast<unsigned short>(filter_.program.size()), const_cast<sock_filter*>(filter_.program.data())};
    // Once lstar has the call, only a fatal signal ends the wait (Linux 5.19): an
    // interrupted call would be restarted after lstar made it (a file made twice).
    int listener = static_cast<int>(::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                                              SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, &prog));
    if (listener < 0 && errno == EINVAL)
        listener = static_cast<int>(::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog));
    if (listener < 0) return -errno;
    FdMessage m;
    msghdr& msg = m.msg;
    cmsghdr* cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(cm), &listener, sizeof(int));
    ssize_t sent = ::sendmsg(child_socket_, &msg, MSG_NOSIGNAL);
    int err = errno;
    // The program keeps neither the listener nor the sockets.
    ::close(listener);
    ::close(child_socket_);
    ::close(parent_socket_);
    return sent == 1 ? 0 : -err;
}

bool Supervisor::keep_notices(pid_t tid, bool denied, const std::string& rule, const std::string& real) {
    if (!to_json_) return false;
    std::lock_guard lock(notices_mutex_);
    notices_.push_back({tid, denied, rule, real});
    return true;
}

std::vector<Supervisor::Notice> Supervisor::take_notices(pid_t tid) {
    std::vector<Notice> taken;
    std::lock_guard lock(notices_mutex_);
    std::erase_if(notices_, [&](Notice& n) {
        if (n.tid != tid) return false;
        taken.push_back(std::move(n));
        return true;
    });
    return taken;
}

Status Supervisor::start(bool quiet, bool to_json) {
    quiet_ = quiet;
    to_json_ = to_json;
    if (!impl_->ask_origin.empty()) {
        tty_ = ::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
        if (tty_ < 0)
            return error(fmt::format("{}: an 'ask' rule needs a terminal to ask at (/dev/tty: {}): run lstar from one",
                                     impl_->ask_origin, std::strerror(errno)),
                         errno);
    }
    if (landlock_ < 0) {
        thread_ = std::thread([this] {
            // Its own file-system context (umask 0) for the calls it makes.
            if (::unshare(CLONE_FS) == 0) ::umask(0);
            serve();
        });
        return {};
    }
    impl_->performer = std::thread([this] { impl_->performer_loop(landlock_); });
    {
        std::unique_lock lock(impl_->mutex);
        impl_->cv.wait(lock, [&] { return impl_->performer_ready; });
        if (impl_->performer_status < 0)
            return error(fmt::format("the supervisor cannot enter the sandbox's Landlock domain: {}",
                                     std::strerror(-impl_->performer_status)));
    }
    thread_ = std::thread([this] { serve(); });
    return {};
}

void Supervisor::serve() {
    sigset_t all;
    sigfillset(&all);
    ::pthread_sigmask(SIG_BLOCK, &all, nullptr);
    seccomp_notif* req = nullptr;
    seccomp_notif_resp* resp = nullptr;
    if (seccomp_notify_alloc(&req, &resp) != 0) return;
    for (;;) {
        std::vector<pollfd> fds{{stop_fd_, POLLIN, 0}, {parent_socket_, POLLIN, 0}};
        for (int l : impl_->listeners) fds.push_back({l, POLLIN, 0});
        if (::poll(fds.data(), fds.size(), -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (fds[0].revents) break;
        if (fds[1].revents & POLLIN) {
            // A launched child's listener.
            FdMessage m;
            msghdr& msg = m.msg;
            if (::recvmsg(parent_socket_, &msg, MSG_CMSG_CLOEXEC) == 1)
                for (cmsghdr* cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
                    if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
                        int fd;
                        std::memcpy(&fd, CMSG_DATA(cm), sizeof fd);
                        impl_->listeners.push_back(fd);
                    }
        }
        for (std::size_t i = 2; i < fds.size(); ++i) {
            int l = fds[i].fd;
            if (fds[i].revents & POLLIN) {
                std::memset(req, 0, sizeof *req);
                if (seccomp_notify_receive(l, req) == 0) impl_->handle(l, req);
            } else if (fds[i].revents & (POLLHUP | POLLERR)) {
                // No task uses this filter any more.
                ::close(l);
                std::erase(impl_->listeners, l);
            }
        }
    }
    seccomp_notify_free(req, resp);
}

const GlobRule* Supervisor::image_denied(pid_t tid, std::string* real) {
    std::optional<std::string> exe = proc_link(tid, "exe");
    if (!exe) return nullptr;
    *real = *exe;
    GlobRules::Decision d = impl_->rules.decide(*exe, kGlobExec, false);
    return d.rule && !d.allowed ? d.rule : nullptr;
}

void ExecImageCheck::on_exec(Task& task, pid_t, Task*) {
    std::string real;
    const GlobRule* rule = supervisor_.image_denied(task.tid, &real);
    if (!rule) return;
    ::kill(task.tid, SIGKILL);
    if (supervisor_.quiet()) return;
    std::string line = fmt::format("lstar: policy: killed pid {}: its new image {} is denied (rule: {})\n", task.tid, real,
                                   rule_text(*rule));
    [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace lstar::policy
