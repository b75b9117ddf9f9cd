// Compiles a policy's call rules to seccomp-bpf with libseccomp.
//
// libseccomp 2.5 takes call numbers as the native (x86_64) architecture's and
// translates them by its own name tables for other architectures, which do not
// know the newest calls. lstar's table is the source of truth, so every ABI is
// built as a native filter with that ABI's exact numbers from lstar's table,
// and the i386 filter then has its architecture token replaced. One more
// filter, also libseccomp's, lets through only the ABIs the policy models
// (x32's bit and unmodelled ABIs fail with ENOSYS).
#include "policy/seccomp_filter.hpp"

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>

#include <fmt/format.h>
#include <seccomp.h>

#include "table/syscall_set.hpp"
#include "table/xlat.hpp"

namespace lstar::policy {

namespace {

std::uint32_t seccomp_action(const Action& a) {
    switch (a.kind) {
    case ActionKind::allow: return SCMP_ACT_ALLOW;
    case ActionKind::log: return SCMP_ACT_LOG;
    case ActionKind::errno_: return SCMP_ACT_ERRNO(static_cast<std::uint32_t>(a.err));
    case ActionKind::trap: return SCMP_ACT_TRAP;
    case ActionKind::kill_thread: return SCMP_ACT_KILL_THREAD;
    case ActionKind::kill_process: return SCMP_ACT_KILL_PROCESS;
    }
    return SCMP_ACT_KILL_PROCESS;
}

}  // namespace

namespace {

scmp_compare scmp_op(CmpOp op) {
    switch (op) {
    case CmpOp::eq: return SCMP_CMP_EQ;
    case CmpOp::ne: return SCMP_CMP_NE;
    case CmpOp::lt: return SCMP_CMP_LT;
    case CmpOp::le: return SCMP_CMP_LE;
    case CmpOp::gt: return SCMP_CMP_GT;
    case CmpOp::ge: return SCMP_CMP_GE;
    case CmpOp::masked_eq: return SCMP_CMP_MASKED_EQ;
    case CmpOp::glob: break;  // refused by resolve()
    }
    return SCMP_CMP_EQ;
}

Result<RowRule> resolve(const CallRule& rule, const SyscallDesc& row) {
    RowRule out;
    out.action = rule.action;
    out.origin = rule.origin;
    const EntryMeta& entry = row.effective();
    for (const ArgCondition& c : rule.conditions) {
        if (c.op == CmpOp::glob)
            return error(fmt::format("{}: {}: seccomp-bpf compares argument registers, not the memory they point to: "
                                     "use a [paths] rule for paths",
                                     rule.origin, c.text));
        Result<int> found = condition_arg_index(c, row);
        if (!found) return error(fmt::format("{}: {}", rule.origin, found.error().message));
        int index = *found;
        if (index >= std::max<int>(entry.nargs, c.index >= 0 ? 6 : 0))
            return error(fmt::format("{}: {} ({}) has no argument {}", rule.origin, row.name, abi_name(row.abi), index));
        ArgMeta meta = index < entry.nargs ? entry.args[index] : ArgMeta{};
        Result<std::uint64_t> value = resolve_value(c.value, meta);
        if (!value) return error(fmt::format("{}: {}: {}", rule.origin, c.text, value.error().message));
        std::uint64_t mask = ~std::uint64_t{0};
        if (c.op == CmpOp::masked_eq) {
            Result<std::uint64_t> m = resolve_value(c.mask, meta);
            if (!m) return error(fmt::format("{}: {}: {}", rule.origin, c.text, m.error().message));
            mask = *m;
        }
        unsigned width = arg_width(row, meta);
        std::uint64_t narrow = width >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * width)) - 1;
        scmp_arg_cmp cmp{static_cast<unsigned>(index), scmp_op(c.op), 0, 0};
        if (c.op == CmpOp::eq || c.op == CmpOp::masked_eq) {
            // The low half alone, whatever the upper half holds.
            cmp.op = SCMP_CMP_MASKED_EQ;
            cmp.datum_a = mask & narrow;
            cmp.datum_b = *value & mask & narrow;
        } else {
            cmp.datum_a = *value & narrow;
            if (narrow != ~std::uint64_t{0}) out.narrow_ordered.push_back(index);
        }
        out.cmps.push_back(cmp);
    }
    return out;
}

struct RowRules {
    const SyscallDesc* row;
    std::vector<RowRule> rules;
};

