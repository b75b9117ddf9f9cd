// The seccomp-bpf prefilter, generated from the tables and the path's needs and
// loaded into the tracee before exec. Calls that some hook or handler needs
// return SECCOMP_RET_TRACE (a ptrace stop); all others stay in the host
// kernel's fast path. The architecture is checked first and x32 numbers (bit
// 30) are told from x86_64 ones, so that every call of every ABI a task may
// use is matched against its own table: nothing selected escapes.
#pragma once

#include <linux/filter.h>

#include <functional>
#include <vector>

#include "kernel/syscall_path.hpp"

namespace lstar {

class SeccompPrefilter {
public:
    // `also`: calls the backend itself must see, whatever the path needs.
    explicit SeccompPrefilter(const SyscallPath& path, const std::function<bool(const SyscallDesc&)>& also = {});

    // Nothing needs a stop: no filter is needed at all.
    bool stops_nothing() const { return stops_nothing_; }
    // Everything needs a stop: PTRACE_SYSCALL does that without running a filter.
    bool stops_everything() const { return stops_everything_; }
    const std::vector<sock_filter>& program() const { return program_; }
    // Loads the filter into the calling process (after fork, before exec). Sets errno.
    bool load() const;

private:
    std::vector<sock_filter> program_;
    bool stops_nothing_ = true;
    bool stops_everything_ = true;
};

}  // namespace lstar
