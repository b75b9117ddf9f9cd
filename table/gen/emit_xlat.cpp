// table/xlat_data.hpp: one constexpr array per xlat/<set>.xlat, and the list of sets.
#include <fmt/format.h>
#include <iterator>

#include "table/gen/emit.hpp"

namespace lstar::gen {

std::string emit_xlat_header(const Inputs& in) {
    std::string out(kGeneratedNote);
    out += "// Constant sets from xlat/*.xlat. A set whose name is a C++ keyword or\n"
           "// macro has a trailing '_' (errno_).\n"
           "#pragma once\n\n#include <array>\n\n#include \"table/xlat.hpp\"\n\nnamespace lstar::xlat::data {\n\n";
    for (const XlatSet& set : in.xlat) {
        // std::array, as a set may be empty (a flags argument with no named bits yet).
        fmt::format_to(std::back_inserter(out), "inline constexpr std::array<XlatEntry, {}> {}{{{{\n",
                       set.values.size(), cxx_identifier(set.name));
        for (const XlatValue& v : set.values)
            fmt::format_to(std::back_inserter(out), "    {{{}, 0x{:x}, {}}},\n", cxx_string(v.name), v.value,
                           cxx_string(v.msg));
        out += "}};\n\n";
    }
    out += "// All sets, sorted by name.\n";
    if (in.xlat.empty()) {
        out += "inline constexpr std::span<const XlatSet> kSets{};\n";
    } else {
        out += "inline constexpr XlatSet kSetArray[] = {\n";
        for (const XlatSet& set : in.xlat)
            fmt::format_to(std::back_inserter(out), "    {{{}, XlatKind::{}, {}}},\n", cxx_string(set.name),
                           set.kind == "flags" ? "flags" : "enum_", cxx_identifier(set.name));
        out += "};\ninline constexpr std::span<const XlatSet> kSets = kSetArray;\n";
    }
    out += "\n}  // namespace lstar::xlat::data\n";
    return out;
}

}  // namespace lstar::gen
