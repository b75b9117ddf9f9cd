// What the in-process backend's images send back to the session (-c's counts,
// lstar top's events): a pipe, as a SessionOutput. In the session both ends
// until the backend has carried the write end away, then the read end, which
// the backend polls (collect); in an image the write end alone (adopted).
// Writers keep each write whole (at most PIPE_BUF bytes, whole records), so the
// images' records never interleave.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "kernel/session_output.hpp"

namespace lstar {

class PipeChannel : public SessionOutput {
public:
    ~PipeChannel() override;
    std::vector<int> fds() const override;
    void adopt(std::span<const int> fds) override;
    void handed_on() override;
    int collect_fd() const override { return adopted_ ? -1 : read_fd_; }
    bool collect() override;
    bool adopted() const { return adopted_; }

protected:
    // The session's side: the whole records at the start of `data`, taken;
    // returns how many bytes they were (the rest waits for more).
    virtual std::size_t take(std::string_view data) = 0;
    // An image's side: one write, retried on EINTR; false if the session is gone.
    bool write_whole(std::string_view data);

private:
    mutable int read_fd_ = -1, write_fd_ = -1;
    bool adopted_ = false;
    std::string pending_;  // the session's part of a record read so far
};

}  // namespace lstar
