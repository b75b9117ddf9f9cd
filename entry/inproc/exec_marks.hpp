// Which processes of the program have exec'd. The kernel knows a task that has
// (it clears PF_FORKNOEXEC), and setpgid() on a child that has fails with EACCES;
// an exec the runtime makes in place is none to the kernel, so the runtime keeps
// the mark itself where every process of the program reads it: a table the
// session shares (a memfd carried into each image like the trace), one word per
// pid holding the start time of the process that exec'd, so that a pid used
// again by another process is not taken for it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <span>
#include <vector>

#include "entry/inproc/shared_words.hpp"
#include "kernel/session_output.hpp"

namespace lstar::inproc {

class ExecMarks final : public SessionOutput {
public:
    Status open() override;
    std::vector<int> fds() const override { return {table_.fd()}; }
    void adopt(std::span<const int> fds) override { table_.adopt(fds.empty() ? -1 : fds[0], kWhat); }

    void mark(pid_t pid);             // this process has exec'd
    bool marked(pid_t pid) const;     // the process that now has this pid has
private:
    static constexpr const char* kWhat = "the table of exec'd processes";
    SharedWords table_;  // by pid
};

// The session's one table (each process of the program has its own mapping of it).
ExecMarks& exec_marks();

}  // namespace lstar::inproc
