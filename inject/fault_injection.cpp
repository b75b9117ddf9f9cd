#include "inject/fault_injection.hpp"

#include <fnmatch.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <optional>

#include <fmt/format.h>

namespace lstar {

namespace {

// The task is stopped while lstar sleeps: it is delayed, and so are the other
// tasks' stops (strace keeps serving them; see docs).
void delay(std::uint64_t ns) {
    if (!ns) return;
    timespec ts{static_cast<time_t>(ns / 1000000000u), static_cast<long>(ns % 1000000000u)};
    while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

// splitmix64: a seeded, stateless draw, so that p= and flip= pick the same
// invocations and bits in every run with the same seed, in every process.
std::uint64_t mix(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}
std::uint64_t draw(std::uint64_t seed, std::uint64_t a, std::uint64_t b) { return mix(mix(seed ^ mix(a)) ^ b); }

// The first argument of this kind, or -1.
int find_kind(const EntryMeta& e, std::initializer_list<ArgKind> kinds) {
    for (int i = 0; i < e.nargs; ++i)
        if (std::find(kinds.begin(), kinds.end(), e.args[i].kind) != kinds.end()) return i;
    return -1;
}

bool exe_matches(const std::string& pattern, const std::string& exe) {
    if (exe.empty()) return false;
    // A pattern without '/' names the program's file name, wherever it lies.
    std::string name = pattern.find('/') == std::string::npos ? exe.substr(exe.rfind('/') + 1) : exe;
    return ::fnmatch(pattern.c_str(), name.c_str(), 0) == 0;
}

std::int64_t sign_extend(std::uint64_t v, unsigned width) {
    if (width >= 8) return static_cast<std::int64_t>(v);
    unsigned shift = 64 - 8 * width;
    return static_cast<std::int64_t>(v << shift) >> shift;
}

}  // namespace

FaultInjector::FaultInjector() {
    for (int abi = 0; abi < kAbiCount; ++abi) slots_[abi].resize(syscall_table(static_cast<Abi>(abi)).size());
}

const std::vector<std::int32_t>* FaultInjector::slot(const SyscallDesc& row) const {
    long index = table_index(row.abi, row.nr);
    if (index < 0) return nullptr;
    const auto& list = slots_[static_cast<int>(row.abi)][static_cast<std::size_t>(index)];
    return list.empty() ? nullptr : &list;
}

bool FaultInjector::needs(const SyscallDesc& row) const {
    return slot(row) || (tracks_exe_ && program_arg(row.effective()) >= 0);
}

Status FaultInjector::add(const SyscallDesc& row, const InjectRule& rule, const SyscallSet* calls) {
    long index = table_index(row.abi, row.nr);
    if (index < 0) return {};
    const EntryMeta& meta = row.effective();
    Entry entry{rule, calls, {}};
    for (const ArgCondition& c : rule.conditions) {
        Result<int> arg = condition_arg_index(c, row);
        if (!arg) return arg.error();
        ArgMeta am = *arg < meta.nargs ? meta.args[*arg] : ArgMeta{};
        Test t{*arg, c.op, 0, ~std::uint64_t{0}, arg_width(row, am), am.is_signed, {}};
        if (c.op == CmpOp::glob) {
            if (am.kind != ArgKind::path && am.kind != ArgKind::str)
                return error(fmt::format("{}: argument '{}' of {} is not a string ('~' matches strings)", c.text,
                                         am.name, row.name));
            t.pattern = c.value;
        } else {
            Result<std::uint64_t> value = resolve_value(c.value, am);
            if (!value) return error(fmt::format("{}: {}", c.text, value.error().message));
            t.value = *value;
            if (c.op == CmpOp::masked_eq) {
                Result<std::uint64_t> mask = resolve_value(c.mask, am);
                if (!mask) return error(fmt::format("{}: {}", c.text, mask.error().message));
                t.mask = *mask;
            }
        }
        entry.tests.push_back(std::move(t));
    }
    if (rule.has_short || rule.budget) {
        int buf = rule.budget ? find_kind(meta, {ArgKind::in_buf}) : find_kind(meta, {ArgKind::in_buf, ArgKind::out_buf});
        if (buf >= 0 && meta.args[buf].related >= 0) entry.len_arg = meta.args[buf].related;
        if (entry.len_arg < 0)
            return error(fmt::format("{} has no byte count to {}", row.name,
                                     rule.budget ? "spend a budget= of (write, pwrite64, ...)" : "shorten with short= (read, write, ...)"));
    }
    if (rule.budget) {
        entry.fd_arg = find_kind(meta, {ArgKind::fd});
        if (entry.fd_arg < 0) return error(fmt::format("{} writes to no descriptor: budget= is per descriptor", row.name));
    }
    if (rule.flip_bits) {
        entry.out_buf_arg = find_kind(meta, {ArgKind::out_buf});
        if (entry.out_buf_arg < 0) return error(fmt::format("{} fills no buffer for flip= to corrupt (read, pread64, ...)", row.name));
    }
    if (!rule.exe.empty()) tracks_exe_ = true;

    auto& list = slots_[static_cast<int>(row.abi)][static_cast<std::size_t>(index)];
    if (rule.strace_only())
        for (std::int32_t e : list)
            if (entries_[static_cast<std::size_t>(e)].rule.strace_only()) {
                entries_[static_cast<std::size_t>(e)] = std::move(entry);
                return {};
            }
    list.push_back(static_cast<std::int32_t>(entries_.size()));
    entries_.push_back(std::move(entry));
    return {};
}

Status FaultInjector::add_all(const Injection& injection, const SyscallSet& only) {
    std::optional<Error> first_error;
    bool applied = false;
    for (int abi = 0; abi < kAbiCount; ++abi)
        for (const SyscallDesc& row : syscall_table(static_cast<Abi>(abi))) {
            if (row.name.empty() || !injection.calls.contains(row) || !only.contains(row)) continue;
            if (Status s = add(row, injection.rule, &injection.calls); s) applied = true;
            else if (!first_error) first_error = s.error();
        }
    // A set of calls where some have no such argument (%desc:short=) applies to the rest.
    if (!applied && first_error) return error(fmt::format("inject: {}", first_error->message), EINVAL);
    return {};
}

bool FaultInjector::holds(const Entry& entry, Task& task, PerTask& t) const {
    const InjectRule& rule = entry.rule;
    if (rule.pid && task.tgid != rule.pid) return false;
    if (rule.tid && task.tid != rule.tid) return false;
    if (!rule.exe.empty()) {
        // A task no new_task event told of: the session's first, or (a backend whose
        // path lives in the process) the first of an image an execve started here;
        // else an attached one, whose program the kernel knows.
        if (t.exe.empty())
            t.exe = !image_exec_pending_.empty() ? image_exec_pending_
                    : !launched_exe_.empty()    ? launched_exe_
                                                : proc_link(task.tgid, "exe").value_or("");
        if (!exe_matches(rule.exe, t.exe)) return false;
    }
    for (const Test& test : entry.tests) {
        std::uint64_t raw = task.arg(test.index);
        if (test.op == CmpOp::glob) {
            std::string s;
            if (!task.mem || strncpy_from_user(*task.mem, s, UserPtr<const char>(raw), PATH_MAX) < 0) return false;
            if (::fnmatch(test.pattern.c_str(), s.c_str(), 0) != 0) return false;
            continue;
        }
        std::uint64_t narrow = test.width >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * test.width)) - 1;
        std::uint64_t v = raw & narrow, want = test.value & narrow;
        // An ordered comparison of a signed argument compares it as the kernel reads it.
        std::int64_t sv = test.is_signed ? sign_extend(v, test.width) : static_cast<std::int64_t>(v);
        std::int64_t sw = test.is_signed ? sign_extend(want, test.width) : static_cast<std::int64_t>(want);
        bool ok = false;
        switch (test.op) {
        case CmpOp::eq: ok = v == want; break;
        case CmpOp::ne: ok = v != want; break;
        case CmpOp::lt: ok = test.is_signed ? sv < sw : v < want; break;
        case CmpOp::le: ok = test.is_signed ? sv <= sw : v <= want; break;
        case CmpOp::gt: ok = test.is_signed ? sv > sw : v > want; break;
        case CmpOp::ge: ok = test.is_signed ? sv >= sw : v >= want; break;
        case CmpOp::masked_eq: ok = (v & test.mask) == (want & test.mask); break;
        case CmpOp::glob: break;
        }
        if (!ok) return false;
    }
    return true;
}

