// The printing primitives of DecodeCtx: strace's rules for numbers, strings,
// constant sets, descriptors and signals.
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <fstream>
#include <map>

#include <fmt/format.h>

#include "table/xlat.hpp"
#include "trace/decode_ctx.hpp"
#include "trace/json_printer.hpp"

namespace lstar {

namespace {

template <class... A>
void put(std::string& out, fmt::format_string<A...> f, A&&... a) {
    fmt::format_to(std::back_inserter(out), f, std::forward<A>(a)...);
}

bool is_print(unsigned char c) { return c >= ' ' && c < 0x7f; }

// Sets whose low bits are one value of the set rather than bits (an enum field
// inside a flags word), as strace prints them: the field first, always named.
struct FieldSet {
    xlat::Set set;
    std::uint64_t mask;
    bool field_from_signals;  // clone: the low byte is the exit signal
};
constexpr FieldSet kFieldSets[] = {
    {xlat::Set::open_flags, 03, false},   // O_ACCMODE: O_RDONLY|O_CLOEXEC
    {xlat::Set::mmap_flags, 0xf, false},  // MAP_TYPE: MAP_PRIVATE|MAP_ANONYMOUS
    {xlat::Set::sock_type, 0xf, false},   // SOCK_TYPE_MASK: SOCK_STREAM|SOCK_CLOEXEC
    {xlat::Set::clone_flags, 0xff, true}, // CSIGNAL: CLONE_VM|...|SIGCHLD
};

const FieldSet* field_set(xlat::Set set) {
    for (const FieldSet& f : kFieldSets)
        if (f.set == set) return &f;
    return nullptr;
}

const XlatEntry* find_value(xlat::Set set, std::uint64_t v) { return xlat_find(set, v); }

// Appends the names of the bits of v in set order; returns the bits no name covers.
// A zero-valued name is used only when v itself is zero (strace's printflags).
std::uint64_t append_flag_names(std::string& out, xlat::Set set, std::uint64_t v, std::uint64_t skip,
                                int& n) {
    for (const XlatEntry& e : xlat_set(set)) {
        if (e.value & skip) continue;
        if (v == e.value || (e.value && (v & e.value) == e.value)) {
            if (n++) out += '|';
            out += e.name;
            v &= ~e.value;
            if (!v) break;
        }
    }
    return v;
}

// The style of quote_string without one (set_quote_style): -x is process-wide.
HexStrings g_quote_style = HexStrings::none;

// -x: whether a string needs hex as a whole (strace's HEXSTR_NON_ASCII): a byte
// above 0x7e, or a control byte other than \t \n \v \f \r, before the end.
bool needs_hex(const char* s, std::size_t n, bool stop_at_nul) {
    for (std::size_t i = 0; i < n; ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (stop_at_nul && c == 0) return false;
        if (c > 0x7e || (c < ' ' && (c < '\t' || c > '\r'))) return true;
    }
    return false;
}
}  // namespace

void set_quote_style(HexStrings hex) { g_quote_style = hex; }

bool quote_string(std::string& out, const char* s, std::size_t n, bool stop_at_nul) {
    return quote_string(out, s, n, stop_at_nul, g_quote_style);
}

bool quote_string(std::string& out, const char* s, std::size_t n, bool stop_at_nul, HexStrings hex) {
    out += '"';
    bool ended = false;
    if (hex == HexStrings::all || (hex == HexStrings::non_ascii && needs_hex(s, n, stop_at_nul))) {
        for (std::size_t i = 0; i < n; ++i) {
            unsigned char c = static_cast<unsigned char>(s[i]);
            if (stop_at_nul && c == 0) {
                ended = true;
                break;
            }
            put(out, "\\x{:02x}", c);
        }
        out += '"';
        return stop_at_nul && !ended;
    }
    for (std::size_t i = 0; i < n; ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (stop_at_nul && c == 0) {
            ended = true;
            break;
        }
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\v': out += "\\v"; break;
        default:
            if (is_print(c)) {
                out += static_cast<char>(c);
                break;
            }
            out += '\\';
            if (hex == HexStrings::non_ascii_chars) {
                put(out, "x{:02x}", c);
                break;
            }
            // Three digits when an octal digit follows, else as few as needed.
            if (i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '7') {
                out += static_cast<char>('0' + (c >> 6));
                out += static_cast<char>('0' + ((c >> 3) & 7));
            } else if (c >> 3) {
                if (c >> 6) out += static_cast<char>('0' + (c >> 6));
                out += static_cast<char>('0' + ((c >> 3) & 7));
            }
            out += static_cast<char>('0' + (c & 7));
        }
    }
    out += '"';
    return stop_at_nul && !ended;
}

