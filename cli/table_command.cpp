// `lstar table [--abi x86_64|x32|i386|all] [--class %c]... [--json] [name|number]`
//
// Without a name or number: one aligned line per row of the chosen tables
// (gaps omitted). With one: the detailed view of each matching row. --json
// prints the selected rows as a JSON array instead. A row's arguments,
// classes and signature are those of the entry point the kernel calls for
// its ABI (the compat entry point for i386 when there is one).
#include "cli/table_command.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <memory>
#include <charconv>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "table/result.hpp"
#include "table/structs.hpp"
#include "table/syscall_table.hpp"

namespace lstar {
namespace {

struct Options {
    std::string query;  // a name or a number (decimal or 0x hex); empty for all rows
    std::string abi = "x86_64";
    std::vector<std::string> classes;
    bool json = false;
};

struct Selection {
    std::vector<Abi> abis;
    std::uint32_t classes = 0;  // 0: any
};

int fail(const std::string& message) {
    print_error(error(message));
    return 2;
}

std::optional<std::vector<Abi>> parse_abis(const std::string& name) {
    if (name == "all") return std::vector<Abi>{Abi::x86_64, Abi::x32, Abi::i386};
    if (auto abi = abi_from_name(name)) return std::vector<Abi>{*abi};
    return std::nullopt;
}

std::optional<std::uint64_t> parse_number(std::string_view s) {
    int base = 10;
    if (s.starts_with("0x") || s.starts_with("0X")) {
        s.remove_prefix(2);
        base = 16;
    }
    std::uint64_t n = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n, base);
    if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
    return n;
}

// ---- what a row shows ---------------------------------------------------------

std::string arg_text(const ArgMeta& arg) {
    return std::string(arg.type) + (arg.type.ends_with('*') ? "" : " ") + std::string(arg.name);
}

std::string signature(const SyscallDesc& row) {
    const EntryMeta& entry = row.effective();
    std::vector<std::string> args;
    for (int i = 0; i < entry.nargs; ++i) args.push_back(arg_text(entry.args[i]));
    return fmt::format("{}({})", row.name, fmt::join(args, ", "));
}

std::string kind_text(const ArgMeta& arg) {
    std::string kind(arg_kind_name(arg.kind));
    return arg.param.empty() ? kind : kind + ":" + std::string(arg.param);
}

std::vector<std::string> class_list(std::uint32_t bits) {
    std::vector<std::string> out;
    for (const ClassName& c : class_names())
        if (bits & c.bit) out.emplace_back(c.name);
    return out;
}

std::uint16_t all_flags(const SyscallDesc& row) { return row.flags | row.effective().flags; }

std::vector<std::string> flag_list(std::uint16_t bits) {
    std::vector<std::string> out;
    for (const EntryFlagName& f : kEntryFlagNames)
        if (bits & f.bit) out.emplace_back(f.name);
    return out;
}

std::string list_text(const std::vector<std::string>& items) {
    return items.empty() ? "-" : fmt::format("{}", fmt::join(items, " "));
}

// ---- selecting rows --------------------------------------------------------------

bool has_class(const SyscallDesc& row, std::uint32_t classes) {
    return classes == 0 || (row.effective().classes & classes);
}

const SyscallDesc* find_by_query(Abi abi, const std::string& query) {
    std::optional<std::uint64_t> nr = parse_number(query);
    if (!nr) return find_syscall(abi, std::string_view(query));
    if (abi == Abi::x32) *nr |= kX32SyscallBit;  // `--abi x32 1` means 0x40000001
    const SyscallDesc* row = find_syscall(abi, *nr);
    return row && !row->name.empty() ? row : nullptr;
}

std::vector<const SyscallDesc*> select_rows(const Selection& sel, const std::string& query) {
    std::vector<const SyscallDesc*> rows;
    for (Abi abi : sel.abis) {
        if (!query.empty()) {
            const SyscallDesc* row = find_by_query(abi, query);
            if (row && has_class(*row, sel.classes)) rows.push_back(row);
            continue;
        }
        for (const SyscallDesc& row : syscall_table(abi))
            if (!row.name.empty() && has_class(row, sel.classes)) rows.push_back(&row);
    }
    return rows;
}

// ---- did you mean ------------------------------------------------------------------

// Edit distance counting an adjacent transposition as one edit ("wrtie" -> "write").
std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.size()][b.size()];
}

