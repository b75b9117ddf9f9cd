#include "table/gen/parse.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <span>
#include <sstream>

#include "table/syscall_table.hpp"

namespace lstar::gen {

void Diag::error(const Loc& loc, const std::string& what) {
    ++errors_;
    if (loc.line > 0) std::cerr << loc.path << ':' << loc.line << ": " << what << '\n';
    else std::cerr << loc.path << ": " << what << '\n';
}

namespace {

struct Line {
    Loc loc;
    std::string text;  // without its comment; never blank
};

std::string trim(std::string_view s) {
    auto first = s.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) return {};
    auto last = s.find_last_not_of(" \t\r");
    return std::string(s.substr(first, last - first + 1));
}

// The lines of a file that are neither blank nor `#` comment lines. When
// keep_directive is set, `#kind` lines are kept (xlat headers).
std::vector<Line> read_lines(const std::string& path, Diag& diag, bool keep_directive = false) {
    std::vector<Line> lines;
    std::ifstream in(path);
    if (!in) {
        diag.error({path, 0}, "cannot read the file");
        return lines;
    }
    std::string text;
    for (int n = 1; std::getline(in, text); ++n) {
        std::string t = trim(text);
        bool directive = t.starts_with("#kind") || t.starts_with("#header") || t.starts_with("#unchecked");
        bool comment = t.starts_with('#') && !(keep_directive && directive);
        if (!t.empty() && !comment) lines.push_back({{path, n}, t});
    }
    return lines;
}

std::vector<std::string> fields(std::string_view s) {
    std::istringstream in{std::string(s)};
    std::vector<std::string> out;
    for (std::string f; in >> f;) out.push_back(f);
    return out;
}

bool is_identifier(std::string_view s) {
    if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

bool parse_decimal(std::string_view s, std::uint64_t& out) {
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out, 10);
    return ec == std::errc{} && end == s.data() + s.size();
}

// Decimal (optionally negative, stored two's complement) or 0x hex.
bool parse_value(std::string_view s, std::uint64_t& out) {
    if (s.starts_with("0x") || s.starts_with("0X")) {
        s.remove_prefix(2);
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out, 16);
        return !s.empty() && ec == std::errc{} && end == s.data() + s.size();
    }
    bool negative = s.starts_with('-');
    if (negative) s.remove_prefix(1);
    if (!parse_decimal(s, out)) return false;
    if (negative) out = ~out + 1;
    return true;
}

// ---- syscall_64.tbl / syscall_32.tbl ---------------------------------------

bool parse_tbl_row(const Line& line, TblRow& row, Diag& diag) {
    std::vector<std::string> f = fields(line.text);
    if (f.size() < 3 || f.size() > 6) {
        diag.error(line.loc, "expected '<number> <abi> <name> [<entry point> [<compat entry point> [noreturn]]]'");
        return false;
    }
    row.loc = line.loc;
    if (!parse_decimal(f[0], row.nr)) {
        diag.error(line.loc, "bad system call number '" + f[0] + "'");
        return false;
    }
    row.abi = f[1];
    row.name = f[2];
    row.entry = f.size() > 3 ? f[3] : "sys_ni_syscall";
    row.compat = f.size() > 4 && f[4] != "-" ? f[4] : "";
    row.noreturn = f.size() > 5;
    bool ok = true;
    for (const std::string& word : {row.name, row.entry}) {
        if (!is_identifier(word)) {
            diag.error(line.loc, "bad name '" + word + "'");
            ok = false;
        }
    }
    if (!row.compat.empty() && !is_identifier(row.compat)) {
        diag.error(line.loc, "bad compat entry point '" + row.compat + "'");
        ok = false;
    }
    if (f.size() > 5 && f[5] != "noreturn") {
        diag.error(line.loc, "unknown flag '" + f[5] + "' (expected noreturn)");
        ok = false;
    }
    return ok;
}

// The ABIs (x86_64, x32, i386) a row's abi field puts it in.
std::vector<Abi> abis_of(const std::string& abi) {
    if (abi == "common") return {Abi::x86_64, Abi::x32};
    if (abi == "64") return {Abi::x86_64};
    if (abi == "x32") return {Abi::x32};
    if (abi == "i386") return {Abi::i386};
    return {};
}

