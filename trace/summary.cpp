#include "trace/summary.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace lstar {

namespace {

double seconds(std::uint64_t ns) { return static_cast<double>(ns) / 1e9; }

// strace's names for the ABIs ("personalities") after the first.
std::string_view personality_name(Abi abi) {
    switch (abi) {
    case Abi::x86_64: return "64 bit";
    case Abi::i386: return "32 bit";
    case Abi::x32: return "x32";
    }
    return "?";
}

struct ColumnSpec {
    std::string_view header;
    std::size_t min_width;
    bool left;  // the name column
};

ColumnSpec spec(SummaryColumn c) {
    switch (c) {
    case SummaryColumn::time_percent: return {"% time", 6, false};
    case SummaryColumn::total_time: return {"seconds", 11, false};
    case SummaryColumn::min_time: return {"shortest", 8, false};
    case SummaryColumn::max_time: return {"longest", 7, false};
    case SummaryColumn::avg_time: return {"usecs/call", 11, false};
    case SummaryColumn::calls: return {"calls", 9, false};
    case SummaryColumn::errors: return {"errors", 9, false};
    case SummaryColumn::name: return {"syscall", 16, true};
    }
    return {"?", 1, false};
}

// The values of one row (or of the total row) of the table.
struct RowValues {
    double percent, total, min, max;
    std::uint64_t avg_us, calls, errors;
    std::string_view name;
};

void append_cell(std::string& out, SummaryColumn c, const RowValues& v, std::size_t width, bool last) {
    auto it = std::back_inserter(out);
    switch (c) {
    case SummaryColumn::time_percent: fmt::format_to(it, "{:>{}.2f}", v.percent, width); break;
    case SummaryColumn::total_time: fmt::format_to(it, "{:>{}.6f}", v.total, width); break;
    case SummaryColumn::min_time: fmt::format_to(it, "{:>{}.6f}", v.min, width); break;
    case SummaryColumn::max_time: fmt::format_to(it, "{:>{}.6f}", v.max, width); break;
    case SummaryColumn::avg_time: fmt::format_to(it, "{:>{}}", v.avg_us, width); break;
    case SummaryColumn::calls: fmt::format_to(it, "{:>{}}", v.calls, width); break;
    case SummaryColumn::errors:
        // printf's "%9.0u": no digits at all for zero.
        if (v.errors) fmt::format_to(it, "{:>{}}", v.errors, width);
        else out.append(width, ' ');
        break;
    case SummaryColumn::name:
        if (last) out += v.name;
        else fmt::format_to(it, "{:<{}}", v.name, width);
        break;
    }
}

}  // namespace

Summary::Summary() {
    for (int abi = 0; abi < kAbiCount; ++abi) counts_[abi].resize(syscall_table(static_cast<Abi>(abi)).size());
}

void Summary::serialize(std::string& out) const {
    for (int abi = 0; abi < kAbiCount; ++abi) {
        for (std::size_t i = 0; i < counts_[abi].size(); ++i) {
            const Counts& c = counts_[abi][i];
            if (!c.calls) continue;
            char record[kRecordSize];
            record[0] = static_cast<char>(abi);
            auto index = static_cast<std::uint32_t>(i);
            std::memcpy(record + 1, &index, 4);
            std::uint64_t fields[5] = {c.calls, c.errors, c.total_ns, c.min_ns, c.max_ns};
            std::memcpy(record + 5, fields, sizeof fields);
            out.append(record, kRecordSize);
        }
    }
}

void Summary::merge(std::string_view records) {
    for (std::size_t at = 0; at + kRecordSize <= records.size(); at += kRecordSize) {
        const char* record = records.data() + at;
        auto abi = static_cast<unsigned char>(record[0]);
        std::uint32_t index;
        std::memcpy(&index, record + 1, 4);
        if (abi >= kAbiCount || index >= counts_[abi].size()) continue;
        std::uint64_t f[5];
        std::memcpy(f, record + 5, sizeof f);
        Counts& c = counts_[abi][index];
        c.calls += f[0];
        c.errors += f[1];
        c.total_ns += f[2];
        c.min_ns = std::min(c.min_ns, f[3]);
        c.max_ns = std::max(c.max_ns, f[4]);
    }
}

void Summary::clear() {
    for (auto& rows : counts_) std::fill(rows.begin(), rows.end(), Counts{});
}

void Summary::keep_only(const std::function<bool(const SyscallDesc&)>& keep) {
    for (int abi = 0; abi < kAbiCount; ++abi) {
        auto table = syscall_table(static_cast<Abi>(abi));
        for (std::size_t i = 0; i < counts_[abi].size(); ++i)
            if (counts_[abi][i].calls && !keep(table[i])) counts_[abi][i] = Counts{};
    }
}

bool Summary::empty() const {
    for (const auto& rows : counts_)
        for (const Counts& c : rows)
            if (c.calls) return false;
    return true;
}

void Summary::print(SortBy sort, const std::vector<SummaryColumn>& columns, std::string& out) const {
    bool first = true;
    for (Abi abi : {Abi::x86_64, Abi::i386, Abi::x32}) {
        const auto& rows = counts_[static_cast<int>(abi)];
        if (std::none_of(rows.begin(), rows.end(), [](const Counts& c) { return c.calls; })) continue;
        if (abi != Abi::x86_64 || !first)
            fmt::format_to(std::back_inserter(out), "System call usage summary for {} mode:\n", personality_name(abi));
        first = false;
        print_abi(abi, sort, columns, out);
    }
}

