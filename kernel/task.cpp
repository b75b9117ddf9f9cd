#include "kernel/task.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

namespace lstar {

std::optional<std::string> proc_link(pid_t id, std::string_view link) {
    std::string path = fmt::format("/proc/{}/{}", id, link);
    char buf[PATH_MAX];
    ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
    if (n < 0) return std::nullopt;
    return std::string(buf, static_cast<std::size_t>(n));
}

std::vector<std::uint64_t> proc_stat(pid_t id) {
    std::string path = fmt::format("/proc/{}/stat", id);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return {};
    char buf[2048];
    ssize_t n = ::read(fd, buf, sizeof buf - 1);
    ::close(fd);
    if (n <= 0) return {};
    buf[n] = '\0';
    // "pid (comm) state ppid ...": the name may hold anything, the fields follow its last ')'.
    const char* p = std::strrchr(buf, ')');
    if (!p) return {};
    std::vector<std::uint64_t> fields = {0, std::strtoull(buf, nullptr, 10), 0};
    for (p += 2; *p && *p != '\n';) {
        char* end = nullptr;
        fields.push_back(std::strtoull(p, &end, 10));  // 0 for a letter (the state)
        const char* next = std::strchr(p, ' ');
        if (!next) break;
        p = next + 1;
    }
    return fields;
}

std::optional<ProcStatus> ProcStatus::read(pid_t id) {
    std::string path = fmt::format("/proc/{}/status", id);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    char buf[4096];
    ssize_t n = ::read(fd, buf, sizeof buf);
    ::close(fd);
    if (n <= 0) return std::nullopt;
    ProcStatus s;
    s.text_.assign("\n").append(buf, static_cast<std::size_t>(n));
    return s;
}

std::string_view ProcStatus::field(std::string_view name) const {
    std::string key = fmt::format("\n{}:", name);
    std::size_t at = text_.find(key);
    if (at == std::string::npos) return {};
    std::size_t from = text_.find_first_not_of(" \t", at + key.size());
    std::size_t to = text_.find('\n', at + key.size());
    if (from == std::string::npos || from > to) return {};
    return std::string_view(text_).substr(from, to == std::string::npos ? std::string::npos : to - from);
}

std::string SyscallState::syscall_name() const {
    if (sc && !sc->name.empty()) return std::string(sc->name);
    return fmt::format("syscall_{:#x}", nr());
}

std::string SyscallState::proc_syscall_line() const {
    if (phase != SyscallPhase::entered) return "running";
    std::string line = fmt::format("{}", static_cast<std::int64_t>(nr()));
    for (int i = 0; i < kMaxArgs; ++i) line += fmt::format(" {:#x}", arg(i));
    line += fmt::format(" {:#x} {:#x}", regs.sp, regs.ip);
    return line;
}

int SyscallState::multiplexed_call(std::uint32_t* args) const {
    if (!sc) return 0;
    Multiplexer m = multiplexer_of(*sc);
    auto calls = subcalls(m);
    if (m == Multiplexer::ipc) {
        std::uint64_t call = arg(0) & 0xffff;
        return call < calls.size() && !calls[call].name.empty() ? static_cast<int>(call) : 0;
    }
    if (m != Multiplexer::socketcall || !mem) return 0;
    std::uint64_t call = arg(0) & 0xffffffffu;
    if (call == 0 || call >= calls.size() || !find_syscall(Abi::i386, calls[call].row)) return 0;
    std::uint32_t read[kMaxArgs] = {};
    if (copy_bytes_from_user(*mem, read, arg(1) & 0xffffffffu, 4u * calls[call].nargs) != 0) return 0;
    if (args) std::copy(std::begin(read), std::end(read), args);
    return static_cast<int>(call);
}

}  // namespace lstar
