#include "entry/ptrace/process_memory.hpp"

#include "kernel/task.hpp"

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace lstar {

namespace {

constexpr std::uint64_t kPageSize = 4096;

// pread/pwrite on /proc/<tid>/mem: slower, but works where process_vm_* refuse.
long proc_mem_io(pid_t tid, std::uint64_t addr, void* buf, std::size_t len, bool write) {
    std::string path = "/proc/" + std::to_string(tid) + "/mem";
    int fd = ::open(path.c_str(), (write ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
    if (fd < 0) return -errno;
    ssize_t n = write ? ::pwrite(fd, buf, len, static_cast<off_t>(addr))
                      : ::pread(fd, buf, len, static_cast<off_t>(addr));
    int err = errno;
    ::close(fd);
    return n < 0 ? -err : n;
}

}  // namespace

long ProcessMemory::read(std::uint64_t addr, void* dst, std::size_t len) {
    iovec local{dst, len};
    iovec remote{reinterpret_cast<void*>(addr), len};
    ssize_t n = ::process_vm_readv(tid_, &local, 1, &remote, 1, 0);
    if (n >= 0) return n;
    if (errno == EFAULT) return -EFAULT;
    return proc_mem_io(tid_, addr, dst, len, false);
}

long ProcessMemory::write(std::uint64_t addr, const void* src, std::size_t len) {
    iovec local{const_cast<void*>(src), len};
    iovec remote{reinterpret_cast<void*>(addr), len};
    ssize_t n = ::process_vm_writev(tid_, &local, 1, &remote, 1, 0);
    if (n == static_cast<ssize_t>(len)) return n;
    // process_vm_writev honours page protections; /proc/<tid>/mem writes like ptrace does.
    return proc_mem_io(tid_, addr, const_cast<void*>(src), len, true);
}

long ProcessMemory::read_string(std::uint64_t addr, char* dst, std::size_t max) {
    // Read page by page so that a string ending just before an unmapped page is found.
    std::size_t done = 0;
    while (done < max) {
        std::uint64_t at = addr + done;
        std::size_t chunk = std::min<std::size_t>(max - done, kPageSize - at % kPageSize);
        long n = read(at, dst + done, chunk);
        if (n <= 0) return -EFAULT;  // faulted before the NUL, as strncpy_from_user does
        if (void* nul = std::memchr(dst + done, '\0', static_cast<std::size_t>(n)))
            return static_cast<long>(static_cast<char*>(nul) - dst);
        done += static_cast<std::size_t>(n);
        if (static_cast<std::size_t>(n) < chunk) return -EFAULT;
    }
    return static_cast<long>(max);
}

std::uint64_t ProcessMemory::scratch(Task& task, std::size_t len) {
    constexpr std::uint64_t kRedZone = 128;
    if (task.regs.sp < kRedZone + len + 4096) return 0;
    return (task.regs.sp - kRedZone - len) & ~15ull;
}

}  // namespace lstar
