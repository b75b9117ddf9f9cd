#include "trace/output.hpp"

#include <fcntl.h>
#include <stdio_ext.h>
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

Status TraceOutput::open() {
    const std::string& path = path_;
    if (path.empty() || path == "-") {
        buffer(stderr);
        return {};
    }
    struct stat st;
    created_ = ::stat(path.c_str(), &st) != 0;
    // "e": O_CLOEXEC, so the trace file does not leak into the traced program.
    std::FILE* f = std::fopen(path.c_str(), append_ ? "ae" : "we");
    if (!f) return error(fmt::format("Can't fopen '{}': {}", path, std::strerror(errno)), errno);
    buffer(f);
    file_ = f;
    to_file_ = true;
    return {};
}

void TraceOutput::adopt(std::span<const int> fds) {
    int trace_fd = fds[0], message_fd = fds[1];
    messages_ = ::fdopen(message_fd, "a");
    if (!messages_) messages_ = stderr;
    // Whole lines in one write each: processes of a traced tree share the file.
    file_ = trace_fd == message_fd ? messages_ : ::fdopen(trace_fd, "a");
    if (!file_) file_ = messages_;
    to_file_ = file_ != messages_;
    std::setvbuf(file_, nullptr, _IOFBF, 1 << 16);
    if (messages_ != file_) std::setvbuf(messages_, nullptr, _IOFBF, 1 << 12);
}

bool TraceOutput::file_ends_mid_line() {
    if (!to_file_) return false;
    flush();
    // lstar's own descriptor may be write-only: read through another.
    int fd = ::open(fmt::format("/proc/self/fd/{}", ::fileno(file_)).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    struct stat sb {};
    char last = '\n';
    if (::fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0) ::pread(fd, &last, 1, sb.st_size - 1);
    ::close(fd);
    return last != '\n';
}

bool TraceOutput::pending() const { return __fpending(file_) != 0; }

void TraceOutput::purge() { __fpurge(file_); }

void TraceOutput::message(std::string_view text) {
    if (file_ == messages_) {
        write(text);
        return;
    }
    std::fflush(messages_);
    std::fwrite(text.data(), 1, text.size(), messages_);
    std::fflush(messages_);
}

void TraceOutput::discard() {
    if (file_ == stderr) return;
    std::fclose(file_);
    file_ = stderr;
    to_file_ = false;
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