bool matches(const scmp_arg_cmp& c, const std::uint64_t args[6]) {
    std::uint64_t v = args[c.arg];
    switch (c.op) {
    case SCMP_CMP_NE: return v != c.datum_a;
    case SCMP_CMP_LT: return v < c.datum_a;
    case SCMP_CMP_LE: return v <= c.datum_a;
    case SCMP_CMP_EQ: return v == c.datum_a;
    case SCMP_CMP_GE: return v >= c.datum_a;
    case SCMP_CMP_GT: return v > c.datum_a;
    case SCMP_CMP_MASKED_EQ: return (v & c.datum_a) == c.datum_b;
    default: return false;
    }
}

bool matches(const RowRule& r, const std::uint64_t args[6]) {
    for (const scmp_arg_cmp& c : r.cmps)
        if (!matches(c, args)) {
            // A narrow argument with garbage above compared by order: the stricter
            // answer (the filters give it through the companion rule).
            bool garbage = std::find(r.narrow_ordered.begin(), r.narrow_ordered.end(), static_cast<int>(c.arg)) !=
                               r.narrow_ordered.end() &&
                           args[c.arg] > 0xffffffffu;
            if (!garbage) return false;
        }
    return true;
}

// A libseccomp filter being built for one ABI, with exact numbers.
class FilterBuild {
public:
    FilterBuild(std::uint32_t default_action) : ctx_(seccomp_init(default_action)), default_(default_action) {
        // The kernel's calls stay in lstar's hands: badarch lets other ABIs through to
        // their own filter (the gate filter denies the ones not modelled).
        seccomp_attr_set(ctx_, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ALLOW);
        seccomp_attr_set(ctx_, SCMP_FLTATR_CTL_NNP, 0);
        seccomp_attr_set(ctx_, SCMP_FLTATR_CTL_OPTIMIZE, 2);  // a binary tree of the call numbers
    }
    ~FilterBuild() {
        if (ctx_) seccomp_release(ctx_);
    }
    FilterBuild(const FilterBuild&) = delete;
    FilterBuild& operator=(const FilterBuild&) = delete;

    std::uint32_t default_action() const { return default_; }
    bool empty() const { return rules_ == 0; }

    Status add(const SyscallDesc& row, std::uint32_t action, const std::vector<scmp_arg_cmp>& cmps, const std::string& origin) {
        if (action == default_) return {};  // what the filter does anyway
        int rc = seccomp_rule_add_exact_array(ctx_, action, static_cast<int>(row.nr), static_cast<unsigned>(cmps.size()),
                                              cmps.data());
        if (rc == -EEXIST) return {};  // the same rule twice
        if (rc < 0)
            return error(fmt::format("{}: libseccomp cannot add the rule for {} ({}): {}", origin, row.name, abi_name(row.abi),
                                     std::strerror(-rc)));
        ++rules_;
        return {};
    }

    Result<std::vector<sock_filter>> export_bpf() {
        int fd = ::memfd_create("lstar-policy-bpf", MFD_CLOEXEC);
        if (fd < 0) return error(fmt::format("memfd_create: {}", std::strerror(errno)), errno);
        int rc = seccomp_export_bpf(ctx_, fd);
        std::vector<sock_filter> program;
        if (rc == 0) {
            off_t size = ::lseek(fd, 0, SEEK_END);
            program.resize(static_cast<std::size_t>(size) / sizeof(sock_filter));
            if (::pread(fd, program.data(), program.size() * sizeof(sock_filter), 0) != static_cast<ssize_t>(size)) rc = -EIO;
        }
        ::close(fd);
        if (rc < 0) return error(fmt::format("libseccomp cannot export the filter: {}", std::strerror(-rc)), -rc);
        return program;
    }

    scmp_filter_ctx ctx() { return ctx_; }

private:
    scmp_filter_ctx ctx_;
    std::uint32_t default_;
    int rules_ = 0;
};

// The i386 filter was built with x86_64's architecture token: every comparison of
// the loaded architecture becomes one against i386's.
void retarget_to_i386(std::vector<sock_filter>& program) {
    bool arch_loaded = false;
    for (sock_filter& insn : program) {
        if (BPF_CLASS(insn.code) == BPF_LD) arch_loaded = insn.code == (BPF_LD | BPF_W | BPF_ABS) && insn.k == offsetof(seccomp_data, arch);
        else if (arch_loaded && insn.code == (BPF_JMP | BPF_JEQ | BPF_K) && insn.k == AUDIT_ARCH_X86_64)
            insn.k = AUDIT_ARCH_I386;
    }
}

