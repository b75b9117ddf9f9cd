// A table of 64-bit words that every process of the session maps: a memfd made
// once by the supervisor and carried into each image like the trace (a
// SessionOutput's descriptor), for what the runtimes of several processes must
// agree on. Sparse: only the pages written take memory.
#pragma once

#include <cstddef>
#include <cstdint>

#include "table/result.hpp"

namespace lstar::inproc {

class SharedWords {
public:
    // A new table of `count` words, all 0. `what` names it in errors.
    Status create(const char* name, std::size_t count, const char* what);
    // The table at this descriptor (another process's, carried here); -1: none.
    void adopt(int fd, const char* what);
    int fd() const { return fd_; }
    // The word at `index`, null past the end (or without a table).
    std::uint64_t* word(std::size_t index) const { return words_ && index < count_ ? &words_[index] : nullptr; }

private:
    Status map(const char* what);
    int fd_ = -1;
    std::uint64_t* words_ = nullptr;
    std::size_t count_ = 0;
};

// How many pids there may be: the table size for one word per pid.
std::size_t pid_limit();

}  // namespace lstar::inproc
