#include "trace/pipe_channel.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace lstar {

PipeChannel::~PipeChannel() {
    for (int fd : {read_fd_, write_fd_})
        if (fd >= 0) ::close(fd);
}

std::vector<int> PipeChannel::fds() const {
    if (write_fd_ < 0 && !adopted_) {
        int p[2];
        // Close-on-exec: only the copies a backend makes on purpose reach a program.
        if (::pipe2(p, O_CLOEXEC) != 0) return {};
        read_fd_ = p[0];
        write_fd_ = p[1];
    }
    return {write_fd_};
}

void PipeChannel::adopt(std::span<const int> fds) {
    if (read_fd_ >= 0) ::close(read_fd_);
    read_fd_ = -1;
    write_fd_ = fds.empty() ? -1 : fds[0];
    adopted_ = true;
}

void PipeChannel::handed_on() {
    if (write_fd_ >= 0) ::close(write_fd_);
    write_fd_ = -1;
}

bool PipeChannel::collect() {
    char buf[8192];
    ssize_t n = ::read(read_fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) return true;
    if (n <= 0) {
        ::close(read_fd_);
        read_fd_ = -1;
        return false;
    }
    pending_.append(buf, static_cast<std::size_t>(n));
    pending_.erase(0, take(pending_));
    return true;
}

bool PipeChannel::write_whole(std::string_view data) {
    for (;;) {
        ssize_t w = ::write(write_fd_, data.data(), data.size());
        if (w >= 0) return true;
        if (errno != EINTR) return false;
    }
}

}  // namespace lstar
