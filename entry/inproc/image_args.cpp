#include <cstdlib>
#include <optional>

#include <fmt/format.h>

#include "entry/inproc/inproc.hpp"

namespace lstar::inproc {

namespace {
std::optional<ImageArgs> g_image_args;
}  // namespace

const ImageArgs* image_args() { return g_image_args ? &*g_image_args : nullptr; }
void set_image_args(ImageArgs args) { g_image_args = std::move(args); }

// __inproc TRACE_FD MESSAGE_FD REPORT_FD FLAGS EXEC_NR DIRFD EXEC_FLAGS SHOWN LOAD ARGC ARGV... COMMAND...
std::vector<std::string> ImageArgs::encode() const {
    std::vector<std::string> v = {"__inproc",
                                  std::to_string(trace_fd),
                                  std::to_string(message_fd),
                                  std::to_string(report_fd),
                                  std::string(traced ? "t" : "-") + (follow ? "f" : "-") + (own_seccomp ? "s" : "-") +
                                      (cpu_times ? "c" : "-"),
                                  std::to_string(exec_nr),
                                  std::to_string(exec_dirfd),
                                  std::to_string(exec_flags),
                                  shown_path,
                                  load_path,
                                  std::to_string(argv.size())};
    v.insert(v.end(), argv.begin(), argv.end());
    v.insert(v.end(), command.begin(), command.end());
    return v;
}

bool ImageArgs::decode(int argc, char** argv, ImageArgs* out, std::string* error) {
    constexpr int kFixed = 11;
    auto number = [&](int i, long* value) {
        char* end = nullptr;
        *value = std::strtol(argv[i], &end, 10);
        return *argv[i] && *end == '\0';
    };
    long trace_fd, message_fd, report_fd, count;
    if (argc < kFixed || !number(1, &trace_fd) || !number(2, &message_fd) || !number(3, &report_fd) ||
        !number(5, &out->exec_nr) || !number(6, &out->exec_dirfd) || !number(7, &out->exec_flags) ||
        !number(10, &count) || count < 0 || count > argc - kFixed || std::string_view(argv[4]).size() != 4) {
        *error = "__inproc: malformed runtime arguments (this command is lstar's own, not for users)";
        return false;
    }
    out->trace_fd = static_cast<int>(trace_fd);
    out->message_fd = static_cast<int>(message_fd);
    out->report_fd = static_cast<int>(report_fd);
    out->traced = argv[4][0] == 't';
    out->follow = argv[4][1] == 'f';
    out->own_seccomp = argv[4][2] == 's';
    out->cpu_times = argv[4][3] == 'c';
    out->shown_path = argv[8];
    out->load_path = argv[9];
    out->argv.assign(argv + kFixed, argv + kFixed + count);
    out->command.assign(argv + kFixed + count, argv + argc);
    if (out->command.empty()) {
        *error = "__inproc: no lstar command given";
        return false;
    }
    return true;
}

}  // namespace lstar::inproc