// Duplicate numbers and names are checked per ABI, as each ABI is its own table.
class UniqueCheck {
public:
    void add(const TblRow& row, Diag& diag) {
        for (Abi abi : abis_of(row.abi)) {
            auto& nrs = numbers_[static_cast<int>(abi)];
            auto& names = names_[static_cast<int>(abi)];
            std::string where = " in " + std::string(abi_name(abi));
            if (auto [it, fresh] = nrs.emplace(row.nr, row.loc.line); !fresh)
                diag.error(row.loc, "duplicate number " + std::to_string(row.nr) + where + " (first on line " +
                                        std::to_string(it->second) + ")");
            if (auto [it, fresh] = names.emplace(row.name, row.loc.line); !fresh)
                diag.error(row.loc, "duplicate name '" + row.name + "'" + where + " (first on line " +
                                        std::to_string(it->second) + ")");
        }
    }

private:
    std::map<std::uint64_t, int> numbers_[kAbiCount];
    std::map<std::string, int> names_[kAbiCount];
};

// ---- signatures.tbl ---------------------------------------------------------

// What a kind's [kind:param] parameter is (tbl/README.md, "kinds").
enum class Param : std::uint8_t { none, argument, set, type, path_use, fd_use };

Param param_of(ArgKind k) {
    switch (k) {
    case ArgKind::in_buf: case ArgKind::out_buf: case ArgKind::sockaddr: case ArgKind::sockaddr_out:
    case ArgKind::iovec_in: case ArgKind::iovec_out: case ArgKind::sigset: case ArgKind::sigset_out:
        return Param::argument;  // the length, count or size argument
    case ArgKind::flags: case ArgKind::enum_:
        return Param::set;       // an xlat/<set>.xlat
    case ArgKind::struct_in: case ArgKind::struct_out: case ArgKind::struct_inout:
        return Param::type;      // the pointed-to type's name
    case ArgKind::path:
        return Param::path_use;  // optional: how the call uses the name (kPathUses)
    case ArgKind::fd:
        return Param::fd_use;    // optional: whether the call changes the object (kFdUseNames)
    default:
        return Param::none;
    }
}

std::optional<ArgKind> kind_from_name(std::string_view name) {
    for (std::size_t i = 0; i < std::size(kArgKindNames); ++i)
        if (kArgKindNames[i] == name) return static_cast<ArgKind>(i);
    return std::nullopt;
}

std::string default_kind(const CType& t) {
    if (t.is_pointer) return "ptr";
    return t.is_signed ? "dec" : "udec";
}

Width width_of(const std::string& entry) {
    return entry.starts_with("compat_sys_") ? Width::compat : Width::native;
}

// "const char __user * buf [in_buf:count]" -> type, name, kind, param.
bool parse_arg(const Loc& loc, std::string_view text, SigArg& arg, Diag& diag) {
    std::string_view decl = text.substr(0, text.find('['));
    // "[<kind>[:<param>]]", then optionally "[time:<use>]".
    for (std::string rest = trim(text.substr(decl.size())); !rest.empty();) {
        auto close = rest.find(']');
        if (rest[0] != '[' || close == std::string::npos) {
            diag.error(loc, "expected '[<kind>[:<param>]] [time:<use>]' after argument '" + trim(decl) + "'");
            return false;
        }
        std::string spec = rest.substr(1, close - 1);
        rest = trim(std::string_view(rest).substr(close + 1));
        auto colon = spec.find(':');
        std::string key = trim(spec.substr(0, colon)), value = colon == std::string::npos ? "" : trim(spec.substr(colon + 1));
        if (key == "time") {
            arg.time = value;
        } else if (!arg.kind.empty()) {
            diag.error(loc, "argument '" + trim(decl) + "' has two kinds");
            return false;
        } else {
            arg.kind = key;
            arg.param = value;
        }
    }
    std::string d = trim(decl);
    auto name_start = d.find_last_of(" \t*");
    if (name_start == std::string::npos || !is_identifier(d.substr(name_start + 1))) {
        diag.error(loc, "expected '<type> <name>' in argument '" + trim(text) + "'");
        return false;
    }
    arg.name = d.substr(name_start + 1);
    arg.type = normalise_type(d.substr(0, name_start + 1));
    return true;
}

