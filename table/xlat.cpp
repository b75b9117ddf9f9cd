// Lookups over the generated constant sets (table/gen, xlat_data.hpp).
#include "table/xlat.hpp"

#include <algorithm>

#include "table/xlat_data.hpp"

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

const XlatEntry* xlat_find(std::string_view set, std::uint64_t value) {
    auto entries = xlat_set(set);
    auto it = std::find_if(entries.begin(), entries.end(), [&](const XlatEntry& e) { return e.value == value; });
    return it != entries.end() ? &*it : nullptr;
}

const XlatEntry* xlat_find(std::string_view set, std::string_view name) {
    auto entries = xlat_set(set);
    auto it = std::find_if(entries.begin(), entries.end(), [&](const XlatEntry& e) { return e.name == name; });
    return it != entries.end() ? &*it : nullptr;
}

}  // namespace lstar
