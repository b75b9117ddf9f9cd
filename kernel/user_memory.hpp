// User memory: a task's address space is reached only through typed user
// pointers and the copy_{from,to}_user / strncpy_from_user helpers, which fail
// with -EFAULT like the kernel's. The capture backend supplies the access.
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>

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
