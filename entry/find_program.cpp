#include "entry/find_program.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

namespace lstar {

Result<std::string> find_program(const std::string& name) {
    auto usable = [](const std::string& p) {
        struct stat st;
        return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
    };
    if (name.find('/') != std::string::npos) {
        if (usable(name)) return name;
        return error(fmt::format("cannot run '{}': {}", name,
                                 ::access(name.c_str(), F_OK) == 0 ? "not an executable file" : std::strerror(ENOENT)),
                     ::access(name.c_str(), F_OK) == 0 ? EACCES : ENOENT);
    }
    const char* env = ::getenv("PATH");
    std::string dirs = env ? env : "/usr/local/bin:/usr/bin:/bin";
    std::size_t start = 0;
    while (start <= dirs.size()) {
        std::size_t end = dirs.find(':', start);
        if (end == std::string::npos) end = dirs.size();
        std::string dir = dirs.substr(start, end - start);
        std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
        if (usable(candidate)) return candidate;
        start = end + 1;
    }
    return error(fmt::format("cannot find '{}' in PATH: check the program name or give its path", name), ENOENT);
}

}  // namespace lstar
