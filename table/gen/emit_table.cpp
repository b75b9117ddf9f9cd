// table/syscall_table_data.cpp, table/syscall_nr.hpp and table/entry_meta.hpp:
// what scripts/syscalltbl.sh and syscallhdr.sh make in the kernel, plus the
// SYSCALL_METADATA-like per-entry-point records.
#include <algorithm>
#include <fmt/format.h>
#include <iterator>
#include <map>

#include "table/gen/emit.hpp"
#include "table/gen/parse.hpp"

namespace lstar::gen {
namespace {

constexpr std::string_view kNi = "sys_ni_syscall";

bool in_abi(const TblRow& row, Abi abi) {
    switch (abi) {
    case Abi::x86_64: return row.abi == "common" || row.abi == "64";
    case Abi::x32: return row.abi == "common" || row.abi == "x32";
    case Abi::i386: return row.abi == "i386";
    }
    return false;
}

// Entry points in EntryMeta order: sys_ni_syscall, then the others by name.
std::vector<std::string> entry_order(const Inputs& in) {
    std::vector<std::string> order{std::string(kNi)};
    for (const auto& [name, sig] : in.signatures)
        if (name != kNi) order.push_back(name);
    return order;
}

std::string arg_kind_enumerator(std::string_view kind) {
    return "ArgKind::" + std::string(kind == "enum" ? "enum_" : kind);
}

std::string names_of_bits(std::uint32_t bits, auto const& names) {
    std::string out;
    for (const auto& n : names)
        if (bits & n.bit) out += (out.empty() ? "" : " ") + std::string(n.name);
    return out;
}

// The generated symbol param names (ArgMeta::param_id): a set's or a struct's index.
int param_id(const Inputs& in, const SigArg& a) {
    int id = -1;
    if (a.kind == "flags" || a.kind == "enum") id = xlat_index(in, a.param);
    else if (a.kind.starts_with("struct_")) id = struct_index(in, a.param);
    return id < 0 ? 0 : id;
}

void emit_entry(std::string& out, const Inputs& in, std::string_view entry, const Signature* sig) {
    std::uint16_t flags = sig ? sig->flags : 0;
    if (entry == kNi) flags |= lstar::kNi;
    std::uint32_t classes = sig ? sig->classes : 0;
    fmt::format_to(std::back_inserter(out), "    {{{}, {}, {{\n", cxx_string(entry), sig ? sig->args.size() : 0);
    for (const SigArg& a : sig ? sig->args : std::vector<SigArg>{}) {
        fmt::format_to(std::back_inserter(out), "        {{{}, {}, {}, {}, {}, {}, {}, {}, lstar::TimeUse::{}}},\n",
                       cxx_string(a.type), cxx_string(a.name), arg_kind_enumerator(a.kind), cxx_string(a.param),
                       a.related, a.ctype.size, a.ctype.is_signed, param_id(in, a),
                       a.time.empty() ? "none" : a.time == "call" ? "by_call" : a.time);
    }
    std::string names = names_of_bits(classes, kClassNames) + " " + names_of_bits(flags, kEntryFlagNames);
    fmt::format_to(std::back_inserter(out), "    }}, 0x{:x}u, 0x{:x}u}},{}\n", classes, flags,
                   names == " " ? "" : "  // " + names);
}

std::string entry_ref(const std::map<std::string, std::size_t>& index, const std::string& entry) {
    return fmt::format("&kEntries[{}]", index.at(entry));
}

// noreturn from the table; kNi for a gap, or when this ABI's entry point is sys_ni_syscall.
std::uint8_t row_flags(const TblRow* row) {
    if (!row) return lstar::kNi;
    std::uint8_t flags = row->noreturn ? kNoReturn : 0;
    if (row->entry == kNi || row->compat == kNi) flags |= lstar::kNi;
    return flags;
}

void emit_rows(std::string& out, const Tables& tables, Abi abi, const std::map<std::string, std::size_t>& index) {
    fmt::format_to(std::back_inserter(out), "constexpr SyscallDesc kRows_{}[] = {{\n", abi_name(abi));
    const auto& rows = tables.of(abi);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const TblRow* row = rows[i];
        std::string compat = row && !row->compat.empty() ? entry_ref(index, row->compat) : "nullptr";
        fmt::format_to(std::back_inserter(out), "    {{Abi::{}, 0x{:x}, {}, {}, {}, 0x{:x}}},\n", abi_name(abi),
                       cpu_nr(abi, i), cxx_string(row ? row->name : ""),
                       entry_ref(index, row ? row->entry : std::string(kNi)), compat, row_flags(row));
    }
    out += "};\n";
}

void emit_name_index(std::string& out, const Tables& tables, Abi abi) {
    std::vector<std::pair<std::string, std::size_t>> names;
    const auto& rows = tables.of(abi);
    for (std::size_t i = 0; i < rows.size(); ++i)
        if (rows[i]) names.emplace_back(rows[i]->name, i);
    std::sort(names.begin(), names.end());
    fmt::format_to(std::back_inserter(out), "constexpr NameIndex kNames_{}[] = {{\n", abi_name(abi));
    for (const auto& [name, i] : names) fmt::format_to(std::back_inserter(out), "    {{{}, {}}},\n", cxx_string(name), i);
    out += "};\n";
}

}  // namespace

