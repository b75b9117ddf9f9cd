#include "inject/systematic.hpp"

#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "table/xlat.hpp"

namespace lstar {

namespace {

constexpr std::string_view kFaultErrors =
#include "inject/fault_errors.inc"
    ;

struct ErrorLine {
    SyscallSet calls = SyscallSet::none();
    int err = 0;
};

// Each line: a set of calls and an errno name. `bad` collects what does not parse.
std::vector<ErrorLine> parse_fault_errors(std::vector<std::string>* bad) {
    std::vector<ErrorLine> lines;
    std::string_view text = kFaultErrors;
    for (int number = 1; !text.empty(); ++number) {
        std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        if (std::size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
        std::size_t start = line.find_first_not_of(" \t");
        if (start == std::string_view::npos) continue;
        line = line.substr(start);
        std::size_t gap = line.find_first_of(" \t");
        std::size_t name_at = gap == std::string_view::npos ? gap : line.find_first_not_of(" \t", gap);
        std::string_view set = line.substr(0, gap);
        std::string_view name = name_at == std::string_view::npos ? std::string_view() : line.substr(name_at);
        if (std::size_t end = name.find_first_of(" \t"); end != std::string_view::npos) name = name.substr(0, end);
        Result<SyscallSet> calls = SyscallSet::parse(set);
        const XlatEntry* err = name.empty() ? nullptr : xlat_find("errno", name);
        if (!calls || !err) {
            if (bad)
                bad->push_back(fmt::format("tbl/fault_errors.tbl:{}: {}", number,
                                           !calls ? calls.error().message : fmt::format("unknown errno '{}'", name)));
            continue;
        }
        lines.push_back({std::move(calls).value(), static_cast<int>(err->value)});
    }
    return lines;
}

}  // namespace

int systematic_errno(const SyscallDesc& row) {
    static const std::vector<ErrorLine> lines = parse_fault_errors(nullptr);
    for (const ErrorLine& line : lines)
        if (line.calls.contains(row)) return line.err;
    return EINVAL;
}

Status check_fault_errors() {
    std::vector<std::string> bad;
    parse_fault_errors(&bad);
    if (!bad.empty()) return error(bad.front());
    return {};
}

bool can_fail(const SyscallDesc& row) {
    std::uint8_t flags = row.flags | row.effective().flags;
    return !row.name.empty() && !row.is_ni() && !(flags & (kNeverFails | kNoReturn | kSigreturn));
}

NthCallFault::NthCallFault(SyscallSet calls, std::uint64_t k, int error)
    : calls_(std::move(calls)), k_(k), error_(error) {}

Verdict NthCallFault::on_enter(Task& task) {
    if (!task.sc || !calls_.contains(*task.sc) || !can_fail(*task.sc)) return Verdict::proceed;
    // The launched program's own execve is lstar's start of it, not the program's call.
    bool first = !started_;
    started_ = true;
    if (first && program_arg(task.sc->effective()) >= 0) return Verdict::proceed;
    ++count_;
    std::uint32_t nth = ++per_name_[task.sc->name];
    if (k_ == 0) {
        seen_.push_back({std::string(task.sc->name), task.tid, nth});
        return Verdict::proceed;
    }
    if (count_ != k_) return Verdict::proceed;
    failed_errno_ = error_ ? error_ : systematic_errno(*task.sc);
    failed_ = Call{std::string(task.sc->name), task.tid, nth};
    task.retval = -failed_errno_;
    task.tampered |= kTamperResult;
    return Verdict::skip;
}

}  // namespace lstar
