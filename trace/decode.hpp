// Argument and result decoding, driven by the metadata of tbl/signatures.tbl:
// one decoder per argument kind, constant sets from xlat/, struct printers,
// and a per-syscall decoder only where a generic one cannot do.
#pragma once

#include <signal.h>

#include <string>
#include <string_view>

#include "kernel/path_names.hpp"
#include "kernel/task.hpp"

namespace lstar {

struct TypedSpans;  // trace/json_value.hpp

enum class XlatStyle : std::uint8_t { abbrev, raw, verbose };  // -X
// -x, -xx, --strings-in-hex=: how strings are escaped (strace's xflag).
enum class HexStrings : std::uint8_t {
    none,             // octal escapes for non-printable bytes ("\1\377")
    non_ascii_chars,  // --strings-in-hex=non-ascii-chars: the same bytes as \xNN
    non_ascii,        // -x: a string with a byte neither printable nor whitespace, all in \xNN
    all,              // -xx: every string, every byte in \xNN
};

// -y, -yy, -e decode-fds=: what is shown after a descriptor.
enum DecodeFdsBit : std::uint8_t {
    kDecodeFdPath = 1u << 0,    // <path>
    kDecodeFdDev = 1u << 1,     // <path<char 1:3>> for a device (strace: dev implies its path)
    kDecodeFdPidfd = 1u << 2,   // <pid:N> for a pidfd
    kDecodeFdSocket = 1u << 3,  // a socket's protocol and addresses (TCP:[a:p->b:q]); a view's host names
    kDecodeFdAll = 0xf,
};

struct DecodeOptions {
    unsigned string_limit = 32;          // -s: bytes of a string or buffer shown
    bool verbose_structs = false;        // -v: structures and arrays in full
    XlatStyle xlat = XlatStyle::abbrev;  // -X: constants by name, as numbers, or both
    std::uint8_t decode_fds = 0;         // -y, -e decode-fds=: DecodeFdsBit
    bool pid_comm = false;               // -Y: <comm> after process ids
    bool pid_ns = false;                 // --decode-pids=pidns: lstar's id of another namespace's
    bool raw = false;                    // -e raw=...: every argument in hex for this call
    HexStrings strings_in_hex = HexStrings::none;  // -x, -xx
    const PathNames* names = nullptr;    // descriptor paths in the program's terms (--root, --bind)
};

class Decoder {
public:
    explicit Decoder(DecodeOptions options) : options_(options) {}
    const DecodeOptions& options() const { return options_; }

    // Called at a call's entry, before anything is printed: reads the entry values
    // of in/out arguments that are shown at exit (Task::entry_values).
    static void capture_entry(Task& task);
    // The name strace shows for the call when it is not the row's: i386 socketcall
    // shows the call it multiplexes ("socket"). Empty otherwise.
    static std::string_view shown_name(const Task& task);
    // How many arguments strace shows for this call (usually the declared count).
    int shown_args(const Task& task) const;
    // Whether argument i can only be shown once the call has returned (an out
    // parameter): the line is then split at it, as strace splits it.
    bool shown_at_exit(const Task& task, int i) const;
    // Appends argument i as strace shows it. At exit, task.retval is known. With
    // `typed` (--json version 2), the printing primitives record their typed leaves.
    void format_arg(Task& task, int i, std::string& out, TypedSpans* typed = nullptr) const;
    // Appends the result: "3", "0x7f..." for calls that return addresses,
    // "-1 ENOENT (No such file or directory)", "? ERESTARTSYS (To be restarted if SA_RESTART is set)".
    void format_result(Task& task, std::string& out, TypedSpans* typed = nullptr) const;
    // Appends "{si_signo=SIGCHLD, si_code=CLD_EXITED, ...}".
    void format_siginfo(Task& task, const siginfo_t& info, std::string& out, TypedSpans* typed = nullptr) const;

private:
    DecodeOptions options_;
};

}  // namespace lstar
