// `lstar inject --systematic`: fail the k-th call of a run, for each k in turn,
// to find the error paths a program does not check (syzkaller's fail_nth and
// LFI are the anchors). This hook is one run's part: it counts the calls of the
// selected set in the order the path sees them (one path for all tasks: the
// ptrace backend), and fails the k-th with the error tbl/fault_errors.tbl gives
// that call. With k = 0 it fails none and only records which calls there were.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kernel/syscall_path.hpp"
#include "table/syscall_set.hpp"

namespace lstar {

// The error a call fails with in systematic mode (tbl/fault_errors.tbl).
int systematic_errno(const SyscallDesc& row);
// Whether tbl/fault_errors.tbl parses, and names only calls, classes and errnos
// that exist (checked by the tests; a bad line is skipped at run time).
Status check_fault_errors();

// Whether failing this call means anything: it can fail at all (not never_fails,
// noreturn, a sigreturn or an unimplemented number).
bool can_fail(const SyscallDesc& row);

class NthCallFault final : public Hook {
public:
    struct Call {
        std::string name;
        pid_t tid = 0;
        std::uint32_t nth_of_name = 0;  // 1: the first call of this name in the run
    };
    // `error` 0: each call's own (systematic_errno).
    NthCallFault(SyscallSet calls, std::uint64_t k, int error);

    Verdict on_enter(Task& task) override;
    bool needs(const SyscallDesc& row) const override { return calls_.contains(row) && can_fail(row); }
    bool needs_unknown_numbers() const override { return false; }

    std::uint64_t count() const { return count_; }
    // k = 0: every call counted, in order.
    const std::vector<Call>& calls() const { return seen_; }
    // The call that was failed, and with which error, if the run got that far.
    const std::optional<Call>& failed() const { return failed_; }
    int failed_errno() const { return failed_errno_; }

private:
    SyscallSet calls_;
    std::uint64_t k_;
    int error_;
    std::uint64_t count_ = 0;
    bool started_ = false;
    std::vector<Call> seen_;
    std::unordered_map<std::string_view, std::uint32_t> per_name_;  // calls so far, by name
    std::optional<Call> failed_;
    int failed_errno_ = 0;
};

}  // namespace lstar