std::uint64_t& FaultInjector::budget_left(const Entry& entry, const Task& task) {
    auto key = std::make_pair(task.tgid, task.arg(entry.fd_arg) & 0xffffffffu);
    auto [it, made] = budgets_.try_emplace(key, entry.rule.budget);
    return it->second;
}

Verdict FaultInjector::on_enter(Task& task) {
    if (!task.sc) return Verdict::proceed;
    PerTask& t = state<PerTask>(task);
    t.fired = -1;
    if (tracks_exe_) {
        if (int arg = program_arg(task.sc->effective()); arg >= 0 && task.mem) {
            std::string path;
            if (strncpy_from_user(*task.mem, path, UserPtr<const char>(task.arg(arg)), PATH_MAX) > 0) {
                if (path[0] != '/') path = proc_link(task.tid, "cwd").value_or("") + "/" + path;
                t.exec_pending = path;
                image_exec_pending_ = std::move(path);
            }
        }
    }
    const std::vector<std::int32_t>* list = slot(*task.sc);
    if (!list) return Verdict::proceed;
    if (t.invocations.size() < entries_.size()) t.invocations.resize(entries_.size());
    for (std::int32_t e : *list) {
        Entry& entry = entries_[static_cast<std::size_t>(e)];
        const InjectRule& rule = entry.rule;
        if (entry.calls && !in_set(*entry.calls, task)) continue;
        if (!holds(entry, task, t)) continue;
        std::uint32_t& n = t.invocations[static_cast<std::size_t>(e)];
        if (n < UINT32_MAX) ++n;
        if (!rule.applies_to(n)) continue;
        // p=: drawn by the entry's count over all tasks (a count per task would give every
        // process of a run the same draws), which a sequential run repeats exactly.
        if (rule.probability < 1.0) {
            std::uint64_t seen = ++entry.selected;
            if (static_cast<double>(draw(rule.seed, static_cast<std::uint64_t>(e), seen) >> 11) * 0x1p-53 >= rule.probability)
                continue;
        }
        if (filter_ && !filter_(task)) continue;

        // This rule fires.
        t.fired = e;
        if (rule.delay_enter_ns || rule.delay_exit_ns) task.tampered |= kTamperDelay;
        delay(rule.delay_enter_ns);
        t.exit_delay_ns = rule.delay_exit_ns;
        if (rule.signo) task.resume_signal = rule.signo;
        for (auto [arg, value] : rule.rewrites) task.set_arg(arg, value);
        if (rule.has_short && task.arg(entry.len_arg) > rule.short_len) task.set_arg(entry.len_arg, rule.short_len);
        if (rule.budget) {
            std::uint64_t left = budget_left(entry, task);
            if (left == 0) {
                task.retval = -ENOSPC;  // the disk is full: what a write past the budget gets
                task.tampered |= kTamperResult;
                return Verdict::skip;
            }
            if (task.arg(entry.len_arg) > left) task.set_arg(entry.len_arg, left);  // the part that still fits
        }
        switch (rule.result) {
        case InjectRule::Result::none: return Verdict::proceed;
        case InjectRule::Result::error: task.retval = -rule.value; break;
        case InjectRule::Result::retval: task.retval = rule.value; break;
        }
        task.tampered |= kTamperResult;
        return Verdict::skip;
    }
    return Verdict::proceed;
}

