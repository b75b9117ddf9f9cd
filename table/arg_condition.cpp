#include "table/arg_condition.hpp"

#include <cerrno>
#include <cstdlib>
#include <utility>

#include <fmt/format.h>

#include "table/xlat.hpp"

namespace lstar {

std::string_view trim_blanks(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

Result<ArgCondition> parse_condition(std::string_view text) {
    ArgCondition c;
    c.text = std::string(trim_blanks(text));
    std::string_view s = c.text;
    static constexpr std::pair<std::string_view, CmpOp> kOps[] = {
        {"==", CmpOp::eq}, {"!=", CmpOp::ne}, {"<=", CmpOp::le}, {">=", CmpOp::ge},
        {"<", CmpOp::lt},  {">", CmpOp::gt},  {"&", CmpOp::masked_eq}, {"~", CmpOp::glob},
    };
    std::size_t at = std::string_view::npos;
    CmpOp op = CmpOp::eq;
    std::size_t op_len = 0;
    for (auto [spelling, kind] : kOps)
        if (std::size_t p = s.find(spelling); p != std::string_view::npos && p < at) {
            at = p, op = kind, op_len = spelling.size();
        }
    auto bad = [&](std::string_view why) {
        return error(fmt::format("bad condition '{}': {} (ARG OP VALUE with OP one of == != < <= > >= & ~, "
                                 "e.g. 'family == AF_UNIX' or 'flags & O_ACCMODE == O_WRONLY')",
                                 c.text, why));
    };
    if (at == std::string_view::npos) return bad("no comparison");
    c.arg = std::string(trim_blanks(s.substr(0, at)));
    if (std::size_t dot = c.arg.find('.'); dot != std::string::npos) c.arg = c.arg.substr(dot + 1);  // "socket.family"
    if (c.arg.empty()) return bad("no argument name");
    if (c.arg.size() == 4 && c.arg.starts_with("arg") && c.arg[3] >= '0' && c.arg[3] <= '5') c.index = c.arg[3] - '0';
    std::string_view rest = trim_blanks(s.substr(at + op_len));
    c.op = op;
    if (op == CmpOp::masked_eq) {
        // "flags & MASK" (the bits are all set) or "flags & MASK == VALUE".
        if (std::size_t eq = rest.find("=="); eq != std::string_view::npos) {
            c.mask = std::string(trim_blanks(rest.substr(0, eq)));
            c.value = std::string(trim_blanks(rest.substr(eq + 2)));
        } else {
            c.mask = c.value = std::string(rest);
        }
        if (c.mask.empty()) return bad("no mask");
    } else {
        c.value = std::string(rest);
    }
    if (c.value.empty()) return bad("no value");
    return c;
}

Result<int> condition_arg_index(const ArgCondition& c, const SyscallDesc& row) {
    const EntryMeta& entry = row.effective();
    if (c.index >= 0) return c.index;
    for (int i = 0; i < entry.nargs; ++i)
        if (entry.args[i].name == c.arg) return i;
    for (int i = 0; i < entry.nargs; ++i)
        if (arg_kind_name(entry.args[i].kind) == c.arg) return i;
    std::string names;
    for (int i = 0; i < entry.nargs; ++i) names += (i ? ", " : "") + std::string(entry.args[i].name);
    return error(fmt::format("{} ({}) has no argument '{}' (its arguments: {})", row.name, abi_name(row.abi), c.arg,
                             names.empty() ? "none" : names));
}

Result<std::uint64_t> resolve_value(std::string_view text, const ArgMeta& meta) {
    std::uint64_t value = 0;
    std::string_view rest = text;
    while (!rest.empty()) {
        std::size_t bar = rest.find('|');
        std::string item(trim_blanks(rest.substr(0, bar)));
        rest = bar == std::string_view::npos ? std::string_view() : rest.substr(bar + 1);
        if (item.empty()) return error(fmt::format("empty constant in '{}'", text));
        char* end = nullptr;
        errno = 0;
        std::uint64_t n = item[0] == '-' ? static_cast<std::uint64_t>(std::strtoll(item.c_str(), &end, 0))
                                         : std::strtoull(item.c_str(), &end, 0);
        if (*end == 0 && errno == 0) {
            value |= n;
            continue;
        }
        const XlatEntry* e = meta.param.empty() ? nullptr : xlat_find(meta.param, std::string_view(item));
        for (const XlatSet& set : xlat_sets()) {
            if (e) break;
            e = xlat_find(set.name, std::string_view(item));
        }
        if (!e) return error(fmt::format("unknown constant '{}' for argument '{}'", item, meta.name));
        value |= e->value;
    }
    return value;
}

unsigned arg_width(const SyscallDesc& row, const ArgMeta& meta) {
    return row.abi == Abi::i386 ? 4 : meta.size ? meta.size : 8;
}

}  // namespace lstar
