#include "trace/output.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace lstar {

TraceOutput::~TraceOutput() {
    if (file_ && file_ != stderr) std::fclose(file_);
    else if (file_) std::fflush(file_);
}

bool TraceOutput::open(const std::string& path, std::string* error) {
    if (path.empty() || path == "-") return true;
    std::FILE* f = std::fopen(path.c_str(), "w");
    if (!f) {
        *error = fmt::format("cannot open '{}' for writing: {}", path, std::strerror(errno));
        return false;
    }
    // Whole lines in big writes: a trace is written far more than it is read live.
    std::setvbuf(f, nullptr, _IOFBF, 1 << 16);
    file_ = f;
    path_ = path;
    return true;
}

void TraceOutput::discard() {
    if (file_ == stderr) return;
    std::fclose(file_);
    file_ = stderr;
    ::unlink(path_.c_str());
}

}  // namespace lstar
