// Runs a shell command line for a test and captures what it printed.
#pragma once

#include <string>

namespace lstar::test {

struct Output {
    int status = -1;  // exit status, or 128 + signal, or -1 when it could not run
    std::string out;
    std::string err;
};

Output run(const std::string& command);

// A fresh directory under $TMPDIR (or /tmp) for one test's files.
std::string make_temp_dir();

void write_file(const std::string& path, const std::string& text);
std::string read_file(const std::string& path);

// Single-quotes a word for /bin/sh.
std::string shell_quote(const std::string& word);

}  // namespace lstar::test