bool names_call(const Policy& p, std::string_view name) {
    for (const CallRule& r : p.calls)
        for (const std::string& c : r.calls)
            if (c == name) return true;
    return false;
}

bool has_conditions_on(const Policy& p, std::initializer_list<std::string_view> names) {
    for (const CallRule& r : p.calls)
        if (!r.conditions.empty())
            for (const std::string& c : r.calls)
                for (std::string_view n : names)
                    if (c == n) return true;
    return false;
}

// The rows a rule's call names reach on one ABI. A name another ABI has (arch_prctl
// for i386) reaches nothing here; a name no ABI has is an error.
}  // namespace

Result<std::vector<const SyscallDesc*>> rule_rows(const CallRule& rule, Abi abi) {
    std::vector<const SyscallDesc*> rows;
    for (const std::string& spec : rule.calls) {
        if (spec.starts_with("%")) {
            std::optional<std::uint32_t> bit = class_from_name(spec);
            if (!bit) {
                std::string known;
                for (const ClassName& c : class_names()) known += (known.empty() ? "" : " ") + std::string(c.name);
                return error(fmt::format("{}: unknown class '{}' (classes: {})", rule.origin, spec, known));
            }
            for (const SyscallDesc& row : syscall_table(abi))
                if (!row.name.empty() && !row.is_ni() && (row.effective().classes & *bit)) rows.push_back(&row);
            continue;
        }
        if (const SyscallDesc* row = find_syscall(abi, spec)) {
            rows.push_back(row);
            continue;
        }
        bool elsewhere = false;
        for (Abi other : {Abi::x86_64, Abi::i386, Abi::x32}) elsewhere = elsewhere || find_syscall(other, spec);
        if (!elsewhere && !rule.skip_unknown)
            return error(fmt::format("{}: unknown system call '{}' (names as `lstar table` lists them, or a %class)", rule.origin, spec));
    }
    return rows;
}

namespace {

// An i386 call that the socketcall or ipc multiplexer also reaches: the
// multiplexer's row and the number of that call in it.
std::optional<std::pair<const SyscallDesc*, int>> multiplexed_as(std::string_view name) {
    for (auto [mux, row_name] : {std::pair{Multiplexer::socketcall, "socketcall"}, std::pair{Multiplexer::ipc, "ipc"}}) {
        std::span<const Subcall> calls = subcalls(mux);
        for (std::size_t i = 0; i < calls.size(); ++i)
            if (calls[i].name == name)
                if (const SyscallDesc* row = find_syscall(Abi::i386, std::string_view(row_name))) return std::pair{row, static_cast<int>(i)};
    }
    return std::nullopt;
}

struct Compiler {
    const Policy& policy;
    CompiledPolicy out;
    // A rule with a limit allows its calls in the kernel's filters (the supervisor's
    // filter sends them to lstar, which counts); with this, it keeps its action, for
    // the supervisor's table of limits.
    bool keep_limited_actions = false;

