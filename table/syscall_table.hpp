// The system call tables: one row per number and ABI, with the metadata of
// its entry point. The rows are generated at build time (table/gen) from
// tbl/syscall_64.tbl, tbl/syscall_32.tbl and tbl/signatures.tbl; this header
// only describes their shape and how to look them up.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>
#include <string_view>

namespace lstar {

enum class Abi : std::uint8_t { x86_64, x32, i386 };
inline constexpr int kAbiCount = 3;

constexpr std::string_view abi_name(Abi abi) {
    switch (abi) {
    case Abi::x86_64: return "x86_64";
    case Abi::x32: return "x32";
    case Abi::i386: return "i386";
    }
    return "?";
}
std::optional<Abi> abi_from_name(std::string_view name);

// __X32_SYSCALL_BIT: x32 numbers as the CPU sees them carry bit 30.
inline constexpr std::uint64_t kX32SyscallBit = 0x40000000;

// How an argument is shown and what policy can say about it.
// The spelling of each kind in tbl/signatures.tbl is its enumerator name.
enum class ArgKind : std::uint8_t {
    dec,          // signed decimal (default for signed integers)
    udec,         // unsigned decimal (default for unsigned integers)
    hex,          // hexadecimal number
    oct,          // octal number
    ptr,          // address (default for pointers): NULL or 0x...
    fd,           // file descriptor
    dirfd,        // directory descriptor for *at calls (AT_FDCWD)
    path,         // NUL-terminated path name (in)
    str,          // NUL-terminated string that is not a path (in)
    in_buf,       // buffer the kernel reads; param = length argument
    out_buf,      // buffer the kernel fills; param = capacity argument, shown length = return value
    flags,        // bit set; param = constant set
    enum_,        // one value of a set; param = constant set  (spelled "enum")
    signal,       // signal number
    pid,          // process / thread id
    uid,          // user id
    gid,          // group id
    mode,         // file mode (octal, S_IF* type bits)
    off,          // file offset
    size,         // byte count
    addr,         // address that is a value, not a pointer to read (mmap hint, brk)
    struct_in,    // pointer to struct read by the kernel; param = struct name
    struct_out,   // pointer to struct filled by the kernel; param = struct name
    struct_inout, // both
    sockaddr,     // struct sockaddr in; param = length argument
    sockaddr_out, // struct sockaddr out; param = pointer-to-length argument
    iovec_in,     // struct iovec array read; param = count argument
    iovec_out,    // struct iovec array filled; param = count argument
    strarray,     // NULL-terminated array of strings (argv, envp)
    sigset,       // sigset_t in; param = size argument
    sigset_out,   // sigset_t out; param = size argument
};

// The spelling of each ArgKind, indexed by its value (shared by the generator and lookups).
inline constexpr std::string_view kArgKindNames[] = {
    "dec",       "udec",       "hex",          "oct",      "ptr",      "fd",        "dirfd",    "path",
    "str",       "in_buf",     "out_buf",      "flags",    "enum",     "signal",    "pid",      "uid",
    "gid",       "mode",       "off",          "size",     "addr",     "struct_in", "struct_out",
    "struct_inout", "sockaddr", "sockaddr_out", "iovec_in", "iovec_out", "strarray", "sigset", "sigset_out",
};
static_assert(std::size(kArgKindNames) == static_cast<std::size_t>(ArgKind::sigset_out) + 1);

// How a call uses a `path` argument ([path:<use>] in tbl/signatures.tbl; none: `follow`):
// whether a symbolic link in its last component is followed, whether it changes
// what it names, or whether it is no name at all but text the kernel stores.
enum class PathUse : std::uint8_t {
    follow,          // the default: looked up, a last-component link followed
    nofollow,        // a last-component link is the object (lstat, readlink)
    write,           // changes what it names, following a last-component link (chmod, truncate)
    write_nofollow,  // creates, removes or changes the name itself (mkdir, unlink, rename, lchown)
    target,          // a symlink's stored text, not looked up (symlink's first argument)
};
inline constexpr std::string_view kPathUseNames[] = {"follow", "nofollow", "write", "write_nofollow", "target"};
// The use a mark names, by its spelling in a list indexed by the use's values
// (from `first` on: a value with no spelling of its own comes before it).
template <class Use, std::size_t N>
constexpr std::optional<Use> use_from_name(const std::string_view (&names)[N], std::string_view name, std::size_t first = 0) {
    for (std::size_t i = first; i < N; ++i)
        if (names[i] == name) return static_cast<Use>(i);
    return std::nullopt;
}
constexpr std::optional<PathUse> path_use_from_name(std::string_view name) { return use_from_name<PathUse>(kPathUseNames, name); }
// A path argument's use ([path] alone: follow).
constexpr PathUse path_use(std::string_view param) { return path_use_from_name(param).value_or(PathUse::follow); }

// How a call uses an `fd` argument ([fd:<use>]; none: `use`): `change` marks a call
// that changes the object behind the descriptor whatever it was opened for (its
// mode, owner, extended attributes), which the kernel refuses with EROFS on a
// read-only mount, as the file-system view does under --read-only.
enum class FdUse : std::uint8_t {
    use,     // the default: reads, or writes through an open for writing
    change,  // changes the object's metadata (fchmod, fchown, fsetxattr, fremovexattr)
};
inline constexpr std::string_view kFdUseNames[] = {"use", "change"};
constexpr std::optional<FdUse> fd_use_from_name(std::string_view name) { return use_from_name<FdUse>(kFdUseNames, name); }
// A descriptor argument's use ([fd] alone: use).
constexpr FdUse fd_use(std::string_view param) { return fd_use_from_name(param).value_or(FdUse::use); }

// How a call uses a time argument ([time:<use>] after its kind in tbl/signatures.tbl),
// for the view of time (handlers/time.cpp) to move it to the host's clocks: a wait
// shortened by a speed, an instant moved from the virtual clock to the real one.
enum class TimeUse : std::uint8_t {
    none,       // no such argument
    wait,       // how long to wait, read by the kernel (a timespec or timeval)
    wait_ms,    // how long to wait, in milliseconds (an int; negative: for ever)
    countdown,  // how long to wait; the kernel writes back what is left (select, ppoll)
    left,       // written by the kernel: what was left of an interrupted wait (nanosleep's rmtp)
    deadline,   // an absolute instant on CLOCK_REALTIME (mq_timedsend)
    by_call,    // relative or absolute, on which clock: the call's other arguments or its
                // object say (futex's op, clock_nanosleep's flags, a timerfd's clock); spelled "call"
};
inline constexpr std::string_view kTimeUseNames[] = {"none", "wait", "wait_ms", "countdown", "left", "deadline", "call"};
constexpr std::optional<TimeUse> time_use_from_name(std::string_view name) {
    return use_from_name<TimeUse>(kTimeUseNames, name, 1);
}

// Strace-style classes (trace=%file ...), a bit each.
enum SyscallClass : std::uint32_t {
    kClassFile = 1u << 0,     // %file: takes a file name
    kClassDesc = 1u << 1,     // %desc: takes or returns a descriptor
    kClassProcess = 1u << 2,  // %process
    kClassMemory = 1u << 3,   // %memory
    kClassNetwork = 1u << 4,  // %network
    kClassSignal = 1u << 5,   // %signal
    kClassIpc = 1u << 6,      // %ipc
    kClassCreds = 1u << 7,    // %creds
    kClassClock = 1u << 8,    // %clock
    kClassPure = 1u << 9,     // %pure: no arguments, never fails
    kClassStat = 1u << 10,    // %stat
    kClassLstat = 1u << 11,   // %lstat
    kClassFstat = 1u << 12,   // %fstat
    kClassStatLike = 1u << 13,// %%stat
    kClassStatfs = 1u << 14,  // %statfs
    kClassFstatfs = 1u << 15, // %fstatfs
    kClassStatfsLike = 1u << 16, // %%statfs
};
struct ClassName {
    std::string_view name;  // with its leading % (or %%)
    std::uint32_t bit;
};
inline constexpr ClassName kClassNames[] = {
    {"%file", kClassFile},       {"%desc", kClassDesc},         {"%process", kClassProcess},
    {"%memory", kClassMemory},   {"%network", kClassNetwork},   {"%signal", kClassSignal},
    {"%ipc", kClassIpc},         {"%creds", kClassCreds},       {"%clock", kClassClock},
    {"%pure", kClassPure},       {"%stat", kClassStat},         {"%lstat", kClassLstat},
    {"%fstat", kClassFstat},     {"%%stat", kClassStatLike},    {"%statfs", kClassStatfs},
    {"%fstatfs", kClassFstatfs}, {"%%statfs", kClassStatfsLike},
};
std::span<const ClassName> class_names();
std::optional<std::uint32_t> class_from_name(std::string_view name);

enum EntryFlag : std::uint16_t {
    kNoReturn = 1u << 0,   // never returns to the caller (exit, execve on success is not this)
    kNeverFails = 1u << 1, // getpid and friends
    kNi = 1u << 2,         // sys_ni_syscall: no entry point
    kReturnsAddress = 1u << 3,  // success returns an address (mmap, brk): shown in hex
    kMayBlock = 1u << 4,   // may wait for long for the world outside the process (input, a child,
                           // a signal, time, another thread): a tracer shows its entry first
    kSigreturn = 1u << 5,  // returns through the signal frame at the stack pointer: it must run
                           // where the program made it (a backend never moves it elsewhere)
    kReturnsFd = 1u << 6,  // success returns a new descriptor (strace's RVAL_FD: shown like an fd argument)
    kReturnsPid = 1u << 7, // success returns a process/thread/group id (RVAL_TGID, RVAL_TID, ...)
    kRemaps = 1u << 8,     // may change what is mapped where (mmap, munmap, mprotect, mremap, shmat, ...):
                           // an unwinder's module list (-k) is out of date after it (strace's SI)
    kNullPathIsFd = 1u << 9,  // a NULL name means the descriptor before it (utimensat, futimesat)
    // What a waiting call returns when a signal with a handler interrupts it, as a
    // tracer sees it before the kernel makes it EINTR or restarts it: ERESTARTSYS
    // unless one of these says otherwise.
    kRestartNoHand = 1u << 10,  // ERESTARTNOHAND (pause, select, ppoll, msgrcv, sigsuspend)
    kRestartBlock = 1u << 11,   // ERESTART_RESTARTBLOCK (the relative sleeps, poll)
    kPlainEintr = 1u << 12,     // EINTR itself (the epoll waits, rt_sigtimedwait, semop)
    kWaitMask = 1u << 13,  // a signal mask argument is the thread's mask while the call waits
                           // (ppoll, pselect6, epoll_pwait): NULL keeps the thread's
};

struct EntryFlagName {
    std::string_view name;  // as spelled in tbl/signatures.tbl and `lstar table --json`
    std::uint16_t bit;
};
inline constexpr EntryFlagName kEntryFlagNames[] = {
    {"noreturn", kNoReturn},       {"never_fails", kNeverFails}, {"ni", kNi},
    {"ret_addr", kReturnsAddress}, {"may_block", kMayBlock},     {"sigreturn", kSigreturn},
    {"ret_fd", kReturnsFd},        {"ret_pid", kReturnsPid},     {"remaps", kRemaps},
    {"null_path_fd", kNullPathIsFd}, {"restart_nohand", kRestartNoHand}, {"restart_block", kRestartBlock},
    {"eintr", kPlainEintr}, {"wait_mask", kWaitMask}};

inline constexpr int kMaxArgs = 6;
inline constexpr std::int8_t kLenIsReturn = -2;  // "length is the return value"
inline constexpr std::int8_t kNoLen = -1;

struct ArgMeta {
    std::string_view type;   // as SYSCALL_DEFINE declares it: "const char __user *"
    std::string_view name;   // "buf"
    ArgKind kind;
    std::string_view param;  // constant set or struct name, or the related argument's name
    std::int8_t related;     // index of the related argument (length, count), kNoLen, kLenIsReturn
    std::uint8_t size;       // width of the declared type in bytes (1, 2, 4, 8)
    bool is_signed;          // whether the declared type is signed (sign-extend when narrowing)
    // What param names, as the generated symbol's value: for flags/enum the
    // xlat::Set (table/xlat_ids.hpp), for struct kinds the StructId
    // (table/struct_ids.hpp); 0 otherwise. lstar-gen checks that it exists.
    std::uint16_t param_id = 0;
    TimeUse time = TimeUse::none;  // [time:<use>]
};

// The metadata of one entry point (sys_write, compat_sys_open, ...).
struct EntryMeta {
    std::string_view entry;  // "sys_write"
    std::uint8_t nargs;
    ArgMeta args[kMaxArgs];
    std::uint32_t classes;
    std::uint16_t flags;     // EntryFlag
};

// One row of a table.
struct SyscallDesc {
    Abi abi;
    std::uint64_t nr;              // as the CPU sees it (x32 includes bit 30)
    std::string_view name;         // "write"; empty for a gap
    const EntryMeta* entry;        // sys_ni_syscall's metadata for a gap or an entry-less row
    const EntryMeta* compat_entry; // nullptr when the row has none
    std::uint8_t flags;            // EntryFlag (noreturn from the table, kNi)

