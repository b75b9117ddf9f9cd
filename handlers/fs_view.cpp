// The file-system view by translation on the path. The calls come from the
// table: each entry point with a `path` argument gets the same translation, its
// `[path:<use>]` saying whether a last link is followed and whether the call
// changes what it names (tbl/README.md). A name is resolved inside the view
// (handlers/path_view.cpp), checked against --hide and --read-only, and the host
// name is written where the backend lets a handler put a call's data
// (UserMemory::scratch); at exit the program gets its own arguments back.
#include <fcntl.h>
#include <elf.h>
#include <linux/openat2.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <climits>
#include <cstring>

#include <fmt/format.h>

#include "handlers/handlers.hpp"
#include "kernel/syscall_define.hpp"
#include "table/entry_meta.hpp"

namespace lstar {

namespace {

// How the open family's flags use the name: whether the open writes, and whether
// a last link is followed (O_NOFOLLOW, or O_CREAT|O_EXCL which never follows).
struct OpenUse {
    bool write = false, follow = true;
};
OpenUse open_use(std::uint64_t flags) {
    OpenUse u;
    u.write = (flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC));
    u.follow = !(flags & O_NOFOLLOW) && (flags & (O_CREAT | O_EXCL)) != (O_CREAT | O_EXCL);
    return u;
}

// What the kernel would read first from an image: a "#!" line's interpreter and
// its one argument, or an ELF's PT_INTERP. Nothing for any other file.
struct ImageStart {
    std::string interp, arg;
    bool script = false;
};
std::optional<ImageStart> image_start(const std::string& host) {
    int fd = ::open(host.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    char head[256];
    ssize_t n = ::pread(fd, head, sizeof head, 0);
    std::optional<ImageStart> out;
    if (n > 2 && head[0] == '#' && head[1] == '!') {
        std::string_view line(head + 2, static_cast<std::size_t>(n - 2));
        line = line.substr(0, line.find('\n'));
        auto blank = [](char c) { return c == ' ' || c == '\t'; };
        while (!line.empty() && blank(line.front())) line.remove_prefix(1);
        while (!line.empty() && (blank(line.back()) || line.back() == '\r')) line.remove_suffix(1);
        std::size_t end = 0;
        while (end < line.size() && !blank(line[end])) ++end;
        ImageStart s{std::string(line.substr(0, end)), {}, true};
        std::string_view rest = line.substr(end);
        while (!rest.empty() && blank(rest.front())) rest.remove_prefix(1);
        s.arg = rest;
        if (!s.interp.empty()) out = s;
    } else if (n >= static_cast<ssize_t>(sizeof(Elf64_Ehdr)) && std::memcmp(head, ELFMAG, SELFMAG) == 0) {
        // Both classes: the program headers' place and PT_INTERP's offset and size.
        bool wide = head[EI_CLASS] == ELFCLASS64;
        std::uint64_t phoff = 0, phnum = 0, phentsize = 0;
        if (wide) {
            auto* eh = reinterpret_cast<const Elf64_Ehdr*>(head);
            phoff = eh->e_phoff, phnum = eh->e_phnum, phentsize = eh->e_phentsize;
        } else {
            auto* eh = reinterpret_cast<const Elf32_Ehdr*>(head);
            phoff = eh->e_phoff, phnum = eh->e_phnum, phentsize = eh->e_phentsize;
        }
        for (std::uint64_t i = 0; i < phnum && i < 64; ++i) {
            Elf64_Phdr ph{};
            std::uint64_t type = 0, off = 0, size = 0;
            if (wide) {
                if (::pread(fd, &ph, sizeof ph, static_cast<off_t>(phoff + i * phentsize)) != sizeof ph) break;
                type = ph.p_type, off = ph.p_offset, size = ph.p_filesz;
            } else {
                Elf32_Phdr p32{};
                if (::pread(fd, &p32, sizeof p32, static_cast<off_t>(phoff + i * phentsize)) != sizeof p32) break;
                type = p32.p_type, off = p32.p_offset, size = p32.p_filesz;
            }
            if (type != PT_INTERP || size == 0 || size > PATH_MAX) continue;
            std::string interp(size, '\0');
            if (::pread(fd, interp.data(), size, static_cast<off_t>(off)) != static_cast<ssize_t>(size)) break;
            interp.resize(strnlen(interp.c_str(), size));
            out = ImageStart{interp, {}, false};
            break;
        }
    }
    ::close(fd);
    return out;
}

}  // namespace

// An exec's replacement: the file the kernel runs and its arguments, each a string
// lstar writes or an argument pointer of the program's own argv.
struct FsView::ExecPlan {
    std::string host;
    struct Arg {
        std::string text;
        std::uint64_t user = 0;  // when not 0: the program's own string
    };
    std::vector<Arg> argv;
};

Result<bool> FsView::plan_exec(Task& task, const std::string& shown, PathView::Resolved file, std::uint64_t argv,
                               ExecPlan* plan) {
    std::size_t width = task.abi == Abi::x86_64 ? 8 : 4;
    std::vector<ExecPlan::Arg> args;
    for (std::size_t i = 0; i < 0x10000; ++i) {
        std::uint64_t p = 0;
        if (!argv) break;
        if (copy_bytes_from_user(*task.mem, &p, argv + i * width, width) != 0) return error("argv", EFAULT);
        if (!p) break;
        args.push_back({{}, p});
    }
    bool changed = false;
    std::string name = shown;
    // The kernel follows up to 4 interpreters deep (BINPRM_MAX_RECURSION).
    for (int depth = 0; depth < 5; ++depth) {
        std::optional<ImageStart> start = image_start(file.host);
        if (!start) break;
        Result<PathView::Resolved> interp = view_.resolve("/", start->interp, true, task.tgid, task.tid);
        if (!interp) return error(start->interp, interp.error().err);
        if (start->script) {
            // As binfmt_script: the interpreter, its argument, the script's name as given, the rest.
            std::vector<ExecPlan::Arg> next{{start->interp, 0}};
            if (!start->arg.empty()) next.push_back({start->arg, 0});
            next.push_back({name, 0});
            if (!args.empty()) next.insert(next.end(), args.begin() + 1, args.end());
            args = std::move(next);
            name = start->interp;
            file = std::move(*interp);
            changed = true;
            continue;
        }
        if (interp->host == start->interp) break;  // the host's own loader is the view's
        // The view's loader run as a program, loading the file by its guest name
        // (its opens go through the view like the program's).
        std::vector<ExecPlan::Arg> next{{start->interp, 0}, {"--argv0", 0}};
        next.push_back(args.empty() ? ExecPlan::Arg{name, 0} : args.front());
        next.push_back({file.guest, 0});
        if (!args.empty()) next.insert(next.end(), args.begin() + 1, args.end());
        args = std::move(next);
        file = std::move(*interp);
        changed = true;
        break;
    }
    if (!changed) return false;
    plan->host = file.host;
    plan->argv = std::move(args);
    return true;
}

void FsView::bind(SyscallPath& path) {
    auto enter = [this](Task& t) { return this->enter(t); };
    auto exit = [this](Task& t) { return this->exit(t); };
    for (const EntryMeta& e : entry_points()) {
        bool named = false;
        for (int i = 0; i < e.nargs; ++i) named = named || e.args[i].kind == ArgKind::path;
        if (named) path.bind_translation(e.entry, enter, exit);
    }
    auto none = [](Task&) { return kPassThrough; };
    path.bind_translation(meta::sys_getcwd::name, none, [this](Task& t) { return getcwd_exit(t); });
    // AF_UNIX names: bind makes one, connect reaches one.
    path.bind_translation(meta::sys_bind::name, [this](Task& t) { return sockaddr_enter(t, true); }, exit);
    path.bind_translation(meta::sys_connect::name, [this](Task& t) { return sockaddr_enter(t, false); }, exit);
    if (view_.hides()) {
        path.bind_translation(meta::sys_getdents64::name, none, [this](Task& t) { return getdents_exit(t, true); });
        for (std::string_view old : {meta::sys_getdents::name, meta::compat_sys_getdents::name})
            path.bind_translation(old, none, [this](Task& t) { return getdents_exit(t, false); });
    }
}

Result<std::string> FsView::base_of(Task& task, long dirfd) const {
    std::string link = dirfd == AT_FDCWD ? std::string("cwd") : fmt::format("fd/{}", static_cast<int>(dirfd));
    std::optional<std::string> host = proc_link(task.tid, link);
    if (!host) return error(fmt::format("/proc/{}/{}", task.tid, link), dirfd == AT_FDCWD ? ENOENT : EBADF);
    if (!host->starts_with("/")) return error(*host, ENOTDIR);  // a pipe, a socket: not a directory
    // A directory out of the view (one the program was given) is the view's root to it.
    return view_.guest_of(*host).value_or("/");
}

HandlerResult FsView::enter(Task& task) {
    if (!task.sc) return kPassThrough;
    const EntryMeta& e = task.sc->effective();
    Pending p;
    p.call = task.calls;
    for (int i = 0; i < kMaxArgs; ++i) p.args[i] = task.arg(i);
    // What the call's flags say: a follow override (AT_SYMLINK_[NO]FOLLOW), an empty
    // name meaning the descriptor itself (AT_EMPTY_PATH), the open family's use.
    std::optional<bool> follow_flag;
    bool empty_path_ok = false;
    std::optional<OpenUse> open;
    if (e.entry == meta::sys_creat::name) open = OpenUse{true, true};
    for (int i = 0; i < e.nargs; ++i) {
        const ArgMeta& a = e.args[i];
        std::uint64_t v = task.arg(i);
        if (a.kind == ArgKind::flags && (a.param == "at_flags" || a.param == "faccessat_flags")) {
            if (v & AT_SYMLINK_NOFOLLOW) follow_flag = false;
            if (v & AT_SYMLINK_FOLLOW) follow_flag = true;
            empty_path_ok = empty_path_ok || (v & AT_EMPTY_PATH);
        } else if (a.kind == ArgKind::flags && a.param == "open_flags") {
            open = open_use(v);
        } else if (a.kind == ArgKind::struct_in && a.param == "open_how") {
            open_how how{};
            if (copy_bytes_from_user(*task.mem, &how, v, sizeof how.flags) != 0) return emulated(-EFAULT);
            open = open_use(how.flags);
        }
    }
    std::string hosts[kMaxArgs];
    std::size_t total = 0;
    std::optional<PathView::Resolved> exec_file;
    std::string exec_shown;
    int exec_arg = 0;
    for (int i = 0; i < e.nargs; ++i) {
        const ArgMeta& a = e.args[i];
        if (a.kind != ArgKind::path) continue;
        PathUse use = path_use(a.param);
        if (use == PathUse::target) continue;  // text a symlink keeps, looked up only when followed
        long dirfd = i > 0 && e.args[i - 1].kind == ArgKind::dirfd ? static_cast<int>(task.arg(i - 1)) : AT_FDCWD;
        bool writes = use == PathUse::write || use == PathUse::write_nofollow || (open && open->write);
        // No name at all: utimensat(fd, NULL) (futimens) works on the descriptor;
        // any other call fails with EFAULT in the kernel.
        bool null_name = task.arg(i) == 0;
        std::string name;
        if (!null_name) {
            long n = strncpy_from_user(*task.mem, name, UserPtr<const char>(task.arg(i)), PATH_MAX);
            if (n < 0) return emulated(-EFAULT);
            if (n >= PATH_MAX) return emulated(-ENAMETOOLONG);
        }
        if (name.empty()) {
            if (!empty_path_ok && !null_name) return emulated(-ENOENT);
            // The descriptor itself: a change to it is checked against --read-only.
            if (writes && dirfd != AT_FDCWD) {
                Result<std::string> base = base_of(task, dirfd);
                if (base && view_.read_only(*base)) return emulated(-EROFS);
            }
            continue;
        }
        bool follow = use == PathUse::follow || use == PathUse::write;
        if (use != PathUse::write_nofollow && follow_flag) follow = *follow_flag;
        if (open) follow = follow && open->follow;
        std::string base = "/";
        if (name[0] != '/') {
            Result<std::string> b = base_of(task, dirfd);
            if (!b) return emulated(-b.error().err);
            base = std::move(*b);
        }
        Result<PathView::Resolved> r = view_.resolve(base, name, follow, task.tgid, task.tid);
        if (!r) return emulated(-r.error().err);
        if (writes && view_.read_only(r->guest)) return emulated(-EROFS);
        if (e.entry == meta::sys_readlink::name || e.entry == meta::sys_readlinkat::name) {
            p.magic_link = r->host.starts_with("/proc/");
            p.root_link = p.magic_link && r->host.ends_with("/root");
        }
        if (i == program_arg(e)) {
            exec_file = *r;
            exec_shown = name;
            exec_arg = i;
        }
        if (r->host == name) continue;  // the host's name already: nothing to rewrite
        hosts[i] = std::move(r->host);
        total += hosts[i].size() + 1;
        p.changed |= static_cast<std::uint8_t>(1u << i);
    }
    // An exec: a script's interpreter and an image's loader come from the view too.
    ExecPlan plan;
    bool planned = false;
    int argv_arg = -1;
    if (program_arg(e) >= 0 && exec_file) {
        for (int i = 0; i < e.nargs; ++i)
            if (e.args[i].kind == ArgKind::strarray) {
                argv_arg = i;
                break;
            }
        Result<bool> made = plan_exec(task, exec_shown, *exec_file, argv_arg >= 0 ? task.arg(argv_arg) : 0, &plan);
        if (!made) return emulated(-made.error().err);
        planned = *made;
        if (planned) {
            if (!(p.changed & (1u << exec_arg))) total += plan.host.size() + 1;
            else total += plan.host.size() - hosts[exec_arg].size();
            hosts[exec_arg] = plan.host;
            p.changed |= static_cast<std::uint8_t>(1u << exec_arg | 1u << argv_arg);
            for (const ExecPlan::Arg& a : plan.argv) total += a.user ? 0 : a.text.size() + 1;
            total += (plan.argv.size() + 1) * 8 + 8;
        }
    }
    if (p.changed) {
        std::uint64_t at = task.mem->scratch(task, total);
        if (!at) return emulated(-ENAMETOOLONG);
        for (int i = 0; i < e.nargs; ++i) {
            if (!(p.changed & (1u << i)) || i == argv_arg) continue;
            if (copy_bytes_to_user(*task.mem, at, hosts[i].c_str(), hosts[i].size() + 1) != 0) return emulated(-EFAULT);
            task.set_arg(i, at);
            at += hosts[i].size() + 1;
        }
        if (planned) {
            std::size_t width = task.abi == Abi::x86_64 ? 8 : 4;
            std::vector<std::uint64_t> pointers;
            for (const ExecPlan::Arg& a : plan.argv) {
                if (a.user) {
                    pointers.push_back(a.user);
                    continue;
                }
                if (copy_bytes_to_user(*task.mem, at, a.text.c_str(), a.text.size() + 1) != 0) return emulated(-EFAULT);
                pointers.push_back(at);
                at += a.text.size() + 1;
            }
            pointers.push_back(0);
            at = (at + 7) & ~std::uint64_t(7);
            task.set_arg(argv_arg, at);
            for (std::uint64_t ptr : pointers) {
                if (copy_bytes_to_user(*task.mem, at, &ptr, width) != 0) return emulated(-EFAULT);
                at += width;
            }
        }
    }
    if (p.changed || p.magic_link) pending_[task.tid] = p;
    else pending_.erase(task.tid);
    return kPassThrough;
}

HandlerResult FsView::exit(Task& task) {
    auto it = pending_.find(task.tid);
    if (it == pending_.end()) return kPassThrough;
    Pending p = it->second;
    pending_.erase(it);
    if (p.call != task.calls) return kPassThrough;  // left by a call that never came back (a kill)
    // A successful exec's registers belong to the new image.
    bool execed = task.sc && program_arg(task.sc->effective()) >= 0 && task.retval == 0;
    if (!execed)
        for (int i = 0; i < kMaxArgs; ++i)
            if (p.changed & (1u << i)) task.set_arg(i, p.args[i]);
    if (!p.magic_link || task.retval <= 0) return kPassThrough;
    // readlink of /proc's cwd, exe, root, fd/N: the host's name of the object, in guest terms.
    const EntryMeta& e = task.sc->effective();
    int buf_arg = e.entry == meta::sys_readlinkat::name ? 2 : 1;
    std::uint64_t buf = task.arg(buf_arg), size = task.arg(buf_arg + 1);
    std::string text(static_cast<std::size_t>(task.retval), '\0');
    if (copy_bytes_from_user(*task.mem, text.data(), buf, text.size()) != 0) return kPassThrough;
    std::optional<std::string> guest = p.root_link ? std::optional<std::string>("/")
                                       : text.starts_with("/") ? view_.guest_of(text) : std::nullopt;
    if (!guest) return kPassThrough;
    std::size_t n = std::min<std::size_t>(guest->size(), size);
    if (copy_bytes_to_user(*task.mem, buf, guest->data(), n) != 0) return kPassThrough;
    return emulated(static_cast<std::int64_t>(n));
}

HandlerResult FsView::getcwd_exit(Task& task) {
    if (task.retval <= 0) return kPassThrough;
    std::uint64_t buf = task.arg(0), size = task.arg(1);
    std::string host;
    if (strncpy_from_user(*task.mem, host, UserPtr<const char>(buf), PATH_MAX) <= 0) return kPassThrough;
    // A directory out of the view is shown as the kernel shows one out of a chroot.
    std::string guest = view_.guest_of(host).value_or("(unreachable)" + host);
    if (guest.size() + 1 > size) return emulated(-ERANGE);
    if (copy_bytes_to_user(*task.mem, buf, guest.c_str(), guest.size() + 1) != 0) return emulated(-EFAULT);
    return emulated(static_cast<std::int64_t>(guest.size() + 1));
}

// A listing of a directory that holds hidden names: those records are taken out
// and the rest moved up (linux_dirent64, or the older linux_dirent).
HandlerResult FsView::getdents_exit(Task& task, bool wide) {
    if (task.retval <= 0) return kPassThrough;
    Result<std::string> dir = base_of(task, static_cast<int>(task.arg(0)));
    if (!dir) return kPassThrough;
    std::vector<std::string> names = view_.hidden_entries(*dir);
    if (names.empty()) return kPassThrough;
    std::vector<char> data(static_cast<std::size_t>(task.retval));
    if (copy_bytes_from_user(*task.mem, data.data(), task.arg(1), data.size()) != 0) return kPassThrough;
    // d_reclen sits after d_ino and d_off: two 8-byte words, or 4-byte ones in i386's
    // old layout; the name follows it (after d_type in the wide one).
    std::size_t word = !wide && task.abi == Abi::i386 ? 4 : 8;
    std::size_t reclen_at = 2 * word, name_at = reclen_at + 2 + (wide ? 1 : 0);
    std::vector<char> kept;
    for (std::size_t at = 0; at + name_at < data.size();) {
        std::uint16_t reclen;
        std::memcpy(&reclen, &data[at + reclen_at], 2);
        if (reclen == 0 || at + reclen > data.size()) return kPassThrough;
        std::string_view name(&data[at + name_at], strnlen(&data[at + name_at], reclen - name_at));
        if (std::find(names.begin(), names.end(), name) == names.end())
            kept.insert(kept.end(), data.begin() + static_cast<long>(at), data.begin() + static_cast<long>(at + reclen));
        at += reclen;
    }
    if (kept.size() == data.size()) return kPassThrough;
    if (copy_bytes_to_user(*task.mem, task.arg(1), kept.data(), kept.size()) != 0) return kPassThrough;
    return emulated(static_cast<std::int64_t>(kept.size()));
}

// bind and connect of an AF_UNIX name: the name resolved in the view, the
// address rewritten (a host name longer than sun_path cannot be reached: ENAMETOOLONG).
HandlerResult FsView::sockaddr_enter(Task& task, bool creates) {
    std::uint64_t addr = task.arg(1), len = task.arg(2);
    sockaddr_un sun{};
    if (len <= offsetof(sockaddr_un, sun_path) || len > sizeof sun) return kPassThrough;
    if (copy_bytes_from_user(*task.mem, &sun, addr, len) != 0) return kPassThrough;  // the kernel says EFAULT
    if (sun.sun_family != AF_UNIX || sun.sun_path[0] == '\0') return kPassThrough;  // abstract names have no place
    std::size_t max = len - offsetof(sockaddr_un, sun_path);
    std::string name(sun.sun_path, strnlen(sun.sun_path, max));
    std::string base = "/";
    if (name[0] != '/') {
        Result<std::string> b = base_of(task, AT_FDCWD);
        if (!b) return emulated(-b.error().err);
        base = std::move(*b);
    }
    Result<PathView::Resolved> r = view_.resolve(base, name, !creates, task.tgid, task.tid);
    if (!r) return emulated(-r.error().err);
    if (creates && view_.read_only(r->guest)) return emulated(-EROFS);
    if (r->host == name) return kPassThrough;
    if (r->host.size() >= sizeof sun.sun_path) return emulated(-ENAMETOOLONG);
    sockaddr_un host{};
    host.sun_family = AF_UNIX;
    std::memcpy(host.sun_path, r->host.c_str(), r->host.size() + 1);
    std::size_t host_len = offsetof(sockaddr_un, sun_path) + r->host.size() + 1;
    std::uint64_t at = task.mem->scratch(task, host_len);
    if (!at || copy_bytes_to_user(*task.mem, at, &host, host_len) != 0) return emulated(-ENAMETOOLONG);
    Pending p;
    p.call = task.calls;
    for (int i = 0; i < kMaxArgs; ++i) p.args[i] = task.arg(i);
    p.changed = 0b110;
    pending_[task.tid] = p;
    task.set_arg(1, at);
    task.set_arg(2, host_len);
    return kPassThrough;
}

}  // namespace lstar