// "-" or a comma-separated list of class names (%file) or flag names (noreturn).
template <class Named>
void parse_bits(const Loc& loc, const std::string& list, std::span<const Named> known, std::string_view what,
                auto& bits, Diag& diag) {
    if (list == "-") return;
    std::istringstream in(list);
    for (std::string word; std::getline(in, word, ',');) {
        auto it = std::find_if(known.begin(), known.end(), [&](const Named& n) { return n.name == word; });
        if (it != known.end()) bits |= it->bit;
        else diag.error(loc, "unknown " + std::string(what) + " '" + word + "'");
    }
}

// <entry point> <classes> <flags> (<type> <name> [<kind>[:<param>]], ...)
// Leaves sig.entry empty when the line can't be read at all; returns whether
// every argument could be read.
bool parse_signature_line(const Line& line, Signature& sig, Diag& diag) {
    auto open = line.text.find('(');
    std::vector<std::string> head = fields(std::string_view(line.text).substr(0, open));
    if (open == std::string::npos || !line.text.ends_with(')') || head.size() != 3) {
        diag.error(line.loc, "expected '<entry point> <classes> <flags> (<type> <name> [<kind>[:<param>]], ...)'");
        return false;
    }
    if (!is_identifier(head[0])) {
        diag.error(line.loc, "bad entry point name '" + head[0] + "'");
        return false;
    }
    sig.loc = line.loc;
    sig.entry = head[0];
    // Unknown classes and flags are reported but leave the arguments worth checking.
    parse_bits<ClassName>(line.loc, head[1], kClassNames, "class", sig.classes, diag);
    parse_bits<EntryFlagName>(line.loc, head[2], kEntryFlagNames, "flag", sig.flags, diag);
    bool ok = true;
    std::string args = trim(std::string_view(line.text).substr(open + 1, line.text.size() - open - 2));
    if (args.empty() || args == "void") return ok;
    std::istringstream in(args);
    for (std::string text; std::getline(in, text, ',');) {
        SigArg arg;
        ok = parse_arg(line.loc, text, arg, diag) && ok;
        sig.args.push_back(arg);
    }
    return ok;
}

int arg_index(const Signature& sig, std::string_view name) {
    for (std::size_t i = 0; i < sig.args.size(); ++i)
        if (sig.args[i].name == name) return static_cast<int>(i);
    return -1;
}

// Types, kinds and param references, once the whole line has been read.
void check_arg(Signature& sig, SigArg& arg, Diag& diag) {
    std::string why;
    if (!analyse_type(arg.type, width_of(sig.entry), arg.ctype, why)) {
        diag.error(sig.loc, sig.entry + ": argument '" + arg.name + "': " + why);
        return;
    }
    if (arg.kind.empty()) arg.kind = default_kind(arg.ctype);
    std::optional<ArgKind> kind = kind_from_name(arg.kind);
    if (!kind) {
        diag.error(sig.loc, sig.entry + ": argument '" + arg.name + "': unknown kind '" + arg.kind + "'");
        return;
    }
    arg.related = kNoLen;
    if (!arg.time.empty() && !time_use_from_name(arg.time))
        diag.error(sig.loc, sig.entry + ": argument '" + arg.name + "': unknown time use '" + arg.time +
                                "' (wait, wait_ms, countdown, left, deadline, call)");
    std::string what = sig.entry + ": argument '" + arg.name + "': kind '" + arg.kind + "'";
    Param param = param_of(*kind);
    if (param == Param::none && !arg.param.empty()) {
        diag.error(sig.loc, what + " takes no parameter");
    } else if (param == Param::path_use) {
        if (!arg.param.empty() && !path_use_from_name(arg.param))
            diag.error(sig.loc, what + ": unknown use '" + arg.param + "' (nofollow, write, write_nofollow, target)");
    } else if (param == Param::fd_use) {
        if (!arg.param.empty() && !fd_use_from_name(arg.param))
            diag.error(sig.loc, what + ": unknown use '" + arg.param + "' (change)");
    } else if (param != Param::none && arg.param.empty()) {
        diag.error(sig.loc, what + " needs a parameter ([" + arg.kind + ":...])");
    } else if (param == Param::argument) {
        int i = arg_index(sig, arg.param);
        if (i < 0) diag.error(sig.loc, what + ": length '" + arg.param + "' is not an argument");
        arg.related = static_cast<std::int8_t>(i);
    }
}

void check_signature(Signature& sig, Diag& diag) {
    if (sig.args.size() > static_cast<std::size_t>(kMaxArgs))
        diag.error(sig.loc, sig.entry + ": more than " + std::to_string(kMaxArgs) + " arguments");
    std::set<std::string> names;
    for (SigArg& arg : sig.args) {
        if (!names.insert(arg.name).second)
            diag.error(sig.loc, sig.entry + ": duplicate argument name '" + arg.name + "'");
        check_arg(sig, arg, diag);
    }
}

}  // namespace

