// A set of system calls over all ABIs, as `-e trace=` selects them:
// names, %classes, /regex, all/none, with ! to negate.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <span>

#include "table/result.hpp"
#include "table/syscall_table.hpp"

namespace lstar {

// i386's multiplexers, socketcall (102) and ipc (117), stand for other calls:
// strace shows each as the call it stands for and selects it by that call's
// name and classes (-e trace=socket, %network, /regex), the row itself only
// by "socketcall" / "ipc" when the call number is not one it stands for.
enum class Multiplexer : std::uint8_t { none, socketcall, ipc };
inline constexpr int kMultiplexers = 2;

struct Subcall {
    std::string_view name;  // as strace shows it; empty: the number stands for no call
    std::string_view row;   // socketcall: the i386 row whose metadata decodes it
    std::uint8_t nargs;     // arguments shown decoded
    std::uint8_t raw_nargs; // arguments shown with -e raw=
    std::uint32_t classes;  // ipc: its classes (socketcall: those of row)
};

// The multiplexer an i386 row is (none for every other row).
Multiplexer multiplexer_of(const SyscallDesc& row);
// The calls of a multiplexer, indexed by call number.
std::span<const Subcall> subcalls(Multiplexer m);

class SyscallSet {
public:
    static SyscallSet all();
    static SyscallSet none();
    // Parses strace's syntax: "open,openat", "%file", "/^open", "!write", "all", "none",
    // optionally prefixed with "?" per item (no error when it matches nothing).
    // The error is one line naming the bad item, worded as strace words it.
    static Result<SyscallSet> parse(std::string_view spec);

    // Per row: for a multiplexer row, whether it must stop (it or one of its calls is in).
    bool contains(const SyscallDesc& row) const { return rows_[static_cast<int>(row.abi)][index(row)]; }
    // Per call: a multiplexer row by the call it stands for (subcall > 0, see
    // Task::multiplexed_call) or by its own name (subcall 0).
    bool contains(const SyscallDesc& row, int subcall) const;
    bool contains(Abi abi, std::uint64_t nr) const;
    bool unknown() const { return unknown_; }  // numbers with no row
    bool is_all() const;
    bool is_empty() const;

private:
    static std::size_t index(const SyscallDesc& row);
    void fill(bool value);
    void finish_multiplexers();
    std::array<std::vector<bool>, kAbiCount> rows_;
    std::array<std::vector<bool>, kMultiplexers> subcalls_;  // by call number
    std::array<bool, kMultiplexers> mux_self_{};              // the row by its own name
    bool unknown_ = false;
};

}  // namespace lstar
