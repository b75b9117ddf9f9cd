#include "trace/syscall_set.hpp"

#include <regex>

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
        if (item.empty()) {
            *error = fmt::format("invalid system call '' in '{}'", spec);
            return false;
        }
        bool matched = false;
        auto mark = [&](auto&& pred) {
            for (int abi = 0; abi < kAbiCount; ++abi)
                for (const SyscallDesc& row : syscall_table(static_cast<Abi>(abi)))
                    if (!row.name.empty() && pred(row)) {
                        set.rows_[abi][index(row)] = true;
                        matched = true;
                    }
        };
        if (item == "all") {
            set.fill(true);
            matched = true;
        } else if (item == "none") {
            matched = true;
        } else if (item.front() == '%') {
            auto bit = class_from_name(item);
            if (!bit) {
                *error = fmt::format("invalid system call class '{}'", item);
                return false;
            }
            mark([&](const SyscallDesc& row) { return row.effective().classes & *bit; });
            matched = true;  // a class may have no call in some ABI
        } else if (item.front() == '/') {
            std::regex re;
            try {
                re = std::regex(std::string(item.substr(1)), std::regex::extended | std::regex::nosubs);
            } catch (const std::regex_error& e) {
                *error = fmt::format("invalid regular expression '{}': {}", item.substr(1), e.what());
                return false;
            }
            mark([&](const SyscallDesc& row) { return std::regex_search(std::string(row.name), re); });
        } else {
            mark([&](const SyscallDesc& row) { return row.name == item; });
        }
        if (!matched && !optional && item.front() != '/') {
            *error = fmt::format("invalid system call '{}'", item);
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
