#include "trace/syscall_set.hpp"

#include <regex.h>

#include <algorithm>

#include <fmt/format.h>

namespace lstar {

std::size_t SyscallSet::index(const SyscallDesc& row) {
    return static_cast<std::size_t>(row.abi == Abi::x32 ? row.nr & ~kX32SyscallBit : row.nr);
}

void SyscallSet::fill(bool value) {
    for (int abi = 0; abi < kAbiCount; ++abi)
        rows_[abi].assign(syscall_table(static_cast<Abi>(abi)).size(), value);
    unknown_ = value;
}

SyscallSet SyscallSet::all() { SyscallSet s; s.fill(true); return s; }
SyscallSet SyscallSet::none() { SyscallSet s; s.fill(false); return s; }

bool SyscallSet::contains(Abi abi, std::uint64_t nr) const {
    if (abi == Abi::x32) {
        if (!(nr & kX32SyscallBit)) return unknown_;
        nr &= ~kX32SyscallBit;
    }
    const auto& rows = rows_[static_cast<int>(abi)];
    return nr < rows.size() ? static_cast<bool>(rows[nr]) : unknown_;
}

bool SyscallSet::is_all() const {
    for (const auto& rows : rows_)
        for (bool b : rows)
            if (!b) return false;
    return unknown_;
}

bool SyscallSet::is_empty() const {
    for (const auto& rows : rows_)
        for (bool b : rows)
            if (b) return false;
    return !unknown_;
}

namespace {

// "name@64", "%file@32": the ABIs an item is limited to (strace's personality suffixes).
std::uint8_t take_abi_suffix(std::string_view* item) {
    struct Suffix { std::string_view text; std::uint8_t abis; };
    static constexpr Suffix kSuffixes[] = {
        {"@64", 1u << static_cast<int>(Abi::x86_64)},
        {"@32", 1u << static_cast<int>(Abi::i386)},
        {"@x32", 1u << static_cast<int>(Abi::x32)},
    };
    for (const Suffix& s : kSuffixes) {
        if (item->size() > s.text.size() && item->ends_with(s.text)) {
            item->remove_suffix(s.text.size());
            return s.abis;
        }
    }
    return 0x7;
}

// POSIX extended regular expressions, as strace's regcomp uses them.
class Regex {
public:
    bool compile(std::string_view pattern, std::string* error) {
        std::string p(pattern);
        int rc = ::regcomp(&re_, p.c_str(), REG_EXTENDED | REG_NOSUB);
        if (rc != 0) {
            char msg[256];
            ::regerror(rc, &re_, msg, sizeof msg);
            *error = fmt::format("regcomp: {}: {}", p, msg);
            return false;
        }
        ok_ = true;
        return true;
    }
    bool search(std::string_view text) const {
        char buf[128];
        std::size_t n = std::min(text.size(), sizeof buf - 1);
        text.copy(buf, n);
        buf[n] = '\0';
        return ::regexec(&re_, buf, 0, nullptr, 0) == 0;
    }
    ~Regex() { if (ok_) ::regfree(&re_); }

private:
    regex_t re_{};
    bool ok_ = false;
};

}  // namespace

bool SyscallSet::parse(std::string_view spec, SyscallSet* out, std::string* error) {
    bool negate = !spec.empty() && spec.front() == '!';
    if (negate) spec.remove_prefix(1);
    SyscallSet set = none();
    std::size_t start = 0;
    while (start <= spec.size()) {
        std::size_t end = spec.find(',', start);
        if (end == std::string_view::npos) end = spec.size();
        std::string_view item = spec.substr(start, end - start);
        start = end + 1;
        bool optional = !item.empty() && item.front() == '?';
        if (optional) item.remove_prefix(1);
        std::string_view spelled = item;
        std::uint8_t abis = take_abi_suffix(&item);
        if (item.empty()) {
            *error = fmt::format("invalid system call '{}'", spec);  // strace names the whole list here
            return false;
        }
        bool matched = false;
        auto mark = [&](auto&& pred) {
            for (int abi = 0; abi < kAbiCount; ++abi) {
                if (!(abis & (1u << abi))) continue;
                for (const SyscallDesc& row : syscall_table(static_cast<Abi>(abi)))
                    if (!row.name.empty() && pred(row)) {
                        set.rows_[abi][index(row)] = true;
                        matched = true;
                    }
            }
        };
        if (item == "all") {
            for (int abi = 0; abi < kAbiCount; ++abi)
                if (abis & (1u << abi)) set.rows_[abi].assign(set.rows_[abi].size(), true);  // gaps too
            if (abis == 0x7) set.unknown_ = true;
            matched = true;
        } else if (item == "none") {
            matched = true;
        } else if (item.front() == '%') {
            // strace spells %network both ways.
            auto bit = class_from_name(item == "%net" ? std::string_view("%network") : item);
            if (!bit) {
                *error = fmt::format("invalid system call '{}'", spelled);
                return false;
            }
            mark([&](const SyscallDesc& row) { return row.effective().classes & *bit; });
            matched = true;  // a class may have no call in some ABI
        } else if (item.front() == '/') {
            Regex re;
            if (!re.compile(item.substr(1), error)) return false;
            mark([&](const SyscallDesc& row) { return re.search(row.name); });
        } else {
            mark([&](const SyscallDesc& row) { return row.name == item; });
        }
        if (!matched && !optional) {
            *error = fmt::format("invalid system call '{}'", spelled);
            return false;
        }
    }
    if (negate) {
        for (auto& rows : set.rows_) rows.flip();
        set.unknown_ = !set.unknown_;
    }
    *out = std::move(set);
    return true;
}

}  // namespace lstar
