// The emulating handlers the command line chooses, one family per file, each
// a typed handler (kernel/syscall_define.hpp) bound to its table rows. The
// families keep their state here, so it lives as long as the path that calls
// them: declare a Handlers before the SyscallPath it binds into.
#pragma once

#include <string>
#include <string_view>

#include "kernel/syscall_path.hpp"
#include "table/result.hpp"

namespace lstar {

// handlers/utsname.cpp: uname and its older forms, with another node name.
class Utsname {
public:
    void bind(SyscallPath& path, std::string nodename);

private:
    std::string nodename_;
};

class Handlers {
public:
    // --emulate NAME=VALUE (handlers/constant_result.cpp): the call is not run; it
    // returns VALUE (a number, or -ENAME), in every ABI that has it.
    Status bind_constant_result(SyscallPath& path, std::string_view spec);
    // --hostname NAME.
    void bind_hostname(SyscallPath& path, std::string nodename) { utsname_.bind(path, std::move(nodename)); }

private:
    Utsname utsname_;
};

}  // namespace lstar