    Status compile_abi(Abi abi) {
        // Every row's rules, in policy order.
        std::map<std::uint64_t, RowRules> rows;
        for (const CallRule& rule : policy.calls) {
            if (!rule.abis.empty() && std::find(rule.abis.begin(), rule.abis.end(), abi) == rule.abis.end()) continue;
            LSTAR_TRY_ASSIGN(std::vector<const SyscallDesc*> reached, rule_rows(rule, abi));
            for (const SyscallDesc* row : reached) {
                LSTAR_TRY_ASSIGN(RowRule r, resolve(rule, *row));
                if (rule.limit >= 0 && !keep_limited_actions) r.action = Action{ActionKind::allow, 0};
                auto& entry = rows.try_emplace(row->nr, RowRules{row, {}}).first->second;
                // On i386 the same call through its multiplexer: its arguments are behind
                // a pointer, out of a filter's reach, so a rule with conditions that
                // forbids reaches the whole multiplexed call (and one that allows, none).
                if (abi == Abi::i386)
                    if (auto mux = multiplexed_as(row->name)) {
                        RowRule via = r;
                        via.cmps = {scmp_arg_cmp{0, SCMP_CMP_EQ, static_cast<std::uint64_t>(mux->second), 0}};
                        via.narrow_ordered.clear();
                        if (r.cmps.empty() || r.action.rank() > policy.default_action.rank())
                            rows.try_emplace(mux->first->nr, RowRules{mux->first, {}}).first->second.rules.push_back(via);
                    }
                entry.rules.push_back(std::move(r));
            }
        }

        FilterBuild main(seccomp_action(policy.default_action));
        std::map<std::uint32_t, std::unique_ptr<FilterBuild>> stricter;  // by action, default allow
        auto stricter_filter = [&](const Action& a) -> FilterBuild& {
            auto& f = stricter[seccomp_action(a)];
            if (!f) f = std::make_unique<FilterBuild>(SCMP_ACT_ALLOW);
            return *f;
        };
        for (auto& [nr, rr] : rows) {
            const SyscallDesc& row = *rr.row;
            // The call's own answer: its strictest unconditional rule, else the default.
            const RowRule* whole = nullptr;
            for (const RowRule& r : rr.rules)
                if (r.cmps.empty() && (!whole || r.action.rank() > whole->action.rank())) whole = &r;
            Action fallback = whole ? whole->action : policy.default_action;
            if (whole) LSTAR_TRY(main.add(row, seccomp_action(whole->action), {}, whole->origin));
            for (const RowRule& r : rr.rules) {
                if (r.cmps.empty()) {
                    if (&r != whole && !(r.action == whole->action))
                        out.notes.push_back(fmt::format("{}: {} ({}) is also given '{}' by {}; the strictest, '{}', applies",
                                                        r.origin, row.name, abi_name(abi), r.action.text(), whole->origin,
                                                        whole->action.text()));
                    continue;
                }
                if (r.action.rank() > fallback.rank()) {
                    // Stricter than what the call gets otherwise: a filter of its own, so that
                    // the kernel's "strictest answer wins" decides between overlapping rules.
                    FilterBuild& f = stricter_filter(r.action);
                    LSTAR_TRY(f.add(row, seccomp_action(r.action), r.cmps, r.origin));
                    // Garbage in a narrow argument's upper half must not slip past an
                    // order comparison: such a call gets the rule's answer too.
                    for (int index : r.narrow_ordered) {
                        std::vector<scmp_arg_cmp> garbage = r.cmps;
                        for (scmp_arg_cmp& c : garbage)
                            if (static_cast<int>(c.arg) == index) c = scmp_arg_cmp{c.arg, SCMP_CMP_GT, 0xffffffffu, 0};
                        LSTAR_TRY(f.add(row, seccomp_action(r.action), garbage, r.origin));
                    }
                } else if (!whole) {
                    // Less strict than the default: these conditions open the call.
                    LSTAR_TRY(main.add(row, seccomp_action(r.action), r.cmps, r.origin));
                } else if (!(r.action == fallback)) {
                    out.notes.push_back(fmt::format("{}: this rule for {} ({}) is shadowed by {} ('{}' for the whole call)",
                                                    r.origin, row.name, abi_name(abi), whole->origin, whole->action.text()));
                }
            }
        }
        for (auto& [nr, rr] : rows) out.rows[static_cast<int>(abi)][nr] = rr.rules;
        LSTAR_TRY(add_filter(main, abi, fmt::format("{} calls (default {})", abi_name(abi), policy.default_action.text())));
        if (!out.filters.empty() && abi == Abi::x86_64) out.filters.back().enter_last = true;
        for (auto& [action, f] : stricter)
            LSTAR_TRY(add_filter(*f, abi, fmt::format("{} calls: the rules with conditions stricter than their call's answer", abi_name(abi))));
        return {};
    }

    Status add_filter(FilterBuild& f, Abi abi, std::string what) {
        if (f.empty() && f.default_action() == SCMP_ACT_ALLOW) return {};
        LSTAR_TRY_ASSIGN(std::vector<sock_filter> program, f.export_bpf());
        if (abi == Abi::i386) retarget_to_i386(program);
        out.filters.push_back({std::move(program), std::move(what)});
        return {};
    }

