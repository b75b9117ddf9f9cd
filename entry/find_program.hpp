// The program a backend launches: PATH look-up as execvp does it, done before
// fork so that a missing program is a clear error in lstar rather than a failed
// exec in the child.
#pragma once

#include <string>

namespace lstar {

// *path = where argv[0] `name` is found; false with a one-line *error if nowhere.
bool find_program(const std::string& name, std::string* path, std::string* error);

}  // namespace lstar
