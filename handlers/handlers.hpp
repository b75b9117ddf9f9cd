// The emulating handlers the command line chooses, one family per file, each
// a typed handler (kernel/syscall_define.hpp) bound to its table rows. The
// families keep their state here, so it lives as long as the path that calls
// them: declare a Handlers before the SyscallPath it binds into.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "handlers/path_view.hpp"
#include "handlers/view_store.hpp"
#include "kernel/syscall_path.hpp"
#include "table/result.hpp"

namespace lstar {

// --uid, --gid, --fake-root (handlers/identity.cpp).
struct IdentityOptions {
    std::optional<std::uint32_t> uid, gid;
    bool fake_root = false;  // ids 0, a root's capabilities, chown and mknod recorded in the view
};

// --time, --time-freeze (handlers/time.cpp).
struct TimeOptions {
    bool active = false;
    std::optional<std::int64_t> start_ns;  // an absolute start (CLOCK_REALTIME, ns since the epoch)
    std::int64_t offset_ns = 0;            // added to the real time (without a start)
    double speed = 1.0;                    // xN: clocks run N times as fast, sleeps are N times shorter
    bool freeze = false;                   // the real-time clocks stand still
};
// "2000-01-01 00:00:00" (UTC), "@2000-01-01 00:00:00", "@946684800", "+3d", "-2h",
// "x10", "x0.5", or a start or offset followed by " xN". The error names the spec.
Result<TimeOptions> parse_time_spec(std::string_view spec);

// --uname-*, --hostname (handlers/utsname.cpp): what is not given is the host's.
struct UtsnameOptions {
    std::optional<std::string> nodename, release, version, machine;
    bool any() const { return nodename || release || version || machine; }
};

// handlers/utsname.cpp: uname and its older forms, with the names the session gives.
class Utsname {
public:
    void bind(SyscallPath& path, UtsnameOptions options);

private:
    UtsnameOptions options_;
};

// handlers/identity.cpp: the get*id family, getgroups, capget; under --fake-root the
// set*id family succeeds, chown and mknod of devices are recorded (the host file
// keeps its owner) and the stat family shows what was recorded.
class Identity {
public:
    void bind(SyscallPath& path, ViewStore& store, const IdentityOptions& options);

private:
    HandlerResult chown_path(Task& task, int dirfd, std::uint64_t path, std::int64_t uid, std::int64_t gid, bool follow);
    HandlerResult chown_fd(Task& task, int fd, std::int64_t uid, std::int64_t gid);
    HandlerResult record_owner(const std::string& file, bool follow, std::int64_t uid, std::int64_t gid);
    HandlerResult mknod_enter(Task& task, int dirfd, std::uint64_t path, int mode_arg, std::uint32_t mode, std::uint32_t dev);
    HandlerResult mknod_exit(Task& task);
    long show_stat(Task& task, std::uint64_t buf, int layout);

    ViewStore* store_ = nullptr;
    std::uint32_t uid_ = 0, gid_ = 0;          // what the program sees as its ids
    std::uint32_t real_uid_ = 0, real_gid_ = 0;  // the ids it really has (files it makes are theirs)
    bool fake_root_ = false;
    struct PendingNode {
        int dirfd;
        std::string path;
        std::uint32_t mode, dev;
    };
    std::map<pid_t, PendingNode> pending_nodes_;  // mknod of a device, between entry and exit
};

// How a time argument is laid out (from its struct's name in the table): a timespec
// or timeval of two 64-bit or two 32-bit words, or two of them (an itimer's interval
// and value).
struct TimeLayout {
    bool wide = true;        // 64-bit words (time64), else 32-bit (time32, compat)
    std::int64_t unit = 1;   // of the second word: 1 ns (timespec) or 1000 (timeval's us)
    int values = 1;          // 2 for itimerspec and itimerval
    std::size_t size() const { return static_cast<std::size_t>(values) * (wide ? 16 : 8); }
};

// handlers/time.cpp: the clocks as --time says; waits scaled by its speed and
// instants moved from the virtual clocks to the real ones, for every argument the
// table marks [time:<use>].
class TimeView {
public:
    void bind(SyscallPath& path, ViewStore& store, const TimeOptions& options);
    // The virtual CLOCK_REALTIME now, in ns (also SOURCE_DATE_EPOCH's base).
    std::int64_t realtime_ns() const;
    // The layout of a [time:<use>] struct argument; nullopt for one lstar cannot read.
    static std::optional<TimeLayout> layout_of(const ArgMeta& arg);

private:
    std::int64_t clock_ns(int clock) const;  // the virtual reading of a clock; -1: an unknown clock
    std::int64_t to_real_deadline(int clock, std::int64_t virtual_ns) const;
    std::int64_t to_real_wait(std::int64_t ns) const;
    std::int64_t to_virtual_wait(std::int64_t ns) const;
    void bind_marked(SyscallPath& path);
    void bind_by_call(SyscallPath& path);
    HandlerResult move_time(Task& task, int arg, int clock, bool absolute, bool countdown);
    void wait_back(Task& task, int arg);
    bool redirect(Task& task, int arg, const TimeLayout& layout, const std::int64_t ns[2], bool countdown);
    void change_arg(Task& task, int arg, std::uint64_t value);
    void put_back(Task& task);

