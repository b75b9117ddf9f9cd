// The virtual view's shared record: what every process of a session must agree
// on (when the session's clock started, the ownership --fake-root recorded, how
// many random streams were handed out), in one shared memory file. With the
// in-process backend each process runs its own copy of the path, so the record
// cannot live in one process's memory: it is a SessionOutput, its descriptor
// carried into every image, mapped shared in each. (Its memfd is named
// "lstar-view": the in-process backend keeps mappings of memfds named lstar-*
// across an exec it does in the process.)
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kernel/session_output.hpp"
#include "table/result.hpp"

namespace lstar {

// One file's recorded owner (--fake-root's chown, mknod): keyed by device and inode.
struct OwnerRecord {
    std::uint32_t dev_major = 0, dev_minor = 0;
    std::uint64_t ino = 0;
    std::uint32_t uid = 0, gid = 0;
    std::uint32_t mode = 0;  // the file type and permissions to show; 0: the file's own
    std::uint32_t rdev_major = 0, rdev_minor = 0;
    std::uint32_t pad = 0;
};

// --state FILE: the records, one a line after a header line. Fails with a line naming
// the file (and the line) for an unreadable or corrupt file; a missing file is empty.
Result<std::vector<OwnerRecord>> load_state_file(const std::string& path);
// Written whole to a temporary file beside it, then renamed over it.
Status save_state_file(const std::string& path, const std::vector<OwnerRecord>& records);

class ViewStore final : public SessionOutput {
public:
    ViewStore();
    ~ViewStore() override;
    ViewStore(const ViewStore&) = delete;
    ViewStore& operator=(const ViewStore&) = delete;

    // Records to start from, and where to keep them when the session ends (--state).
    void set_state(std::string path, std::vector<OwnerRecord> records);

    Status open() override;
    std::vector<int> fds() const override { return {fd_}; }
    void adopt(std::span<const int> fds) override;
    void flush() override;  // the session that opened it saves --state (when changed)

    // The session's start: CLOCK_REALTIME and CLOCK_MONOTONIC read together, in ns.
    std::int64_t real0_ns() const;
    std::int64_t mono0_ns() const;
    // A new random stream's number (0, 1, 2, ... in the order they are asked for).
    std::uint64_t next_stream();

    std::optional<OwnerRecord> find(std::uint32_t dev_major, std::uint32_t dev_minor, std::uint64_t ino) const;
    // Adds or replaces the record of that file.
    void put(const OwnerRecord& record);

private:
    struct Shared;
    Status map();
    Shared* shared_ = nullptr;
    int fd_ = -1;
    pid_t opener_ = 0;  // the process that made it (and saves --state), 0 in adopters
    std::string state_path_;
    std::vector<OwnerRecord> initial_;
    std::uint64_t saved_generation_ = 0;
    std::uint64_t local_streams_ = 0;  // no record opened: this process's own count
};

}  // namespace lstar