    // The first filter: only the ABIs the policy models get through to theirs.
    Status gate() {
        bool i386 = std::find(policy.abis.begin(), policy.abis.end(), Abi::i386) != policy.abis.end();
        bool x86_64 = std::find(policy.abis.begin(), policy.abis.end(), Abi::x86_64) != policy.abis.end();
        FilterBuild f(SCMP_ACT_ALLOW);
        seccomp_attr_set(f.ctx(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ERRNO(ENOSYS));
        if (!x86_64) {
            // Only i386: every x86_64 call fails (the program's own exec included).
            FilterBuild all(SCMP_ACT_ERRNO(ENOSYS));
            seccomp_attr_set(all.ctx(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ALLOW);
            LSTAR_TRY(add_filter(all, Abi::x86_64, "x86_64 calls: none (the policy models i386 only)"));
            out.filters.back().enter_last = true;
        }
        if (i386) {
            if (seccomp_arch_add(f.ctx(), SCMP_ARCH_X86) < 0) return error("libseccomp cannot add the x86 architecture");
        }
        LSTAR_TRY_ASSIGN(std::vector<sock_filter> program, f.export_bpf());
        out.filters.insert(out.filters.begin(), {std::move(program), "gate: only the ABIs the policy models (others, and x32's bit: ENOSYS)"});
        return {};
    }
};

}  // namespace

void add_default_rules(Policy& p) {
    bool restricts = p.restricts_calls() || p.restricts_paths() || p.supervised() || p.network.restrict_tcp;
    auto add = [&](std::vector<std::string> calls, std::vector<ArgCondition> conditions, Action action, std::string why) {
        for (const std::string& c : calls)
            if (names_call(p, c)) return;  // the policy decides that call itself
        CallRule r;
        r.origin = "lstar default (" + why + ")";
        r.calls = std::move(calls);
        r.conditions = std::move(conditions);
        r.action = action;
        p.calls.push_back(std::move(r));
    };
    Action eperm{ActionKind::errno_, EPERM}, enosys{ActionKind::errno_, ENOSYS};
    // A seccomp listener of the program's own would answer its own calls: USER_NOTIF
    // outranks the answers lstar's filters give.
    add({"seccomp"},
        {ArgCondition{"op", -1, CmpOp::eq, "SECCOMP_SET_MODE_FILTER", "", "op == SECCOMP_SET_MODE_FILTER"},
         ArgCondition{"flags", -1, CmpOp::masked_eq, "SECCOMP_FILTER_FLAG_NEW_LISTENER", "SECCOMP_FILTER_FLAG_NEW_LISTENER",
                      "flags & SECCOMP_FILTER_FLAG_NEW_LISTENER"}},
        eperm, "a user-notify listener would let the program answer its own calls");
    if (p.network.no_network) {
        CallRule r;
        r.origin = p.network.origin.empty() ? "[network] none" : p.network.origin;
        r.calls = {"socket"};
        r.conditions = {ArgCondition{"family", -1, CmpOp::ne, "AF_UNIX", "", "family != AF_UNIX"}};
        r.action = {ActionKind::errno_, EAFNOSUPPORT};
        p.calls.push_back(std::move(r));
    }
    if (!restricts) return;
    // io_uring's operations are not system calls: seccomp never sees them.
    add({"io_uring_setup"}, {}, eperm, "io_uring's operations are invisible to seccomp");
    // Another process's memory or descriptors: a way around rules on this one's calls.
    add({"ptrace"}, {}, eperm, "a tracer could change a sandboxed task's calls");
    add({"process_vm_writev"}, {}, eperm, "could rewrite another sandboxed task's memory");
    add({"pidfd_getfd"}, {}, eperm, "could take another task's descriptors");
    // Their flags sit in a struct a filter cannot read: ENOSYS, as on kernels without
    // them, makes libc fall back to the call the rules can see.
    if (has_conditions_on(p, {"clone"})) add({"clone3"}, {}, enosys, "its flags are out of a filter's reach; libc falls back to clone");
    if (has_conditions_on(p, {"open", "openat"})) add({"openat2"}, {}, enosys, "its flags are out of a filter's reach; libc falls back to openat");
}

CallVerdict CompiledPolicy::decide(Abi abi, std::uint64_t nr, const std::uint64_t args[6]) const {
    if (std::find(abis.begin(), abis.end(), abi) == abis.end()) return {{ActionKind::errno_, ENOSYS}, "the ABIs the policy models"};
    const auto& table = rows[static_cast<int>(abi)];
    auto it = table.find(nr);
    if (it == table.end()) return {default_action, ""};
    const RowRule* whole = nullptr;
    for (const RowRule& r : it->second)
        if (r.cmps.empty() && (!whole || r.action.rank() > whole->action.rank())) whole = &r;
    Action fallback = whole ? whole->action : default_action;
    // The main filter's answer: the whole call's rule, else a matching rule that
    // opens the call, else the default; then a stricter matching rule's, if any.
    CallVerdict main = whole ? CallVerdict{whole->action, whole->origin} : CallVerdict{default_action, ""};
    const RowRule* opening = nullptr;
    const RowRule* stricter = nullptr;
    for (const RowRule& r : it->second) {
        if (r.cmps.empty() || !matches(r, args)) continue;
        const RowRule*& slot = r.action.rank() > fallback.rank() ? stricter : opening;
        if (!slot || r.action.rank() > slot->action.rank()) slot = &r;
    }
    if (!whole && opening) main = {opening->action, opening->origin};
    CallVerdict best = main;
    if (stricter && stricter->action.rank() > best.action.rank()) best = {stricter->action, stricter->origin};
    return best;
}

const RowRule* CompiledPolicy::first_match(Abi abi, std::uint64_t nr, const std::uint64_t args[6]) const {
    const auto& table = rows[static_cast<int>(abi)];
    auto it = table.find(nr);
    if (it == table.end()) return nullptr;
    for (const RowRule& r : it->second)
        if (matches(r, args)) return &r;
    return nullptr;
}

Result<CompiledPolicy> compile_call_limits(const Policy& policy) {
    Policy limited;
    limited.source = policy.source;
    limited.abis = policy.abis;
    for (const CallRule& r : policy.calls)
        if (r.limit >= 0) limited.calls.push_back(r);
    Compiler c{limited, {}, true};
    c.out.abis = limited.abis;
    if (!limited.calls.empty())
        for (Abi abi : limited.abis) LSTAR_TRY(c.compile_abi(abi));
    c.out.filters.clear();  // only the table: the supervisor's filter sends these calls
    return std::move(c.out);
}

Result<SeccompFilter> compile_notify_filter(const std::vector<const SyscallDesc*>& rows, const CompiledPolicy& limits) {
    // One filter for both ABIs (a task may have one listener): each ABI's program
    // from libseccomp by its own numbers, behind a jump on the architecture.
    FilterBuild x86_64(SCMP_ACT_ALLOW), i386(SCMP_ACT_ALLOW);
    for (const SyscallDesc* row : rows) {
        if (row->abi == Abi::x32) continue;  // the gate filter denies x32
        LSTAR_TRY((row->abi == Abi::i386 ? i386 : x86_64).add(*row, SCMP_ACT_NOTIFY, {}, "supervised rules"));
    }
    // Counted rules: only the calls their conditions select come to lstar.
    for (Abi abi : {Abi::x86_64, Abi::i386})
        for (const auto& [nr, rules] : limits.rows[static_cast<int>(abi)])
            if (const SyscallDesc* row = find_syscall(abi, nr))
                for (const RowRule& r : rules)
                    LSTAR_TRY((abi == Abi::i386 ? i386 : x86_64).add(*row, SCMP_ACT_NOTIFY, r.cmps, r.origin));
    LSTAR_TRY_ASSIGN(std::vector<sock_filter> native, x86_64.export_bpf());
    LSTAR_TRY_ASSIGN(std::vector<sock_filter> compat, i386.export_bpf());
    retarget_to_i386(compat);
    std::vector<sock_filter> program = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 0, 1),
        BPF_STMT(BPF_JMP | BPF_JA | BPF_K, static_cast<std::uint32_t>(native.size())),
    };
    program.insert(program.end(), native.begin(), native.end());
    program.insert(program.end(), compat.begin(), compat.end());
    return SeccompFilter{std::move(program), "supervised calls: to lstar's supervisor (user notification)"};
}

Result<CompiledPolicy> compile_seccomp(const Policy& policy) {
    Compiler c{policy, {}};
    c.out.default_action = policy.default_action;
    c.out.abis = policy.abis;
    for (Abi abi : policy.abis)
        if (abi == Abi::x32)
            return error(fmt::format("{}: lstar does not model x32 in policies yet: leave it out of 'abi' (its calls are then denied)",
                                     policy.source.empty() ? "the policy" : policy.source));
    for (Abi abi : policy.abis) LSTAR_TRY(c.compile_abi(abi));
    LSTAR_TRY(c.gate());
    std::stable_partition(c.out.filters.begin(), c.out.filters.end(), [](const SeccompFilter& f) { return !f.enter_last; });
    return std::move(c.out);
}

}  // namespace lstar::policy