std::vector<TblRow> parse_tbl(const std::string& path, TblFile which, Diag& diag) {
    std::vector<TblRow> rows;
    UniqueCheck unique;
    std::uint64_t last = 0;
    for (const Line& line : read_lines(path, diag)) {
        TblRow row;
        if (!parse_tbl_row(line, row, diag)) continue;
        bool abi_ok = which == TblFile::i386 ? row.abi == "i386"
                                             : row.abi == "common" || row.abi == "64" || row.abi == "x32";
        if (!abi_ok) {
            diag.error(line.loc, "unknown abi '" + row.abi + "' (expected " +
                                     (which == TblFile::i386 ? "i386)" : "common, 64 or x32)"));
            continue;
        }
        if (!rows.empty() && row.nr < last)
            diag.error(line.loc, "number " + std::to_string(row.nr) + " is not sorted (after " +
                                     std::to_string(last) + ")");
        last = std::max(last, row.nr);
        unique.add(row, diag);
        rows.push_back(std::move(row));
    }
    return rows;
}

std::map<std::string, Signature> parse_signatures(const std::string& path, Diag& diag) {
    std::map<std::string, Signature> sigs;
    for (const Line& line : read_lines(path, diag)) {
        Signature sig;
        bool args_ok = parse_signature_line(line, sig, diag);
        if (sig.entry.empty()) continue;
        if (args_ok) check_signature(sig, diag);
        if (sigs.contains(sig.entry)) {
            diag.error(line.loc, "duplicate entry point '" + sig.entry + "' (first on line " +
                                     std::to_string(sigs[sig.entry].loc.line) + ")");
            continue;
        }
        sigs.emplace(sig.entry, std::move(sig));
    }
    return sigs;
}

XlatSet parse_xlat(const std::string& path, Diag& diag) {
    XlatSet set;
    set.name = std::filesystem::path(path).stem().string();
    set.path = path;
    if (!is_identifier(set.name)) diag.error({path, 0}, "set name '" + set.name + "' is not an identifier");
    std::set<std::string> names;
    for (const Line& line : read_lines(path, diag, true)) {
        std::vector<std::string> f = fields(line.text);
        if (f[0] == "#kind") {
            if (f.size() != 2 || (f[1] != "flags" && f[1] != "enum"))
                diag.error(line.loc, "expected '#kind flags' or '#kind enum'");
            else if (!set.kind.empty() || !set.values.empty())
                diag.error(line.loc, "'#kind' must come once, before the values");
            else
                set.kind = f[1];
            continue;
        }
        if (f[0] == "#header") {
            if (f.size() != 2 || !f[1].ends_with(".h")) diag.error(line.loc, "expected '#header <path/of/header.h>'");
            else set.headers.push_back(f[1]);
            continue;
        }
        if (f[0] == "#unchecked") {
            if (f.size() < 3 || !is_identifier(f[1])) diag.error(line.loc, "expected '#unchecked NAME <reason>'");
            else set.unchecked[f[1]] = trim(std::string_view(line.text).substr(line.text.find(f[1]) + f[1].size()));
            continue;
        }
        XlatValue v{line.loc, f[0], 0, ""};
        if (f.size() < 2 || !is_identifier(v.name) || !parse_value(f[1], v.value)) {
            diag.error(line.loc, "expected 'NAME VALUE [message]' with a decimal or 0x value");
            continue;
        }
        if (!names.insert(v.name).second) diag.error(line.loc, "duplicate name '" + v.name + "'");
        auto msg_start = line.text.find(f[1], f[0].size()) + f[1].size();
        v.msg = trim(std::string_view(line.text).substr(msg_start));
        set.values.push_back(std::move(v));
    }
    if (set.kind.empty()) diag.error({path, 1}, "missing '#kind flags' or '#kind enum' header");
    for (const auto& [name, reason] : set.unchecked)
        if (!names.contains(name)) diag.error({path, 0}, "#unchecked " + name + ": no such name in the set");
    return set;
}