    ViewStore* store_ = nullptr;
    TimeOptions options_;
    // The arguments a call runs with instead of the program's, put back at its exit.
    struct Changed {
        std::uint64_t call = 0;  // Task::calls at entry
        std::uint8_t mask = 0;   // bit i: argument i was changed
        std::uint64_t original[kMaxArgs] = {};
        int countdown_arg = -1;  // its scratch copy holds what the kernel left of the wait
        std::uint64_t countdown_at = 0;
        TimeLayout layout;
    };
    std::map<pid_t, Changed> changed_;
};

// handlers/random.cpp: --seed N: getrandom, reads of /dev/urandom and /dev/random,
// and AT_RANDOM as a deterministic stream per task (and per image for AT_RANDOM).
class RandomView {
public:
    void bind(SyscallPath& path, ViewStore& store, std::uint64_t seed);
    // The next 16 bytes of a new stream: a new image's AT_RANDOM.
    void image_random(std::uint8_t out[16]);

private:
    struct Stream {
        std::uint64_t key = 0, counter = 0;
        std::uint64_t block = 0;
        int left = 0;  // bytes of `block` not handed out yet
    };
    Stream& stream_of(pid_t tid);
    void fill(Stream& stream, std::uint8_t* out, std::size_t len);
    HandlerResult read_random(Task& task, std::uint64_t buf, std::size_t len);

    ViewStore* store_ = nullptr;
    std::uint64_t seed_ = 0;
    std::map<pid_t, Stream> streams_;
};

// handlers/virtual_files.cpp: paths served from lstar as read-only regular files
// (/proc/sys/kernel/osrelease, /proc/sys/kernel/hostname, /proc/version as uname
// says). Each file is a memfd the session opens and carries like an output; an
// open of its path is pointed at the descriptor through /proc, so each open gets
// its own offset and read, fstat, lseek and close behave as on a regular file.
// With proc_syscall, also /proc/<pid>/syscall (and /proc/self/, /proc/thread-self/,
// .../task/<tid>/) of a task on the path: the call as the path sees it (the kernel's
// format), remade at each read from the start, in a memfd of its own per open.
class VirtualFiles final : public SessionOutput {
public:
    void bind(SyscallPath& path, const UtsnameOptions& names, bool proc_syscall);
    bool empty() const { return files_.empty(); }

    Status open() override;
    std::vector<int> fds() const override;
    void adopt(std::span<const int> fds) override;

private:
    HandlerResult open_enter(Task& task, int dirfd, int path_arg, int flags);
    HandlerResult open_syscall_file(Task& task, int path_arg, int flags, pid_t target);
    void refresh_syscall_file(Task& task, int fd, std::optional<std::uint64_t> offset);
    std::string syscall_line(const Task& reader, pid_t target) const;
    struct File {
        std::string path, content;
        int fd = -1;
    };
    std::vector<File> files_;
    const TaskRegistry* tasks_ = nullptr;  // --proc-syscall: the tasks whose syscall files are served
    std::map<pid_t, int> made_;            // a syscall file's memfd, until the open that serves it is done
};

// handlers/fs_view.cpp: --root, --bind, --read-only, --hide, --cwd. Every `path`
// argument of every call in the table is resolved inside the view on entry and
// replaced by its host name (its `dirfd` read as a guest directory); results that
// carry names (getcwd, the readlinks of /proc's links) are given back in guest
// terms, and listings lose what --hide hides.
class FsView {
public:
    Status configure(const FsViewOptions& options) { return view_.configure(options); }
    void bind(SyscallPath& path);
    const PathView& view() const { return view_; }
    // Off under the sandbox's rules: Landlock keeps a task from reading a process
    // outside its domain, lstar's /proc/<pid>/fd among them, so a traced task is
    // handed host names instead, as where they are the same. An in-process task
    // goes through its own descriptors either way.
    void hand_held(bool on) { hand_held_ = on; }

private:
    HandlerResult enter(Task& task);
    HandlerResult exit(Task& task);
    HandlerResult getcwd_exit(Task& task);
    HandlerResult getdents_exit(Task& task, bool wide);
    HandlerResult sockaddr_enter(Task& task, bool creates);
    // execve of `guest`/`host` (the name as given in `shown`): what runs instead when
    // the file is a script (#!) or names a loader (PT_INTERP), both found in the view.
    struct ExecPlan;
    Result<bool> plan_exec(Task& task, const std::string& shown, PathView::Resolved file, std::uint64_t argv, ExecPlan* plan);
    // The guest directory a relative name starts from: the task's cwd, or its `dirfd`.
    Result<std::string> base_of(Task& task, long dirfd) const;
    // Whether the task's descriptor `fd` is a file the view has under a --read-only
    // path, which a change to it ([fd:change], a NULL or empty name) may not touch.
    bool on_read_only(const Task& task, long fd) const;
    HandlerResult fd_change_enter(Task& task, int fd_arg);
    // What the kernel is handed for a resolved name: a way through the descriptors
    // the walk holds (/proc/<lstar>/fd/<n>[/<last>]), never a name it would look up
    // again; nofollow_added: a creating open must get O_NOFOLLOW.
    struct Handoff {
        std::string name;
        bool nofollow_added = false;
    };
    Result<Handoff> handoff(const Task& task, const PathView::Resolved& r, bool follow, bool creates, bool can_nofollow,
                            bool exec) const;
    // Whether the task may go through lstar's /proc/<pid>/fd (the kernel's rule
    // for reading another process's descriptors); if not, host names are handed.
    bool reaches_held(const Task& task) const;
    static constexpr int kHeldFdFloor = 512;  // in-process, where held descriptors go

