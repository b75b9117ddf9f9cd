#include "trace/output.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace lstar {

namespace {

// Big writes of whole lines: a trace is written far more than it is read live.
// A terminal still gets each line as it is written.
void buffer(std::FILE* f) {
    if (::isatty(::fileno(f))) std::setvbuf(f, nullptr, _IOLBF, 1 << 16);
    else std::setvbuf(f, nullptr, _IOFBF, 1 << 16);
}

}  // namespace

TraceOutput::~TraceOutput() {
    if (file_ && file_ != stderr) std::fclose(file_);
    else if (file_) std::fflush(file_);
}

bool TraceOutput::open(const std::string& path, std::string* error, bool append) {
    if (path.empty() || path == "-") {
        buffer(stderr);
        return true;
    }
    struct stat st;
    created_ = ::stat(path.c_str(), &st) != 0;
    // "e": O_CLOEXEC, so the trace file does not leak into the traced program.
    std::FILE* f = std::fopen(path.c_str(), append ? "ae" : "we");
    if (!f) {
        *error = fmt::format("Can't fopen '{}': {}", path, std::strerror(errno));
        return false;
    }
    buffer(f);
    file_ = f;
    path_ = path;
    return true;
}

void TraceOutput::message(std::string_view text) {
    if (file_ == stderr) {
        write(text);
        return;
    }
    std::fflush(stderr);
    std::fwrite(text.data(), 1, text.size(), stderr);
    std::fflush(stderr);
}

void TraceOutput::discard() {
    if (file_ == stderr) return;
    std::fclose(file_);
    file_ = stderr;
    if (created_) ::unlink(path_.c_str());
}

void append_hex_dump(std::string& out, const unsigned char* data, std::size_t len) {
    static constexpr char kHex[] = "0123456789abcdef";
    for (std::size_t off = 0; off < len; off += 16) {
        fmt::format_to(std::back_inserter(out), " | {:05x}  ", off);
        std::size_t n = std::min<std::size_t>(16, len - off);
        for (std::size_t i = 0; i < 16; ++i) {
            if (i < n) {
                out += kHex[data[off + i] >> 4];
                out += kHex[data[off + i] & 0xf];
                out += ' ';
            } else {
                out += "   ";
            }
            if (i == 7) out += ' ';
        }
        out += ' ';
        for (std::size_t i = 0; i < 16; ++i) {
            unsigned char ch = i < n ? data[off + i] : ' ';
            out += (i >= n || (ch >= ' ' && ch < 0x7f)) ? static_cast<char>(ch) : '.';
        }
        out += " |\n";
    }
}

}  // namespace lstar
