// lstar/sys.hpp: one typed inline wrapper per x86_64 system call, and per
// i386 system call under __i386__ (see table/gen/sys_prelude.hpp).
#include <fmt/format.h>
#include <iterator>
#include <set>

#include "table/gen/emit.hpp"

namespace lstar::gen {
namespace {

struct Wrappers {
    std::string code;
    std::vector<std::string> skipped;  // "name: why"
    std::set<std::string> tags;        // struct/union names to forward-declare
    int generated = 0;
};

// One parameter: its C++ declaration and the registers it fills.
struct Param {
    std::string decl;
    std::vector<std::string> regs;
};

bool make_params(const Signature& sig, Abi abi, std::vector<Param>& params, Wrappers& w, std::string& why) {
    std::size_t slots = 0;
    for (const SigArg& a : sig.args) {
        CType t;
        // i386 user code has 4-byte long and pointers whatever the entry point.
        Width width = abi == Abi::i386 ? Width::compat : Width::native;
        if (!analyse_type(a.type, width, t, why)) return false;
        if (!t.tag.empty()) w.tags.insert(t.tag);
        std::string name = cxx_identifier(a.name);
        Param p{t.user + " " + name, {}};
        if (abi == Abi::i386 && t.size == 8 && !t.is_pointer)
            p.regs = {"::lstar::sys::detail::lo(" + name + ")", "::lstar::sys::detail::hi(" + name + ")"};
        else
            p.regs = {"::lstar::sys::detail::reg(" + name + ")"};
        slots += p.regs.size();
        params.push_back(std::move(p));
    }
    if (slots > static_cast<std::size_t>(kMaxArgs)) {
        why = fmt::format("needs {} registers, the ABI has {}", slots, kMaxArgs);
        return false;
    }
    return true;
}

void emit_wrapper(const Inputs& in, const TblRow& row, Abi abi, std::uint64_t nr, Wrappers& w) {
    if (row.entry == "sys_ni_syscall") {
        w.skipped.push_back(row.name + ": no entry point (sys_ni_syscall)");
        return;
    }
    const Signature& sig = in.signatures.at(row.entry);
    std::vector<Param> params;
    std::string why;
    if (!make_params(sig, abi, params, w, why)) {
        w.skipped.push_back(row.name + ": " + why);
        return;
    }
    std::string decls, regs;
    for (const Param& p : params) {
        decls += (decls.empty() ? "" : ", ") + p.decl;
        for (const std::string& r : p.regs) regs += ", " + r;
    }
    std::string call = fmt::format("::lstar::sys::detail::raw_syscall(0x{:x}{})", nr, regs);
    std::string name = cxx_identifier(row.name);
    ++w.generated;
    fmt::format_to(std::back_inserter(w.code), "// {} ({})\n", row.name, row.entry);
    if (row.noreturn || (sig.flags & kNoReturn)) {
        fmt::format_to(std::back_inserter(w.code),
                       "[[noreturn]] inline void {}({}) noexcept {{\n    {};\n    __builtin_unreachable();\n}}\n",
                       name, decls, call);
    } else {
        fmt::format_to(std::back_inserter(w.code),
                       "inline result<long> {}({}) noexcept {{\n"
                       "    return ::lstar::sys::result<long>::from_raw({});\n}}\n",
                       name, decls, call);
    }
}

Wrappers wrappers_for(const Inputs& in, const Tables& tables, Abi abi) {
    Wrappers w;
    const auto& rows = tables.of(abi);
    for (std::size_t i = 0; i < rows.size(); ++i)
        if (rows[i]) emit_wrapper(in, *rows[i], abi, cpu_nr(abi, i), w);
    return w;
}

void emit_block(std::string& out, std::string_view guard, Abi abi, const Wrappers& w) {
    fmt::format_to(std::back_inserter(out), "\n#{}\n// {} wrappers: {} generated, {} skipped.\n", guard,
                   abi_name(abi), w.generated, w.skipped.size());
    for (const std::string& s : w.skipped) out += "//   skipped " + s + '\n';
    out += "namespace lstar::sys {\n\n" + w.code + "\n}  // namespace lstar::sys\n";
}

}  // namespace

std::string emit_sys_header(const Inputs& in, const Tables& tables, std::string_view prelude) {
    Wrappers x86_64 = wrappers_for(in, tables, Abi::x86_64);
    Wrappers i386 = wrappers_for(in, tables, Abi::i386);
    std::string out(kGeneratedNote);
    out += prelude;
    out += "\n// The kernel's structs and unions, opaque here.\n";
    std::set<std::string> tags = x86_64.tags;
    tags.insert(i386.tags.begin(), i386.tags.end());
    for (const std::string& tag : tags) out += tag + ";\n";
    emit_block(out, "if defined(__x86_64__) && !defined(__ILP32__)", Abi::x86_64, x86_64);
    emit_block(out, "elif defined(__i386__)", Abi::i386, i386);
    out += "#endif\n";
    return out;
}

}  // namespace lstar::gen
