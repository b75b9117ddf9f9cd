#include "trace/format.hpp"

#include <string.h>

#include <fmt/format.h>

#include "table/xlat.hpp"
#include "trace/decode_ctx.hpp"

namespace lstar {

void format_args_raw(const Task& task, std::string& out) {
    int n = task.sc ? task.sc->effective().nargs : kMaxArgs;
    for (int i = 0; i < n; ++i) {
        std::uint64_t v = task.arg(i);
        if (task.abi == Abi::i386) v &= 0xffffffffu;
        fmt::format_to(std::back_inserter(out), "{}{:#x}", i ? ", " : "", v);
    }
}

void format_result(const Task& task, std::string& out) {
    std::int64_t ret = task.retval;
    if (is_error_value(ret)) {
        int err = static_cast<int>(-ret);
        std::string_view name = errno_name(err);
        // Restart codes never reach the program: the call did not return (yet).
        bool restart = err >= 512 && err <= 516;
        out += restart ? "? " : "-1 ";
        if (name.empty()) fmt::format_to(std::back_inserter(out), "errno {}", err);
        else out += name;
        std::string_view msg = errno_message(err);
        if (!msg.empty()) fmt::format_to(std::back_inserter(out), " ({})", msg);
        return;
    }
    fmt::format_to(std::back_inserter(out), "{}", ret);
}

std::string signal_name(int signo) {
    std::string name = signal_abbrev_name(signo);
    return name.empty() ? fmt::format("{}", signo) : name;
}

void format_siginfo(const siginfo_t& info, std::string& out) {
    fmt::format_to(std::back_inserter(out), "{{si_signo={}, si_code={}, si_pid={}, si_uid={}}}",
                   signal_name(info.si_signo), info.si_code, info.si_pid, info.si_uid);
}

void pad_to_column(std::string& line, std::size_t written, std::size_t column) {
    std::size_t at = written + line.size();
    if (at < column) line.append(column - at, ' ');
    else line += ' ';
}

// xlat/errno.xlat first (it has the kernel-internal codes), glibc otherwise.
std::string_view errno_name(int err) {
    if (const XlatEntry* e = xlat_find(xlat::Set::errno_, static_cast<std::uint64_t>(err))) return e->name;
    const char* name = strerrorname_np(err);
    return name ? name : "";
}

std::string_view errno_message(int err) {
    if (const XlatEntry* e = xlat_find(xlat::Set::errno_, static_cast<std::uint64_t>(err)); e && !e->msg.empty()) return e->msg;
    const char* msg = strerrordesc_np(err);
    return msg ? msg : "";
}

}  // namespace lstar
