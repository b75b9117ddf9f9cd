// How many tasks the whole session traces, for the tracer's "[pid N]": strace
// puts it on a line while it traces more than one task, and under the
// in-process backend each process traces only its own. Every runtime counts
// its process's tasks in a table the session shares (SharedWords): word 0 is
// the session's sum, word pid what the process with that pid adds to it.
//
// A new task counts before the clone that makes it, so that its own first line
// already carries its pid: the parent adds it to the sum (`expect`), and once
// clone has said its id, to that process's word (`settle`). A task counts until
// its end is reported: its own exit (`end`), or, for a process killed by a
// signal, the reaper's report (`end_all`, with all its threads).
#pragma once

#include <sys/types.h>

#include <span>
#include <vector>

#include "entry/inproc/shared_words.hpp"
#include "kernel/session_output.hpp"

namespace lstar::inproc {

class SessionTasks final : public SessionOutput {
public:
    Status open() override { return table_.create("lstar-session-tasks", pid_limit(), kWhat); }
    std::vector<int> fds() const override { return {table_.fd()}; }
    void adopt(std::span<const int> fds) override { table_.adopt(fds.empty() ? -1 : fds[0], kWhat); }

    long total() const;
    void expect(long n);              // n tasks are about to be made (negative: were not)
    void settle(pid_t pid, long n);   // ... and belong to this process
    void end(pid_t pid, long n);      // n tasks of this process have ended
    void end_all(pid_t pid);          // the process is gone, every task of it
    void one_left(pid_t pid);         // the process has one task now (an exec ended the others)

private:
    static constexpr const char* kWhat = "the table of the session's tasks";
    SharedWords table_;
};

// The session's one table (each process of the program has its own mapping of it).
SessionTasks& session_tasks();

}  // namespace lstar::inproc