void check_xlat_refs(const Inputs& in, Diag& diag) {
    std::set<std::string> sets;
    for (const XlatSet& set : in.xlat) sets.insert(set.name);
    for (const auto& [entry, sig] : in.signatures) {
        for (const SigArg& arg : sig.args) {
            std::optional<ArgKind> kind = kind_from_name(arg.kind);
            if (kind && param_of(*kind) == Param::set && !arg.param.empty() && !sets.contains(arg.param))
                diag.error(sig.loc, entry + ": argument '" + arg.name + "': no constant set '" + arg.param +
                                        "' (xlat/" + arg.param + ".xlat)");
        }
    }
}

void check_entry_points(const Inputs& in, Diag& diag) {
    auto check = [&](const TblRow& row, const std::string& entry) {
        if (!entry.empty() && entry != "sys_ni_syscall" && !in.signatures.contains(entry))
            diag.error(row.loc, "entry point " + entry + " has no signature in signatures.tbl");
    };
    for (const auto* rows : {&in.rows64, &in.rows32}) {
        for (const TblRow& row : *rows) {
            check(row, row.entry);
            check(row, row.compat);
        }
    }
}

}  // namespace lstar::gen

namespace lstar::gen {

std::vector<StructLine> parse_structs(const std::string& path, Diag& diag) {
    std::vector<StructLine> out;
    for (const Line& line : read_lines(path, diag)) {
        std::vector<std::string> f = fields(line.text);
        StructLine s{line.loc, f[0], f.size() > 1 ? f[1] : "", ""};
        if (f.size() > 2) {
            auto after_shown = line.text.find(f[1], f[0].size()) + f[1].size();
            s.detail = trim(std::string_view(line.text).substr(after_shown));
        }
        if (!is_identifier(s.name)) diag.error(line.loc, "bad struct name '" + s.name + "'");
        if (s.shown == "printer") {
            if (f.size() > 3 || (f.size() == 3 && !is_identifier(f[2])))
                diag.error(line.loc, "expected '<name> printer [<struct whose printer it shares>]'");
        } else if (s.shown == "decoder") {
            if (f.size() != 3) diag.error(line.loc, "expected '<name> decoder <call>[,<call>...]'");
        } else if (s.shown == "address_only") {
            if (f.size() < 3) diag.error(line.loc, "'address_only' needs a reason");
        } else {
            diag.error(line.loc, "expected 'printer', 'decoder' or 'address_only' after '" + s.name + "'");
            continue;
        }
        out.push_back(std::move(s));
    }
    std::sort(out.begin(), out.end(), [](const StructLine& a, const StructLine& b) { return a.name < b.name; });
    for (std::size_t i = 1; i < out.size(); ++i)
        if (out[i].name == out[i - 1].name)
            diag.error(out[i].loc, "duplicate struct '" + out[i].name + "' (first on line " +
                                       std::to_string(out[i - 1].loc.line) + ")");
    return out;
}

int xlat_index(const Inputs& in, std::string_view set) {
    auto it = std::lower_bound(in.xlat.begin(), in.xlat.end(), set,
                               [](const XlatSet& s, std::string_view key) { return s.name < key; });
    return it != in.xlat.end() && it->name == set ? static_cast<int>(it - in.xlat.begin()) : -1;
}

int struct_index(const Inputs& in, std::string_view name) {
    auto it = std::lower_bound(in.structs.begin(), in.structs.end(), name,
                               [](const StructLine& s, std::string_view key) { return s.name < key; });
    return it != in.structs.end() && it->name == name ? static_cast<int>(it - in.structs.begin()) : -1;
}

void check_struct_refs(const Inputs& in, Diag& diag) {
    for (const auto& [entry, sig] : in.signatures) {
        for (const SigArg& arg : sig.args) {
            std::optional<ArgKind> kind = kind_from_name(arg.kind);
            if (kind && param_of(*kind) == Param::type && !arg.param.empty() && struct_index(in, arg.param) < 0)
                diag.error(sig.loc, entry + ": argument '" + arg.name + "': struct '" + arg.param +
                                        "' is not in tbl/structs.tbl (add it as 'printer' or 'address_only <reason>')");
        }
    }
    for (const StructLine& s : in.structs) {
        if (s.shown != "printer" || s.detail.empty()) continue;
        int i = struct_index(in, s.detail);
        if (i < 0 || in.structs[i].shown != "printer" || !in.structs[i].detail.empty())
            diag.error(s.loc, s.name + ": '" + s.detail + "' is not a struct with a printer of its own");
    }
}

}  // namespace lstar::gen