void quote_hex(std::string& out, const char* s, std::size_t n) {
    out += '"';
    for (std::size_t i = 0; i < n; ++i) put(out, "\\x{:02x}", static_cast<unsigned char>(s[i]));
    out += '"';
}

std::string signal_abbrev_name(int sig) {
    if (sig <= 0) return {};
    if (const XlatEntry* e = xlat_find(xlat::Set::signals, static_cast<std::uint64_t>(sig)); e && sig < 32) return std::string(e->name);
    // The kernel's SIGRTMIN is 32 (glibc reserves 32 and 33 for itself).
    if (sig == 32) return "SIGRTMIN";
    if (sig > 32 && sig <= 64) return fmt::format("SIGRT_{}", sig - 32);
    if (const char* a = sigabbrev_np(sig)) return fmt::format("SIG{}", a);
    return {};
}

std::string unknown_name(xlat::Set set) {
    // The prefix the set's names share, up to and with its last '_': "O_", "MAP_".
    auto entries = xlat_set(set);
    if (entries.empty()) return {};
    std::string_view prefix = entries.front().name;
    for (const XlatEntry& e : entries) {
        std::size_t k = 0;
        while (k < prefix.size() && k < e.name.size() && prefix[k] == e.name[k]) ++k;
        prefix = prefix.substr(0, k);
    }
    auto us = prefix.rfind('_');
    if (us != std::string_view::npos && us != 0) return std::string(prefix.substr(0, us + 1)) + "???";
    // No prefix all share: the one most names have ("O_" beside FASYNC), else the
    // suffix all share ("?_OK" for F_OK, R_OK, W_OK, X_OK), as strace names them.
    std::map<std::string_view, std::size_t> heads;
    for (const XlatEntry& e : entries)
        if (auto u = e.name.find('_'); u != std::string_view::npos && u != 0) ++heads[e.name.substr(0, u + 1)];
    for (auto [head, count] : heads)
        if (count * 2 > entries.size()) return std::string(head) + "???";
    std::string_view suffix = entries.front().name;
    suffix = suffix.substr(std::min(suffix.find('_'), suffix.size()));
    for (const XlatEntry& e : entries)
        if (!e.name.ends_with(suffix)) return {};
    return suffix.size() > 1 ? "?" + std::string(suffix) : std::string();
}

