// Lookups over the generated tables (table/gen, syscall_table_data.cpp).
#include "table/syscall_table.hpp"

#include <algorithm>
#include <vector>

#include "table/syscall_table_data.hpp"

namespace lstar {

using detail::kTables;

std::optional<Abi> abi_from_name(std::string_view name) {
    for (Abi abi : {Abi::x86_64, Abi::x32, Abi::i386})
        if (abi_name(abi) == name) return abi;
    return std::nullopt;
}

std::span<const ClassName> class_names() { return kClassNames; }

std::optional<std::uint32_t> class_from_name(std::string_view name) {
    for (const ClassName& c : kClassNames)
        if (c.name == name) return c.bit;
    return std::nullopt;
}

std::string_view arg_kind_name(ArgKind kind) {
    auto i = static_cast<std::size_t>(kind);
    return i < std::size(kArgKindNames) ? kArgKindNames[i] : "?";
}

std::span<const SyscallDesc> syscall_table(Abi abi) { return kTables[static_cast<int>(abi)].rows; }

const SyscallDesc* find_syscall(Abi abi, std::uint64_t nr) {
    if (abi == Abi::x32) {
        if (!(nr & kX32SyscallBit)) return nullptr;
        nr &= ~kX32SyscallBit;
    }
    auto rows = syscall_table(abi);
    return nr < rows.size() ? &rows[nr] : nullptr;
}

const SyscallDesc* find_syscall(Abi abi, std::string_view name) {
    const detail::TableData& table = kTables[static_cast<int>(abi)];
    auto it = std::lower_bound(table.by_name.begin(), table.by_name.end(), name,
                               [](const detail::NameIndex& n, std::string_view key) { return n.name < key; });
    if (it == table.by_name.end() || it->name != name) return nullptr;
    return &table.rows[it->index];
}

std::span<const EntryMeta> entry_points() { return detail::kEntryPoints; }

const EntryMeta* find_entry_point(std::string_view entry) {
    auto all = entry_points();
    if (!all.empty() && all.front().entry == entry) return &all.front();  // sys_ni_syscall
    auto sorted = all.subspan(all.empty() ? 0 : 1);
    auto it = std::lower_bound(sorted.begin(), sorted.end(), entry,
                               [](const EntryMeta& e, std::string_view key) { return e.entry < key; });
    return it != sorted.end() && it->entry == entry ? &*it : nullptr;
}

std::span<const SyscallDesc* const> rows_entering(const EntryMeta& entry) {
    // Built once per process, in one pass over the rows.
    static const std::vector<std::vector<const SyscallDesc*>> by_entry = [] {
        auto all = entry_points();
        std::vector<std::vector<const SyscallDesc*>> index(all.size());
        for (const detail::TableData& table : kTables)
            for (const SyscallDesc& row : table.rows)
                if (!row.is_ni()) index[static_cast<std::size_t>(&row.effective() - all.data())].push_back(&row);
        return index;
    }();
    auto i = static_cast<std::size_t>(&entry - entry_points().data());
    if (i >= by_entry.size()) return {};
    return by_entry[i];
}

int program_arg(const EntryMeta& entry) {
    int path = -1;
    bool argv = false;
    for (int i = 0; i < entry.nargs; ++i) {
        if (entry.args[i].kind == ArgKind::path && path < 0) path = i;
        argv = argv || entry.args[i].kind == ArgKind::strarray;
    }
    return argv ? path : -1;
}

}  // namespace lstar
