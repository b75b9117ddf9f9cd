// The symbols data is bound by: table/xlat_ids.hpp (one xlat::Set per
// xlat/<set>.xlat), table/struct_ids.hpp (one StructId per tbl/structs.tbl
// line, with how it is shown), and the struct printer declarations and table
// (trace/struct_printers.hpp, .cpp). A decoder that names a set or a struct
// that has no data, or a `printer` struct without its printer, fails to build.
#include <fmt/format.h>
#include <iterator>

#include "table/gen/emit.hpp"

namespace lstar::gen {

std::string emit_xlat_ids(const Inputs& in) {
    std::string out(kGeneratedNote);
    out += "// One symbol per constant set (xlat/<set>.xlat), in the order of xlat_sets():\n"
           "// ctx.flags(xlat::Set::mmap_flags, v). A set whose name is a C++ keyword or\n"
           "// macro has a trailing '_' (errno_).\n"
           "#pragma once\n\n#include <cstddef>\n#include <cstdint>\n\nnamespace lstar::xlat {\n\nenum class Set : std::uint16_t {\n";
    for (const XlatSet& set : in.xlat) fmt::format_to(std::back_inserter(out), "    {},\n", cxx_identifier(set.name));
    fmt::format_to(std::back_inserter(out), "}};\ninline constexpr std::size_t kSetCount = {};\n\n", in.xlat.size());
    out += "}  // namespace lstar::xlat\n";
    return out;
}

std::string emit_struct_ids(const Inputs& in) {
    std::string out(kGeneratedNote);
    out += "// One symbol per struct of tbl/structs.tbl, in name order, and how each is\n"
           "// shown: print_struct(ctx, StructId::termios, addr).\n"
           "#pragma once\n\n#include <cstdint>\n\n#include \"table/structs.hpp\"\n\nnamespace lstar {\n\n"
           "enum class StructId : std::uint16_t {\n";
    for (const StructLine& s : in.structs) fmt::format_to(std::back_inserter(out), "    {},\n", cxx_identifier(s.name));
    out += "};\n\nnamespace detail {\ninline constexpr StructInfo kStructInfo[] = {\n";
    for (const StructLine& s : in.structs)
        fmt::format_to(std::back_inserter(out), "    {{{}, StructShown::{}, {}}},\n", cxx_string(s.name), s.shown,
                       cxx_string(s.detail));
    out += "};\n}  // namespace detail\n\n}  // namespace lstar\n";
    return out;
}

std::string emit_struct_printers_header(const Inputs& in) {
    std::string out(kGeneratedNote);
    out += "// The printer of every `printer` struct of tbl/structs.tbl that has its own,\n"
           "// defined in trace/structs/*.cpp as `bool print::<name>(DecodeCtx&, std::uint64_t)`:\n"
           "// prints the struct at a readable, non-NULL address; false when it can't be read.\n"
           "#pragma once\n\n#include <cstdint>\n\nnamespace lstar {\nstruct DecodeCtx;\n}\n\n"
           "namespace lstar::structs::print {\n\n";
    for (const StructLine& s : in.structs)
        if (s.shown == "printer" && s.detail.empty())
            fmt::format_to(std::back_inserter(out), "bool {}(DecodeCtx& ctx, std::uint64_t addr);\n",
                           cxx_identifier(s.name));
    out += "\n}  // namespace lstar::structs::print\n";
    return out;
}

std::string emit_struct_printers_table(const Inputs& in) {
    std::string out(kGeneratedNote);
    out += "// The printer of each StructId (nullptr: printed by a call's decoder, or address only).\n"
           "#include \"trace/struct_printers.hpp\"\n#include \"trace/structs/structs.hpp\"\n\n"
           "namespace lstar::structs {\n\n";
    fmt::format_to(std::back_inserter(out), "constinit const Printer kPrinters[{}] = {{\n", in.structs.size());
    for (const StructLine& s : in.structs) {
        std::string fn = s.shown != "printer" ? "nullptr"
                                              : "&print::" + cxx_identifier(s.detail.empty() ? s.name : s.detail);
        fmt::format_to(std::back_inserter(out), "    {},  // {}\n", fn, s.name);
    }
    out += "};\n\n}  // namespace lstar::structs\n";
    return out;
}

}  // namespace lstar::gen
