#include "table/gen/ctype.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace lstar::gen {
namespace {

// What an identifier type means. A scalar has a width in each model; an
// opaque type (sigset_t, fd_set) only appears behind a pointer and becomes
// `void` for callers; a pointer typedef is passed as a pointer.
enum class Category : std::uint8_t { scalar, opaque, pointer };

struct KnownType {
    std::string_view name;
    Category category;
    std::uint8_t native;  // width in a native (sys_*) entry point
    std::uint8_t compat;  // width in a compat entry point / i386 user code
    bool is_signed;
    std::string_view user;  // spelling in lstar/sys.hpp (<sys/types.h>, <cstdint>)
};

// x86 kernel types (include/linux/types.h, include/uapi/asm-generic/posix_types.h,
// arch/x86/include/asm/compat.h). timer_t is the kernel's int, not glibc's void*.
constexpr KnownType kKnownTypes[] = {
    {"char", Category::scalar, 1, 1, true, "char"},
    {"signed char", Category::scalar, 1, 1, true, "signed char"},
    {"unsigned char", Category::scalar, 1, 1, false, "unsigned char"},
    {"short", Category::scalar, 2, 2, true, "short"},
    {"unsigned short", Category::scalar, 2, 2, false, "unsigned short"},
    {"int", Category::scalar, 4, 4, true, "int"},
    {"unsigned int", Category::scalar, 4, 4, false, "unsigned int"},
    {"long", Category::scalar, 8, 4, true, "long"},
    {"unsigned long", Category::scalar, 8, 4, false, "unsigned long"},
    {"long long", Category::scalar, 8, 8, true, "long long"},
    {"unsigned long long", Category::scalar, 8, 8, false, "unsigned long long"},
    {"bool", Category::scalar, 1, 1, false, "bool"},
    {"u8", Category::scalar, 1, 1, false, "std::uint8_t"},
    {"__u8", Category::scalar, 1, 1, false, "std::uint8_t"},
    {"s8", Category::scalar, 1, 1, true, "std::int8_t"},
    {"__s8", Category::scalar, 1, 1, true, "std::int8_t"},
    {"u16", Category::scalar, 2, 2, false, "std::uint16_t"},
    {"__u16", Category::scalar, 2, 2, false, "std::uint16_t"},
    {"s16", Category::scalar, 2, 2, true, "std::int16_t"},
    {"__s16", Category::scalar, 2, 2, true, "std::int16_t"},
    {"u32", Category::scalar, 4, 4, false, "std::uint32_t"},
    {"__u32", Category::scalar, 4, 4, false, "std::uint32_t"},
    {"s32", Category::scalar, 4, 4, true, "std::int32_t"},
    {"__s32", Category::scalar, 4, 4, true, "std::int32_t"},
    {"u64", Category::scalar, 8, 8, false, "std::uint64_t"},
    {"__u64", Category::scalar, 8, 8, false, "std::uint64_t"},
    {"s64", Category::scalar, 8, 8, true, "std::int64_t"},
    {"__s64", Category::scalar, 8, 8, true, "std::int64_t"},
    {"size_t", Category::scalar, 8, 4, false, "size_t"},
    {"ssize_t", Category::scalar, 8, 4, true, "ssize_t"},
    {"off_t", Category::scalar, 8, 4, true, "long"},
    {"loff_t", Category::scalar, 8, 8, true, "long long"},
    {"pid_t", Category::scalar, 4, 4, true, "pid_t"},
    {"uid_t", Category::scalar, 4, 4, false, "uid_t"},
    {"gid_t", Category::scalar, 4, 4, false, "gid_t"},
    {"old_uid_t", Category::scalar, 2, 2, false, "unsigned short"},
    {"old_gid_t", Category::scalar, 2, 2, false, "unsigned short"},
    {"qid_t", Category::scalar, 4, 4, false, "std::uint32_t"},
    {"umode_t", Category::scalar, 2, 2, false, "mode_t"},
    {"mode_t", Category::scalar, 4, 4, false, "mode_t"},
    {"key_t", Category::scalar, 4, 4, true, "key_t"},
    {"key_serial_t", Category::scalar, 4, 4, true, "std::int32_t"},
    {"mqd_t", Category::scalar, 4, 4, true, "int"},
    {"clockid_t", Category::scalar, 4, 4, true, "clockid_t"},
    {"timer_t", Category::scalar, 4, 4, true, "int"},
    {"rwf_t", Category::scalar, 4, 4, true, "int"},
    {"aio_context_t", Category::scalar, 8, 4, false, "unsigned long"},
    {"old_sigset_t", Category::scalar, 8, 4, false, "unsigned long"},
    {"__kernel_old_time_t", Category::scalar, 8, 4, true, "long"},
    {"old_time32_t", Category::scalar, 4, 4, true, "std::int32_t"},
    {"compat_int_t", Category::scalar, 4, 4, true, "int"},
    {"compat_uint_t", Category::scalar, 4, 4, false, "unsigned int"},
    {"compat_long_t", Category::scalar, 4, 4, true, "std::int32_t"},
    {"compat_ulong_t", Category::scalar, 4, 4, false, "std::uint32_t"},
    {"compat_uptr_t", Category::scalar, 4, 4, false, "std::uint32_t"},
    {"compat_size_t", Category::scalar, 4, 4, false, "std::uint32_t"},
    {"compat_ssize_t", Category::scalar, 4, 4, true, "std::int32_t"},
    {"compat_off_t", Category::scalar, 4, 4, true, "std::int32_t"},
    {"compat_loff_t", Category::scalar, 8, 8, true, "std::int64_t"},
    {"compat_pid_t", Category::scalar, 4, 4, true, "std::int32_t"},
    {"compat_uid_t", Category::scalar, 4, 4, false, "std::uint32_t"},
    {"compat_gid_t", Category::scalar, 4, 4, false, "std::uint32_t"},
    {"compat_time_t", Category::scalar, 4, 4, true, "std::int32_t"},
    {"compat_clock_t", Category::scalar, 4, 4, true, "std::int32_t"},
    {"compat_key_t", Category::scalar, 4, 4, true, "std::int32_t"},
    {"compat_timer_t", Category::scalar, 4, 4, true, "std::int32_t"},
    {"compat_aio_context_t", Category::scalar, 4, 4, false, "std::uint32_t"},
    {"compat_old_sigset_t", Category::scalar, 4, 4, false, "std::uint32_t"},
    {"compat_sigset_word", Category::scalar, 4, 4, false, "std::uint32_t"},
    {"compat_mode_t", Category::scalar, 2, 2, false, "unsigned short"},
    {"sigset_t", Category::opaque, 0, 0, false, "void"},
    {"compat_sigset_t", Category::opaque, 0, 0, false, "void"},
    {"siginfo_t", Category::opaque, 0, 0, false, "void"},
    {"compat_siginfo_t", Category::opaque, 0, 0, false, "void"},
    {"stack_t", Category::opaque, 0, 0, false, "void"},
    {"compat_stack_t", Category::opaque, 0, 0, false, "void"},
    {"fd_set", Category::opaque, 0, 0, false, "void"},
    {"void", Category::opaque, 0, 0, false, "void"},
    {"cap_user_header_t", Category::pointer, 8, 4, false, "void*"},
    {"cap_user_data_t", Category::pointer, 8, 4, false, "void*"},
    {"__sighandler_t", Category::pointer, 8, 4, false, "void*"},  // void (*)(int)
};

// Other spellings of the same builtin types.
constexpr std::pair<std::string_view, std::string_view> kAliases[] = {
    {"unsigned", "unsigned int"},     {"signed", "int"},
    {"signed int", "int"},            {"short int", "short"},
    {"unsigned short int", "unsigned short"},
    {"long int", "long"},             {"unsigned long int", "unsigned long"},
    {"long unsigned int", "unsigned long"},
    {"long long int", "long long"},   {"unsigned long long int", "unsigned long long"},
    {"_Bool", "bool"},
};

const KnownType* find_known(std::string_view name) {
    for (auto [alias, canonical] : kAliases)
        if (name == alias) name = canonical;
    for (const KnownType& t : kKnownTypes)
        if (t.name == name) return &t;
    return nullptr;
}

std::vector<std::string> tokenise(std::string_view decl) {
    std::vector<std::string> tokens;
    std::string word;
    auto flush = [&] {
        if (!word.empty()) tokens.push_back(std::move(word));
        word.clear();
    };
    for (char c : decl) {
        if (c == '*') {
            flush();
            tokens.emplace_back("*");
        } else if (std::isspace(static_cast<unsigned char>(c))) {
            flush();
        } else {
            word += c;
        }
    }
    flush();
    return tokens;
}

bool is_qualifier(std::string_view t) { return t == "const" || t == "volatile" || t == "__user"; }

bool valid_identifier(std::string_view word) {
    if (word.empty() || std::isdigit(static_cast<unsigned char>(word[0]))) return false;
    return std::all_of(word.begin(), word.end(),
                       [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// The declaration split at its first `*`: the base type's words without
// qualifiers, whether the base is const, and the pointer part's tokens.
struct Parts {
    std::string base;
    bool base_const = false;
    std::vector<std::string> pointer;  // "*", "const", "__user" ...
};

Parts split(const std::vector<std::string>& tokens) {
    Parts parts;
    std::size_t i = 0;
    for (; i < tokens.size() && tokens[i] != "*"; ++i) {
        if (tokens[i] == "const") parts.base_const = true;
        if (is_qualifier(tokens[i])) continue;
        parts.base += (parts.base.empty() ? "" : " ") + tokens[i];
    }
    parts.pointer.assign(tokens.begin() + static_cast<long>(i), tokens.end());
    return parts;
}

// The caller's spelling of a base type seen behind a pointer, or empty if unknown.
std::string pointee_spelling(const std::string& base, std::string& tag) {
    if (base.starts_with("struct ") || base.starts_with("union ")) {
        tag = base;
        return base;
    }
    if (base.starts_with("enum ")) return "int";
    const KnownType* known = find_known(base);
    if (!known) return {};
    return std::string(known->user);
}

// "const char", ["*", "const", "__user", "*"] -> "const char* const*"
std::string user_pointer(std::string pointee, bool base_const, const std::vector<std::string>& pointer) {
    std::string out = (base_const ? "const " : "") + pointee;
    for (const std::string& t : pointer) {
        if (t == "*") out += '*';
        else if (t == "const") out += " const";
    }
    return out;
}

bool analyse_scalar(const std::string& base, Width width, CType& out, std::string& why) {
    if (base.starts_with("enum ") && valid_identifier(base.substr(5))) {
        out.size = 4;
        out.is_signed = true;
        out.user = "int";
        return true;
    }
    const KnownType* known = find_known(base);
    if (!known || known->category == Category::opaque) {
        why = known ? "type '" + base + "' can only be pointed to" : "unknown type '" + base + "'";
        return false;
    }
    out.size = width == Width::compat ? known->compat : known->native;
    out.is_signed = known->is_signed;
    out.is_pointer = known->category == Category::pointer;
    out.user = known->user;
    return true;
}

}  // namespace

std::string normalise_type(std::string_view decl) {
    std::string out;
    for (const std::string& t : tokenise(decl)) {
        bool after_star = !out.empty() && out.back() == '*';
        if (!out.empty() && (!after_star || t == "*")) out += ' ';
        out += t;
    }
    return out;
}

bool analyse_type(std::string_view decl, Width width, CType& out, std::string& why) {
    out = CType{};
    std::vector<std::string> tokens = tokenise(decl);
    for (const std::string& t : tokens) {
        if (t != "*" && !valid_identifier(t)) {
            why = "bad type '" + std::string(decl) + "'";
            return false;
        }
    }
    Parts parts = split(tokens);
    if (parts.base.empty()) {
        why = "no type in '" + std::string(decl) + "'";
        return false;
    }
    for (const std::string& t : parts.pointer) {
        if (t != "*" && !is_qualifier(t)) {
            why = "unexpected '" + t + "' after '*' in '" + std::string(decl) + "'";
            return false;
        }
    }
    if (parts.pointer.empty()) return analyse_scalar(parts.base, width, out, why);

    std::string pointee = pointee_spelling(parts.base, out.tag);
    if (pointee.empty()) {
        why = "unknown type '" + parts.base + "'";
        return false;
    }
    out.size = width == Width::compat ? 4 : 8;
    out.is_pointer = true;
    out.user = user_pointer(pointee, parts.base_const, parts.pointer);
    return true;
}

}  // namespace lstar::gen