std::string fd_path(pid_t tid, int fd) {
    char buf[PATH_MAX];
    std::string link = fmt::format("/proc/{}/fd/{}", tid, fd);
    ssize_t n = readlink(link.c_str(), buf, sizeof buf);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

int pidfd_pid(pid_t tid, int fd) {
    std::ifstream info(fmt::format("/proc/{}/fdinfo/{}", tid, fd));
    for (std::string line; std::getline(info, line);)
        if (line.starts_with("Pid:")) return std::atoi(line.c_str() + 4);
    return 0;
}

std::string process_comm(pid_t pid) {
    std::ifstream f(fmt::format("/proc/{}/comm", pid));
    std::string comm;
    std::getline(f, comm);
    return comm;
}

std::uint64_t DecodeCtx::arg(int i) const {
    std::uint64_t v = task.arg(i);
    if (task.abi == Abi::i386) v &= 0xffffffffu;
    const ArgMeta* m = task.sc && i < task.sc->effective().nargs ? &task.sc->effective().args[i] : nullptr;
    unsigned size = m && m->size ? m->size : (task.abi == Abi::i386 ? 4 : 8);
    if (task.abi == Abi::i386 && size > 4) size = 4;  // 64-bit values come split in two registers
    if (size >= 8) return v;
    std::uint64_t mask = (std::uint64_t{1} << (size * 8)) - 1;
    v &= mask;
    bool is_signed = m ? m->is_signed : false;
    if (is_signed && (v >> (size * 8 - 1)) & 1) v |= ~mask;
    return v;
}

bool DecodeCtx::read(std::uint64_t a, void* dst, std::size_t len) const {
    if (!task.mem || !a) return false;
    return copy_bytes_from_user(*task.mem, dst, a, len) == 0;
}

bool DecodeCtx::read_ulong(std::uint64_t a, std::uint64_t& v) const {
    if (long_size() == 8) return read(a, v);
    std::uint32_t w;
    if (!read(a, w)) return false;
    v = w;
    return true;
}

void DecodeCtx::append(const DecodeCtx& from) {
    if (typed && from.buf_id != buf_id)
        for (TypedSpans::Span& s : typed->spans)
            if (s.buf == from.buf_id) {
                s.buf = buf_id;
                s.begin += static_cast<std::uint32_t>(out.size());
                s.end += static_cast<std::uint32_t>(out.size());
            }
    out += from.out;
}

// Numbers are JSON numbers whatever base the text shows them in.
void DecodeCtx::dec(std::int64_t v) {
    std::size_t b = out.size();
    put(out, "{}", v);
    leaf(b, [&](std::string& j) { put(j, "{}", v); });
}
void DecodeCtx::udec(std::uint64_t v) {
    std::size_t b = out.size();
    put(out, "{}", v);
    leaf(b, [&](std::string& j) { put(j, "{}", v); });
}
void DecodeCtx::hex(std::uint64_t v) {
    std::size_t b = out.size();
    v ? put(out, "{:#x}", v) : void(out += '0');
    leaf(b, [&](std::string& j) { put(j, "{}", v); });
}
void DecodeCtx::oct(std::uint64_t v) {
    std::size_t b = out.size();
    put(out, "0{:02o}", v);
    leaf(b, [&](std::string& j) { put(j, "{}", v); });
}

// A pointer not followed: {"addr": N}, NULL null.
void DecodeCtx::addr(std::uint64_t v) {
    std::size_t b = out.size();
    if (v) put(out, "{:#x}", v);
    else out += "NULL";
    leaf(b, [&](std::string& j) { v ? put(j, "{{\"addr\":{}}}", v) : void(j += "null"); });
}

bool DecodeCtx::quoted(const char* s, std::size_t n, bool stop_at_nul) {
    return quote_string(out, s, n, stop_at_nul, opt.strings_in_hex);
}

void DecodeCtx::path(std::uint64_t a) {
    if (!a) return addr(a);
    std::string s(PATH_MAX, '\0');
    long n = task.mem ? task.mem->read_string(a, s.data(), PATH_MAX) : -EFAULT;
    if (n < 0) return addr(a);
    std::size_t b = out.size();
    quoted(s.data(), static_cast<std::size_t>(n), true);
    if (n == PATH_MAX) out += "...";
    leaf(b, [&](std::string& j) { append_json_bytes(j, std::string_view(s.data(), static_cast<std::size_t>(n)), n == PATH_MAX); });
}

void DecodeCtx::str(std::uint64_t a) {
    if (!a) return addr(a);
    unsigned limit = opt.string_limit;
    std::string s(limit + 1, '\0');
    long n = task.mem ? task.mem->read_string(a, s.data(), limit + 1) : -EFAULT;
    if (n < 0) return addr(a);
    // A string longer than the limit is cut there and marked with "...".
    bool cut = static_cast<unsigned long>(n) > limit;
    std::size_t b = out.size(), shown = cut ? limit : static_cast<std::size_t>(n);
    quoted(s.data(), shown, false);
    if (cut) out += "...";
    leaf(b, [&](std::string& j) { append_json_bytes(j, std::string_view(s.data(), shown), cut); });
}

void DecodeCtx::buf(std::uint64_t a, std::uint64_t len, bool force_hex) {
    if (!a) return addr(a);
    std::size_t size = static_cast<std::size_t>(std::min<std::uint64_t>(len, opt.string_limit));
    std::string s(size, '\0');
    if (!read(a, s.data(), size) && size) return addr(a);
    std::size_t b = out.size();
    if (force_hex) quote_hex(out, s.data(), size);
    else quoted(s.data(), size, false);
    if (len > opt.string_limit) out += "...";
    leaf(b, [&](std::string& j) { append_json_bytes(j, s, len > opt.string_limit, force_hex); });
}

bool DecodeCtx::addr_instead(std::uint64_t a, bool out_param) {
    if (!a || (out_param && (failed() || !exiting))) {
        addr(a);
        return true;
    }
    return false;
}

namespace {

// A flag set in JSON: its names, then the bits no name covers as a number.
void flag_names_json(std::string& j, std::string_view names) {
    j += '[';
    for (std::size_t at = 0; at < names.size();) {
        std::size_t bar = std::min(names.find('|', at), names.size());
        std::string_view term = names.substr(at, bar - at);
        if (at) j += ',';
        if (!term.empty() && term[0] >= '0' && term[0] <= '9') put(j, "{}", std::strtoull(std::string(term).c_str(), nullptr, 0));
        else append_json_utf8(j, term);
        at = bar + 1;
    }
    j += ']';
}

}  // namespace

void DecodeCtx::flags(xlat::Set set, std::uint64_t v, std::string_view dflt) {
    if (opt.xlat == XlatStyle::raw) return hex(v);
    std::size_t b = out.size();
    bool verbose = opt.xlat == XlatStyle::verbose;
    std::string names;
    int n = 0;
    std::uint64_t rest = v, skip = 0;
    if (const FieldSet* f = field_set(set)) {
        // The field is always named (O_RDONLY is 0), then the remaining bits.
        std::uint64_t field = v & f->mask;
        skip = f->mask;
        rest = v & ~f->mask;
        if (f->field_from_signals) {
            if (field) {
                std::string s = signal_abbrev_name(static_cast<int>(field));
                names += s.empty() ? fmt::format("{}", field) : s;
            }
        } else if (const XlatEntry* e = find_value(set, field)) {
            names += e->name;
        } else {
            rest = v;  // strace: an unknown field stays in the number after the names
        }
        n = names.empty() ? 0 : 1;
        if (f->field_from_signals && n) {
            // strace prints the signal after the flags: CLONE_VM|...|SIGCHLD.
            std::string sig = names;
            names.clear();
            n = 0;
            rest = append_flag_names(names, set, rest, skip, n);
            if (rest) put(names, "{}{:#x}", n++ ? "|" : "", rest);
            names += n++ ? "|" : "";
            names += sig;
            rest = 0;
        } else if (rest) {
            rest = append_flag_names(names, set, rest, skip, n);
        }
    } else {
        rest = append_flag_names(names, set, v, 0, n);
    }
    if (n) {
        if (rest) put(names, "|{:#x}", rest);
        if (verbose) hex(v), put(out, " /* {} */", names);  // 0 /* O_RDONLY */
        else out += names;
        return leaf(b, [&](std::string& j) { flag_names_json(j, names); });
    }
    if (!v) {
        out += '0';
        return leaf(b, [&](std::string& j) { j += "[]"; });
    }
    hex(v);
    std::string d = dflt.empty() ? unknown_name(set) : std::string(dflt);
    if (!d.empty()) put(out, " /* {} */", d);
    leaf(b, [&](std::string& j) { put(j, "[{}]", v); });
}

void DecodeCtx::xval(xlat::Set set, std::uint64_t v, std::string_view dflt) {
    const XlatEntry* e = opt.xlat == XlatStyle::raw ? nullptr : find_value(set, v);
    if (e) {
        std::size_t b = out.size();
        if (opt.xlat == XlatStyle::verbose) hex(v), put(out, " /* {} */", e->name);  // 0 /* FUTEX_WAIT */
        else out += e->name;
        return leaf(b, [&](std::string& j) { append_json_utf8(j, e->name); });
    }
    hex(v);
    if (opt.xlat == XlatStyle::raw) return;
    std::string d = dflt.empty() ? unknown_name(set) : std::string(dflt);
    if (!d.empty()) put(out, " /* {} */", d);
}

// strace's printfd: a device's path with its numbers (dev), a pidfd's process
// (pidfd), else the path (path); each kind only when -e decode-fds= asks for it.
// Under a file-system view the path is the program's name for the file, and
// -yy (decode-fds=socket) adds the host's where it differs: 3</etc/motd<host /r/etc/motd>>.
// In JSON a descriptor with what -y shows is {"fd": 3, "path": "/etc/passwd"}
// (a device adds "device", a pidfd is {"fd": 4, "pid": 1234}, -yy "host_path").
void DecodeCtx::fd(int fd) {
    std::size_t b = out.size();
    dec(fd);
    if (!opt.decode_fds || fd < 0) return;
    std::string host = fd_path(task.tid, fd);
    if (host.empty()) return;
    // -yy: a socket's protocol and addresses in place of its inode.
    if ((opt.decode_fds & kDecodeFdSocket) && host.starts_with("socket:[")) host = socket_details(task.tid, fd, host);
    std::string p = shown_path(host);
    std::string host_note = host_name_note(p, host);
    auto with_path = [&](std::string& j) {
        put(j, "{{\"fd\":{},\"path\":", fd);
        append_json_bytes(j, p, false);
        json_host_path(j, p, host);
    };
    if (opt.decode_fds & kDecodeFdDev) {
        struct stat st;
        if (::stat(host.c_str(), &st) == 0 && (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))) {
            const char* kind = S_ISCHR(st.st_mode) ? "char" : "block";
            put(out, "<{}<{} {}:{}>{}>", p, kind, major(st.st_rdev), minor(st.st_rdev), host_note);
            return leaf(b, [&](std::string& j) {
                with_path(j);
                put(j, ",\"device\":{{\"type\":\"{}\",\"major\":{},\"minor\":{}}}}}", kind, major(st.st_rdev), minor(st.st_rdev));
            });
        }
    }
    if ((opt.decode_fds & kDecodeFdPidfd) && p == "anon_inode:[pidfd]") {
        if (int pid = pidfd_pid(task.tid, fd); pid > 0) {
            put(out, "<pid:{}>", pid);
            return leaf(b, [&](std::string& j) { put(j, "{{\"fd\":{},\"pid\":{}}}", fd, pid); });
        }
    }
    if (!(opt.decode_fds & kDecodeFdPath)) return;
    put(out, "<{}{}>", p, host_note);
    leaf(b, [&](std::string& j) { with_path(j), j += '}'; });
}

