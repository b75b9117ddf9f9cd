// What every decoder works with: the task, the options, the output, and the
// printing primitives strace's decoders are built from (addresses, quoted
// strings, constant sets, descriptors, signals). Generic argument kinds,
// struct printers (trace/structs/) and per-call decoders (trace/decoders/)
// all print through these, so each rule of strace's format lives once.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "kernel/task.hpp"
#include "table/struct_ids.hpp"
#include "table/xlat_ids.hpp"
#include "trace/decode.hpp"
#include "trace/json_value.hpp"

namespace lstar {

struct DecodeCtx {
    Task& task;
    const DecodeOptions& opt;
    std::string& out;
    bool exiting = false;  // printing at exit: out parameters are filled, retval is known
    // --json version 2: where the primitives record their typed leaves (nullptr: text
    // only), and which buffer `out` is among the ones the leaves are recorded for.
    TypedSpans* typed = nullptr;
    std::uint32_t buf_id = 0;

    // The call failed (only meaningful when exiting).
    bool failed() const { return exiting && is_error_value(task.retval); }
    // 32-bit layouts (i386); x32 shares the 64-bit kernel structures except pointers.
    bool compat() const { return task.abi == Abi::i386; }
    unsigned long_size() const { return task.abi == Abi::x86_64 ? 8 : 4; }
    unsigned ptr_size() const { return task.abi == Abi::x86_64 ? 8 : 4; }
    // Argument i narrowed or sign-extended to its declared type.
    std::uint64_t arg(int i) const;
    std::int64_t sarg(int i) const { return static_cast<std::int64_t>(arg(i)); }

    // Reads user memory; false when any byte is unreadable.
    bool read(std::uint64_t addr, void* dst, std::size_t len) const;
    template <class T>
    bool read(std::uint64_t addr, T& dst) const { return read(addr, &dst, sizeof(T)); }
    // Reads a user long / pointer of this ABI's width.
    bool read_ulong(std::uint64_t addr, std::uint64_t& v) const;

    // A context printing into `scratch`, for a printer that prints first and keeps
    // the text only if it could read everything; append() then adds it to `out`,
    // with its typed leaves.
    DecodeCtx sub(std::string& scratch, bool at_exit) const {
        return DecodeCtx{task, opt, scratch, at_exit, typed, typed ? ++typed->next_buf : 0u};
    }
    DecodeCtx sub(std::string& scratch) const { return sub(scratch, exiting); }
    void append(const DecodeCtx& from);
    // Records what was printed since `begin` as a typed leaf whose JSON write_json
    // appends; nothing without typed.
    template <class F>
    void leaf(std::size_t begin, F&& write_json) {
        if (!typed) return;
        auto json_begin = static_cast<std::uint32_t>(typed->json.size());
        write_json(typed->json);
        typed->spans.push_back({static_cast<std::uint32_t>(begin), static_cast<std::uint32_t>(out.size()), json_begin,
                                static_cast<std::uint32_t>(typed->json.size()), buf_id});
    }

