// What the generated table/syscall_table_data.cpp defines (see table/gen).
// Internal to table/: everything else goes through syscall_table.hpp.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "table/syscall_table.hpp"

namespace lstar::detail {

struct NameIndex {
    std::string_view name;
    std::uint32_t index;  // into TableData::rows
};

struct TableData {
    std::span<const SyscallDesc> rows;    // by nr (x32: without the x32 bit)
    std::span<const NameIndex> by_name;   // sorted by name
};

extern const TableData kTables[kAbiCount];            // indexed by Abi
extern const std::span<const EntryMeta> kEntryPoints;  // sys_ni_syscall first, then by name

}  // namespace lstar::detail
