#include "inject/fault_injection.hpp"

#include <time.h>

#include <cerrno>

namespace lstar {

namespace {

// The task is stopped while lstar sleeps: it is delayed, and so are the other
// tasks' stops (strace keeps serving them; see docs).
void delay(std::uint64_t ns) {
    if (!ns) return;
    timespec ts{static_cast<time_t>(ns / 1000000000u), static_cast<long>(ns % 1000000000u)};
    while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

}  // namespace

FaultInjector::FaultInjector() {
    for (int abi = 0; abi < kAbiCount; ++abi) slots_[abi].assign(syscall_table(static_cast<Abi>(abi)).size(), -1);
}

int FaultInjector::slot(const SyscallDesc& row) const {
    long index = table_index(row.abi, row.nr);
    return index < 0 ? -1 : slots_[static_cast<int>(row.abi)][static_cast<std::size_t>(index)];
}

void FaultInjector::add(const SyscallDesc& row, const InjectRule& rule, const SyscallSet* calls) {
    long index = table_index(row.abi, row.nr);
    if (index < 0) return;
    std::int32_t& s = slots_[static_cast<int>(row.abi)][static_cast<std::size_t>(index)];
    if (s < 0) {
        s = slots_used_++;
        rules_.push_back(rule);
        sets_.push_back(calls);
    } else {
        rules_[static_cast<std::size_t>(s)] = rule;
        sets_[static_cast<std::size_t>(s)] = calls;
    }
}

Verdict FaultInjector::on_enter(Task& task) {
    if (!task.sc) return Verdict::proceed;
    int s = slot(*task.sc);
    if (s < 0) return Verdict::proceed;
    if (const SyscallSet* calls = sets_[static_cast<std::size_t>(s)]; calls && !in_set(*calls, task))
        return Verdict::proceed;
    PerTask& t = state<PerTask>(task);
    if (t.invocations.size() < rules_.size()) t.invocations.resize(rules_.size());
    std::uint32_t& n = t.invocations[static_cast<std::size_t>(s)];
    if (n < UINT32_MAX) ++n;
    const InjectRule& rule = rules_[static_cast<std::size_t>(s)];
    if (!rule.applies_to(n)) return Verdict::proceed;
    if (filter_ && !filter_(task)) return Verdict::proceed;

    if (rule.delay_enter_ns || rule.delay_exit_ns) task.tampered |= kTamperDelay;
    delay(rule.delay_enter_ns);
    t.exit_delay_ns = rule.delay_exit_ns;
    if (rule.signo) task.resume_signal = rule.signo;
    switch (rule.result) {
    case InjectRule::Result::none: return Verdict::proceed;
    case InjectRule::Result::error: task.retval = -rule.value; break;
    case InjectRule::Result::retval: task.retval = rule.value; break;
    }
    task.tampered |= kTamperResult;
    return Verdict::skip;
}

void FaultInjector::on_exit(Task& task) {
    PerTask* t = find_state<PerTask>(task);
    if (!t || !t->exit_delay_ns) return;
    delay(t->exit_delay_ns);
    t->exit_delay_ns = 0;
}

}  // namespace lstar