// A host path as the program names it under a file-system view; one it has no
// name for (out of the view: a terminal lstar was given) as the kernel's
// readlink of /proc/self/fd shows one out of a chroot, whole.
std::string DecodeCtx::shown_path(const std::string& host) const {
    if (!opt.names || !host.starts_with("/")) return host;
    return opt.names->guest_of(host).value_or(host);
}

// -yy under a file-system view: the host's name after the program's where they
// differ, "<host /r/etc/motd>" in the text and "host_path" in JSON.
std::string DecodeCtx::host_name_note(const std::string& shown, const std::string& host) const {
    return (opt.decode_fds & kDecodeFdSocket) && shown != host ? fmt::format("<host {}>", host) : std::string();
}
void DecodeCtx::json_host_path(std::string& j, const std::string& shown, const std::string& host) const {
    if (!(opt.decode_fds & kDecodeFdSocket) || shown == host) return;
    j += ",\"host_path\":";
    append_json_bytes(j, host, false);
}

void DecodeCtx::dirfd(int fd) {
    if (fd != -100) return this->fd(fd);  // AT_FDCWD
    if (opt.xlat == XlatStyle::raw) return dec(fd);
    std::size_t b = out.size();
    out += opt.xlat == XlatStyle::verbose ? "-100 /* AT_FDCWD */" : "AT_FDCWD";
    char cwd[PATH_MAX];
    ssize_t n = 0;
    if (opt.decode_fds & kDecodeFdPath) {
        std::string link = fmt::format("/proc/{}/cwd", task.tid);
        n = readlink(link.c_str(), cwd, sizeof cwd);
    }
    std::string host(cwd, n > 0 ? static_cast<std::size_t>(n) : 0);
    std::string shown = shown_path(host);
    if (n > 0) put(out, "<{}{}>", shown, host_name_note(shown, host));
    leaf(b, [&](std::string& j) {
        if (n <= 0) return void(j += "\"AT_FDCWD\"");
        j += "{\"fd\":\"AT_FDCWD\",\"path\":";
        append_json_bytes(j, shown, false);
        json_host_path(j, shown, host);
        j += '}';
    });
}

