// The policy stage of enter work (Stage::policy): says which call the sandbox
// denied and by which rule, one line each on stderr:
//   lstar: policy: denied openat(AT_FDCWD, "/etc/shadow", O_RDONLY) in pid 1234 (rule: --deny-path /etc/shadow)
// The kernel enforces (seccomp filters, Landlock); this stage only names what it
// did. A call rule's denial is seen at entry, where the stage gives the answer the
// filter would (so that the line comes before the call's effects); a path rule's
// at exit, from Landlock's EACCES and the path the call named.
#pragma once

#include <string>
#include <vector>

#include "kernel/syscall_path.hpp"
#include "policy/policy.hpp"
#include "policy/seccomp_filter.hpp"
#include "policy/supervisor.hpp"
#include "trace/decode.hpp"
#include "trace/json_printer.hpp"
#include "trace/output.hpp"

namespace lstar::policy {

class Reporter final : public Hook {
public:
    // `compiled` must outlive the reporter (the session's Sandbox holds it). With
    // `json`, each denial is a "denial" object of `lstar trace --json`'s stream
    // (docs/json-schema.md) written to `out`, instead of a line on its messages.
    // With `after_calls` (a tracer shares the stream), a line waits for the task's
    // next event, so that it follows the call's own line instead of splitting it.
    Reporter(const Policy& policy, const CompiledPolicy& compiled, TraceOutput& out, bool json = false,
             bool after_calls = false);
    void bind(SyscallPath& path) { path.add_hook(Stage::policy, this); }
    // Also writes each denial as a "denial" object to `out` (the run's JSON objects
    // of --timeline and --report), whatever the main output's form.
    void also_json(TraceOutput& out) { json_copy_ = &out; }
    // Also reports the supervisor's decisions (its notices, Supervisor::start's
    // to_json) at the exit stop of the call they were on, with layer "supervisor".
    void also_supervised(Supervisor& supervisor) { supervisor_ = &supervisor; }
    // The schema version of the denial objects written to `out` (--json=1); the
    // copy of also_json() is always the current one.
    void json_version(int version) { json_version_ = version; }

    Verdict on_enter(Task& task) override;
    void on_exit(Task& task) override;
    void on_exec(Task& task, pid_t, Task*) override { flush(task); }
    void on_task_exit(Task& task, int) override;
    bool needs(const SyscallDesc& row) const override;
    bool needs_unknown_numbers() const override { return compiled_.default_action.denies(); }
    bool decides_before_seccomp() const override { return calls_denied_; }

private:
    struct Rule {
        std::string path;  // where it is (canonical)
        unsigned access;
        std::string origin;
    };
    std::string call_text(Task& task) const;
    // `layer`: "seccomp" (a call rule, seen at entry), "landlock" (a path rule, at
    // exit) or "supervisor" (a supervised rule: `notice` says what it decided on).
    void report(Task& task, const std::string& origin, std::string_view layer, const Supervisor::Notice* notice = nullptr);
    void report_notices(Task& task);
    // The path rule that decides for this file: the most specific one on it or above it.
    const Rule* rule_for(const std::string& path) const;

    const CompiledPolicy& compiled_;
    std::vector<Rule> rules_;
    TraceOutput& out_;
    Decoder decoder_;
    bool calls_denied_ = false;  // some call can be denied by a call rule
    bool json_ = false;
    int json_version_ = kJsonSchemaVersion;
    bool after_calls_ = false;
    TraceOutput* json_copy_ = nullptr;
    Supervisor* supervisor_ = nullptr;
    struct Pending : TaskState {
        std::string line;
    };
    void flush(Task& task);
};

}  // namespace lstar::policy
