// struct pt_regs with the kernel's x86_64 layout (arch/x86/include/asm/ptrace.h),
// orig_ax included, and the argument registers of each ABI.
#pragma once

#include <cstddef>
#include <cstdint>

#include "table/syscall_table.hpp"

namespace lstar {

struct PtRegs {
    std::uint64_t r15, r14, r13, r12, bp, bx;
    std::uint64_t r11, r10, r9, r8, ax, cx, dx, si, di;
    std::uint64_t orig_ax;  // the system call number; ax starts as -ENOSYS
    std::uint64_t ip, cs, flags, sp, ss;
};
static_assert(sizeof(PtRegs) == 21 * 8, "pt_regs is 21 words on x86_64");
static_assert(offsetof(PtRegs, orig_ax) == 15 * 8, "orig_ax sits where the kernel keeps it");

// Where each ABI passes its six arguments.
//   x86_64, x32: rdi, rsi, rdx, r10, r8, r9   (syscall)
//   i386:        ebx, ecx, edx, esi, edi, ebp (int $0x80, sysenter)
inline constexpr std::uint64_t PtRegs::* kArgRegs64[kMaxArgs] = {
    &PtRegs::di, &PtRegs::si, &PtRegs::dx, &PtRegs::r10, &PtRegs::r8, &PtRegs::r9};
inline constexpr std::uint64_t PtRegs::* kArgRegs32[kMaxArgs] = {
    &PtRegs::bx, &PtRegs::cx, &PtRegs::dx, &PtRegs::si, &PtRegs::di, &PtRegs::bp};

inline std::uint64_t& syscall_arg(PtRegs& regs, Abi abi, int i) {
    return regs.*(abi == Abi::i386 ? kArgRegs32 : kArgRegs64)[i];
}
inline std::uint64_t syscall_arg(const PtRegs& regs, Abi abi, int i) {
    return regs.*(abi == Abi::i386 ? kArgRegs32 : kArgRegs64)[i];
}

// The user code segments a task can run in; the CPU's CS tells the ABI of int $0x80-free
// stops when nothing better is known.
inline constexpr std::uint64_t kUserCs64 = 0x33;
inline constexpr std::uint64_t kUserCs32 = 0x23;

}  // namespace lstar
