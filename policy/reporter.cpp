#include "policy/reporter.hpp"
#include "policy/task_paths.hpp"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>

#include <fmt/format.h>

#include "trace/json_printer.hpp"

namespace lstar::policy {

namespace {

bool at_or_beneath(const std::string& path, const std::string& dir) {
    if (dir == "/") return true;
    return path.compare(0, dir.size(), dir) == 0 && (path.size() == dir.size() || path[dir.size()] == '/');
}

}  // namespace

Reporter::Reporter(const Policy& policy, const CompiledPolicy& compiled, TraceOutput& out, bool json, bool after_calls)
    : compiled_(compiled), out_(out), decoder_(DecodeOptions{}), json_(json), after_calls_(after_calls) {
    for (const PathRule& r : policy.paths) {
        char buf[PATH_MAX];
        std::string where = ::realpath(r.path.c_str(), buf) ? std::string(buf) : r.path;
        rules_.push_back({where, r.access, r.origin});
    }
    if (policy.paths_allowlist) rules_.push_back({"/", 0, "only the --allow-path trees"});
    calls_denied_ = compiled_.default_action.denies();
    for (const auto& table : compiled_.rows)
        for (const auto& [nr, rules] : table)
            for (const RowRule& r : rules) calls_denied_ = calls_denied_ || r.action.denies();
}

bool Reporter::needs(const SyscallDesc& row) const {
    if (std::find(compiled_.abis.begin(), compiled_.abis.end(), row.abi) == compiled_.abis.end()) return true;
    if (compiled_.default_action.denies()) return true;
    const auto& table = compiled_.rows[static_cast<int>(row.abi)];
    if (auto it = table.find(row.nr); it != table.end())
        for (const RowRule& r : it->second)
            if (r.action.denies()) return true;
    if (supervisor_ && supervised_kind(row.effective()) != SupervisedKind::none) return true;
    if (!rules_.empty()) {
        const EntryMeta& e = row.effective();
        for (int i = 0; i < e.nargs; ++i)
            if (e.args[i].kind == ArgKind::path) return true;
    }
    return false;
}

std::string Reporter::call_text(Task& task) const {
    std::string text(task.syscall_name());
    text += '(';
    for (int i = 0, n = decoder_.shown_args(task); i < n; ++i) {
        if (i) text += ", ";
        decoder_.format_arg(task, i, text);
    }
    text += ')';
    return text;
}

void Reporter::report(Task& task, const std::string& origin, std::string_view layer, const Supervisor::Notice* notice) {
    if (!json_) {
        std::string line = fmt::format("lstar: policy: denied {} in pid {} (rule: {})\n", call_text(task), task.tid, origin);
        if (after_calls_) state<Pending>(task).line += line;
        else out_.message(line);
        if (!json_copy_) return;
    }
    timespec mono{}, wall{};
    ::clock_gettime(CLOCK_MONOTONIC, &mono);
    ::clock_gettime(CLOCK_REALTIME, &wall);
    auto ns = [](const timespec& t) { return static_cast<std::uint64_t>(t.tv_sec) * 1000000000u + static_cast<std::uint64_t>(t.tv_nsec); };
    std::string call = call_text(task);
    auto object = [&](int version) {
        std::string line;
        JsonLine j(line, version);
        j.begin("denial", task, ns(mono), ns(wall))
            .field_str("abi", abi_name(task.abi))
            .field_str("name", task.syscall_name())
            .field_str("call", call)
            .field_str("rule", origin)
            .field_str("layer", layer);
        if (notice && !notice->real.empty()) j.field_str("path", notice->real);
        if (notice && !notice->denied) j.field("logged", true);
        j.end();
        return line;
    };
    if (json_) out_.write(object(json_version_));
    if (json_copy_) json_copy_->write(object(kJsonSchemaVersion));
}

void Reporter::flush(Task& task) {
    Pending* p = find_state<Pending>(task);
    if (!p || p->line.empty()) return;
    out_.message(p->line);
    p->line.clear();
}

Verdict Reporter::on_enter(Task& task) {
    flush(task);
    std::uint64_t args[6];
    for (int i = 0; i < 6; ++i) args[i] = task.arg(i);
    CallVerdict v = compiled_.decide(task.abi, task.nr(), args);
    if (!v.action.denies()) return Verdict::proceed;
    report(task, v.origin.empty() ? "default " + v.action.text() : v.origin, "seccomp");
    if (v.action.kind != ActionKind::errno_) return Verdict::kill;
    task.retval = -v.action.err;
    return Verdict::skip;
}

const Reporter::Rule* Reporter::rule_for(const std::string& path) const {
    const Rule* best = nullptr;
    for (const Rule& r : rules_)
        if (at_or_beneath(path, r.path) && (!best || r.path.size() > best->path.size())) best = &r;
    return best;
}

void Reporter::report_notices(Task& task) {
    if (!supervisor_) return;
    for (const Supervisor::Notice& n : supervisor_->take_notices(task.tid)) report(task, n.rule, "supervisor", &n);
}

void Reporter::on_task_exit(Task& task, int) {
    flush(task);
    report_notices(task);  // a call whose rule killed the process has no exit stop
}

void Reporter::on_exit(Task& task) {
    report_notices(task);
    // Landlock refuses with EACCES (EXDEV for a link or rename across its rules).
    if (rules_.empty() || !task.sc || (task.retval != -EACCES && task.retval != -EXDEV)) return;
    const EntryMeta& e = task.sc->effective();
    for (int i = 0; i < e.nargs; ++i) {
        if (e.args[i].kind != ArgKind::path || !task.mem) continue;
        char name[PATH_MAX];
        long n = task.mem->read_string(task.arg(i), name, sizeof name - 1);
        if (n < 0) continue;
        name[n] = 0;
        std::int64_t dirfd = AT_FDCWD;
        if (i > 0 && e.args[i - 1].kind == ArgKind::dirfd) dirfd = static_cast<std::int32_t>(task.arg(i - 1));
        const Rule* rule = rule_for(resolve_task_path(task, dirfd, name));
        // Only a rule that takes something away can have refused it.
        if (rule && rule->access != kAccessAll) {
            report(task, rule->origin, "landlock");
            return;
        }
    }
}

}  // namespace lstar::policy
