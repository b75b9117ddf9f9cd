// Where trace lines go: stderr, or a file created by lstar. A file that never
// got a line because the program could not be started is removed again.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace lstar {

class TraceOutput {
public:
    TraceOutput() = default;
    ~TraceOutput();
    TraceOutput(const TraceOutput&) = delete;
    TraceOutput& operator=(const TraceOutput&) = delete;

    // "" or "-" is stderr. Returns false with a one-line *error.
    bool open(const std::string& path, std::string* error);
    void write(std::string_view text) { std::fwrite(text.data(), 1, text.size(), file_); }
    void flush() { std::fflush(file_); }
    // The program never ran: remove a file lstar created.
    void discard();
    bool is_file() const { return file_ != stderr; }

private:
    std::FILE* file_ = stderr;
    std::string path_;
};

}  // namespace lstar
