// Formatting pieces shared by the printers: raw arguments, results with errno
// names, signals, column alignment.
#pragma once

#include <signal.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "kernel/task.hpp"

namespace lstar {

// "0x3, 0x7ffc..., 0x10": every argument the entry point declares, in hex.
void format_args_raw(const Task& task, std::string& out);
// "3", "-1 ENOENT (No such file or directory)", "? ERESTARTSYS (To be restarted if SA_RESTART is set)".
void format_result(const Task& task, std::string& out);
// "{si_signo=SIGCHLD, si_code=CLD_EXITED, ...}".
void format_siginfo(const siginfo_t& info, std::string& out);
// "SIGCHLD", "SIGRT_3", or the number.
std::string signal_name(int signo);
// Pads with spaces so that the text ends at `column`; `written` is what precedes it on the line.
void pad_to_column(std::string& line, std::size_t written, std::size_t column);

// errno names and messages from xlat/errno.xlat, kernel-internal codes included.
std::string_view errno_name(int err);
std::string_view errno_message(int err);

}  // namespace lstar
