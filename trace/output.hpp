// Where trace lines go: stderr, or a file created by lstar. A file that never
// got a line because the program could not be started is removed again.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "kernel/session_output.hpp"

namespace lstar {

class TraceOutput final : public SessionOutput {
public:
    // path "" or "-" is stderr; append: -A. Nothing is opened before open().
    TraceOutput(std::string path = "", bool append = false) : path_(std::move(path)), append_(append) {}
    ~TraceOutput();
    TraceOutput(const TraceOutput&) = delete;
    TraceOutput& operator=(const TraceOutput&) = delete;

    // SessionOutput: the file the trace goes to (created, or appended to).
    Status open() override;
    // SessionOutput: the trace's descriptor and the messages' (stderr), in that order.
    // With a shared buffer, its memfd third.
    std::vector<int> fds() const override;
    void adopt(std::span<const int> fds) override;
    bool pending() const override;
    void purge() override;
    void flush() override;
    void share_buffer(bool make) override;
    bool single_writer() const override { return buffered(); }
    void shared_by_processes() override;
    void recover() override;
    // The program never ran: remove a file lstar created.
    void discard() override;

    void flush_whole_lines() override {
        if (!mid_line_) flush();
    }

    void write(std::string_view text) {
        if (!text.empty()) mid_line_ = text.back() != '\n';
        if (buffered()) append(text);
        else std::fwrite(text.data(), 1, text.size(), file_);
    }
    // The trace is a file whose last line is unfinished (another process wrote it,
    // and died before it could end it).
    bool file_ends_mid_line();
    // A message for the user ("lstar: Process 12 attached"): on stderr, through
    // the trace's own buffer when the trace goes there too, so that the two keep
    // their order (and an open line is broken where strace breaks it).
    void message(std::string_view text);

private:
    struct SharedBuffer;
    bool buffered() const;
    void append(std::string_view text);
    void write_shared();

    SharedBuffer* shared_ = nullptr;  // the buffer shared with the session, mapped
    int shared_fd_ = -1;              // its memfd
    bool share_wanted_ = false;       // share_buffer() was called
    bool shared_writer_ = false;      // this process writes through it (an image, on a regular file)
    bool mid_line_ = false;           // the last text written ends without a newline
    std::FILE* file_ = stderr;
    std::FILE* messages_ = stderr;
    std::string path_;
    bool append_ = false;
    bool to_file_ = false;  // the trace goes to a file, not to the messages' stream
    bool created_ = false;  // lstar created the file (discard() may remove it)
};

// Appends strace's hex dump of `data` (-e read=, -e write=):
// " | 00000  68 65 6c 6c 6f 0a                                 hello.           |\n".
void append_hex_dump(std::string& out, const unsigned char* data, std::size_t len);

}  // namespace lstar