void FaultInjector::on_exit(Task& task) {
    PerTask* t = find_state<PerTask>(task);
    if (!t) return;
    if (t->fired >= 0 && !task.skipped && task.retval > 0) {
        const Entry& entry = entries_[static_cast<std::size_t>(t->fired)];
        std::uint64_t done = static_cast<std::uint64_t>(task.retval);
        if (entry.rule.budget) {
            std::uint64_t& left = budget_left(entry, task);
            left -= std::min(left, done);
        }
        if (entry.rule.flip_bits && task.mem) {
            // Flip bits within what the call returned (at most the first MiB of it).
            std::uint64_t addr = task.arg(entry.out_buf_arg);
            std::size_t len = static_cast<std::size_t>(std::min<std::uint64_t>(done, 1u << 20));
            std::vector<unsigned char> data(len);
            if (copy_bytes_from_user(*task.mem, data.data(), addr, len) == 0) {
                std::uint32_t n = t->invocations[static_cast<std::size_t>(t->fired)];
                for (unsigned i = 0; i < entry.rule.flip_bits; ++i) {
                    std::uint64_t bit = draw(entry.rule.seed, n, 0x100000000ull + i) % (len * 8);
                    data[bit / 8] ^= static_cast<unsigned char>(1u << (bit % 8));
                }
                if (copy_bytes_to_user(*task.mem, addr, data.data(), len) == 0) task.tampered |= kTamperResult;
            }
        }
    }
    t->fired = -1;
    if (!t->exit_delay_ns) return;
    delay(t->exit_delay_ns);
    t->exit_delay_ns = 0;
}

void FaultInjector::on_new_task(Task& child, Task* parent) {
    if (!tracks_exe_) return;
    PerTask* from = parent ? find_state<PerTask>(*parent) : nullptr;
    if (from) state<PerTask>(child).exe = from->exe;
}

void FaultInjector::on_exec(Task& task, pid_t /*former_tid*/, Task* /*replaced*/) {
    image_exec_pending_.clear();
    PerTask* t = find_state<PerTask>(task);
    if (!t || t->exec_pending.empty()) return;
    t->exe = std::move(t->exec_pending);
    t->exec_pending.clear();
}

}  // namespace lstar
