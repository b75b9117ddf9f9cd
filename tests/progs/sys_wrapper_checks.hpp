// Checks of lstar/sys.hpp's wrappers, shared by the x86_64 unit test and the
// -m32 program (tests/progs/sys_wrappers32.cpp) so both ABIs run the same ones.
#pragma once

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include <lstar/sys.hpp>

namespace lstar::test {

// The checks that failed, each as one line; empty when all passed.
inline std::vector<std::string> sys_wrapper_failures() {
    std::vector<std::string> failures;
    auto check = [&](bool ok, const std::string& what) {
        if (!ok) failures.push_back(what);
    };

    auto pid = lstar::sys::getpid();
    check(pid.ok() && pid.value() == ::getpid(), "getpid() equals ::getpid()");

    int fds[2] = {-1, -1};
    check(lstar::sys::pipe(fds).ok(), "pipe() succeeds");
    auto written = lstar::sys::write(fds[1], "hello", 5);
    check(written.ok() && written.value() == 5, "write() to a pipe returns 5");
    char buf[16] = {};
    auto got = lstar::sys::read(fds[0], buf, sizeof buf);
    check(got.ok() && got.value() == 5 && std::memcmp(buf, "hello", 5) == 0, "read() gets back what was written");
    check(lstar::sys::close(fds[0]).ok() && lstar::sys::close(fds[1]).ok(), "close() of the pipe succeeds");

    auto missing = lstar::sys::openat(AT_FDCWD, "/nonexistent/lstar-sys-test", O_RDONLY, 0);
    check(!missing.ok() && missing.error() == ENOENT, "openat() of a missing file fails with ENOENT");

    auto bad = lstar::sys::close(static_cast<unsigned int>(-1));
    check(!bad.ok() && bad.error() == EBADF, "close(-1) fails with EBADF");

    // Six arguments: on i386 the sixth goes in ebp.
#if defined(__i386__)
    auto map = lstar::sys::mmap2(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                                 static_cast<unsigned long>(-1), 0);
#else
    auto map = lstar::sys::mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                                static_cast<unsigned long>(-1), 0);
#endif
    check(map.ok() && (static_cast<unsigned long>(map.value()) & 4095) == 0, "anonymous mmap() gives a page");
    if (map.ok()) {
        auto* page = reinterpret_cast<char*>(map.value());
        page[0] = 'x';
        check(lstar::sys::munmap(static_cast<unsigned long>(map.value()), 4096).ok(), "munmap() succeeds");
    }
    return failures;
}

}  // namespace lstar::test
