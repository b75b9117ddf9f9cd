// Emulating handlers chosen on the command line:
//   --emulate NAME=VALUE   the call is not run; it returns VALUE (a number, or -ENAME)
//   --hostname NAME        uname(2) reports NAME as the node name (a virtual view)
#pragma once

#include <string>
#include <string_view>

#include "kernel/syscall_path.hpp"

namespace lstar {

// Binds a constant result to a call in every ABI. Returns false with *error set.
bool bind_constant_result(SyscallPath& path, std::string_view spec, std::string* error);

// Emulates uname and its older forms with another node name.
void bind_virtual_hostname(SyscallPath& path, const std::string& hostname);

}  // namespace lstar
