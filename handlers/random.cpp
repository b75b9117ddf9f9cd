// The random family: --seed N makes the program's randomness a deterministic
// stream. Each task draws from its own stream (numbered in the order tasks first
// ask, in the view's shared record, so the numbering holds across processes),
// and each new image's AT_RANDOM from a new one: the same program with the same
// seed gets the same bytes. Not cryptographic: a seeded run is for reproducing.
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "handlers/handlers.hpp"
#include "kernel/syscall_define.hpp"

namespace lstar {

namespace {

std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

constexpr std::size_t kMaxRead = 1 << 25;  // getrandom's own limit per call (about 32 MiB)

}  // namespace

RandomView::Stream& RandomView::stream_of(pid_t tid) {
    auto [it, fresh] = streams_.try_emplace(tid);
    if (fresh) it->second.key = splitmix64(seed_ ^ splitmix64(store_->next_stream()));
    return it->second;
}

void RandomView::fill(Stream& s, std::uint8_t* out, std::size_t len) {
    for (std::size_t i = 0; i < len; ++i) {
        if (s.left == 0) {
            s.block = splitmix64(s.key + splitmix64(s.counter++));
            s.left = 8;
        }
        out[i] = static_cast<std::uint8_t>(s.block >> (8 * (8 - s.left--)));
    }
}

void RandomView::image_random(std::uint8_t out[16]) {
    Stream s;
    s.key = splitmix64(seed_ ^ splitmix64(store_->next_stream()));
    fill(s, out, 16);
}

HandlerResult RandomView::read_random(Task& task, std::uint64_t buf, std::size_t len) {
    len = std::min(len, kMaxRead);
    Stream& s = stream_of(task.tid);
    std::uint8_t chunk[4096];
    for (std::size_t done = 0; done < len;) {
        std::size_t n = std::min(len - done, sizeof chunk);
        fill(s, chunk, n);
        if (copy_bytes_to_user(*task.mem, buf + done, chunk, n) != 0) return emulated(done ? static_cast<std::int64_t>(done) : -EFAULT);
        done += n;
    }
    return emulated(static_cast<std::int64_t>(len));
}

void RandomView::bind(SyscallPath& path, ViewStore& store, std::uint64_t seed) {
    store_ = &store;
    seed_ = seed;
    LSTAR_SYSCALL_DEFINE(path, sys_getrandom, [this](Task& t, UserPtr<char> buf, std::size_t len, unsigned int flags) {
        if (flags & ~7u) return emulated(-EINVAL);  // GRND_NONBLOCK, GRND_RANDOM, GRND_INSECURE
        return read_random(t, buf.addr(), len);
    });
    // read(2) of /dev/urandom or /dev/random, however the descriptor came to be
    // (opened, inherited, duplicated): the device behind it decides.
    LSTAR_SYSCALL_DEFINE(path, sys_read, [this](Task& t, unsigned int fd, UserPtr<char> buf, std::size_t count) {
        struct stat st {};
        std::string link = fmt::format("/proc/{}/fd/{}", t.tid, fd);
        if (::stat(link.c_str(), &st) != 0 || !S_ISCHR(st.st_mode) || major(st.st_rdev) != 1 ||
            (minor(st.st_rdev) != 8 && minor(st.st_rdev) != 9))
            return kPassThrough;
        return read_random(t, buf.addr(), count);
    });
}

}  // namespace lstar
