// OCI runtime-spec `linux.seccomp` profiles (Docker's seccomp profiles are the
// same schema): read into a Policy, and written from one (policy learn --oci).
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "policy/policy.hpp"
#include "policy/seccomp_filter.hpp"

namespace lstar::policy {

namespace {

// The line of the n-th (0-based) occurrence of `needle` in text: where syscalls[n]
// starts, close enough for a message (the JSON reader keeps no positions).
std::size_t line_of(std::string_view text, std::string_view needle, std::size_t n) {
    std::size_t at = 0;
    for (std::size_t i = 0; i <= n; ++i) {
        at = text.find(needle, i ? at + 1 : 0);
        if (at == std::string_view::npos) return 1;
    }
    return 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
}

Result<Action> oci_action(const nlohmann::json& action, const nlohmann::json& errno_ret, int default_errno) {
    if (!action.is_string()) return error("an action must be a string such as \"SCMP_ACT_ALLOW\"");
    std::string a = action.get<std::string>();
    if (a == "SCMP_ACT_ALLOW") return Action{ActionKind::allow};
    if (a == "SCMP_ACT_LOG") return Action{ActionKind::log};
    if (a == "SCMP_ACT_TRAP") return Action{ActionKind::trap};
    if (a == "SCMP_ACT_KILL" || a == "SCMP_ACT_KILL_THREAD") return Action{ActionKind::kill_thread};
    if (a == "SCMP_ACT_KILL_PROCESS") return Action{ActionKind::kill_process};
    if (a == "SCMP_ACT_ERRNO") {
        int err = default_errno;
        if (errno_ret.is_number_unsigned()) err = errno_ret.get<int>();
        return Action{ActionKind::errno_, err};
    }
    // TRACE has no tracer to go to in a profile run by lstar, NOTIFY no listener: the
    // call fails as it would then (ENOSYS).
    if (a == "SCMP_ACT_TRACE" || a == "SCMP_ACT_NOTIFY") return Action{ActionKind::errno_, ENOSYS};
    return error(fmt::format("unknown action \"{}\" (SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL_PROCESS, ...)", a));
}

Result<CmpOp> oci_op(const nlohmann::json& op) {
    static constexpr std::pair<std::string_view, CmpOp> kOps[] = {
        {"SCMP_CMP_EQ", CmpOp::eq}, {"SCMP_CMP_NE", CmpOp::ne}, {"SCMP_CMP_LT", CmpOp::lt}, {"SCMP_CMP_LE", CmpOp::le},
        {"SCMP_CMP_GT", CmpOp::gt}, {"SCMP_CMP_GE", CmpOp::ge}, {"SCMP_CMP_MASKED_EQ", CmpOp::masked_eq},
    };
    if (op.is_string())
        for (auto [name, kind] : kOps)
            if (op.get<std::string>() == name) return kind;
    return error(fmt::format("unknown op {} (SCMP_CMP_EQ, _NE, _LT, _LE, _GT, _GE, _MASKED_EQ)", op.dump()));
}

std::string_view op_name(CmpOp op) {
    switch (op) {
    case CmpOp::eq: return "SCMP_CMP_EQ";
    case CmpOp::ne: return "SCMP_CMP_NE";
    case CmpOp::lt: return "SCMP_CMP_LT";
    case CmpOp::le: return "SCMP_CMP_LE";
    case CmpOp::gt: return "SCMP_CMP_GT";
    case CmpOp::ge: return "SCMP_CMP_GE";
    case CmpOp::masked_eq: return "SCMP_CMP_MASKED_EQ";
    case CmpOp::glob: break;  // never compiled (compile_seccomp refuses it)
    }
    return "";
}

// What an OCI runtime does itself between loading the profile and exec'ing the
// program, which a profile made from the program's own calls must allow too:
// runc 1.1's init (Go) as strace -f shows it, and the Go runtime's scheduling calls.
constexpr std::string_view kRuntimeStartCalls[] = {
    "close", "epoll_ctl", "epoll_pwait", "execve", "exit", "exit_group", "fcntl", "fstat", "fstatfs", "futex",
    "getdents64", "getpid", "gettid", "madvise", "mmap", "munmap", "nanosleep", "newfstatat", "openat", "prctl",
    "read", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sched_yield", "sigaltstack", "tgkill", "write",
};

}  // namespace

Result<Policy> parse_oci_profile(std::string_view text, const std::string& source) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        std::size_t line = 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<long>(std::min(e.byte, text.size())), '\n'));
        std::string what = e.what();
        if (std::size_t at = what.find("]: "); at != std::string::npos) what = what.substr(at + 3);
        return error(fmt::format("{}:{}: not valid JSON: {}", source, line, what));
    }
    // A whole OCI config.json holds the profile at linux.seccomp.
    if (j.is_object() && j.contains("linux") && j["linux"].is_object() && j["linux"].contains("seccomp")) j = j["linux"]["seccomp"];
    auto at = [&](std::size_t line, const std::string& what) { return error(fmt::format("{}:{}: {}", source, line, what)); };
    if (!j.is_object() || !j.contains("defaultAction"))
        return at(1, "not a seccomp profile: it needs \"defaultAction\" (the OCI runtime-spec linux.seccomp schema)");
    Policy p;
    p.source = source;
    int default_errno = EPERM;
    if (j.contains("defaultErrnoRet") && j["defaultErrnoRet"].is_number_unsigned()) default_errno = j["defaultErrnoRet"].get<int>();
    Result<Action> def = oci_action(j["defaultAction"], j.value("defaultErrnoRet", nlohmann::json()), EPERM);
    if (!def) return at(line_of(text, "\"defaultAction\"", 0), "defaultAction: " + def.error().message);
    p.default_action = *def;
    if (j.contains("architectures")) {
        p.abis.clear();
        for (const auto& arch : j["architectures"]) {
            // Other architectures' names (SCMP_ARCH_AARCH64, ...) do not apply on x86.
            if (!arch.is_string()) return at(line_of(text, "\"architectures\"", 0), "architectures: names must be strings");
            if (Result<Abi> abi = parse_abi(arch.get<std::string>())) p.abis.push_back(*abi);
        }
    }
    if (j.contains("flags") && !j["flags"].is_null() && !j["flags"].is_array())
        return at(line_of(text, "\"flags\"", 0), "flags: must be an array");
    std::size_t index = 0;
    for (const auto& entry : j.value("syscalls", nlohmann::json::array())) {
        std::size_t line = line_of(text, "\"names\"", index);
        std::string where = fmt::format("syscalls[{}]", index++);
        if (!entry.is_object() || !entry.contains("names") || !entry["names"].is_array())
            return at(line, where + ": needs \"names\", an array of call names");
        CallRule r;
        r.origin = fmt::format("{}:{}", source, line);
        r.skip_unknown = true;
        for (const auto& name : entry["names"]) {
            if (!name.is_string()) return at(line, where + ".names: names must be strings");
            r.calls.push_back(name.get<std::string>());
        }
        Result<Action> a = oci_action(entry.value("action", nlohmann::json()), entry.value("errnoRet", nlohmann::json()), default_errno);
        if (!a) return at(line, where + ".action: " + a.error().message);
        r.action = *a;
        for (const auto& arg : entry.value("args", nlohmann::json::array())) {
            if (!arg.is_object() || !arg.contains("index") || !arg["index"].is_number_unsigned() || arg["index"].get<int>() > 5)
                return at(line, where + ".args: each needs \"index\" 0-5");
            Result<CmpOp> op = oci_op(arg.value("op", nlohmann::json()));
            if (!op) return at(line, where + ".args: " + op.error().message);
            ArgCondition c;
            c.index = arg["index"].get<int>();
            c.op = *op;
            std::uint64_t value = arg.value("value", std::uint64_t{0}), two = arg.value("valueTwo", std::uint64_t{0});
            if (c.op == CmpOp::masked_eq) {
                c.mask = std::to_string(value);
                c.value = std::to_string(two);
            } else {
                c.value = std::to_string(value);
            }
            c.text = fmt::format("arg{} {} {}", c.index, op_name(c.op), value);
            r.conditions.push_back(std::move(c));
        }
        // includes/excludes (Docker's capability and architecture selectors) are for the
        // runtime that writes the final profile; lstar applies what a plain runtime would.
        p.calls.push_back(std::move(r));
    }
    return p;
}