    // The entry point the kernel calls for this ABI (i386 under a 64-bit kernel takes
    // the compat entry point when there is one).
    const EntryMeta& effective() const { return compat_entry ? *compat_entry : *entry; }
    bool is_ni() const { return flags & kNi; }
};

// The rows of one ABI, indexed by nr (for x32 by nr minus the x32 bit); gaps are
// sys_ni_syscall rows with an empty name.
std::span<const SyscallDesc> syscall_table(Abi abi);

// The row for a number as the CPU sees it; nullptr when out of range.
const SyscallDesc* find_syscall(Abi abi, std::uint64_t nr);

// The row for a name; nullptr when the ABI has no such call.
const SyscallDesc* find_syscall(Abi abi, std::string_view name);

// All entry points' metadata (sys_ni_syscall first, then sorted by name).
std::span<const EntryMeta> entry_points();

// The metadata of one entry point ("sys_write"); nullptr when there is none.
const EntryMeta* find_entry_point(std::string_view entry);

// Every row of every ABI whose effective entry point is `entry` (one of
// entry_points()), gaps and entry-less rows left out: what binding by entry point
// binds, found without comparing names row by row (a runtime image binds its
// handlers at every exec).
std::span<const SyscallDesc* const> rows_entering(const EntryMeta& entry);

std::string_view arg_kind_name(ArgKind kind);

// The argument naming the program of a call that starts one (execve, execveat: a
// path beside an argv), or -1 for every other entry point.
int program_arg(const EntryMeta& entry);

}  // namespace lstar
