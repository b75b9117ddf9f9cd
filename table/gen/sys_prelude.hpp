// lstar/sys.hpp: typed raw system call wrappers, one inline function per
// system call of the ABI this is compiled for (x86_64: `syscall`; i386:
// `int $0x80`), like glibc's make-syscall.sh but with no libc underneath.
//
//     auto n = lstar::sys::write(1, "hi\n", 3);
//     if (!n.ok()) report(n.error());   // error() is the errno value
//
// Generated at build time into ${CMAKE_BINARY_DIR}/generated/lstar/sys.hpp by
// lstar-gen from tbl/syscall_64.tbl, tbl/syscall_32.tbl and tbl/signatures.tbl
// (this prelude is table/gen/sys_prelude.hpp). Argument types follow the
// kernel's declarations with __user dropped; kernel-only typedefs are spelled
// with their C equivalents and structs are opaque forward declarations.
#pragma once

#include <cstddef>
#include <cstdint>
#include <sys/types.h>
#include <type_traits>

namespace lstar::sys {

// A system call's outcome: a value, or an errno when the raw return value is
// in -4095..-1 (the kernel's IS_ERR_VALUE rule).
template <class T>
class result {
public:
    static constexpr result from_raw(long raw) noexcept {
        result r;
        if (static_cast<unsigned long>(raw) > static_cast<unsigned long>(-4096L))
            r.error_ = static_cast<int>(-raw);
        else
            r.value_ = static_cast<T>(raw);
        return r;
    }
    constexpr bool ok() const noexcept { return error_ == 0; }
    constexpr explicit operator bool() const noexcept { return ok(); }
    constexpr T value() const noexcept { return value_; }
    constexpr int error() const noexcept { return error_; }

private:
    T value_{};
    int error_ = 0;
};

namespace detail {

// An argument as a register sees it: pointers by address, integers converted
// the way C converts them to unsigned long (signed ones sign-extend).
template <class T>
inline unsigned long reg(T v) noexcept {
    if constexpr (std::is_pointer_v<T>) return reinterpret_cast<unsigned long>(v);
    else return static_cast<unsigned long>(v);
}

// The halves of a 64-bit argument, which i386 passes in two registers, low first.
template <class T>
inline unsigned long lo(T v) noexcept { return static_cast<unsigned long>(static_cast<unsigned long long>(v)); }
template <class T>
inline unsigned long hi(T v) noexcept { return static_cast<unsigned long>(static_cast<unsigned long long>(v) >> 32); }

#if defined(__x86_64__) && !defined(__ILP32__)
// syscall: rax = nr, arguments in rdi, rsi, rdx, r10, r8, r9; rcx and r11 are clobbered.
inline long raw_syscall(long nr, unsigned long a1 = 0, unsigned long a2 = 0, unsigned long a3 = 0,
                        unsigned long a4 = 0, unsigned long a5 = 0, unsigned long a6 = 0) noexcept {
    register unsigned long r10 __asm__("r10") = a4;
    register unsigned long r8 __asm__("r8") = a5;
    register unsigned long r9 __asm__("r9") = a6;
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}
#elif defined(__i386__)
// int $0x80: eax = nr, arguments in ebx, ecx, edx, esi, edi, ebp. ebx is the
// PIC register under -fPIC and ebp may be the frame pointer, so neither is an
// operand: both are saved, loaded from memory and restored within the asm.
inline long raw_syscall(long nr, unsigned long a1 = 0, unsigned long a2 = 0, unsigned long a3 = 0,
                        unsigned long a4 = 0, unsigned long a5 = 0, unsigned long a6 = 0) noexcept {
    unsigned long in_memory[3] = {a1, a6, static_cast<unsigned long>(nr)};
    long ret;
    __asm__ volatile(
        "pushl %%ebp\n\t"
        "pushl %%ebx\n\t"
        "movl 0(%%eax), %%ebx\n\t"
        "movl 4(%%eax), %%ebp\n\t"
        "movl 8(%%eax), %%eax\n\t"
        "int $0x80\n\t"
        "popl %%ebx\n\t"
        "popl %%ebp"
        : "=a"(ret)
        : "a"(in_memory), "c"(a2), "d"(a3), "S"(a4), "D"(a5)
        : "memory");
    return ret;
}
#else
#error "lstar/sys.hpp has wrappers for x86_64 and i386 only"
#endif

}  // namespace detail
}  // namespace lstar::sys
