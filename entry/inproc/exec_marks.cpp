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

namespace lstar::inproc {

ExecMarks& exec_marks() {
    static ExecMarks marks;
    return marks;
}

ProcStat proc_stat(pid_t pid) {
    ProcStat out;
    std::string path = fmt::format("/proc/{}/stat", pid);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return out;
    char buf[1024];
    ssize_t n = ::read(fd, buf, sizeof buf - 1);
    ::close(fd);
    if (n <= 0) return out;
    buf[n] = '\0';
    // "pid (comm) state ppid ...": the name may hold anything, the fields follow its last ')'.
    char* p = std::strrchr(buf, ')');
    if (!p) return out;
    p += 2;
    for (int field = 3; field < 22 && *p; ++field) {
        if (field == 4) out.ppid = static_cast<pid_t>(std::strtol(p, nullptr, 10));
        p = std::strchr(p, ' ');
        if (!p) return out;
        ++p;
    }
    out.start_time = std::strtoull(p, nullptr, 10);
    return out;
}

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
    __atomic_store_n(&words_[pid], proc_stat(pid).start_time, __ATOMIC_RELEASE);
}

bool ExecMarks::marked(pid_t pid) const {
    if (!words_ || pid <= 0 || static_cast<std::size_t>(pid) >= count_) return false;
    std::uint64_t mark = __atomic_load_n(&words_[pid], __ATOMIC_ACQUIRE);
    return mark != 0 && mark == proc_stat(pid).start_time;
}

}  // namespace lstar::inproc
