#include "entry/inproc/exec_marks.hpp"

#include "kernel/task.hpp"

namespace lstar::inproc {

ExecMarks& exec_marks() {
    static ExecMarks marks;
    return marks;
}

namespace {

// The process's start time (clock ticks since boot), 0 when it is gone.
std::uint64_t start_time(pid_t pid) {
    std::vector<std::uint64_t> stat = proc_stat(pid);
    return stat.size() > 22 ? stat[22] : 0;
}

}  // namespace

Status ExecMarks::open() { return table_.create("lstar-exec-marks", pid_limit(), kWhat); }

void ExecMarks::mark(pid_t pid) {
    if (std::uint64_t* w = pid > 0 ? table_.word(static_cast<std::size_t>(pid)) : nullptr)
        __atomic_store_n(w, start_time(pid), __ATOMIC_RELEASE);
}

bool ExecMarks::marked(pid_t pid) const {
    std::uint64_t* w = pid > 0 ? table_.word(static_cast<std::size_t>(pid)) : nullptr;
    if (!w) return false;
    std::uint64_t mark = __atomic_load_n(w, __ATOMIC_ACQUIRE);
    return mark != 0 && mark == start_time(pid);
}

}  // namespace lstar::inproc
