#include "table/syscall_set.hpp"

#include <regex.h>

#include <algorithm>
#include <cerrno>

#include <fmt/format.h>


namespace lstar {

namespace {

// socketcall's calls (linux/net.h SYS_*): SYS_SEND and SYS_RECV are sendto and
// recvfrom without the address; SYS_ACCEPT is accept4 without the flags.
constexpr Subcall kSocketcalls[] = {
    {},
    {"socket", "socket", 3, 3, 0},
    {"bind", "bind", 3, 3, 0},
    {"connect", "connect", 3, 3, 0},
    {"listen", "listen", 2, 2, 0},
    {"accept", "accept4", 3, 3, 0},
    {"getsockname", "getsockname", 3, 3, 0},
    {"getpeername", "getpeername", 3, 3, 0},
    {"socketpair", "socketpair", 4, 4, 0},
    {"send", "sendto", 4, 4, 0},
    {"recv", "recvfrom", 4, 4, 0},
    {"sendto", "sendto", 6, 6, 0},
    {"recvfrom", "recvfrom", 6, 6, 0},
    {"shutdown", "shutdown", 2, 2, 0},
    {"setsockopt", "setsockopt", 5, 5, 0},
    {"getsockopt", "getsockopt", 5, 5, 0},
    {"sendmsg", "sendmsg", 3, 3, 0},
    {"recvmsg", "recvmsg", 3, 3, 0},
    {"accept4", "accept4", 4, 4, 0},
    {"recvmmsg", "recvmmsg", 5, 5, 0},
    {"sendmmsg", "sendmmsg", 4, 4, 0},
};

// ipc's calls (linux/ipc.h): with -e raw= strace shows ipc's arguments from
// `first` on, as many as the call takes through ipc.
constexpr std::uint32_t kIpc = kClassIpc, kIpcMem = kClassIpc | kClassMemory;
constexpr Subcall kIpcCalls[] = {
    {},
    {"semop", {}, 3, 4, kIpc},
    {"semget", {}, 3, 3, kIpc},
    {"semctl", {}, 4, 4, kIpc},
    {"semtimedop", {}, 4, 5, kIpc},
    {}, {}, {}, {}, {}, {},
    {"msgsnd", {}, 4, 4, kIpc},
    {"msgrcv", {}, 5, 5, kIpc},
    {"msgget", {}, 2, 2, kIpc},
    {"msgctl", {}, 3, 4, kIpc},
    {}, {}, {}, {}, {}, {},
    {"shmat", {}, 3, 4, kIpcMem},
    {"shmdt", {}, 1, 4, kIpcMem},
    {"shmget", {}, 3, 3, kIpc},
    {"shmctl", {}, 3, 4, kIpc},
};

constexpr std::uint64_t kSocketcallNr = 102, kIpcNr = 117;

std::uint32_t subcall_classes(Multiplexer m, const Subcall& s) {
    if (m == Multiplexer::ipc) return s.classes;
    const SyscallDesc* row = find_syscall(Abi::i386, s.row);
    return row ? row->effective().classes : 0;
}

}  // namespace

Multiplexer multiplexer_of(const SyscallDesc& row) {
    if (row.abi != Abi::i386) return Multiplexer::none;
    if (row.nr == kSocketcallNr) return Multiplexer::socketcall;
    if (row.nr == kIpcNr) return Multiplexer::ipc;
    return Multiplexer::none;
}

std::span<const Subcall> subcalls(Multiplexer m) {
    switch (m) {
    case Multiplexer::socketcall: return kSocketcalls;
    case Multiplexer::ipc: return kIpcCalls;
    case Multiplexer::none: break;
    }
    return {};
}

bool SyscallSet::contains(const SyscallDesc& row, int subcall) const {
    Multiplexer m = multiplexer_of(row);
    if (m == Multiplexer::none) return contains(row);
    int k = static_cast<int>(m) - 1;
    if (subcall <= 0 || static_cast<std::size_t>(subcall) >= subcalls_[k].size()) return mux_self_[k];
    return subcalls_[k][static_cast<std::size_t>(subcall)];
}


// A multiplexer row stops when it or any of its calls is in the set (the
// prefilter decides by row); by itself it is selected only by its own name.
void SyscallSet::finish_multiplexers() {
    for (int k = 0; k < kMultiplexers; ++k) {
        const SyscallDesc* row = find_syscall(Abi::i386, k == 0 ? kSocketcallNr : kIpcNr);
        if (!row) continue;
        auto bit = rows_[static_cast<int>(Abi::i386)][index(*row)];  // a vector<bool> reference
        mux_self_[k] = bit;
        auto calls = subcalls(static_cast<Multiplexer>(k + 1));
        for (std::size_t n = 0; n < calls.size(); ++n) bit = bit || (!calls[n].name.empty() && subcalls_[k][n]);
    }
}

std::size_t SyscallSet::index(const SyscallDesc& row) {
    return static_cast<std::size_t>(row.abi == Abi::x32 ? row.nr & ~kX32SyscallBit : row.nr);
}

void SyscallSet::fill(bool value) {
    for (int abi = 0; abi < kAbiCount; ++abi)
        rows_[abi].assign(syscall_table(static_cast<Abi>(abi)).size(), value);
    for (int k = 0; k < kMultiplexers; ++k) {
        subcalls_[k].assign(subcalls(static_cast<Multiplexer>(k + 1)).size(), value);
        mux_self_[k] = value;
    }
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
    for (const auto& calls : subcalls_)
        for (bool b : calls)
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
    Status compile(std::string_view pattern) {
        std::string p(pattern);
        int rc = ::regcomp(&re_, p.c_str(), REG_EXTENDED | REG_NOSUB);
        if (rc != 0) {
            char msg[256];
            ::regerror(rc, &re_, msg, sizeof msg);
            return error(fmt::format("regcomp: {}: {}", p, msg), EINVAL);
        }
        ok_ = true;
        return {};
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

Result<SyscallSet> SyscallSet::parse(std::string_view spec) {
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
        if (item.empty())
            return error(fmt::format("invalid system call '{}'", spec), EINVAL);  // strace names the whole list here
        bool matched = false;
        constexpr int kI386 = static_cast<int>(Abi::i386);
        // pred(name, classes): the rows, and the calls i386's multiplexers stand for.
        auto mark = [&](auto&& pred) {
            for (int abi = 0; abi < kAbiCount; ++abi) {
                if (!(abis & (1u << abi))) continue;
                for (const SyscallDesc& row : syscall_table(static_cast<Abi>(abi)))
                    if (!row.name.empty() && pred(row.name, row.effective().classes)) {
                        set.rows_[abi][index(row)] = true;
                        matched = true;
                    }
            }
            if (!(abis & (1u << kI386))) return;
            for (int k = 0; k < kMultiplexers; ++k) {
                auto m = static_cast<Multiplexer>(k + 1);
                auto calls = subcalls(m);
                for (std::size_t n = 0; n < calls.size(); ++n)
                    if (!calls[n].name.empty() && pred(calls[n].name, subcall_classes(m, calls[n]))) {
                        set.subcalls_[k][n] = true;
                        matched = true;
                    }
            }
        };
        // strace's classes without their % (its older spelling) come before call names:
        // "ipc" is %ipc, not only the ipc call.
        static constexpr std::string_view kBareClasses[] = {"desc",   "file", "memory", "process",
                                                            "signal", "ipc",  "network"};
        std::string with_percent;
        if (std::find(std::begin(kBareClasses), std::end(kBareClasses), item) != std::end(kBareClasses)) {
            with_percent = fmt::format("%{}", item);
            item = with_percent;
        }
        if (item == "all") {
            for (int abi = 0; abi < kAbiCount; ++abi)
                if (abis & (1u << abi)) set.rows_[abi].assign(set.rows_[abi].size(), true);  // gaps too
            if (abis & (1u << kI386))
                for (auto& calls : set.subcalls_) calls.assign(calls.size(), true);
            if (abis == 0x7) set.unknown_ = true;
            matched = true;
        } else if (item == "none") {
            matched = true;
        } else if (item.front() == '%') {
            // strace spells %network both ways.
            auto bit = class_from_name(item == "%net" ? std::string_view("%network") : item);
            if (!bit) return error(fmt::format("invalid system call '{}'", spelled), EINVAL);
            mark([&](std::string_view, std::uint32_t classes) { return classes & *bit; });
            matched = true;  // a class may have no call in some ABI
        } else if (item.front() == '/') {
            Regex re;
            LSTAR_TRY(re.compile(item.substr(1)));
            mark([&](std::string_view name, std::uint32_t) { return re.search(name); });
        } else {
            mark([&](std::string_view name, std::uint32_t) { return name == item; });
        }
        if (!matched && !optional) return error(fmt::format("invalid system call '{}'", spelled), EINVAL);
    }
    if (negate) {
        for (auto& rows : set.rows_) rows.flip();
        for (auto& calls : set.subcalls_) calls.flip();
        set.unknown_ = !set.unknown_;
    }
    set.finish_multiplexers();
    return set;
}

}  // namespace lstar
