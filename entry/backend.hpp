// Which capture backend puts a launched program's calls on the path.
#pragma once

#include <cstdint>
#include <string_view>

namespace lstar {

enum class Backend : std::uint8_t {
    ptrace,  // entry/ptrace: a tracer process stops the program at its calls
    inproc,  // entry/inproc: the program traps into lstar inside its own process
};

// "ptrace" or "inproc"; false for anything else.
inline bool parse_backend(std::string_view name, Backend* out) {
    if (name == "ptrace") return *out = Backend::ptrace, true;
    if (name == "inproc") return *out = Backend::inproc, true;
    return false;
}

}  // namespace lstar
