// --emulate NAME=VALUE: a call that is not run and returns VALUE.
#include <cerrno>
#include <charconv>

#include <fmt/format.h>

#include "handlers/handlers.hpp"
#include "table/xlat.hpp"

namespace lstar {

namespace {

// "42", "-1", or "-ENOENT" (an errno name).
bool parse_result(std::string_view text, std::int64_t* value) {
    if (text.size() > 2 && text.substr(0, 2) == "-E") {
        const XlatEntry* err = xlat_find("errno", text.substr(1));
        if (!err || err->value == 0 || err->value >= 4096) return false;
        *value = -static_cast<std::int64_t>(err->value);
        return true;
    }
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *value);
    return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

Status Handlers::bind_constant_result(SyscallPath& path, std::string_view spec) {
    auto eq = spec.find('=');
    std::int64_t value = 0;
    if (eq == std::string_view::npos || !parse_result(spec.substr(eq + 1), &value))
        return error(fmt::format("invalid --emulate '{}': expected NAME=NUMBER or NAME=-ERRNO, e.g. getpid=4242", spec),
                     EINVAL);
    std::string_view name = spec.substr(0, eq);
    if (path.bind_name(name, [value](Task&) { return emulated(value); }) == 0)
        return error(fmt::format("invalid --emulate '{}': unknown system call '{}'", spec, name), EINVAL);
    return {};
}

}  // namespace lstar
