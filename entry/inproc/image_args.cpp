#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <optional>

#include <fmt/format.h>

#include "entry/inproc/inproc.hpp"

namespace lstar::inproc {

namespace {

std::optional<ImageArgs> g_image_args;

// "3,4,5", or "-" for none.
template <class Number>
std::string join_numbers(const std::vector<Number>& numbers) {
    std::string s;
    for (Number n : numbers) s += (s.empty() ? "" : ",") + std::to_string(n);
    return s.empty() ? "-" : s;
}

template <class Number>
bool split_numbers(std::string_view text, std::vector<Number>* out, Number least) {
    out->clear();
    if (text == "-") return true;
    for (std::size_t at = 0; at <= text.size();) {
        std::size_t end = std::min(text.find(',', at), text.size());
        Number n = 0;
        auto [p, ec] = std::from_chars(text.data() + at, text.data() + end, n);
        if (ec != std::errc() || p != text.data() + end || n < least) return false;
        out->push_back(n);
        at = end + 1;
    }
    return true;
}

}  // namespace

const ImageArgs* image_args() { return g_image_args ? &*g_image_args : nullptr; }
void set_image_args(ImageArgs args) { g_image_args = std::move(args); }

std::vector<int> ImageArgs::reserved_fds() const {
    std::vector<int> fds;
    for (int fd : output_fds)
        if (fd >= 0) fds.push_back(fd);
    fds.push_back(message_fd);
    if (lifeline_fd >= 0) fds.push_back(lifeline_fd);
    if (handover_fd >= 0) fds.push_back(handover_fd);
    return fds;
}

// __inproc MESSAGE_FD OUTPUT_FDS LIFELINE_FD HANDOVER_FD FLAGS EXEC_NR EXEC_TID LEADER_CALL DIRFD EXEC_FLAGS SHOWN LOAD ARGC ARGV... COMMAND...
std::vector<std::string> ImageArgs::encode() const {
    std::vector<std::string> v = {"__inproc",
                                  std::to_string(message_fd),
                                  join_numbers(output_fds),
                                  std::to_string(lifeline_fd),
                                  std::to_string(handover_fd),
                                  std::string(traced ? "t" : "-") + (follow ? "f" : "-") + (own_seccomp ? "s" : "-") +
                                      (cpu_times ? "c" : "-") + (sigsys_blocked ? "b" : "-") +
                                      (sigsys_ignored ? "i" : "-") +
                                      (patch == PatchMode::all ? "P" : patch == PatchMode::libraries ? "p" : "-"),
                                  std::to_string(exec_nr),
                                  std::to_string(exec_tid),
                                  join_numbers(leader_call),
                                  std::to_string(exec_dirfd),
                                  std::to_string(exec_flags),
                                  shown_path,
                                  load_path,
                                  std::to_string(argv.size())};
    v.insert(v.end(), argv.begin(), argv.end());
    v.insert(v.end(), command.begin(), command.end());
    return v;
}

Result<ImageArgs> ImageArgs::decode(int argc, char** argv) {
    constexpr int kFixed = 14;
    ImageArgs args;
    ImageArgs* out = &args;
    auto number = [&](int i, long* value) {
        char* end = nullptr;
        *value = std::strtol(argv[i], &end, 10);
        return *argv[i] && *end == '\0';
    };
    long message_fd, lifeline_fd, handover_fd, exec_tid, count;
    if (argc < kFixed || !number(1, &message_fd) || !split_numbers(argv[2], &out->output_fds, -1) /* -1: a channel not there */ ||
        !number(3, &lifeline_fd) || !number(4, &handover_fd) || !number(6, &out->exec_nr) ||
        !number(7, &exec_tid) || !split_numbers(argv[8], &out->leader_call, LONG_MIN) ||
        (!out->leader_call.empty() && out->leader_call.size() != 1 + kMaxArgs) || !number(9, &out->exec_dirfd) ||
        !number(10, &out->exec_flags) || !number(13, &count) || count < 0 || count > argc - kFixed || std::string_view(argv[5]).size() != 7)
        return error("__inproc: malformed runtime arguments (this command is lstar's own, not for users)", EINVAL);
    out->message_fd = static_cast<int>(message_fd);
    out->lifeline_fd = static_cast<int>(lifeline_fd);
    out->handover_fd = static_cast<int>(handover_fd);
    out->exec_tid = static_cast<int>(exec_tid);
    const char* flags = argv[5];
    out->traced = flags[0] == 't';
    out->follow = flags[1] == 'f';
    out->own_seccomp = flags[2] == 's';
    out->cpu_times = flags[3] == 'c';
    out->sigsys_blocked = flags[4] == 'b';
    out->sigsys_ignored = flags[5] == 'i';
    out->patch = flags[6] == 'P' ? PatchMode::all : flags[6] == 'p' ? PatchMode::libraries : PatchMode::off;
    out->shown_path = argv[11];
    out->load_path = argv[12];
    out->argv.assign(argv + kFixed, argv + kFixed + count);
    out->command.assign(argv + kFixed + count, argv + argc);
    if (out->command.empty()) return error("__inproc: no lstar command given", EINVAL);
    return args;
}

}  // namespace lstar::inproc