std::uint64_t cpu_nr(Abi abi, std::uint64_t index) { return abi == Abi::x32 ? index | kX32SyscallBit : index; }

std::string cxx_string(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + '"';
}

std::string cxx_identifier(std::string_view name) {
    // C++ keywords and the macros GNU mode predefines that a system call or
    // argument could be called.
    static constexpr std::string_view kReserved[] = {
        "alignas", "alignof", "and", "asm", "auto", "bool", "break", "case", "catch", "char", "class", "const",
        "constexpr", "continue", "default", "delete", "do", "double", "else", "enum", "explicit", "export",
        "extern", "false", "float", "for", "friend", "goto", "if", "inline", "int", "long", "mutable",
        "namespace", "new", "noexcept", "not", "nullptr", "operator", "or", "private", "protected", "public",
        "register", "return", "short", "signed", "sizeof", "static", "struct", "switch", "template", "this",
        "throw", "true", "try", "typedef", "typeid", "typename", "union", "unsigned", "using", "virtual",
        "void", "volatile", "while", "xor", "linux", "unix", "i386", "errno", "max"};
    bool reserved = std::find(std::begin(kReserved), std::end(kReserved), name) != std::end(kReserved);
    return std::string(name) + (reserved ? "_" : "");
}

Tables build_tables(const Inputs& in) {
    Tables tables;
    auto place = [&](const TblRow& row, Abi abi) {
        auto& rows = tables.rows[static_cast<int>(abi)];
        if (rows.size() <= row.nr) rows.resize(row.nr + 1, nullptr);
        rows[row.nr] = &row;
    };
    for (const TblRow& row : in.rows64) {
        if (in_abi(row, Abi::x86_64)) place(row, Abi::x86_64);
        if (in_abi(row, Abi::x32)) place(row, Abi::x32);
    }
    for (const TblRow& row : in.rows32) place(row, Abi::i386);
    return tables;
}