// Up to three names within two edits of the query or starting with it, closest first.
std::vector<std::string> suggestions(const std::string& query, const std::vector<Abi>& abis) {
    std::vector<std::pair<std::size_t, std::string>> near;
    for (Abi abi : abis) {
        for (const SyscallDesc& row : syscall_table(abi)) {
            if (row.name.empty()) continue;
            std::size_t distance = edit_distance(query, row.name);
            if (distance <= 2 || row.name.starts_with(query)) near.emplace_back(distance, row.name);
        }
    }
    std::sort(near.begin(), near.end());
    near.erase(std::unique(near.begin(), near.end()), near.end());
    std::vector<std::string> out;
    for (const auto& [distance, name] : near)
        if (out.size() < 3 && std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
    return out;
}

int unknown_call(const std::string& query, const Selection& sel) {
    if (sel.classes && !select_rows({sel.abis, 0}, query).empty())
        return fail(fmt::format("system call '{}' is not in the selected classes", query));
    std::string message = fmt::format("unknown system call '{}'", query);
    std::vector<std::string> near = parse_number(query) ? std::vector<std::string>{} : suggestions(query, sel.abis);
    if (!near.empty()) message += fmt::format(" (did you mean {}?)", fmt::join(near, ", "));
    return fail(message);
}

// ---- output ---------------------------------------------------------------------------

nlohmann::ordered_json row_json(const SyscallDesc& row) {
    nlohmann::ordered_json args = nlohmann::ordered_json::array();
    const EntryMeta& entry = row.effective();
    for (int i = 0; i < entry.nargs; ++i) {
        const ArgMeta& a = entry.args[i];
        nlohmann::ordered_json arg = {{"type", a.type}, {"name", a.name}, {"kind", arg_kind_name(a.kind)}};
        if (!a.param.empty()) arg["param"] = a.param;
        if (a.time != TimeUse::none) arg["time"] = kTimeUseNames[static_cast<int>(a.time)];  // [time:<use>]
        if (a.kind == ArgKind::struct_in || a.kind == ArgKind::struct_out || a.kind == ArgKind::struct_inout) {
            // How lstar trace shows it (tbl/structs.tbl): decoded, or its address and why.
            const StructInfo& s = struct_infos()[a.param_id];
            bool decoded = struct_decoded(s, row.name);
            arg["shown"] = decoded ? "decoded" : "address_only";
            if (!decoded)
                arg["why"] = s.shown == StructShown::address_only
                                 ? std::string(s.detail)
                                 : fmt::format("decoded only for {}", s.detail);
        }
        args.push_back(std::move(arg));
    }
    return {
        {"abi", abi_name(row.abi)},
        {"nr", row.nr},
        {"name", row.name},
        {"entry", row.entry->entry},
        {"compat_entry", row.compat_entry ? nlohmann::ordered_json(row.compat_entry->entry) : nlohmann::ordered_json(nullptr)},
        {"args", std::move(args)},
        {"classes", class_list(entry.classes)},
        {"flags", flag_list(all_flags(row))},
    };
}

void print_json(const std::vector<const SyscallDesc*>& rows) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const SyscallDesc* row : rows) out.push_back(row_json(*row));
    fmt::print("{}\n", out.dump(2));
}

// Lines of cells printed with every column but the last padded to its widest cell.
void print_columns(const std::vector<std::vector<std::string>>& lines, std::string_view indent = "") {
    std::vector<std::size_t> width;
    for (const auto& cells : lines) {
        width.resize(std::max(width.size(), cells.size()));
        for (std::size_t i = 0; i < cells.size(); ++i) width[i] = std::max(width[i], cells[i].size());
    }
    for (const auto& cells : lines) {
        std::string line(indent);
        for (std::size_t i = 0; i < cells.size(); ++i)
            line += i + 1 < cells.size() ? fmt::format("{:<{}}  ", cells[i], width[i]) : cells[i];
        fmt::print("{}\n", line);
    }
}

