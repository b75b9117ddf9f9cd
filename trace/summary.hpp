// -c / -C: calls, errors and time per system call, printed at the end as
// strace's table (src/count.c: same columns, widths, sorting and totals).
//
// Time is what the tracer records per call: by default the process's system
// CPU time between the entry and exit stops (wait4's rusage, as strace), with -w
// wall-clock time from the entry stop to the exit stop. See docs/json-schema.md
// ("Statistics").
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "kernel/task.hpp"
#include "trace/trace_config.hpp"

namespace lstar {

class Summary {
public:
    Summary();

    // One completed (or never completed: failed = false, ns = 0) call of this row.
    void record(const SyscallDesc& row, bool failed, std::uint64_t ns) {
        Counts& c = counts_[static_cast<int>(row.abi)][index(row)];
        ++c.calls;
        c.errors += failed;
        c.total_ns += ns;
        if (ns < c.min_ns) c.min_ns = ns;
        if (ns > c.max_ns) c.max_ns = ns;
    }
    bool empty() const;

    // Appends strace's table: one per ABI that made calls, x86_64 first, the
    // others under "System call usage summary for 32 bit mode:" as strace does.
    void print(SortBy sort, const std::vector<SummaryColumn>& columns, std::string& out) const;
    // Appends {"v":1,"type":"summary","calls":[...]} and a newline.
    void print_json(std::string& out, int version) const;

    // The in-process backend counts in each process and adds up in the lstar that
    // prints the table: the counts as fixed-size records (kRecordSize bytes each),
    // and their sum into this one. merge takes whole records only.
    static constexpr std::size_t kRecordSize = 1 + 4 + 5 * 8;
    void serialize(std::string& out) const;
    void merge(std::string_view records);
    void clear();
    // Forgets the rows `keep` says no to (lstar top's class filter).
    void keep_only(const std::function<bool(const SyscallDesc&)>& keep);

private:
    struct Counts {
        std::uint64_t calls = 0, errors = 0;
        std::uint64_t total_ns = 0, min_ns = UINT64_MAX, max_ns = 0;
    };
    static std::size_t index(const SyscallDesc& row) {
        return static_cast<std::size_t>(row.abi == Abi::x32 ? row.nr & ~kX32SyscallBit : row.nr);
    }
    void print_abi(Abi abi, SortBy sort, const std::vector<SummaryColumn>& columns, std::string& out) const;
    std::vector<Counts> counts_[kAbiCount];
};

}  // namespace lstar
