// Constant sets (errno names, signals, O_* flags, ...): generated from
// xlat/*.xlat (format in xlat/README.md). The sets are also available at
// compile time as lstar::xlat::data::<set> in the generated table/xlat_data.hpp.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "table/xlat_ids.hpp"  // generated: xlat::Set, one symbol per set

namespace lstar {

enum class XlatKind : std::uint8_t {
    flags,  // values are bits, shown OR-ed: O_RDONLY|O_CLOEXEC
    enum_,  // one value of the set: SIGINT
};

struct XlatEntry {
    std::string_view name;   // "ENOENT"
    std::uint64_t value;     // negative values are stored two's complement
    std::string_view msg;    // "No such file or directory"; empty when the set has none
};

struct XlatSet {
    std::string_view name;  // the file name without .xlat: "errno"
    XlatKind kind;
    std::span<const XlatEntry> entries;  // in file order
};

// All sets, sorted by name.
std::span<const XlatSet> xlat_sets();

// A set by name; nullptr when there is none.
const XlatSet* find_xlat_set(std::string_view set);

// The entries of a set; empty when there is no such set.
std::span<const XlatEntry> xlat_set(std::string_view set);

// The first entry of a set with this value (the canonical name when several
// share it, e.g. EAGAIN before EWOULDBLOCK); nullptr when none.
const XlatEntry* xlat_find(std::string_view set, std::uint64_t value);

// The entry of a set with this name; nullptr when none.
const XlatEntry* xlat_find(std::string_view set, std::string_view name);

// A constant of a compile-time set (xlat::data::<set>, table/xlat_data.hpp) by
// name: ERESTARTSYS's value from xlat/errno.xlat. A name the set lacks is a build error.
template <std::size_t N>
consteval std::uint64_t xlat_constant(const std::array<XlatEntry, N>& set, std::string_view name) {
    for (const XlatEntry& e : set)
        if (e.name == name) return e.value;
    throw "no such constant";  // not a constant expression: a build error
}

// The same by the set's generated symbol (xlat::Set::errno_), which always exists.
const XlatSet& xlat_set_info(xlat::Set set);
std::span<const XlatEntry> xlat_set(xlat::Set set);
const XlatEntry* xlat_find(xlat::Set set, std::uint64_t value);
const XlatEntry* xlat_find(xlat::Set set, std::string_view name);

}  // namespace lstar
