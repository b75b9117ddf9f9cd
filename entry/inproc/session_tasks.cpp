#include "entry/inproc/session_tasks.hpp"

namespace lstar::inproc {

SessionTasks& session_tasks() {
    static SessionTasks tasks;
    return tasks;
}

namespace {

// The words hold signed counts (a process may end before its parent settles it).
void add(std::uint64_t* word, long n) {
    if (word) __atomic_add_fetch(word, static_cast<std::uint64_t>(n), __ATOMIC_RELAXED);
}

}  // namespace

long SessionTasks::total() const {
    std::uint64_t* sum = table_.word(0);
    return sum ? static_cast<long>(__atomic_load_n(sum, __ATOMIC_RELAXED)) : 0;
}

void SessionTasks::expect(long n) { add(table_.word(0), n); }

void SessionTasks::settle(pid_t pid, long n) {
    if (pid > 0) add(table_.word(static_cast<std::size_t>(pid)), n);
}

void SessionTasks::end(pid_t pid, long n) {
    if (pid <= 0) return;
    add(table_.word(static_cast<std::size_t>(pid)), -n);
    add(table_.word(0), -n);
}

void SessionTasks::end_all(pid_t pid) {
    std::uint64_t* word = pid > 0 ? table_.word(static_cast<std::size_t>(pid)) : nullptr;
    if (!word) return;
    auto n = static_cast<long>(__atomic_exchange_n(word, 0, __ATOMIC_RELAXED));
    add(table_.word(0), -n);
}

void SessionTasks::one_left(pid_t pid) {
    std::uint64_t* word = pid > 0 ? table_.word(static_cast<std::size_t>(pid)) : nullptr;
    if (!word) return;
    auto n = static_cast<long>(__atomic_load_n(word, __ATOMIC_RELAXED));
    if (n > 1) end(pid, n - 1);
}

}  // namespace lstar::inproc
