// User memory of a traced task through process_vm_readv / process_vm_writev,
// falling back to /proc/<tid>/mem for pages those refuse (e.g. read-only
// mappings the tracer must patch).
#pragma once

#include <sys/types.h>

#include "kernel/user_memory.hpp"

namespace lstar {

class ProcessMemory final : public UserMemory {
public:
    explicit ProcessMemory(pid_t tid) : tid_(tid) {}
    void retarget(pid_t tid) { tid_ = tid; }
    long read(std::uint64_t addr, void* dst, std::size_t len) override;
    long write(std::uint64_t addr, const void* src, std::size_t len) override;
    long read_string(std::uint64_t addr, char* dst, std::size_t max) override;
    // Below the stack's red zone: the kernel reads a call's arguments before the task
    // runs again, and nothing else writes there while the task is stopped.
    std::uint64_t scratch(Task& task, std::size_t len) override;

private:
    pid_t tid_;
};

}  // namespace lstar