void Summary::print_abi(Abi abi, SortBy sort, const std::vector<SummaryColumn>& columns, std::string& out) const {
    const auto& rows = counts_[static_cast<int>(abi)];
    auto table = syscall_table(abi);

    // The rows with calls, in number order; then sorted as -S asks (stable, so
    // that ties stay in number order as with strace's qsort over glibc's merge sort).
    std::vector<std::size_t> order;
    std::uint64_t total_ns = 0, calls = 0, errors = 0, min_ns = UINT64_MAX, max_ns = 0, max_min_ns = 0;
    double max_avg = 0;
    std::size_t name_max = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const Counts& c = rows[i];
        if (!c.calls) continue;
        order.push_back(i);
        total_ns += c.total_ns;
        calls += c.calls;
        errors += c.errors;
        min_ns = std::min(min_ns, c.min_ns);
        max_min_ns = std::max(max_min_ns, c.min_ns);
        max_ns = std::max(max_ns, c.max_ns);
        max_avg = std::max(max_avg, seconds(c.total_ns) / static_cast<double>(c.calls));
        name_max = std::max(name_max, table[i].name.size());
    }
    auto avg = [&](std::size_t i) { return static_cast<double>(rows[i].total_ns) / static_cast<double>(rows[i].calls); };
    auto by = [&](auto key) {
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return key(a) > key(b); });
    };
    switch (sort) {
    case SortBy::time: by([&](std::size_t i) { return rows[i].total_ns; }); break;
    case SortBy::min_time: by([&](std::size_t i) { return rows[i].min_ns; }); break;
    case SortBy::max_time: by([&](std::size_t i) { return rows[i].max_ns; }); break;
    case SortBy::avg_time: by(avg); break;
    case SortBy::calls: by([&](std::size_t i) { return rows[i].calls; }); break;
    case SortBy::errors: by([&](std::size_t i) { return rows[i].errors; }); break;
    case SortBy::name:
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return table[a].name < table[b].name; });
        break;
    case SortBy::nothing: break;
    }

    // Column widths: the header's, or the widest value (as strace computes them).
    auto width = [&](SummaryColumn c) -> std::size_t {
        std::size_t w = spec(c).min_width, v = 0;
        switch (c) {
        case SummaryColumn::time_percent: v = 6; break;
        case SummaryColumn::total_time: v = fmt::formatted_size("{:.6f}", seconds(total_ns)); break;
        case SummaryColumn::min_time: v = fmt::formatted_size("{}.000000", max_min_ns / 1000000000u); break;
        case SummaryColumn::max_time: v = fmt::formatted_size("{}.000000", max_ns / 1000000000u); break;
        case SummaryColumn::avg_time: v = fmt::formatted_size("{}", static_cast<std::uint64_t>(max_avg * 1e6)); break;
        case SummaryColumn::calls: v = fmt::formatted_size("{}", calls); break;
        case SummaryColumn::errors: v = fmt::formatted_size("{}", errors); break;
        case SummaryColumn::name: v = name_max + 1; break;
        }
        return std::max(w, v);
    };
    std::vector<std::size_t> widths;
    for (SummaryColumn c : columns) widths.push_back(width(c));

    auto header = [&] {
        for (std::size_t i = 0; i < columns.size(); ++i) {
            if (i) out += ' ';
            ColumnSpec s = spec(columns[i]);
            if (s.left && i + 1 == columns.size()) out += s.header;
            else if (s.left) fmt::format_to(std::back_inserter(out), "{:<{}}", s.header, widths[i]);
            else fmt::format_to(std::back_inserter(out), "{:>{}}", s.header, widths[i]);
        }
        out += '\n';
    };
    auto dashes = [&] {
        for (std::size_t i = 0; i < columns.size(); ++i) {
            if (i) out += ' ';
            out.append(widths[i], '-');
        }
        out += '\n';
    };
    auto row = [&](const RowValues& v) {
        for (std::size_t i = 0; i < columns.size(); ++i) {
            if (i) out += ' ';
            append_cell(out, columns[i], v, widths[i], i + 1 == columns.size());
        }
        out += '\n';
    };

    double cum = seconds(total_ns);
    header();
    dashes();
    for (std::size_t i : order) {
        const Counts& c = rows[i];
        double t = seconds(c.total_ns);
        double percent = 100.0 * t;
        if (percent != 0.0) percent /= cum;  // strace: 0/0 would be NaN
        row({percent, t, seconds(c.min_ns), seconds(c.max_ns), static_cast<std::uint64_t>(avg(i) / 1e3), c.calls,
             c.errors, table[i].name});
    }
    dashes();
    row({100.0, cum, seconds(min_ns), seconds(max_ns),
         calls ? static_cast<std::uint64_t>(cum / static_cast<double>(calls) * 1e6) : 0, calls, errors, "total"});
}

void Summary::print_json(std::string& out, int version) const {
    fmt::format_to(std::back_inserter(out), R"({{"v":{},"type":"summary","calls":[)", version);
    bool first = true;
    for (int abi = 0; abi < kAbiCount; ++abi) {
        auto table = syscall_table(static_cast<Abi>(abi));
        for (std::size_t i = 0; i < counts_[abi].size(); ++i) {
            const Counts& c = counts_[abi][i];
            if (!c.calls) continue;
            fmt::format_to(std::back_inserter(out),
                           R"({}{{"abi":"{}","nr":{},"name":"{}","calls":{},"errors":{},"total_ns":{},"min_ns":{},"max_ns":{}}})",
                           first ? "" : ",", abi_name(static_cast<Abi>(abi)), table[i].nr, table[i].name, c.calls,
                           c.errors, c.total_ns, c.min_ns, c.max_ns);
            first = false;
        }
    }
    out += "]}\n";
}

}  // namespace lstar
