#include "kernel/task.hpp"

#include <fmt/format.h>

namespace lstar {

std::string Task::syscall_name() const {
    if (sc && !sc->name.empty()) return std::string(sc->name);
    return fmt::format("syscall_{:#x}", nr());
}

std::string Task::proc_syscall_line() const {
    if (phase != SyscallPhase::entered) return "running";
    std::string line = fmt::format("{}", static_cast<std::int64_t>(nr()));
    for (int i = 0; i < kMaxArgs; ++i) line += fmt::format(" {:#x}", arg(i));
    line += fmt::format(" {:#x} {:#x}", regs.sp, regs.ip);
    return line;
}

}  // namespace lstar
