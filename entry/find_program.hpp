// The program a backend launches: PATH look-up as execvp does it, done before
// fork so that a missing program is a clear error in lstar rather than a failed
// exec in the child.
#pragma once

#include <string>

#include "table/result.hpp"

namespace lstar {

// Where argv[0] `name` is found.
Result<std::string> find_program(const std::string& name);

}  // namespace lstar
