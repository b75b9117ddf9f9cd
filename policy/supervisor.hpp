// Supervised rules (docs/policy.md, "Supervised rules"): globs over the real
// path a call reaches, with deny / log / allow and counted limits, for what
// neither seccomp nor Landlock can say. The calls they cover (from the table:
// the open family, execve/execveat, and the calls that give a file another
// name) go by a seccomp user-notification filter to a listener that the
// launched child hands to lstar over a socket before its program is loaded.
// A thread of lstar reads each call's path once, resolves it as the task would
// (its root, cwd, directory descriptor, its /proc/self), decides on the object
// it found, and performs the call itself: an open's descriptor goes into the
// task with SECCOMP_IOCTL_NOTIF_ADDFD (SEND, so installing it is the answer),
// a rename or link is made by lstar on the directories it resolved. Nothing is
// checked and then read again by the kernel, except execve's path, which lstar
// cannot run for the task: an allowed exec continues, and its new image is
// checked at the exec stop, before it runs an instruction (ExecImageCheck).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kernel/syscall_path.hpp"
#include "policy/glob.hpp"
#include "policy/policy.hpp"
#include "policy/seccomp_filter.hpp"
#include "table/result.hpp"

namespace lstar::policy {

// What the supervisor does with a call of this entry point.
enum class SupervisedKind : std::uint8_t {
    none,
    open,    // returns a descriptor for a path by open flags (open, openat, openat2, creat): performed
    open_handle,  // open_by_handle_at: the handle opened by lstar, decided on by the path of what it names
    exec,    // starts a program (execve, execveat): checked, continued, its image checked at exec
    rename,  // gives an existing file another name (link, linkat, rename*): performed
    mount,   // could make a file reachable by another path (mount, move_mount, open_tree, ...): EPERM
};
SupervisedKind supervised_kind(const EntryMeta& entry);

// The rules, compiled: what a real path and an access get.
class GlobRules {
public:
    static Result<GlobRules> compile(const std::vector<GlobRule>& rules);
    struct Decision {
        const GlobRule* rule = nullptr;  // nullptr: no rule matched (allowed)
        bool allowed = true;
        bool limit_reached = false;
    };
    // The first rule that matches decides; a limit counts the calls it allows.
    Decision decide(const std::string& real, unsigned access, bool count = true);
    // Whether renaming or linking `real` elsewhere is refused: a denying rule
    // matches it, or (a directory) anchors beneath it.
    const GlobRule* refuses_move(const std::string& real) const;
    bool empty() const { return rules_.empty(); }

private:
    std::vector<GlobRule> rules_;
    std::vector<Glob> globs_;
    std::unique_ptr<std::atomic<std::int64_t>[]> counts_;
};

class Supervisor {
public:
    // `landlock_ruleset`: the sandbox's Landlock ruleset (or -1); the calls lstar
    // performs for the program are made in a thread that entered it too.
    static Result<std::unique_ptr<Supervisor>> prepare(const Policy& policy, int landlock_ruleset);
    ~Supervisor();

    // In the launched child, after Landlock and before the policy's filters (which
    // deny a new listener): the notification filter, its listener sent to lstar.
    // System calls only. 0 or -errno.
    int enter_in_child() const noexcept;
    // In lstar, before the launch: the thread that answers the calls. `quiet`: no
    // line per denial. `to_json`: each decision is kept as a notice for the trace's
    // JSON stream (lstar trace --json) instead of a line.
    Status start(bool quiet, bool to_json = false);

    // A decision of a supervised rule, kept until the policy stage sees the call's
    // exit stop (the supervisor answers from its own thread; the stream is the
    // tracer's): `denied`, or only logged; the rule; the real path decided on.
    struct Notice {
        pid_t tid;
        bool denied;
        std::string rule, real;
    };
    std::vector<Notice> take_notices(pid_t tid);
    bool keeps_notices() const { return to_json_; }

    const SeccompFilter& filter() const { return filter_; }
    // The decision on a task's new image (at its exec stop): the rule that denies
    // it, or nullptr.
    const GlobRule* image_denied(pid_t tid, std::string* real);
    bool quiet() const { return quiet_; }

private:
    Supervisor() = default;
    void serve();
    struct Impl;
    std::unique_ptr<Impl> impl_;
    SeccompFilter filter_;
    int child_socket_ = -1;   // the child's end: it sends the listener
    int parent_socket_ = -1;  // lstar's end
    int stop_fd_ = -1;        // an eventfd: the thread ends
    int landlock_ = -1;
    bool quiet_ = false;
    bool to_json_ = false;
    int tty_ = -1;  // /dev/tty, for "ask" rules
    std::mutex notices_mutex_;
    std::vector<Notice> notices_;
    // Keeps a decision as a notice when to_json_; false: say it as a line.
    bool keep_notices(pid_t tid, bool denied, const std::string& rule, const std::string& real);
    std::thread thread_;
};

// At each exec stop (ptrace backend): a new image that an exec rule denies is
// killed before it runs (the exec's path was read again by the kernel after
// the supervisor's check).
class ExecImageCheck final : public Hook {
public:
    // `traced`: under lstar trace, whose stops must come before seccomp (a user
    // notification outranks a prefilter's RET_TRACE: the trace would miss the call).
    ExecImageCheck(Supervisor& supervisor, bool traced) : supervisor_(supervisor), traced_(traced) {}
    bool needs(const SyscallDesc&) const override { return false; }
    bool decides_before_seccomp() const override { return traced_; }
    bool needs_unknown_numbers() const override { return false; }
    void on_exec(Task& task, pid_t former_tid, Task* replaced) override;

private:
    Supervisor& supervisor_;
    bool traced_;
};

}  // namespace lstar::policy