Result<std::string> write_oci_profile(const Policy& p) {
    nlohmann::ordered_json j;
    auto action_name = [](const Action& a) -> std::string {
        switch (a.kind) {
        case ActionKind::allow: return "SCMP_ACT_ALLOW";
        case ActionKind::log: return "SCMP_ACT_LOG";
        case ActionKind::errno_: return "SCMP_ACT_ERRNO";
        case ActionKind::trap: return "SCMP_ACT_TRAP";
        case ActionKind::kill_thread: return "SCMP_ACT_KILL_THREAD";
        case ActionKind::kill_process: return "SCMP_ACT_KILL_PROCESS";
        }
        return "";
    };
    j["defaultAction"] = action_name(p.default_action);
    if (p.default_action.kind == ActionKind::errno_) j["defaultErrnoRet"] = p.default_action.err;
    nlohmann::ordered_json arches = nlohmann::ordered_json::array();
    for (Abi abi : p.abis) arches.push_back(abi == Abi::x86_64 ? "SCMP_ARCH_X86_64" : abi == Abi::i386 ? "SCMP_ARCH_X86" : "SCMP_ARCH_X32");
    j["architectures"] = arches;
    nlohmann::ordered_json syscalls = nlohmann::ordered_json::array();
    for (const CallRule& r : p.calls) {
        nlohmann::ordered_json e;
        e["names"] = r.calls;
        e["action"] = action_name(r.action);
        if (r.action.kind == ActionKind::errno_) e["errnoRet"] = r.action.err;
        if (!r.conditions.empty()) {
            // Arguments by index and values as numbers, from the x86_64 row's metadata.
            const SyscallDesc* row = r.calls.size() == 1 ? find_syscall(Abi::x86_64, r.calls[0]) : nullptr;
            if (!row) return error(fmt::format("{}: an OCI profile can give conditions only to one x86_64 call per rule", r.origin));
            const EntryMeta& meta = row->effective();
            nlohmann::ordered_json args = nlohmann::ordered_json::array();
            for (const ArgCondition& c : r.conditions) {
                int index = c.index;
                for (int i = 0; index < 0 && i < meta.nargs; ++i)
                    if (meta.args[i].name == c.arg) index = i;
                if (index < 0 || index >= meta.nargs) return error(fmt::format("{}: {} has no argument '{}'", r.origin, row->name, c.arg));
                LSTAR_TRY_ASSIGN(std::uint64_t value, resolve_value(c.value, meta.args[index]));
                std::uint64_t mask = ~std::uint64_t{0};
                if (c.op == CmpOp::masked_eq) {
                    LSTAR_TRY_ASSIGN(mask, resolve_value(c.mask, meta.args[index]));
                }
                // A narrow argument's equality on its low half only, as the kernel reads it.
                bool narrow = meta.args[index].size && meta.args[index].size < 8;
                if (narrow) mask &= (std::uint64_t{1} << (8 * meta.args[index].size)) - 1;
                bool masked = c.op == CmpOp::masked_eq || (c.op == CmpOp::eq && narrow);
                nlohmann::ordered_json a;
                a["index"] = index;
                a["value"] = masked ? mask : value;
                a["valueTwo"] = masked ? value & mask : 0;
                a["op"] = op_name(masked ? CmpOp::masked_eq : c.op);
                args.push_back(a);
            }
            e["args"] = args;
        }
        syscalls.push_back(e);
    }
    nlohmann::ordered_json runtime;
    runtime["names"] = nlohmann::ordered_json::array();
    for (std::string_view name : kRuntimeStartCalls) runtime["names"].push_back(name);
    runtime["action"] = "SCMP_ACT_ALLOW";
    runtime["comment"] = "what the OCI runtime (runc) does between loading this profile and exec'ing the program";
    syscalls.push_back(runtime);
    j["syscalls"] = syscalls;
    return j.dump(2) + "\n";
}

}  // namespace lstar::policy