std::string emit_table_data(const Inputs& in, const Tables& tables) {
    std::string out(kGeneratedNote);
    out += "#include \"table/syscall_table_data.hpp\"\n\nnamespace lstar::detail {\nnamespace {\n\n";
    std::vector<std::string> order = entry_order(in);
    std::map<std::string, std::size_t> index;
    out += "constexpr EntryMeta kEntries[] = {\n";
    for (const std::string& entry : order) {
        index[entry] = index.size();
        auto sig = in.signatures.find(entry);
        emit_entry(out, in, entry, sig == in.signatures.end() ? nullptr : &sig->second);
    }
    out += "};\n\n";
    for (Abi abi : {Abi::x86_64, Abi::x32, Abi::i386}) {
        emit_rows(out, tables, abi, index);
        emit_name_index(out, tables, abi);
        out += '\n';
    }
    out += "}  // namespace\n\n";
    out += "constinit const std::span<const EntryMeta> kEntryPoints = kEntries;\n";
    out += "constinit const TableData kTables[kAbiCount] = {\n"
           "    {kRows_x86_64, kNames_x86_64},\n    {kRows_x32, kNames_x32},\n    {kRows_i386, kNames_i386},\n};\n\n"
           "}  // namespace lstar::detail\n";
    return out;
}

std::string emit_nr_header(const Tables& tables) {
    std::string out(kGeneratedNote);
    out += "// System call numbers per ABI, as the CPU sees them (x32 numbers include\n"
           "// __X32_SYSCALL_BIT), like the kernel's unistd_64.h, unistd_x32.h and unistd_32.h.\n"
           "// A name that is a C++ keyword or predefined macro gets a trailing '_' (break_).\n"
           "#pragma once\n\n";
    for (Abi abi : {Abi::x86_64, Abi::x32, Abi::i386}) {
        fmt::format_to(std::back_inserter(out), "namespace lstar::nr::{} {{\n", abi_name(abi));
        const auto& rows = tables.of(abi);
        for (std::size_t i = 0; i < rows.size(); ++i) {
            if (rows[i])
                fmt::format_to(std::back_inserter(out), "inline constexpr long {} = 0x{:x};\n",
                               cxx_identifier(rows[i]->name), cpu_nr(abi, i));
        }
        fmt::format_to(std::back_inserter(out), "inline constexpr long max = 0x{:x};  // highest number\n",
                       rows.empty() ? 0 : cpu_nr(abi, rows.size() - 1));
        fmt::format_to(std::back_inserter(out), "}}  // namespace lstar::nr::{}\n\n", abi_name(abi));
    }
    return out;
}

std::string emit_entry_meta(const Inputs& in) {
    std::string out(kGeneratedNote);
    out += "// Compile-time metadata per entry point, for typed handler adapters\n"
           "// (kernel/syscall_define.hpp). The runtime copy is lstar::entry_points().\n"
           "#pragma once\n\n#include <array>\n#include <cstdint>\n#include <string_view>\n\n"
           "namespace lstar::meta {\n\n";
    for (const std::string& entry : entry_order(in)) {
        auto it = in.signatures.find(entry);
        std::vector<SigArg> args = it == in.signatures.end() ? std::vector<SigArg>{} : it->second.args;
        std::string sizes, signs, types, names;
        for (const SigArg& a : args) {
            auto sep = [&](std::string& s) { s += s.empty() ? "" : ", "; };
            sep(sizes), sep(signs), sep(types), sep(names);
            sizes += std::to_string(a.ctype.size);
            signs += a.ctype.is_signed ? "true" : "false";
            types += cxx_string(a.type);
            names += cxx_string(a.name);
        }
        std::size_t n = args.size();
        fmt::format_to(std::back_inserter(out),
                       "struct {} {{\n"
                       "    static constexpr std::string_view name = {};\n"
                       "    static constexpr int nargs = {};\n"
                       "    static constexpr std::array<std::uint8_t, {}> size{{{{{}}}}};\n"
                       "    static constexpr std::array<bool, {}> is_signed{{{{{}}}}};\n"
                       "    static constexpr std::array<std::string_view, {}> types{{{{{}}}}};\n"
                       "    static constexpr std::array<std::string_view, {}> arg_names{{{{{}}}}};\n"
                       "}};\n",
                       entry, cxx_string(entry), n, n, sizes, n, signs, n, types, n, names);
    }
    out += "\n}  // namespace lstar::meta\n";
    return out;
}

}  // namespace lstar::gen
