#include "trace/output.hpp"

#include <fcntl.h>
#include <stdio_ext.h>
#include <sys/mman.h>
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

// All of `data` to fd, as far as it goes (what cannot be written is lost, as with fwrite).
void write_out(int fd, const char* data, std::size_t len) {
    for (std::size_t done = 0; done < len;) {
        ssize_t n = ::write(fd, data + done, len - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        done += static_cast<std::size_t>(n);
    }
}

}  // namespace

// The trace's buffer where the in-process backend's processes write it
// (share_buffer): a memfd every image maps, so that the supervisor can write out
// what a process killed by a signal (SIGKILL included) had not written yet.
// Used while one process alone writes the trace (its threads under the runtime's
// lock), and only for a regular file, whose offset tells how much of a write
// that was under way when the process died had been made.
struct TraceOutput::SharedBuffer {
    static constexpr std::size_t kHeader = 4096, kCapacity = 1 << 16, kSize = kHeader + kCapacity;
    std::uint32_t direct;        // set once more than one process writes: unused from then on
    std::uint32_t writing;       // a write of data[0, filled) is under way ...
    std::int64_t offset_before;  // ... from this file offset
    std::uint64_t filled;        // bytes of whole calls' text waiting in data
    char* data() { return reinterpret_cast<char*>(this) + kHeader; }
};

bool TraceOutput::buffered() const { return shared_writer_ && !__atomic_load_n(&shared_->direct, __ATOMIC_ACQUIRE); }

std::vector<int> TraceOutput::fds() const {
    if (!share_wanted_) return {::fileno(file_), ::fileno(messages_)};
    return {::fileno(file_), ::fileno(messages_), shared_fd_};
}

void TraceOutput::share_buffer(bool make) {
    share_wanted_ = true;
    if (!make || shared_) return;
    int fd = ::memfd_create("lstar-trace-buffer", MFD_CLOEXEC);
    if (fd < 0 || ::ftruncate(fd, SharedBuffer::kSize) != 0) {
        if (fd >= 0) ::close(fd);
        return;  // no buffer: each process writes its lines at each call
    }
    void* at = ::mmap(nullptr, SharedBuffer::kSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (at == MAP_FAILED) {
        ::close(fd);
        return;
    }
    shared_ = static_cast<SharedBuffer*>(at);
    shared_fd_ = fd;
}

void TraceOutput::append(std::string_view text) {
    SharedBuffer& b = *shared_;
    if (b.filled + text.size() > SharedBuffer::kCapacity) write_shared();
    if (text.size() > SharedBuffer::kCapacity)  // a line longer than the buffer goes out at once
        return write_out(::fileno(file_), text.data(), text.size());
    std::memcpy(b.data() + b.filled, text.data(), text.size());
    __atomic_store_n(&b.filled, b.filled + text.size(), __ATOMIC_RELEASE);
}

// What waits, written out; the offset first, so that the supervisor can tell how
// much of it went out if this process dies meanwhile.
void TraceOutput::write_shared() {
    SharedBuffer& b = *shared_;
    if (b.filled == 0) return;
    int fd = ::fileno(file_);
    b.offset_before = ::lseek(fd, 0, SEEK_CUR);
    __atomic_store_n(&b.writing, 1, __ATOMIC_RELEASE);
    write_out(fd, b.data(), b.filled);
    __atomic_store_n(&b.filled, 0, __ATOMIC_RELEASE);
    __atomic_store_n(&b.writing, 0, __ATOMIC_RELEASE);
}

void TraceOutput::flush() {
    if (buffered()) write_shared();
    else std::fflush(file_);
}

void TraceOutput::shared_by_processes() {
    if (!buffered()) return;
    write_shared();
    __atomic_store_n(&shared_->direct, 1, __ATOMIC_RELEASE);
}

// In the supervisor, once the process that wrote is gone: what it left, from
// where its last write stopped.
void TraceOutput::recover() {
    if (!shared_ || shared_->direct || shared_->filled == 0) return;
    SharedBuffer& b = *shared_;
    std::fflush(file_);
    std::size_t from = 0;
    if (b.writing && b.offset_before >= 0) {
        off_t now = ::lseek(::fileno(file_), 0, SEEK_CUR);
        if (now >= b.offset_before) from = std::min<std::uint64_t>(b.filled, static_cast<std::uint64_t>(now - b.offset_before));
    }
    write_out(::fileno(file_), b.data() + from, b.filled - from);
    b.filled = 0;
    b.writing = 0;
}

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
    if (!share_wanted_ || fds.size() < 3 || fds[2] < 0) return;
    shared_fd_ = fds[2];
    void* at = ::mmap(nullptr, SharedBuffer::kSize, PROT_READ | PROT_WRITE, MAP_SHARED, shared_fd_, 0);
    if (at == MAP_FAILED) return;
    shared_ = static_cast<SharedBuffer*>(at);
    struct stat st {};
    shared_writer_ = to_file_ && ::fstat(trace_fd, &st) == 0 && S_ISREG(st.st_mode);
    // What an image that exec'd left is the open line of its execve, which this
    // image reports whole (as the text a kernel exec drops from a stdio buffer).
    if (buffered()) shared_->filled = 0;
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

// With the shared buffer, the text of whole calls waits until the buffer is full
// or a flush is asked for.
bool TraceOutput::pending() const { return !buffered() && __fpending(file_) != 0; }

void TraceOutput::purge() {
    if (buffered()) shared_->filled = 0;
    else __fpurge(file_);
}

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
