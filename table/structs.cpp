// Lookups over the generated struct list (table/gen, struct_ids.hpp).
#include "table/structs.hpp"

#include <algorithm>

#include "table/struct_ids.hpp"

namespace lstar {

std::span<const StructInfo> struct_infos() { return detail::kStructInfo; }

const StructInfo* find_struct_info(std::string_view name) {
    auto all = struct_infos();
    auto it = std::lower_bound(all.begin(), all.end(), name,
                               [](const StructInfo& s, std::string_view key) { return s.name < key; });
    return it != all.end() && it->name == name ? &*it : nullptr;
}

bool struct_decoded(const StructInfo& info, std::string_view call) {
    switch (info.shown) {
    case StructShown::printer: return true;
    case StructShown::address_only: return false;
    case StructShown::decoder: break;
    }
    for (std::string_view calls = info.detail; !calls.empty();) {
        auto comma = calls.find(',');
        if (calls.substr(0, comma) == call) return true;
        calls = comma == std::string_view::npos ? std::string_view() : calls.substr(comma + 1);
    }
    return false;
}

}  // namespace lstar
