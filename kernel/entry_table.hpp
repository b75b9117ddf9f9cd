// A sys_call_table of one kind of callable: per ABI and table index, what is
// bound there. Binding is by entry point (every row of every ABI whose
// effective entry point it is: the same handler serves each ABI that has the
// call) or by name; nothing is bound by number. The path's handlers live in
// one; a backend that handles calls itself (the in-process runtime) keeps its
// own, bound the same way.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "table/syscall_table.hpp"

namespace lstar {

// __SYSCALL_DEFINE-style number → table index for an ABI; -1 when out of range.
long table_index(Abi abi, std::uint64_t nr);

template <class Fn>
class EntryTable {
public:
    EntryTable() {
        for (int abi = 0; abi < kAbiCount; ++abi) rows_[abi].resize(syscall_table(static_cast<Abi>(abi)).size());
    }

    // Binds fn to every row whose effective entry point is `entry` (in `only` ABI,
    // when given). Returns how many rows it bound.
    int bind_entry(std::string_view entry, const Fn& fn, std::optional<Abi> only = std::nullopt) {
        const EntryMeta* meta = find_entry_point(entry);
        if (!meta) return 0;
        int bound = 0;
        for (const SyscallDesc* row : rows_entering(*meta)) {
            if (only && row->abi != *only) continue;
            rows_[static_cast<int>(row->abi)][static_cast<std::size_t>(table_index(row->abi, row->nr))] = fn;
            ++bound;
        }
        return bound;
    }
    // Binds fn to the call of this name in every ABI that has it.
    int bind_name(std::string_view name, const Fn& fn) {
        int bound = 0;
        for (int abi = 0; abi < kAbiCount; ++abi) {
            if (const SyscallDesc* row = find_syscall(static_cast<Abi>(abi), name)) {
                rows_[abi][table_index(row->abi, row->nr)] = fn;
                ++bound;
            }
        }
        return bound;
    }

    // What is bound for this number, or nullptr.
    const Fn* find(Abi abi, std::uint64_t nr) const {
        long index = table_index(abi, nr);
        if (index < 0) return nullptr;
        const Fn& fn = rows_[static_cast<int>(abi)][static_cast<std::size_t>(index)];
        return fn ? &fn : nullptr;
    }
    const Fn* find(const SyscallDesc& row) const { return find(row.abi, row.nr); }
    bool empty() const {
        for (const auto& abi : rows_)
            for (const Fn& fn : abi)
                if (fn) return false;
        return true;
    }

private:
    std::array<std::vector<Fn>, kAbiCount> rows_;  // an empty Fn: nothing bound
};

}  // namespace lstar
