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
    bool open(const std::string& path, std::string* error, bool append = false);
    // In-process backend: descriptors the supervisor opened and handed down.
    void adopt(int trace_fd, int message_fd);
    // Whether written text waits in the buffer; drop it (a fork child's copy of its
    // parent's buffer is the parent's to write).
    bool pending() const;
    void purge();
    void write(std::string_view text) { std::fwrite(text.data(), 1, text.size(), file_); }
    void flush() { std::fflush(file_); }
    // The program never ran: remove a file lstar created.
    void discard();
    bool is_file() const { return to_file_; }
    int fd() const { return ::fileno(file_); }
    // A message for the user ("lstar: Process 12 attached"): on stderr, through
    // the trace's own buffer when the trace goes there too, so that the two keep
    // their order (and an open line is broken where strace breaks it).
    void message(std::string_view text);

private:
    std::FILE* file_ = stderr;
    std::FILE* messages_ = stderr;
    std::string path_;
    bool to_file_ = false;  // the trace goes to a file, not to the messages' stream
    bool created_ = false;  // lstar created the file (discard() may remove it)
};

// Appends strace's hex dump of `data` (-e read=, -e write=):
// " | 00000  68 65 6c 6c 6f 0a                                 hello.           |\n".
void append_hex_dump(std::string& out, const unsigned char* data, std::size_t len);

}  // namespace lstar
