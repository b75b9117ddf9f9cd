// Small helpers of the unit tests: a shell command line run and what it printed
// (through the one runner, tests/support/process.hpp), temporary files.
#pragma once

#include <string>

namespace lstar::test {

struct Output {
    int status = -1;  // exit status, or 128 + signal, or -1 when it could not run
    std::string out;
    std::string err;
};

// /bin/sh -c command, its stdin empty; killed after 240 s (a hang guard).
Output run(const std::string& command);

// A fresh directory under $TMPDIR (or /tmp) for one test's files.
std::string make_temp_dir();

void write_file(const std::string& path, const std::string& text);
std::string read_file(const std::string& path);

// Single-quotes a word for /bin/sh.
std::string shell_quote(const std::string& word);

}  // namespace lstar::test
