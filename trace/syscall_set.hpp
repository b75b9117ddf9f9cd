// A set of system calls over all ABIs, as `-e trace=` selects them:
// names, %classes, /regex, all/none, with ! to negate.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "table/syscall_table.hpp"

namespace lstar {

class SyscallSet {
public:
    static SyscallSet all();
    static SyscallSet none();
    // Parses strace's syntax: "open,openat", "%file", "/^open", "!write", "all", "none",
    // optionally prefixed with "?" per item (no error when it matches nothing).
    // Returns false with a one-line *error naming the bad item.
    static bool parse(std::string_view spec, SyscallSet* out, std::string* error);

    bool contains(const SyscallDesc& row) const { return rows_[static_cast<int>(row.abi)][index(row)]; }
    bool contains(Abi abi, std::uint64_t nr) const;
    bool unknown() const { return unknown_; }  // numbers with no row
    bool is_all() const;
    bool is_empty() const;

private:
    static std::size_t index(const SyscallDesc& row);
    void fill(bool value);
    std::array<std::vector<bool>, kAbiCount> rows_;
    bool unknown_ = false;
};

}  // namespace lstar