    PathView view_;
    bool hand_held_ = true;
    mutable std::map<pid_t, bool> reaches_;  // reaches_held, per task, until its creds may change
    struct Pending {
        std::uint64_t call = 0;    // Task::calls at entry: the pending call is this one
        std::uint64_t args[6];
        std::uint8_t changed = 0;  // bit i: argument i was rewritten
        bool magic_link = false;   // a readlink of /proc's cwd, exe, root or fd/N
        bool root_link = false;    // of /proc/<pid>/root: the view's root
        bool nofollow_added = false;  // O_NOFOLLOW given to a creating open
        int tries = 0;                // the creating open made again after a lost race (kCreateTries)
        std::vector<std::shared_ptr<PathView::Held>> held;  // the descriptors the call goes through, until its exit
    };
    std::map<pid_t, Pending> pending_;
    std::map<pid_t, int> tries_;  // a call being made again: the tries so far, for its new Pending
    // How often a creating open refused by a link put in place of its missing name
    // (ELOOP from the O_NOFOLLOW lstar added) is made again before the program gets ELOOP.
    static constexpr int kCreateTries = 16;
};

class Handlers {
public:
    // --emulate NAME=VALUE (handlers/constant_result.cpp): the call is not run; it
    // returns VALUE (a number, or -ENAME), in every ABI that has it.
    Status bind_constant_result(SyscallPath& path, std::string_view spec);
    // --hostname NAME, --uname-*.
    void bind_utsname(SyscallPath& path, UtsnameOptions options) { utsname_.bind(path, std::move(options)); }
    // The files uname's names repeat, and with proc_syscall (--proc-syscall) the tasks' syscall files.
    void bind_files(SyscallPath& path, const UtsnameOptions& names, bool proc_syscall) { files_.bind(path, names, proc_syscall); }
    void bind_identity(SyscallPath& path, const IdentityOptions& options) { identity_.bind(path, store_, options); }
    void bind_time(SyscallPath& path, const TimeOptions& options) { time_.bind(path, store_, options); }
    void bind_random(SyscallPath& path, std::uint64_t seed) { random_.bind(path, store_, seed); }
    Status bind_fs_view(SyscallPath& path, const FsViewOptions& options) {
        LSTAR_TRY(fs_view_.configure(options));
        fs_view_.bind(path);
        return {};
    }
    const FsView& fs_view() const { return fs_view_; }
    FsView& fs_view() { return fs_view_; }

    // The record the view's families share across the session's processes: a
    // SessionOutput for the backend to open and carry.
    ViewStore& store() { return store_; }
    TimeView& time() { return time_; }
    RandomView& random() { return random_; }
    // The files --hostname and --uname-* serve (a SessionOutput, when not empty).
    VirtualFiles& files() { return files_; }

private:
    ViewStore store_;
    Utsname utsname_;
    Identity identity_;
    TimeView time_;
    RandomView random_;
    VirtualFiles files_;
    FsView fs_view_;
};

}  // namespace lstar
