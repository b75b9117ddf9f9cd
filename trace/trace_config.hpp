// What the tracing stage shows and how: the part of `lstar trace`'s command
// line (cli/trace_options.hpp) that the Tracer reads.
#pragma once

#include <sys/types.h>

#include <bitset>
#include <cstdint>
#include <string>
#include <vector>

#include "kernel/path_names.hpp"
#include "table/syscall_set.hpp"
#include "trace/decode.hpp"
#include "trace/stack_trace.hpp"
#include "trace/json_printer.hpp"

namespace lstar {

// -e status=: which results a call line may have to be printed.
enum CallStatus : std::uint8_t {
    kStatusSuccessful = 1u << 0,  // returned without an error code
    kStatusFailed = 1u << 1,      // returned an error code
    kStatusUnfinished = 1u << 2,  // never returned (exit_group, killed, execve in a neighbour)
    kStatusUnavailable = 1u << 3, // returned, but its result could not be fetched
    kStatusDetached = 1u << 4,    // lstar detached before it returned
    kStatusAll = 0x1f,
};

// -e quiet=: informational messages to leave out.
enum QuietFlag : std::uint8_t {
    kQuietAttach = 1u << 0,          // "Process N attached/detached"
    kQuietExit = 1u << 1,            // "+++ exited with N +++", "+++ killed by ... +++"
    kQuietPathResolution = 1u << 2,  // -P path resolution notes
    kQuietPersonality = 1u << 3,     // "[ Process PID=N runs in 32 bit mode. ]"
    kQuietThreadExecve = 1u << 4,    // "+++ superseded by execve in pid N +++"
    kQuietAll = 0x1f,
};

// A set of descriptors (-e read=, -e write=).
struct FdSet {
    bool all = false;
    bool negate = false;
    std::vector<int> fds;  // sorted
    bool empty() const { return !all && !negate && fds.empty(); }
    bool contains(long fd) const;
};

// -t/--timestamps=: the wall clock at each line's start.
enum class StampFormat : std::uint8_t { none, time /* HH:MM:SS */, unix_ /* seconds since the epoch */ };
// s, ms, us, ns: how many digits of the second follow the point (0, 3, 6, 9).
struct TimePrecision {
    int digits = 6;
};

enum class SummaryMode : std::uint8_t { off, only /* -c */, also /* -C */ };
// -S: what the -c table is sorted by (strace's names and aliases).
enum class SortBy : std::uint8_t { time, min_time, max_time, avg_time, calls, errors, name, nothing };
// -U: the columns of the -c table.
enum class SummaryColumn : std::uint8_t { time_percent, total_time, min_time, max_time, avg_time, calls, errors, name };

struct TraceConfig {
    // What to run.
    std::vector<std::string> argv;  // the program and its arguments, or empty
    std::string user;               // -u: the launched program runs as this user
    std::string argv0;              // --argv0: the launched program's argv[0], found by argv[0] as given
    std::vector<pid_t> attach;      // -p
    bool follow_forks = false;      // -f
    // -D, -DD, -DDD: the tracer is a grandchild of the program's process (1), also in
    // its own process group (2), also in its own session (3); 0: lstar is the parent.
    int daemonize = 0;
    bool detach_on_execve = false;  // -b execve: a process that execs (after its first exec) is let go
    bool output_separately = false; // -ff / --output-separately with -o: FILE.TID per task
    std::string output_path;        // -o; "" is stderr
    bool output_append = false;     // -A
    std::vector<std::string> env;   // -E VAR=VAL (set) or -E VAR (remove), for the launched program

    // What to show.
    SyscallSet trace = SyscallSet::all();      // -e trace=
    SyscallSet raw = SyscallSet::none();       // -e raw=
    SyscallSet verbose = SyscallSet::all();    // -e verbose= (structures dereferenced)
    SyscallSet abbrev = SyscallSet::all();     // -e abbrev= (arrays and structures abbreviated)
    std::bitset<65> signals = std::bitset<65>().set();  // -e signal=, by number
    std::uint8_t status = kStatusAll;          // -e status=, -z, -Z
    std::vector<std::string> paths;            // -P
    FdSet read_fds, write_fds;                 // -e read=, -e write=
    std::uint8_t quiet = 0;                    // -q, -qq, -e quiet=

    // How to show it.
    unsigned column = 40;       // -a
    unsigned string_limit = 32; // -s
    XlatStyle xlat = XlatStyle::abbrev;  // -X
    std::uint8_t decode_fds = 0;  // -y (path), -e decode-fds=: DecodeFdsBit
    const PathNames* path_names = nullptr;  // the file-system view's: -y shows the program's names
    bool decode_pid_comm = false; // -Y, --decode-pids=comm: <comm> after process ids
    bool decode_pid_ns = false;   // --decode-pids=pidns: ids of other pid namespaces in lstar's
    bool always_show_pid = false; // --always-show-pid: the id column on every line
    StampFormat stamps = StampFormat::none;  // -t, -tt, -ttt, --timestamps=
    TimePrecision stamp_precision{0};        // --timestamps=...,PRECISION (seconds by default)
    bool relative = false;      // -r
    TimePrecision relative_precision;        // --relative-timestamps=PRECISION
    bool durations = false;     // -T
    TimePrecision duration_precision;        // --syscall-times=PRECISION
    long long syscall_limit = -1;  // --syscall-limit: detach after this many calls shown
    bool numbers = false;       // -n
    bool instruction_pointer = false;  // -i
    StackTraceMode stack_trace = StackTraceMode::off;  // -k, -kk, --stack-trace[=symbol|source]
    unsigned stack_frame_limit = kDefaultStackFrameLimit;  // --stack-trace-frame-limit
    HexStrings strings_in_hex = HexStrings::none;  // -x, -xx, --strings-in-hex=
    bool json = false;          // --json: one JSON object per event
    int json_version = kJsonSchemaVersion;     // --json=1: the first schema (arguments as strace's text)

    // -c / -C.
    SummaryMode summary = SummaryMode::off;
    SortBy sort = SortBy::time;
    std::vector<SummaryColumn> columns = {SummaryColumn::time_percent, SummaryColumn::total_time,
                                          SummaryColumn::avg_time,     SummaryColumn::calls,
                                          SummaryColumn::errors,       SummaryColumn::name};
    bool wall_clock = false;    // -w: wall time from entry to exit; default: system CPU time
    std::uint64_t summary_overhead_ns = 0;  // -O: taken off each call's -c time (not below 0)

    // Whether per-call lines (or JSON objects) are printed at all.
    bool prints_calls() const { return summary != SummaryMode::only; }
    DecodeOptions decode_options() const;
};

}  // namespace lstar
