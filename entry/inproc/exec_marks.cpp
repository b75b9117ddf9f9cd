#include "entry/inproc/exec_marks.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "kernel/task.hpp"

namespace lstar::inproc {

ExecMarks& exec_marks() {
    static ExecMarks marks;
    return marks;
}

namespace {

// The process's start time (clock ticks since boot), 0 when it is gone.
std::uint64_t start_time(pid_t pid) {
    std::vector<std::uint64_t> stat = proc_stat(pid);
    return stat.size() > 22 ? stat[22] : 0;
}

}  // namespace

Status ExecMarks::open() {
    long pid_max = 4194304;  // PID_MAX_LIMIT on 64-bit, when /proc does not say
    if (FILE* f = std::fopen("/proc/sys/kernel/pid_max", "re")) {
        if (std::fscanf(f, "%ld", &pid_max) != 1) pid_max = 4194304;
        std::fclose(f);
    }
    fd_ = ::memfd_create("lstar-exec-marks", MFD_CLOEXEC);
    if (fd_ < 0) return error(fmt::format("cannot make the table of exec'd processes: {}", std::strerror(errno)), errno);
    // Sparse: only the pages of pids that exec'd take memory.
    if (::ftruncate(fd_, static_cast<off_t>(pid_max) * 8) != 0)
        return error(fmt::format("cannot size the table of exec'd processes: {}", std::strerror(errno)), errno);
    return map();
}

void ExecMarks::adopt(std::span<const int> fds) {
    if (words_) ::munmap(words_, count_ * 8);
    words_ = nullptr;
    fd_ = fds.empty() ? -1 : fds[0];
    if (fd_ >= 0) static_cast<void>(map());
}

Status ExecMarks::map() {
    struct stat st{};
    if (::fstat(fd_, &st) != 0) return error(fmt::format("cannot map the table of exec'd processes: {}", std::strerror(errno)), errno);
    void* p = ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
    if (p == MAP_FAILED) return error(fmt::format("cannot map the table of exec'd processes: {}", std::strerror(errno)), errno);
    words_ = static_cast<std::uint64_t*>(p);
    count_ = static_cast<std::size_t>(st.st_size) / 8;
    return {};
}

void ExecMarks::mark(pid_t pid) {
    if (!words_ || pid <= 0 || static_cast<std::size_t>(pid) >= count_) return;
    __atomic_store_n(&words_[pid], start_time(pid), __ATOMIC_RELEASE);
}

bool ExecMarks::marked(pid_t pid) const {
    if (!words_ || pid <= 0 || static_cast<std::size_t>(pid) >= count_) return false;
    std::uint64_t mark = __atomic_load_n(&words_[pid], __ATOMIC_ACQUIRE);
    return mark != 0 && mark == start_time(pid);
}

}  // namespace lstar::inproc