    // --- primitives ---
    void text(std::string_view s) { out += s; }
    void dec(std::int64_t v);
    void udec(std::uint64_t v);
    void hex(std::uint64_t v);            // 0x1f, 0 as "0"
    void oct(std::uint64_t v);            // 0644, 0 as "000"
    void addr(std::uint64_t v);           // NULL or 0x...
    void path(std::uint64_t a);           // "..." up to PATH_MAX, or the address
    void str(std::uint64_t a);            // NUL-terminated string limited by -s
    void buf(std::uint64_t a, std::uint64_t len, bool force_hex = false);  // len bytes limited by -s
    // n bytes already read, quoted as -x says (quote_string with this call's options).
    bool quoted(const char* s, std::size_t n, bool stop_at_nul);
    // A struct or array pointer that can't be shown: NULL, or its address when
    // unreadable or (at exit) the call failed. Returns true when it printed.
    bool addr_instead(std::uint64_t a, bool out_param);
    // Constant sets by their generated symbol (xlat::Set::mmap_flags): a set
    // without an xlat/ file does not compile.
    void flags(xlat::Set set, std::uint64_t v, std::string_view dflt = {});
    void xval(xlat::Set set, std::uint64_t v, std::string_view dflt = {});
    void fd(int fd);
    void dirfd(int fd);
    std::string shown_path(const std::string& host) const;
    // -yy: the host's name beside `shown` where it differs (text note, JSON field).
    std::string host_name_note(const std::string& shown, const std::string& host) const;
    void json_host_path(std::string& j, const std::string& shown, const std::string& host) const;
    void pid(std::int64_t id);            // 1234, or 1234<comm> with -Y
    void signal(int sig);                 // SIGINT, or the number
    void sig_mask(const std::uint8_t* bytes, std::size_t len);  // [INT TERM], ~[KILL STOP]
    void sigset(std::uint64_t a, std::uint64_t size);
    void mode_symbolic(std::uint32_t mode);  // S_IFREG|0644
    void field(std::string_view name) { out += name; out += '='; }
    void sep() { out += ", "; }
};

// strace's quoting of n bytes into out ("\"...\""): escapes \t \n \v \f \r \" \\ and
// octal for other non-printables, or \xNN as `hex` (-x, -xx) says. With stop_at_nul
// the string ends at a NUL; returns true when stop_at_nul was set and no NUL was
// seen within n.
bool quote_string(std::string& out, const char* s, std::size_t n, bool stop_at_nul, HexStrings hex);
// The same in the process's -x style (set_quote_style): for printers that quote
// without a DecodeCtx's options at hand. strace's -x is process-wide too.
bool quote_string(std::string& out, const char* s, std::size_t n, bool stop_at_nul);
void set_quote_style(HexStrings hex);
// Every byte as \xNN (strace's QUOTE_FORCE_HEX, for random data).
void quote_hex(std::string& out, const char* s, std::size_t n);

// "SIGINT", "SIGRTMIN", "SIGRT_3"; empty when the number has no name.
std::string signal_abbrev_name(int sig);

// The comment strace prints after an unknown constant of a set: "O_???".
std::string unknown_name(xlat::Set set);

// The set or struct an argument's [kind:param] names, as lstar-gen bound it.
inline xlat::Set set_of(const ArgMeta& a) { return static_cast<xlat::Set>(a.param_id); }
inline StructId struct_of(const ArgMeta& a) { return static_cast<StructId>(a.param_id); }

// The path of a task's descriptor from /proc (empty when unknown).
std::string fd_path(pid_t tid, int fd);
// The process a pidfd refers to (its fdinfo's Pid:), 0 when unknown.
int pidfd_pid(pid_t tid, int fd);
// -yy: a socket's link ("socket:[1234]") as strace shows it: TCP:[a:p->b:q], UNIX-STREAM:[i->peer]
// (trace/socket_details.cpp); the link itself when the socket is gone.
std::string socket_details(pid_t tid, int fd, const std::string& link);
// /proc/PID/comm without its newline; empty when the process is gone.
std::string process_comm(pid_t pid);
// --decode-pids=pidns: the id `id` of the tracee's pid namespace in lstar's own
// (trace/pid_namespace.cpp); 0 when they share one, -1 when no live task has it.
pid_t pid_in_lstar_namespace(pid_t tracee, pid_t id);

// What Decoder::capture_entry read at entry for argument i (or for the in/out
// struct argument named param): false when nothing was captured for this call.
bool entry_value(const DecodeCtx& ctx, int i, std::uint64_t& v);
bool entry_value(const DecodeCtx& ctx, StructId param, std::uint64_t& v);

// Struct printers by StructId (tbl/structs.tbl, trace/structs/). Prints the
// struct at addr or, when it can't (or it is address only), NULL or the address.
void print_struct(DecodeCtx& ctx, StructId id, std::uint64_t addr);

// struct iovec arrays (readv/writev, msghdr): data_len limits the bytes shown
// (the return value for out vectors); -1 for "as much as each iov_len".
void print_iovec(DecodeCtx& ctx, std::uint64_t addr, std::uint64_t count, std::int64_t data_len);
// struct sockaddr of len bytes.
void print_sockaddr(DecodeCtx& ctx, std::uint64_t addr, std::uint64_t len);
// An ETH_P_* protocol in network order (AF_PACKET): htons(ETH_P_ALL).
void print_ethernet_protocol(DecodeCtx& ctx, std::uint16_t network_order);
void print_timespec(DecodeCtx& ctx, std::uint64_t addr, bool compat32);
// siginfo_t already copied into the tracer.
void print_siginfo(DecodeCtx& ctx, const siginfo_t& info);

}  // namespace lstar