void print_list(const std::vector<const SyscallDesc*>& rows, bool show_abi) {
    std::vector<std::vector<std::string>> lines;
    for (const SyscallDesc* row : rows) {
        std::vector<std::string> cells;
        if (show_abi) cells.emplace_back(abi_name(row->abi));
        // x32 numbers in hex, where bit 30 reads as 0x40000000.
        cells.push_back(row->abi == Abi::x32 ? fmt::format("{:#x}", row->nr) : fmt::format("{}", row->nr));
        cells.emplace_back(row->name);
        cells.emplace_back(row->effective().entry);
        cells.push_back(list_text(class_list(row->effective().classes)));
        cells.push_back(signature(*row));
        lines.push_back(std::move(cells));
    }
    print_columns(lines);
}

void print_detail(const SyscallDesc& row) {
    const EntryMeta& entry = row.effective();
    std::vector<std::vector<std::string>> head = {
        {"abi", std::string(abi_name(row.abi))},
        {"nr", fmt::format("{} (0x{:x})", row.nr, row.nr)},
        {"name", std::string(row.name)},
        {"entry", std::string(row.entry->entry)},
        {"compat entry", row.compat_entry ? std::string(row.compat_entry->entry) : "-"},
        {"signature", signature(row)},
        {"classes", list_text(class_list(entry.classes))},
        {"flags", list_text(flag_list(all_flags(row)))},
    };
    print_columns(head);
    if (entry.nargs == 0) {
        fmt::print("arguments of {}: none\n", entry.entry);
        return;
    }
    fmt::print("arguments of {}:\n", entry.entry);
    std::vector<std::vector<std::string>> args = {{"#", "type", "name", "kind", "size", "signed"}};
    for (int i = 0; i < entry.nargs; ++i) {
        const ArgMeta& a = entry.args[i];
        args.push_back({std::to_string(i), std::string(a.type), std::string(a.name), kind_text(a),
                        std::to_string(a.size), a.is_signed ? "yes" : "no"});
    }
    print_columns(args, "  ");
}

int show(const Options& opt) {
    std::optional<std::vector<Abi>> abis = parse_abis(opt.abi);
    if (!abis) return fail(fmt::format("unknown abi '{}' (expected x86_64, x32, i386 or all)", opt.abi));
    Selection sel{*abis, 0};
    for (const std::string& name : opt.classes) {
        std::optional<std::uint32_t> bit = class_from_name(name);
        if (!bit) return fail(fmt::format("unknown class '{}' (expected one of {})", name,
                                          fmt::join(class_list(~0u), " ")));
        sel.classes |= *bit;
    }
    std::vector<const SyscallDesc*> rows = select_rows(sel, opt.query);
    if (!opt.query.empty() && rows.empty()) return unknown_call(opt.query, sel);
    if (opt.json) {
        print_json(rows);
    } else if (opt.query.empty()) {
        print_list(rows, sel.abis.size() > 1);
    } else {
        for (std::size_t i = 0; i < rows.size(); ++i) {
            if (i) fmt::print("\n");
            print_detail(*rows[i]);
        }
    }
    return 0;
}

}  // namespace
}  // namespace lstar

namespace {

// The command line, into `opt`.
std::unique_ptr<CLI::App> table_app(lstar::Options& opt) {
    auto made = std::make_unique<CLI::App>("Show the system call tables: all rows, or one call by name or number", "lstar table");
    CLI::App& app = *made;
    app.add_option("call", opt.query, "system call name or number (decimal or 0x hex)");
    app.add_option("--abi", opt.abi, "x86_64 (default), x32, i386 or all");
    app.add_option("--class", opt.classes, "only calls in this class (%file, %desc, ...); may be repeated")
        ->allow_extra_args(false);
    app.add_flag("--json", opt.json, "print a JSON array of the rows");
    return made;
}

}  // namespace

std::string lstar::table_usage() {
    lstar::Options opt;
    return table_app(opt)->help();
}

int table_command(int argc, char** argv) {
    lstar::Options opt;
    std::unique_ptr<CLI::App> made = table_app(opt);
    CLI::App& app = *made;
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // CLI11 reports by throwing; the exception stops here. --help is one too.
        if (e.get_exit_code() == 0) return app.exit(e);
        return lstar::fail(fmt::format("table: {} (see lstar table --help)", e.what()));
    }
    return lstar::show(opt);
}
