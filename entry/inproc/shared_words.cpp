#include "entry/inproc/shared_words.hpp"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

namespace lstar::inproc {

std::size_t pid_limit() {
    long pid_max = 4194304;  // PID_MAX_LIMIT on 64-bit, when /proc does not say
    if (FILE* f = std::fopen("/proc/sys/kernel/pid_max", "re")) {
        if (std::fscanf(f, "%ld", &pid_max) != 1) pid_max = 4194304;
        std::fclose(f);
    }
    return static_cast<std::size_t>(pid_max);
}

Status SharedWords::create(const char* name, std::size_t count, const char* what) {
    fd_ = ::memfd_create(name, MFD_CLOEXEC);
    if (fd_ < 0) return error(fmt::format("cannot make {}: {}", what, std::strerror(errno)), errno);
    if (::ftruncate(fd_, static_cast<off_t>(count * 8)) != 0)
        return error(fmt::format("cannot size {}: {}", what, std::strerror(errno)), errno);
    return map(what);
}

void SharedWords::adopt(int fd, const char* what) {
    if (words_) ::munmap(words_, count_ * 8);
    words_ = nullptr;
    count_ = 0;
    fd_ = fd;
    if (fd_ >= 0) static_cast<void>(map(what));
}

Status SharedWords::map(const char* what) {
    struct stat st{};
    if (::fstat(fd_, &st) != 0) return error(fmt::format("cannot map {}: {}", what, std::strerror(errno)), errno);
    void* p = ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
    if (p == MAP_FAILED) return error(fmt::format("cannot map {}: {}", what, std::strerror(errno)), errno);
    words_ = static_cast<std::uint64_t*>(p);
    count_ = static_cast<std::size_t>(st.st_size) / 8;
    return {};
}

}  // namespace lstar::inproc