// -Y: "1234<comm>" for a process that exists (strace reads /proc/PID/comm);
// --decode-pids=pidns: "37 /* 29147 in strace's PID NS */" for a tracee in
// another pid namespace (the comm is read by lstar's id, where strace reads
// whatever process has the tracee's number in its own namespace).
void DecodeCtx::pid(std::int64_t id) {
    std::size_t b = out.size();
    dec(id);
    if ((!opt.pid_comm && !opt.pid_ns) || id <= 0) return;
    pid_t ours = opt.pid_ns ? pid_in_lstar_namespace(task.tid, static_cast<pid_t>(id)) : 0;
    // An id no live task of that namespace has: no comm either (lstar's task of that number is another).
    std::string comm = opt.pid_comm && ours >= 0 ? process_comm(ours ? ours : static_cast<pid_t>(id)) : std::string();
    if (ours == id || ours < 0) ours = 0;
    if (comm.empty() && !ours) return;
    if (!comm.empty()) put(out, "<{}>", comm);
    if (ours) put(out, " /* {} in strace's PID NS */", ours);
    leaf(b, [&](std::string& j) {
        put(j, "{{\"pid\":{}", id);
        if (!comm.empty()) {
            j += ",\"comm\":";
            append_json_bytes(j, comm, false);
        }
        if (ours) put(j, ",\"pid_in_lstar_ns\":{}", ours);
        j += '}';
    });
}

