// User memory: a task's address space is reached only through typed user
// pointers and the copy_{from,to}_user / strncpy_from_user helpers, which fail
// with -EFAULT like the kernel's. The capture backend supplies the access.
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace lstar {

struct Task;

// What a backend provides: raw access to one address space.
class UserMemory {
public:
    virtual ~UserMemory() = default;
    // Copies len bytes; returns the number copied (short at an unmapped page) or -errno.
    virtual long read(std::uint64_t addr, void* dst, std::size_t len) = 0;
    virtual long write(std::uint64_t addr, const void* src, std::size_t len) = 0;
    // Copies up to max bytes of a NUL-terminated string, without the NUL; returns its
    // length, max when no NUL was found within max bytes, or -EFAULT.
    virtual long read_string(std::uint64_t addr, char* dst, std::size_t max) = 0;
    // An address in this address space where a handler may put up to `len` bytes
    // for the task's current call to read (a path it rewrote), valid until the call
    // is made; 0 when the backend has no such place.
    virtual std::uint64_t scratch(Task& /*task*/, std::size_t /*len*/) { return 0; }
};

// Reads through page-sized blocks of another UserMemory: walking an array
// of pointers and the strings they point at (execve's argv and envp, which
// mostly share a page or two) costs a read per page instead of two per item, and
// a read costs a system call on both backends. It keeps what it read, so it
// lives for one look at the memory (one decoding, one copy); writes go through
// and drop the blocks.
class BlockReads final : public UserMemory {
public:
    explicit BlockReads(UserMemory& inner) : inner_(inner) {}
    long read(std::uint64_t addr, void* dst, std::size_t len) override {
        auto* out = static_cast<unsigned char*>(dst);
        std::size_t done = 0;
        while (done < len) {
            const unsigned char* at = nullptr;
            std::size_t n = std::min(len - done, readable(addr + done, &at));
            if (n == 0) break;
            std::copy_n(at, n, out + done);
            done += n;
        }
        return done || len == 0 ? static_cast<long>(done) : -EFAULT;
    }
    long write(std::uint64_t addr, const void* src, std::size_t len) override {
        for (Block& b : blocks_) b.len = 0;
        return inner_.write(addr, src, len);
    }
    // As the kernel's strncpy_from_user: a fault before the NUL (and before max) is -EFAULT.
    long read_string(std::uint64_t addr, char* dst, std::size_t max) override {
        std::size_t done = 0;
        while (done < max) {
            const unsigned char* at = nullptr;
            std::size_t n = std::min(max - done, readable(addr + done, &at));
            if (n == 0) return -EFAULT;
            const void* nul = std::memchr(at, 0, n);
            std::size_t take = nul ? static_cast<std::size_t>(static_cast<const unsigned char*>(nul) - at) : n;
            std::copy_n(at, take, dst + done);
            done += take;
            if (nul) return static_cast<long>(done);
        }
        return static_cast<long>(max);
    }
    std::uint64_t scratch(Task& task, std::size_t len) override { return inner_.scratch(task, len); }

private:
    static constexpr std::size_t kBlock = 4096;  // a page: mapped whole or not at all
    // Two blocks: an array of pointers and the strings it points at sit on different pages.
    struct Block {
        std::uint64_t base = 0;            // where the bytes were read from
        std::size_t len = 0;               // how many could be read
        std::vector<unsigned char> bytes;  // on the heap: a runtime's handler may run on a small program stack
    };
    // How many bytes from addr can be read out of the block holding it (read
    // first), and where they are; 0 when addr is unreadable.
    std::size_t readable(std::uint64_t addr, const unsigned char** at) {
        Block* hit = nullptr;
        for (Block& b : blocks_)
            if (addr >= b.base && addr - b.base < b.len) hit = &b;
        if (!hit) {
            hit = &blocks_[next_];
            next_ ^= 1;
            hit->bytes.resize(kBlock);
            // The page holding addr; from addr on where the page's start is not readable
            // (a backend whose mappings need not be whole pages).
            std::uint64_t page = addr & ~std::uint64_t(kBlock - 1);
            long n = inner_.read(page, hit->bytes.data(), kBlock);
            if (n > 0 && addr - page < static_cast<std::uint64_t>(n)) {
                hit->base = page;
            } else {
                hit->base = addr;
                n = inner_.read(addr, hit->bytes.data(), kBlock - (addr - page));
            }
            hit->len = n > 0 ? static_cast<std::size_t>(n) : 0;
            if (!hit->len) return 0;
        }
        *at = hit->bytes.data() + (addr - hit->base);
        return hit->len - (addr - hit->base);
    }
    UserMemory& inner_;
    Block blocks_[2];
    int next_ = 0;
};

// Points a task's memory at BlockReads for the scope's lifetime.
class ScopedBlockReads {
public:
    explicit ScopedBlockReads(UserMemory*& mem) : slot_(mem), inner_(mem) {
        if (inner_) {
            reads_.emplace(*inner_);
            slot_ = &*reads_;
        }
    }
    ~ScopedBlockReads() { slot_ = inner_; }
    ScopedBlockReads(const ScopedBlockReads&) = delete;
    ScopedBlockReads& operator=(const ScopedBlockReads&) = delete;

private:
    UserMemory*& slot_;
    UserMemory* inner_;
    std::optional<BlockReads> reads_;
};

// A pointer into the task's address space: never dereferenced in lstar's own.
template <class T>
class UserPtr {
public:
    constexpr UserPtr() = default;
    constexpr explicit UserPtr(std::uint64_t addr) : addr_(addr) {}
    constexpr std::uint64_t addr() const { return addr_; }
    constexpr bool is_null() const { return addr_ == 0; }
    constexpr UserPtr operator+(std::size_t n) const { return UserPtr(addr_ + n * sizeof(T)); }

private:
    std::uint64_t addr_ = 0;
};

template <class T>
struct is_user_ptr : std::false_type {};
template <class T>
struct is_user_ptr<UserPtr<T>> : std::true_type {};

// 0 on success, -EFAULT if any byte could not be read.
template <class T>
long copy_from_user(UserMemory& mem, T& dst, UserPtr<const T> src) {
    static_assert(std::is_trivially_copyable_v<T>);
    if (src.is_null()) return -EFAULT;
    long n = mem.read(src.addr(), &dst, sizeof(T));
    return n == static_cast<long>(sizeof(T)) ? 0 : -EFAULT;
}
template <class T>
long copy_from_user(UserMemory& mem, T& dst, UserPtr<T> src) {
    return copy_from_user(mem, dst, UserPtr<const T>(src.addr()));
}

template <class T>
long copy_to_user(UserMemory& mem, UserPtr<T> dst, const T& src) {
    static_assert(std::is_trivially_copyable_v<T> && !std::is_const_v<T>);
    if (dst.is_null()) return -EFAULT;
    long n = mem.write(dst.addr(), &src, sizeof(T));
    return n == static_cast<long>(sizeof(T)) ? 0 : -EFAULT;
}

inline long copy_bytes_from_user(UserMemory& mem, void* dst, std::uint64_t src, std::size_t len) {
    if (len == 0) return 0;
    if (src == 0) return -EFAULT;
    return mem.read(src, dst, len) == static_cast<long>(len) ? 0 : -EFAULT;
}
inline long copy_bytes_to_user(UserMemory& mem, std::uint64_t dst, const void* src, std::size_t len) {
    if (len == 0) return 0;
    if (dst == 0) return -EFAULT;
    return mem.write(dst, src, len) == static_cast<long>(len) ? 0 : -EFAULT;
}

// Like the kernel's: the string's length (max if it did not end within max), or -EFAULT.
// Read in growing pieces: most strings are short, and max may be large (an
// argument string may be 128 KiB).
inline long strncpy_from_user(UserMemory& mem, std::string& dst, UserPtr<const char> src,
                              std::size_t max) {
    dst.clear();
    if (src.is_null()) return -EFAULT;
    for (std::size_t piece = 256; dst.size() < max; piece *= 4) {
        std::size_t have = dst.size(), want = std::min(piece, max - have);
        dst.resize(have + want);
        long n = mem.read_string(src.addr() + have, dst.data() + have, want);
        if (n < 0) {
            dst.clear();
            return -EFAULT;
        }
        dst.resize(have + static_cast<std::size_t>(n));
        if (static_cast<std::size_t>(n) < want) break;  // the NUL
    }
    return static_cast<long>(dst.size());
}

}  // namespace lstar
