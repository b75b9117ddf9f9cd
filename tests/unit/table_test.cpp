// The generated tables: lookups, compile-time metadata and numbers, constant
// sets, and comparisons with the real thing (the installed UAPI headers and
// the running kernel's tracefs syscall events).
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "table/entry_meta.hpp"
#include "table/syscall_nr.hpp"
#include "table/syscall_table.hpp"
#include "table/xlat.hpp"
#include "table/xlat_data.hpp"

namespace lstar {
namespace {

// ---- lookups ------------------------------------------------------------------------

TEST(Table, FindByNumberAndName) {
    const SyscallDesc* write = find_syscall(Abi::x86_64, std::uint64_t{1});
    ASSERT_NE(write, nullptr);
    EXPECT_EQ(write->name, "write");
    EXPECT_EQ(write->entry->entry, "sys_write");
    EXPECT_EQ(write->entry->nargs, 3);
    EXPECT_EQ(find_syscall(Abi::x86_64, "write"), write);
    EXPECT_EQ(find_syscall(Abi::x86_64, "no_such_call"), nullptr);
    EXPECT_EQ(find_syscall(Abi::x86_64, std::uint64_t{100000}), nullptr);

    const SyscallDesc* x32_write = find_syscall(Abi::x32, "write");
    ASSERT_NE(x32_write, nullptr);
    EXPECT_EQ(x32_write->nr, kX32SyscallBit | 1);
    EXPECT_EQ(find_syscall(Abi::x32, kX32SyscallBit | 1), x32_write);
    EXPECT_EQ(find_syscall(Abi::x32, std::uint64_t{1}), nullptr) << "x32 numbers carry bit 30";

    const SyscallDesc* i386_write = find_syscall(Abi::i386, std::uint64_t{4});
    ASSERT_NE(i386_write, nullptr);
    EXPECT_EQ(i386_write->name, "write");
}

TEST(Table, RowsAreIndexedByNumberAndGapsAreNi) {
    for (Abi abi : {Abi::x86_64, Abi::x32, Abi::i386}) {
        auto rows = syscall_table(abi);
        ASSERT_FALSE(rows.empty());
        for (std::size_t i = 0; i < rows.size(); ++i) {
            const SyscallDesc& row = rows[i];
            EXPECT_EQ(row.abi, abi);
            EXPECT_EQ(row.nr & ~kX32SyscallBit, i);
            ASSERT_NE(row.entry, nullptr);
            if (row.name.empty()) {
                EXPECT_TRUE(row.is_ni()) << abi_name(abi) << " gap " << i;
                EXPECT_EQ(row.entry->entry, "sys_ni_syscall");
            }
        }
    }
    // x86_64 has no x32-only rows: 512.. are past its end or gaps.
    EXPECT_EQ(find_syscall(Abi::x86_64, "rt_sigaction")->nr, 13u);
    EXPECT_EQ(find_syscall(Abi::x32, "rt_sigaction")->nr, kX32SyscallBit | 512);
    EXPECT_EQ(find_syscall(Abi::x32, "rt_sigaction")->entry->entry, "compat_sys_rt_sigaction");
}

TEST(Table, CompatEntryPointsAndFlags) {
    const SyscallDesc* open = find_syscall(Abi::i386, "open");
    ASSERT_NE(open, nullptr);
    ASSERT_NE(open->compat_entry, nullptr);
    EXPECT_EQ(open->compat_entry->entry, "compat_sys_open");
    EXPECT_EQ(&open->effective(), open->compat_entry);
    EXPECT_EQ(open->effective().args[0].size, 4) << "compat pointers are 4 bytes";
    EXPECT_EQ(find_syscall(Abi::x86_64, "open")->entry->args[0].size, 8);

    const SyscallDesc* exit = find_syscall(Abi::x86_64, "exit");
    EXPECT_TRUE(exit->flags & kNoReturn);
    EXPECT_TRUE(find_syscall(Abi::x86_64, "getpid")->entry->flags & kNeverFails);
    EXPECT_TRUE(find_syscall(Abi::x86_64, "tuxcall")->is_ni()) << "a named row without an entry point";
}

TEST(Table, ArgumentMetadata) {
    const EntryMeta& write = *find_syscall(Abi::x86_64, "write")->entry;
    EXPECT_EQ(write.args[0].type, "unsigned int");
    EXPECT_EQ(write.args[0].kind, ArgKind::fd);
    EXPECT_EQ(write.args[1].name, "buf");
    EXPECT_EQ(write.args[1].kind, ArgKind::in_buf);
    EXPECT_EQ(write.args[1].related, 2) << "in_buf:count names argument 2";
    EXPECT_EQ(write.args[2].size, 8);
    EXPECT_FALSE(write.args[2].is_signed);
    EXPECT_TRUE(write.classes & kClassDesc);

    const EntryMeta& lseek = *find_syscall(Abi::x86_64, "lseek")->entry;
    EXPECT_EQ(lseek.args[1].size, 8);
    EXPECT_TRUE(lseek.args[1].is_signed) << "off_t is signed";
    EXPECT_EQ(find_syscall(Abi::x86_64, "chmod")->entry->args[1].size, 2) << "umode_t is unsigned short";
}

TEST(Table, EntryPointsAreSortedAfterNi) {
    auto all = entry_points();
    ASSERT_GT(all.size(), 1u);
    EXPECT_EQ(all[0].entry, "sys_ni_syscall");
    EXPECT_TRUE(all[0].flags & kNi);
    for (std::size_t i = 2; i < all.size(); ++i) EXPECT_LT(all[i - 1].entry, all[i].entry);
    EXPECT_EQ(find_entry_point("sys_write"), find_syscall(Abi::x86_64, "write")->entry);
    EXPECT_EQ(find_entry_point("sys_ni_syscall"), &all[0]);
    EXPECT_EQ(find_entry_point("sys_nonexistent"), nullptr);
}

TEST(Table, Names) {
    EXPECT_EQ(abi_from_name("x32"), Abi::x32);
    EXPECT_EQ(abi_from_name("i386"), Abi::i386);
    EXPECT_EQ(abi_from_name("arm64"), std::nullopt);
    EXPECT_EQ(class_from_name("%file"), kClassFile);
    EXPECT_EQ(class_from_name("%%stat"), kClassStatLike);
    EXPECT_EQ(class_from_name("file"), std::nullopt);
    EXPECT_EQ(class_names().size(), 17u);
    EXPECT_EQ(arg_kind_name(ArgKind::enum_), "enum");
    EXPECT_EQ(arg_kind_name(ArgKind::sigset_out), "sigset_out");
    EXPECT_EQ(arg_kind_name(ArgKind::in_buf), "in_buf");
}

// ---- compile-time metadata and numbers ---------------------------------------------------

static_assert(meta::sys_write::nargs == 3);
static_assert(meta::sys_write::size[0] == 4 && meta::sys_write::size[1] == 8 && meta::sys_write::size[2] == 8);
static_assert(!meta::sys_write::is_signed[0]);
static_assert(meta::sys_write::name == "sys_write");
static_assert(meta::sys_getpid::nargs == 0 && meta::sys_getpid::size.empty());
static_assert(meta::compat_sys_open::size[0] == 4);
static_assert(nr::x86_64::write == 1 && nr::x86_64::read == 0);
static_assert(nr::x32::write == 0x40000001);
static_assert(nr::i386::write == 4);
static_assert(nr::i386::break_ == 17, "keywords get a trailing _");

TEST(Table, MaxNumbersMatchTables) {
    EXPECT_EQ(static_cast<std::size_t>(nr::x86_64::max) + 1, syscall_table(Abi::x86_64).size());
    EXPECT_EQ(static_cast<std::size_t>(nr::x32::max & ~kX32SyscallBit) + 1, syscall_table(Abi::x32).size());
    EXPECT_EQ(static_cast<std::size_t>(nr::i386::max) + 1, syscall_table(Abi::i386).size());
}

// ---- constant sets -----------------------------------------------------------------------

TEST(Xlat, ErrnoAndSignals) {
    const XlatEntry* enoent = xlat_find("errno", std::uint64_t{2});
    ASSERT_NE(enoent, nullptr);
    EXPECT_EQ(enoent->name, "ENOENT");
    EXPECT_EQ(enoent->msg, "No such file or directory");
    EXPECT_EQ(xlat_find("errno", std::uint64_t{11})->name, "EAGAIN") << "the canonical name comes first";
    EXPECT_EQ(xlat_find("errno", "EWOULDBLOCK")->value, 11u);
    EXPECT_EQ(xlat_find("errno", "ERESTARTSYS")->value, 512u);
    EXPECT_EQ(xlat_find("errno", "ERESTART_RESTARTBLOCK")->msg, "Interrupted by signal");
    EXPECT_EQ(xlat_find("signals", std::uint64_t{9})->name, "SIGKILL");
    EXPECT_EQ(xlat_find("signals", "SIGSYS")->value, 31u);
    EXPECT_EQ(find_xlat_set("signals")->kind, XlatKind::enum_);
    EXPECT_TRUE(xlat_set("no_such_set").empty());
    static_assert(xlat::data::errno_[0].name == "EPERM");
}

TEST(Xlat, ErrnoCoversOneTo133) {
    std::set<std::uint64_t> values;
    for (const XlatEntry& e : xlat_set("errno")) values.insert(e.value);
    for (std::uint64_t v = 1; v <= 133; ++v) {
        if (v == 41 || v == 58) continue;  // unused on Linux
        EXPECT_TRUE(values.contains(v)) << "errno " << v;
    }
}

TEST(Xlat, SetsAreSortedAndFindable) {
    auto sets = xlat_sets();
    for (std::size_t i = 1; i < sets.size(); ++i) EXPECT_LT(sets[i - 1].name, sets[i].name);
    for (const XlatSet& set : sets) EXPECT_EQ(find_xlat_set(set.name), &set);
}

// ---- the installed UAPI headers ----------------------------------------------------------------

// `#define __NR_name N` or `#define __NR_name (__X32_SYSCALL_BIT + N)`.
std::map<std::string, std::uint64_t> read_unistd(const std::string& path) {
    std::map<std::string, std::uint64_t> numbers;
    std::ifstream in(path);
    std::regex plain(R"(^#define __NR_(\w+)\s+(\d+)\s*$)");
    std::regex x32(R"(^#define __NR_(\w+)\s+\(__X32_SYSCALL_BIT \+ (\d+)\)\s*$)");
    for (std::string line; std::getline(in, line);) {
        std::smatch m;
        if (std::regex_match(line, m, plain)) numbers[m[1]] = std::stoull(m[2]);
        else if (std::regex_match(line, m, x32)) numbers[m[1]] = kX32SyscallBit | std::stoull(m[2]);
    }
    return numbers;
}

// The header's highest number in the same range as nr: x32 keeps its own calls
// at 512.., so new common calls (below 512) are compared with the common range.
std::uint64_t header_max_for(const std::map<std::string, std::uint64_t>& header, std::uint64_t nr) {
    auto low = [](std::uint64_t n) { return n & ~kX32SyscallBit; };
    std::uint64_t max = 0;
    for (const auto& [name, n] : header)
        if ((low(n) >= 512) == (low(nr) >= 512)) max = std::max(max, n);
    return max;
}

void check_against_header(Abi abi, const std::string& header_name) {
    std::string path = "/usr/include/x86_64-linux-gnu/asm/" + header_name;
    if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " is missing (install linux-libc-dev)";
    auto header = read_unistd(path);
    ASSERT_GT(header.size(), 300u) << "could not read " << path;

    std::vector<std::string> problems;
    for (const auto& [name, nr] : header) {
        const SyscallDesc* row = find_syscall(abi, name);
        if (!row) problems.push_back(name + " (" + std::to_string(nr) + ") is in the header, not in the table");
        else if (row->nr != nr)
            problems.push_back(name + ": header " + std::to_string(nr) + ", table " + std::to_string(row->nr));
    }
    // Rows newer than the installed headers (Debian 12 ships Linux 6.1's) are
    // fine when their number is past the header's highest one, or when they are
    // the x86_64-only calls that later kernels put in the unused 335.. range.
    std::set<std::uint64_t> used;
    for (const auto& [name, nr] : header) used.insert(nr);
    auto later_in_gap = [&](const SyscallDesc& row) {
        std::uint64_t nr = row.nr & ~kX32SyscallBit;
        bool known = (row.name == "uretprobe" && nr == 335) || (row.name == "uprobe" && nr == 336);  // 6.11, 6.16
        return known && abi != Abi::i386 && !used.contains(row.nr);
    };
    int newer = 0;
    for (const SyscallDesc& row : syscall_table(abi)) {
        if (row.name.empty() || header.contains(std::string(row.name))) continue;
        if (row.nr > header_max_for(header, row.nr) || later_in_gap(row)) ++newer;
        else problems.push_back(std::string(row.name) + " (" + std::to_string(row.nr) + ") is not in the header");
    }
    std::string all;
    for (const std::string& p : problems) all += "  " + p + "\n";
    EXPECT_TRUE(problems.empty()) << path << " vs the " << abi_name(abi) << " table:\n" << all;
    std::cout << "[ INFO     ] " << abi_name(abi) << ": " << header.size() << " header names match; " << newer
              << " newer rows past the header's last number\n";
}

TEST(UapiHeaders, X86_64MatchesUnistd64) { check_against_header(Abi::x86_64, "unistd_64.h"); }
TEST(UapiHeaders, X32MatchesUnistdX32) { check_against_header(Abi::x32, "unistd_x32.h"); }
TEST(UapiHeaders, I386MatchesUnistd32) { check_against_header(Abi::i386, "unistd_32.h"); }

// ---- the running kernel's tracefs metadata ---------------------------------------------------------

// "const char __user * buf" and "const char *buf" both become "const char*".
std::string normalise_type(std::string type) {
    type = std::regex_replace(type, std::regex(R"(\b__user\b)"), "");
    type = std::regex_replace(type, std::regex(R"(\s+)"), " ");
    type = std::regex_replace(type, std::regex(R"(\s*\*\s*)"), "*");
    type = std::regex_replace(type, std::regex(R"(^\s+|\s+$)"), "");
    return type;
}

struct Field {
    std::string type, name;
};

// The argument fields of events/syscalls/sys_enter_<x>/format, after __syscall_nr.
std::vector<Field> read_event_fields(const std::string& path) {
    std::vector<Field> fields;
    std::ifstream in(path);
    std::regex field(R"(^\s*field:(.*[^\w])(\w+);\s*offset:)");
    bool args = false;
    for (std::string line; std::getline(in, line);) {
        std::smatch m;
        if (!std::regex_search(line, m, field)) continue;
        if (m[2] == "__syscall_nr") args = true;
        else if (args) fields.push_back({normalise_type(m[1]), m[2]});
    }
    return fields;
}

std::string tracefs_syscalls_dir() {
    for (const char* dir : {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"}) {
        std::string events = std::string(dir) + "/events/syscalls";
        if (std::filesystem::exists(events)) return events;
    }
    // Not mounted: mount it when we may (root).
    if (geteuid() == 0 && std::filesystem::exists("/sys/kernel/tracing") &&
        mount("nodev", "/sys/kernel/tracing", "tracefs", 0, nullptr) == 0 &&
        std::filesystem::exists("/sys/kernel/tracing/events/syscalls"))
        return "/sys/kernel/tracing/events/syscalls";
    return {};
}

TEST(Tracefs, EventArgumentsMatchMetadata) {
    std::string dir = tracefs_syscalls_dir();
    if (dir.empty())
        GTEST_SKIP() << "no tracefs syscall events: /sys/kernel/tracing/events/syscalls is missing"
                     << (geteuid() == 0 ? " and tracefs could not be mounted" : " and we are not root to mount it")
                     << " (or the kernel lacks CONFIG_FTRACE_SYSCALLS)";
    std::vector<std::string> problems;
    int checked = 0;
    std::set<std::string_view> seen;
    for (const SyscallDesc& row : syscall_table(Abi::x86_64)) {
        const EntryMeta& entry = *row.entry;
        if (row.is_ni() || !entry.entry.starts_with("sys_") || !seen.insert(entry.entry).second) continue;
        // The event is named after the entry point: stat -> sys_newstat -> sys_enter_newstat.
        std::string format = dir + "/sys_enter_" + std::string(entry.entry.substr(4)) + "/format";
        if (!std::filesystem::exists(format)) continue;
        ++checked;
        std::vector<Field> fields = read_event_fields(format);
        std::string where = std::string(row.name) + " (" + std::string(entry.entry) + "): ";
        if (fields.size() != entry.nargs) {
            problems.push_back(where + std::to_string(fields.size()) + " tracefs fields, " +
                               std::to_string(entry.nargs) + " arguments in the metadata");
            continue;
        }
        for (std::size_t i = 0; i < fields.size(); ++i) {
            const ArgMeta& arg = entry.args[i];
            std::string ours = normalise_type(std::string(arg.type));
            if (fields[i].name != arg.name || fields[i].type != ours)
                problems.push_back(where + "argument " + std::to_string(i) + ": tracefs '" + fields[i].type + " " +
                                   fields[i].name + "', metadata '" + ours + " " + std::string(arg.name) + "'");
        }
    }
    std::string all;
    for (const std::string& p : problems) all += "  " + p + "\n";
    EXPECT_GT(checked, 200) << "too few sys_enter_* events found under " << dir;
    EXPECT_TRUE(problems.empty()) << problems.size() << " mismatches with " << dir << ":\n" << all;
    std::cout << "[ INFO     ] " << checked << " entry points checked against " << dir << "\n";
}

}  // namespace
}  // namespace lstar
