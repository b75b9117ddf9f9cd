// The policy model's small parts: actions, conditions, ABIs, merging, and
// which format a file is in.
#include "policy/policy.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "table/xlat.hpp"

namespace lstar::policy {

std::string Action::text() const {
    switch (kind) {
    case ActionKind::allow: return "allow";
    case ActionKind::log: return "log";
    case ActionKind::errno_: {
        const XlatEntry* e = xlat_find(xlat::Set::errno_, static_cast<std::uint64_t>(err));
        return e ? fmt::format("errno:{}", e->name) : fmt::format("errno:{}", err);
    }
    case ActionKind::trap: return "trap";
    case ActionKind::kill_thread: return "kill-thread";
    case ActionKind::kill_process: return "kill-process";
    }
    return "?";
}

Result<Action> parse_action(std::string_view text) {
    text = trim_blanks(text);
    if (text == "allow") return Action{ActionKind::allow};
    if (text == "log") return Action{ActionKind::log};
    if (text == "trap") return Action{ActionKind::trap};
    if (text == "kill" || text == "kill-process") return Action{ActionKind::kill_process};
    if (text == "kill-thread") return Action{ActionKind::kill_thread};
    if (text == "errno" || text == "deny") return Action{ActionKind::errno_, EPERM};
    if (text.starts_with("errno:")) {
        std::string_view name = text.substr(6);
        if (const XlatEntry* e = xlat_find(xlat::Set::errno_, name)) return Action{ActionKind::errno_, static_cast<int>(e->value)};
        char* end = nullptr;
        std::string digits(name);
        long n = std::strtol(digits.c_str(), &end, 10);
        if (!digits.empty() && *end == 0 && n > 0 && n < 4096) return Action{ActionKind::errno_, static_cast<int>(n)};
        return error(fmt::format("unknown errno '{}' in action '{}' (an errno name such as EPERM, or a number 1-4095)", name, text));
    }
    return error(fmt::format("unknown action '{}' (allow, log, errno, errno:NAME, trap, kill-thread, kill-process)", text));
}

bool kernel_runs_i386() {
    static const bool runs = [] {
        pid_t pid = ::fork();
        if (pid == 0) {
            long rc = 20;  // i386 getpid
            asm volatile("int $0x80" : "+a"(rc) : : "memory");
            ::_exit(rc == ::getpid() ? 0 : 1);
        }
        int status = 0;
        return pid > 0 && ::waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }();
    return runs;
}

Result<Abi> parse_abi(std::string_view name) {
    if (name == "x86_64" || name == "amd64" || name == "SCMP_ARCH_X86_64") return Abi::x86_64;
    if (name == "i386" || name == "x86" || name == "SCMP_ARCH_X86") return Abi::i386;
    if (name == "x32" || name == "SCMP_ARCH_X32") return Abi::x32;
    return error(fmt::format("unknown ABI '{}' (x86_64, i386, x32)", name));
}

bool Policy::restricts_calls() const {
    if (default_action.denies()) return true;
    for (const CallRule& r : calls)
        if (r.action.denies()) return true;
    return network.no_network;
}

Result<unsigned> parse_glob_access(std::string_view text) {
    if (text == "read") return unsigned{kGlobRead};
    if (text == "write") return unsigned{kGlobWrite};
    if (text == "exec") return unsigned{kGlobExec};
    if (text == "any") return unsigned{kGlobAny};
    return error(fmt::format("unknown access '{}' (read, write, exec or any)", text));
}

void Policy::merge(Policy other) {
    for (CallRule& r : other.calls) calls.push_back(std::move(r));
    for (PathRule& r : other.paths) paths.push_back(std::move(r));
    for (GlobRule& r : other.globs) globs.push_back(std::move(r));
    paths_allowlist = paths_allowlist || other.paths_allowlist;
    network.no_network = network.no_network || other.network.no_network;
    network.restrict_tcp = network.restrict_tcp || other.network.restrict_tcp;
    network.tcp_bind.insert(network.tcp_bind.end(), other.network.tcp_bind.begin(), other.network.tcp_bind.end());
    network.tcp_connect.insert(network.tcp_connect.end(), other.network.tcp_connect.begin(), other.network.tcp_connect.end());
    if (network.origin.empty()) network.origin = other.network.origin;
    scope.signals = scope.signals || other.scope.signals;
    scope.abstract_unix_sockets = scope.abstract_unix_sockets || other.scope.abstract_unix_sockets;
    if (scope.origin.empty()) scope.origin = other.scope.origin;
    best_effort = best_effort || other.best_effort;
}

Result<Policy> load_policy_file(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return error(fmt::format("cannot read policy '{}': {}", path, std::strerror(errno)), errno);
    std::string text;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int err = errno;
            ::close(fd);
            return error(fmt::format("cannot read policy '{}': {}", path, std::strerror(err)), err);
        }
        if (n == 0) break;
        text.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    // An OCI profile is a JSON object; lstar's policies are TOML, which cannot start with '{'.
    std::string_view body = text;
    while (!body.empty() && (body.front() == ' ' || body.front() == '\n' || body.front() == '\t' || body.front() == '\r'))
        body.remove_prefix(1);
    if (body.starts_with("{")) return parse_oci_profile(text, path);
    return parse_toml_policy(text, path);
}

}  // namespace lstar::policy
