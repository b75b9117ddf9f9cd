// The virtual view's options, shared by `lstar run` and `lstar trace`: each
// command adds view_long_options() to its own, hands the codes it does not know
// to parse_view_option, and apply_view() binds what they ask for.
#pragma once

#include <getopt.h>

#include <optional>
#include <string>
#include <vector>

#include "entry/backend.hpp"
#include "handlers/handlers.hpp"
#include "table/result.hpp"

namespace lstar {

struct ViewOptions {
    IdentityOptions identity;
    std::optional<std::string> state;  // --state FILE
    TimeOptions time;
    bool time_freeze = false;
    std::optional<std::uint64_t> seed;
    UtsnameOptions utsname;
    bool reproducible = false;
    bool proc_syscall = false;  // --proc-syscall
    FsViewOptions fs;  // --root, --bind, --read-only, --hide, --cwd
};

// `base` (ending in the all-zero entry) with the view's options added.
std::vector<option> with_view_options(const option* base);
// Whether getopt's code is one of the view's.
bool is_view_option(int code);
// The option's argument into *view; the error is one line naming the option and value.
Status parse_view_option(int code, const char* arg, ViewOptions* view);
// Binds what the options ask for: handlers on the path, the view's shared record
// among the backend's outputs, its changes to each image, the environment.
// Whether any was given (`lstar run` then puts the program's children in the view too).
// `argv`: the program to launch (none when attaching), looked up inside a file-system view.
Result<bool> apply_view(const ViewOptions& view, Handlers& handlers, SyscallPath& path, BackendOptions* backend,
                        const std::vector<std::string>& argv);
// The options' help lines.
const char* view_usage();

// Usage errors of the view's options end the command with this status.
inline constexpr int kViewUsageStatus = 2;

}  // namespace lstar
