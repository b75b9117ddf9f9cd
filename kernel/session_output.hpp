// What the stages of the path write to (the trace, -c's counts), as a backend
// sees it: descriptors to keep out of the program's reach and to carry into
// every image the backend starts, buffers to flush before a task may wait or
// die. The stages own what is written; a backend only keeps the channel open.
#pragma once

#include <span>
#include <vector>

#include "table/result.hpp"

namespace lstar {

class SessionOutput {
public:
    virtual ~SessionOutput() = default;
    // Opens it for a new session (a file created, a pipe made). In an image the
    // backend starts, the channel is adopted instead.
    virtual Status open() { return {}; }
    // The descriptors it writes to, in a fixed order.
    virtual std::vector<int> fds() const = 0;
    // In a new image (or a child about to become one): the same channel, now at
    // these descriptors (as many as fds() gave, in its order).
    virtual void adopt(std::span<const int> fds) = 0;
    // The backend carries the descriptors into other processes from here on; the
    // session no longer writes to its own (a pipe's write end closes, so that its
    // reader sees the end once every process is gone).
    virtual void handed_on() {}
    // Whether written text waits in a buffer that should be written out at the end
    // of a call, and writing it out (whatever waits).
    virtual bool pending() const { return false; }
    virtual void flush() {}
    // flush(), unless the last text written ends mid-line: for a writer whose
    // lines go among other processes' (which would land inside an open one).
    virtual void flush_whole_lines() { flush(); }
    // For a backend whose processes write from their own address spaces: a buffer
    // shared with the session, kept across calls while one process alone writes,
    // and written out by the session (recover()) if that process is killed.
    // `make`: create it (the session); else only expect one in adopt() (an image).
    virtual void share_buffer(bool make) { static_cast<void>(make); }
    // Only this process writes to it: a waiting call's entry may be written out
    // before the call ends, as strace shows it.
    virtual bool single_writer() const { return false; }
    // Another process is about to write to it too: lines whole at each call from here on.
    virtual void shared_by_processes() {}
    // The process that wrote into the shared buffer is gone: what it left is written out.
    virtual void recover() {}
    // A fork child's copy of its parent's buffer is the parent's to write: drop it.
    virtual void purge() {}
    // The program never ran: undo what opening the channel made (a file created).
    virtual void discard() {}
    // Data that flows back to the session from other processes (the in-process
    // backend's images): a descriptor the session polls while it waits, and what
    // to do when it is readable (collect() returns false at end of file).
    virtual int collect_fd() const { return -1; }
    virtual bool collect() { return false; }
};

}  // namespace lstar
