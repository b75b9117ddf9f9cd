// A policy: what a sandboxed program may do, as lstar's own TOML file
// (docs/policy.md), an OCI/Docker seccomp profile or the command line's
// shorthands say it. Calls are named as the table names them (or by %class),
// arguments by the names tbl/signatures.tbl gives them, constants by their
// xlat names; nothing here knows a call number. policy/seccomp_filter.cpp
// turns the call rules into seccomp-bpf per ABI, policy/landlock.cpp the path
// and network rules into a Landlock domain.
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "table/arg_condition.hpp"
#include "table/result.hpp"
#include "table/syscall_table.hpp"

namespace lstar::policy {

// What happens to a call, in the kernel's order of precedence when several
// apply (seccomp takes the most restrictive of its filters' answers).
enum class ActionKind : std::uint8_t { allow, log, errno_, trap, kill_thread, kill_process };

struct Action {
    ActionKind kind = ActionKind::allow;
    int err = 0;  // errno_: the error the call fails with

    // "allow", "log", "errno:EPERM", "trap", "kill-thread", "kill-process".
    std::string text() const;
    // Higher is more restrictive (the kernel's precedence).
    int rank() const { return static_cast<int>(kind); }
    bool denies() const { return kind != ActionKind::allow && kind != ActionKind::log; }
    friend bool operator==(const Action&, const Action&) = default;
};

// "allow", "log", "errno" (EPERM), "errno:ENOENT", "trap", "kill" / "kill-process", "kill-thread".
Result<Action> parse_action(std::string_view text);

struct CallRule {
    std::string origin;                   // where it was written: "policy.toml:12", "--deny"
    std::vector<std::string> calls;       // call names or %classes, as the table spells them
    std::vector<ArgCondition> conditions; // all must hold (none: the whole call)
    Action action;
    // ABIs it applies to (empty: every ABI of the policy).
    std::vector<Abi> abis;
    // Names the table does not have are skipped, not an error (an OCI profile names
    // the calls of every architecture).
    bool skip_unknown = false;
    // With a limit: the first `limit` matching calls are allowed (counted over the
    // whole run by the supervisor, every process together), the later ones get
    // `action`. The kernel cannot count: such a rule is a supervised one.
    std::int64_t limit = -1;
};

// Landlock's file-system rights, grouped as a policy names them.
enum PathAccess : unsigned {
    kAccessRead = 1u << 0,    // read files, list directories
    kAccessWrite = 1u << 1,   // write and truncate files
    kAccessExec = 1u << 2,    // execute files
    kAccessMake = 1u << 3,    // create files, directories, links, devices, sockets, fifos
    kAccessRemove = 1u << 4,  // remove and rename away files and directories
    kAccessAll = kAccessRead | kAccessWrite | kAccessExec | kAccessMake | kAccessRemove,
};

// A path rule: what may be done beneath `path` (a file or a directory). The most
// specific rule for a file decides (a `deny` inside a `write` tree takes away).
struct PathRule {
    std::string origin;
    std::string path;
    unsigned access = 0;  // PathAccess bits; 0: nothing (deny)
};

// A supervised rule (docs/policy.md, "Supervised rules"): a glob over the real
// path a call reaches, decided by lstar's supervisor, which performs the call
// itself (policy/supervisor.cpp). What Landlock cannot say: patterns, counts, log.
enum GlobAccess : unsigned {
    kGlobRead = 1u << 0,   // opened for reading (or O_PATH)
    kGlobWrite = 1u << 1,  // opened for writing, created, truncated (or O_PATH)
    kGlobExec = 1u << 2,   // run by execve/execveat
    kGlobAny = kGlobRead | kGlobWrite | kGlobExec,
};

struct GlobRule {
    std::string origin;   // "policy.toml:12", "--deny-glob /home/*/.ssh/**"
    std::string glob;     // absolute, or starting with **/ (policy/glob.hpp)
    unsigned access = kGlobAny;
    Action action{ActionKind::errno_, EACCES};
    // With a limit: the first `limit` matching calls are allowed (counted over the
    // whole run), the later ones get `action`.
    std::int64_t limit = -1;
    // action "ask": the user decides each matching call at lstar's terminal (or
    // once for the run, per real path); `action` is the answer "no" gives.
    bool ask = false;
};

// "read", "write", "exec", "any".
Result<unsigned> parse_glob_access(std::string_view text);

struct NetworkRules {
    bool no_network = false;             // no sockets but AF_UNIX
    bool restrict_tcp = false;           // TCP bind/connect only to the ports below
    std::vector<std::uint16_t> tcp_bind;
    std::vector<std::uint16_t> tcp_connect;
    std::string origin;
};

// Landlock scopes (ABI 6): what the program may reach only inside its own
// domain (itself and the processes it starts).
struct ScopeRules {
    bool signals = false;                // signals, SIGIO and SIGURG of F_SETOWN included
    bool abstract_unix_sockets = false;  // connect/sendto to abstract AF_UNIX sockets
    std::string origin;
    bool any() const { return signals || abstract_unix_sockets; }
};

struct Policy {
    std::string source;               // the file it came from, "" for the command line alone
    Action default_action;            // for calls no rule names
    std::vector<Abi> abis{Abi::x86_64, Abi::i386};  // the ABIs the policy models; others are denied
    std::vector<CallRule> calls;
    std::vector<PathRule> paths;
    std::vector<GlobRule> globs;  // supervised, first match decides
    // Whether paths no rule names are out of reach (a read/write/exec/make/remove
    // rule was given) or within it (only deny and read-only rules).
    bool paths_allowlist = false;
    NetworkRules network;
    ScopeRules scope;
    // Landlock features the kernel lacks: an error (false) or a warning (true).
    bool best_effort = false;

    bool restricts_paths() const { return !paths.empty(); }
    bool supervised() const { return !first_supervised_origin().empty(); }
    // Where the first rule only the supervisor can decide (a glob, a limit) was written.
    std::string first_supervised_origin() const {
        if (!globs.empty()) return globs.front().origin;
        auto counted = std::find_if(calls.begin(), calls.end(), [](const CallRule& r) { return r.limit >= 0; });
        return counted == calls.end() ? std::string() : counted->origin;
    }
    bool restricts_calls() const;
    // Adds another policy's rules (an include, or a policy given beside shorthands).
    void merge(Policy other);
};

// Loads a policy file: lstar's TOML, or an OCI/Docker seccomp profile (JSON),
// told apart by content. Errors name file:line.
Result<Policy> load_policy_file(const std::string& path);
Result<Policy> parse_toml_policy(std::string_view text, const std::string& source);
Result<Policy> parse_oci_profile(std::string_view text, const std::string& source);

// An OCI runtime-spec linux.seccomp profile of the policy's call rules, whose
// conditions must be numeric with argument indexes (as `policy learn` makes them).
Result<std::string> write_oci_profile(const Policy& policy);

// Whether the running kernel runs i386 calls (int $0x80 from a 64-bit process
// returns instead of SIGSEGV: ia32 emulation is on). Probed once, in a child.
bool kernel_runs_i386();

// Text without its leading and trailing blanks (spaces, tabs).

// "abi" names as policies spell them: "x86_64", "i386" (also "x86"), "x32".
Result<Abi> parse_abi(std::string_view name);

}  // namespace lstar::policy