void DecodeCtx::signal(int sig) {
    std::string name = opt.xlat == XlatStyle::raw ? std::string() : signal_abbrev_name(sig);
    if (name.empty()) return dec(sig);
    std::size_t b = out.size();
    if (opt.xlat == XlatStyle::verbose) put(out, "{} /* {} */", sig, name);
    else out += name;
    leaf(b, [&](std::string& j) { append_json_utf8(j, name); });
}

void DecodeCtx::sig_mask(const std::uint8_t* bytes, std::size_t len) {
    // strace prints the complement (~[...]) once at least half the bits are set.
    std::size_t bits = len * 8, set = 0;
    for (std::size_t i = 0; i < bits; ++i) set += (bytes[i / 8] >> (i % 8)) & 1;
    bool complement = set * 2 >= bits;
    std::size_t b = out.size();
    if (complement) out += '~';
    out += '[';
    // In JSON: the signals' full names, the complement as {"except": [...]}.
    std::string json;
    std::string* j = typed ? &json : nullptr;
    if (j) *j += complement ? "{\"except\":[" : "[";
    bool first = true;
    for (std::size_t i = 0; i < bits; ++i) {
        bool bit = (bytes[i / 8] >> (i % 8)) & 1;
        if (bit == complement) continue;
        if (!first) out += ' ';
        if (j && !first) *j += ',';
        first = false;
        std::string name = signal_abbrev_name(static_cast<int>(i + 1));
        if (name.starts_with("SIG")) out += std::string_view(name).substr(3);
        else put(out, "{}", i + 1);
        if (j && name.empty()) put(*j, "{}", i + 1);
        else if (j) append_json_utf8(*j, name);
    }
    out += ']';
    if (!j) return;
    *j += complement ? "]}" : "]";
    leaf(b, [&](std::string& to) { to += json; });
}

void DecodeCtx::sigset(std::uint64_t a, std::uint64_t size) {
    // The kernel's sigset is 8 bytes; a larger size is refused (EINVAL), strace
    // shows such a set as its address.
    if (!a) return addr(a);
    if (size > 8 || size == 0) return addr(a);
    std::uint8_t bytes[8] = {};
    if (!read(a, bytes, size)) return addr(a);
    sig_mask(bytes, size);
}

// In JSON: the names, then the permission bits as a number (["S_IFREG", 420]).
void DecodeCtx::mode_symbolic(std::uint32_t mode) {
    std::size_t b = out.size();
    std::uint32_t type = mode & 0170000;
    if (type) {
        const XlatEntry* e = opt.xlat == XlatStyle::raw ? nullptr : xlat_find(xlat::Set::file_type, type);
        if (e) {
            out += e->name;
            out += '|';
        } else {
            type = 0;
        }
    }
    std::uint32_t rest = mode & ~type;
    if (rest & 04000) out += "S_ISUID|", rest &= ~04000u;
    if (rest & 02000) out += "S_ISGID|", rest &= ~02000u;
    if (rest & 01000) out += "S_ISVTX|", rest &= ~01000u;
    std::size_t names_end = out.size();
    oct(rest);
    leaf(b, [&](std::string& j) {
        std::string names = out.substr(b, names_end - b);
        put(names, "{}", rest);
        flag_names_json(j, names);
    });
}

}  // namespace lstar
