// Lookups over the generated constant sets (table/gen, xlat_data.hpp).
#include "table/xlat.hpp"

#include <algorithm>

#include "table/xlat_data.hpp"

// xlat::Set enumerators are in the order of kSets (both sorted by name).
static_assert(lstar::xlat::data::kSets.size() == lstar::xlat::kSetCount);

namespace lstar {

std::span<const XlatSet> xlat_sets() { return xlat::data::kSets; }

const XlatSet* find_xlat_set(std::string_view set) {
    auto sets = xlat_sets();
    auto it = std::lower_bound(sets.begin(), sets.end(), set,
                               [](const XlatSet& s, std::string_view key) { return s.name < key; });
    return it != sets.end() && it->name == set ? &*it : nullptr;
}

std::span<const XlatEntry> xlat_set(std::string_view set) {
    const XlatSet* s = find_xlat_set(set);
    return s ? s->entries : std::span<const XlatEntry>{};
}

const XlatSet& xlat_set_info(xlat::Set set) { return xlat_sets()[static_cast<std::size_t>(set)]; }

std::span<const XlatEntry> xlat_set(xlat::Set set) { return xlat_set_info(set).entries; }

namespace {

const XlatEntry* find_value(std::span<const XlatEntry> entries, std::uint64_t value) {
    auto it = std::find_if(entries.begin(), entries.end(), [&](const XlatEntry& e) { return e.value == value; });
    return it != entries.end() ? &*it : nullptr;
}

const XlatEntry* find_name(std::span<const XlatEntry> entries, std::string_view name) {
    auto it = std::find_if(entries.begin(), entries.end(), [&](const XlatEntry& e) { return e.name == name; });
    return it != entries.end() ? &*it : nullptr;
}

}  // namespace

const XlatEntry* xlat_find(std::string_view set, std::uint64_t value) { return find_value(xlat_set(set), value); }
const XlatEntry* xlat_find(std::string_view set, std::string_view name) { return find_name(xlat_set(set), name); }
const XlatEntry* xlat_find(xlat::Set set, std::uint64_t value) { return find_value(xlat_set(set), value); }
const XlatEntry* xlat_find(xlat::Set set, std::string_view name) { return find_name(xlat_set(set), name); }

}  // namespace lstar
