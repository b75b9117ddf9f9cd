#include "policy/learner.hpp"
#include "policy/task_paths.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <elf.h>

#include <cctype>
#include <fstream>
#include <climits>
#include <cstring>

#include <fmt/format.h>

#include "table/xlat.hpp"

namespace lstar::policy {

namespace {

// The arguments whose values decide what a call does, and which a learned policy
// pins to the values seen (the list: socket families, ioctl requests,
// clone flags, prctl options, fcntl commands, personality, memory protections).
constexpr std::pair<std::string_view, std::string_view> kDecidingArgs[] = {
    {"socket", "family"}, {"ioctl", "cmd"},  {"clone", "clone_flags"}, {"prctl", "option"},
    {"fcntl", "cmd"},     {"personality", "personality"}, {"mmap", "prot"}, {"mprotect", "prot"},
};

std::string parent_of(const std::string& path) {
    std::size_t slash = path.find_last_of('/');
    return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

// Per-process and per-terminal names vary between runs: /proc/1234/... is /proc,
// /dev/pts/3 is /dev/pts.
std::string stable(const std::string& path) {
    if (path.starts_with("/proc/")) return "/proc";
    if (path.starts_with("/dev/pts/")) return "/dev/pts";
    return path;
}

bool is_dir(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// A value by its constant's name (a flag set's bits by theirs, joined by '|').
// The interpreter the kernel opens (and Landlock checks for execute) when it runs
// this file: a script's #! line, an ELF program's PT_INTERP; "" when none.
std::string interpreter_of(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    char head[256] = {};
    in.read(head, sizeof head);
    std::size_t n = static_cast<std::size_t>(in.gcount());
    if (n > 2 && head[0] == '#' && head[1] == '!') {
        std::string line(head + 2, n - 2);
        line = line.substr(0, line.find('\n'));
        std::size_t start = line.find_first_not_of(" \t");
        if (start == std::string::npos) return "";
        return line.substr(start, line.find_first_of(" \t", start) - start);
    }
    if (n < sizeof(Elf64_Ehdr) || std::memcmp(head, ELFMAG, SELFMAG) != 0 || head[EI_CLASS] != ELFCLASS64) return "";
    Elf64_Ehdr eh;
    std::memcpy(&eh, head, sizeof eh);
    for (int i = 0; i < eh.e_phnum; ++i) {
        Elf64_Phdr ph{};
        in.clear();
        in.seekg(static_cast<std::streamoff>(eh.e_phoff + static_cast<std::uint64_t>(i) * eh.e_phentsize));
        in.read(reinterpret_cast<char*>(&ph), sizeof ph);
        if (ph.p_type != PT_INTERP || ph.p_filesz == 0 || ph.p_filesz > 4096) continue;
        std::string interp(ph.p_filesz, '\0');
        in.seekg(static_cast<std::streamoff>(ph.p_offset));
        in.read(interp.data(), static_cast<std::streamsize>(ph.p_filesz));
        return interp.c_str();
    }
    return "";
}

std::string constant_text(const ArgMeta& meta, std::uint64_t value) {
    if (!meta.param.empty()) {
        if (const XlatEntry* e = xlat_find(meta.param, value)) return std::string(e->name);
        const XlatSet* set = find_xlat_set(meta.param);
        if (set && set->kind == XlatKind::flags && value) {
            std::string out;
            std::uint64_t left = value;
            for (const XlatEntry& e : set->entries)
                if (e.value && (left & e.value) == e.value && (e.value & (e.value - 1)) == 0) {
                    out += (out.empty() ? "" : "|") + std::string(e.name);
                    left &= ~e.value;
                }
            if (!left) return out;
        }
    }
    return fmt::format("{:#x}", value);
}

}  // namespace

Verdict Learner::on_enter(Task& task) {
    if (!task.sc || task.sc->name.empty()) return Verdict::proceed;
    const SyscallDesc& row = *task.sc;
    std::string name(row.name);
    const EntryMeta& e = row.effective();
    bool pinned = false;
    for (auto [call, arg] : kDecidingArgs) {
        if (name != call) continue;
        for (int i = 0; i < e.nargs; ++i)
            if (e.args[i].name == arg) {
                std::uint64_t v = task.arg(i);
                if (e.args[i].size && e.args[i].size < 8) v &= (std::uint64_t{1} << (8 * e.args[i].size)) - 1;
                values_[{row.abi, name, i}].insert(v);
                pinned = true;
            }
    }
    if (!pinned) calls_[row.abi].insert(name);
    else calls_[row.abi];  // the ABI was seen
    learn_paths(task, row);
    learn_port(task, row);
    return Verdict::proceed;
}

void Learner::learn_paths(Task& task, const SyscallDesc& row) {
    if (!task.mem) return;
    const EntryMeta& e = row.effective();
    std::string_view entry = e.entry;
    for (int i = 0; i < e.nargs; ++i) {
        if (e.args[i].kind != ArgKind::path) continue;
        char name[PATH_MAX];
        long n = task.mem->read_string(task.arg(i), name, sizeof name - 1);
        if (n <= 0) continue;
        name[n] = 0;
        std::int64_t dirfd = i > 0 && e.args[i - 1].kind == ArgKind::dirfd ? static_cast<std::int32_t>(task.arg(i - 1)) : AT_FDCWD;
        std::string path = resolve_task_path(task, dirfd, name);
        // What Landlock checks for the call (stat, access and the like it does not).
        unsigned access = 0;
        std::string where = path;
        if (entry.find("execve") != std::string_view::npos) {
            access = kAccessRead | kAccessExec;
            where = parent_of(path);
            // What the kernel runs it with is checked for execute too.
            std::string interp = interpreter_of(path);
            for (int depth = 0; !interp.empty() && depth < 4; ++depth) {
                char buf[PATH_MAX];
                std::string real = ::realpath(interp.c_str(), buf) ? buf : interp;
                paths_[stable(parent_of(real))] |= kAccessRead | kAccessExec;
                interp = interpreter_of(real);
            }
        } else if (entry.find("open") != std::string_view::npos || entry == "sys_creat") {
            int flags_at = -1;
            for (int j = 0; j < e.nargs; ++j)
                if (e.args[j].name == "flags") flags_at = j;
            std::uint64_t flags = entry == "sys_creat" ? O_WRONLY | O_CREAT : flags_at >= 0 ? task.arg(flags_at) : 0;
            bool writes = (flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC));
            access = writes ? kAccessRead | kAccessWrite | kAccessMake | kAccessRemove : kAccessRead;
            if (!is_dir(path)) where = parent_of(path);
            if (!is_dir(where)) continue;  // a probe of a directory that is not there
        } else if (entry.find("mkdir") != std::string_view::npos || entry.find("unlink") != std::string_view::npos ||
                   entry.find("rmdir") != std::string_view::npos || entry.find("rename") != std::string_view::npos ||
                   entry.find("link") != std::string_view::npos || entry.find("mknod") != std::string_view::npos ||
                   entry.find("truncate") != std::string_view::npos) {
            if (entry.find("readlink") != std::string_view::npos) continue;
            access = kAccessRead | kAccessWrite | kAccessMake | kAccessRemove;
            where = parent_of(path);
        }
        if (access) paths_[stable(where)] |= access;
    }
}

void Learner::learn_port(Task& task, const SyscallDesc& row) {
    bool bind = row.name == "bind", connect = row.name == "connect";
    if ((!bind && !connect) || !task.mem) return;
    sockaddr_storage sa{};
    long n = task.mem->read(task.arg(1), &sa, sizeof(sockaddr_in6));
    if (n < static_cast<long>(sizeof(sockaddr_in))) return;
    std::uint16_t port = 0;
    if (sa.ss_family == AF_INET) port = ntohs(reinterpret_cast<sockaddr_in*>(&sa)->sin_port);
    else if (sa.ss_family == AF_INET6) port = ntohs(reinterpret_cast<sockaddr_in6*>(&sa)->sin6_port);
    else return;
    (bind ? bind_ports_ : connect_ports_).insert(port);
}

Policy Learner::policy() const {
    Policy p;
    p.default_action = {ActionKind::errno_, EPERM};
    p.abis.clear();
    for (const auto& [abi, names] : calls_) {
        p.abis.push_back(abi);
        if (names.empty()) continue;
        CallRule r;
        r.origin = "learned";
        r.calls.assign(names.begin(), names.end());
        r.action = {ActionKind::allow, 0};
        r.abis = {abi};
        p.calls.push_back(std::move(r));
    }
    for (const auto& [key, values] : values_) {
        auto& [abi, call, index] = key;
        const SyscallDesc* row = find_syscall(abi, call);
        if (!row) continue;
        const ArgMeta& meta = row->effective().args[index];
        for (std::uint64_t v : values) {
            CallRule r;
            r.origin = "learned";
            r.calls = {call};
            r.action = {ActionKind::allow, 0};
            r.abis = {abi};
            std::string text = constant_text(meta, v);
            r.conditions.push_back({std::string(meta.name), index, CmpOp::eq, text, "", fmt::format("{} == {}", meta.name, text)});
            p.calls.push_back(std::move(r));
        }
    }
    // A directory rule covers what is beneath it with the same rights.
    for (const auto& [path, access] : paths_) {
        bool covered = false;
        for (const auto& [other, other_access] : paths_)
            if (other != path && (other == "/" || path.starts_with(other + "/")) && (other_access & access) == access) covered = true;
        if (!covered) p.paths.push_back({"learned", path, access});
    }
    p.paths_allowlist = !p.paths.empty();
    if (!bind_ports_.empty() || !connect_ports_.empty()) {
        p.network.restrict_tcp = true;
        p.network.tcp_bind.assign(bind_ports_.begin(), bind_ports_.end());
        p.network.tcp_connect.assign(connect_ports_.begin(), connect_ports_.end());
    }
    return p;
}

namespace {

std::string toml_string(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

std::string toml_list(const std::vector<std::string>& items) {
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + toml_string(items[i]);
    return out + "]";
}

}  // namespace

std::string write_toml_policy(const Policy& p, const std::string& comment) {
    std::string out = "# " + comment + "\nversion = 1\n";
    out += fmt::format("default = {}\n", toml_string(p.default_action.text()));
    std::vector<std::string> abis;
    for (Abi abi : p.abis) abis.emplace_back(abi_name(abi));
    out += "abi = " + toml_list(abis) + "\n";
    // Whole-call rules with the same action and ABIs become one.
    std::map<std::pair<std::string, std::string>, std::set<std::string>> whole;
    std::set<std::string> written;
    std::string conditional;
    for (const CallRule& r : p.calls) {
        std::vector<std::string> rabis;
        for (Abi abi : r.abis) rabis.emplace_back(abi_name(abi));
        std::string abi_line = rabis.empty() ? "" : "abi = " + toml_list(rabis) + "\n";
        if (r.conditions.empty()) {
            whole[{r.action.text(), abi_line}].insert(r.calls.begin(), r.calls.end());
            continue;
        }
        std::vector<std::string> when;
        for (const ArgCondition& c : r.conditions) when.push_back(c.text);
        std::string rule = fmt::format("\n[[rule]]\ncalls = {}\naction = {}\nwhen = {}\n{}", toml_list(r.calls),
                                       toml_string(r.action.text()), toml_list(when), abi_line);
        if (written.insert(rule).second) conditional += rule;
    }
    for (const auto& [key, names] : whole)
        out += fmt::format("\n[[rule]]\ncalls = {}\naction = {}\n{}", toml_list({names.begin(), names.end()}),
                           toml_string(key.first), key.second);
    out += conditional;
    if (!p.paths.empty()) {
        // Each path under the key that grants exactly its rights (or the nearest wider).
        std::map<std::string, std::vector<std::string>> keys;
        for (const PathRule& r : p.paths) {
            std::string key = r.access == 0                                  ? "deny"
                              : r.access == kAccessRead                      ? "read"
                              : r.access == (kAccessRead | kAccessExec)      ? "exec"
                              : (r.access & ~kAccessExec) == (kAccessAll & ~kAccessExec) && !(r.access & kAccessExec) ? "write"
                                                                             : "full";
            keys[key].push_back(r.path);
        }
        out += "\n[paths]\n";
        for (auto& [key, list] : keys) {
            std::sort(list.begin(), list.end());
            list.erase(std::unique(list.begin(), list.end()), list.end());
            out += fmt::format("{} = {}\n", key, toml_list(list));
        }
    }
    if (p.network.no_network || p.network.restrict_tcp) {
        out += "\n[network]\n";
        if (p.network.no_network) out += "none = true\n";
        if (p.network.restrict_tcp)
            out += fmt::format("tcp_bind = [{}]\ntcp_connect = [{}]\n", fmt::join(p.network.tcp_bind, ", "),
                               fmt::join(p.network.tcp_connect, ", "));
    }
    return out;
}

}  // namespace lstar::policy
