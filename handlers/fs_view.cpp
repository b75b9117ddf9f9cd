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
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <climits>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "handlers/handlers.hpp"
#include "kernel/syscall_define.hpp"
#include "kernel/task.hpp"
#include "table/entry_meta.hpp"

namespace lstar {

namespace {

// How the open family's flags use the name: whether the open writes, and whether
// a last link is followed (O_NOFOLLOW, or O_CREAT|O_EXCL which never follows).
struct OpenUse {
    bool write = false, follow = true, creates = false;
};
OpenUse open_use(std::uint64_t flags) {
    OpenUse u;
    u.creates = flags & O_CREAT;
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
    PathView::Resolved file;
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
    plan->file = std::move(file);
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
    // Calls that change the object behind a descriptor ([fd:change]): EROFS under --read-only.
    for (const EntryMeta& e : entry_points())
        for (int i = 0; i < e.nargs && view_.any_read_only(); ++i)
            if (e.args[i].kind == ArgKind::fd && fd_use(e.args[i].param) == FdUse::change)
                path.bind_translation(e.entry, [this, i](Task& t) { return fd_change_enter(t, i); }, none);
    // A task's creds change in the table's %creds calls (and an exec of a set-id
    // program: exit()): whether it reaches lstar's descriptors is asked again after them.
    auto creds_changed = [this](Task& t) {
        reaches_.erase(t.tid);
        return kPassThrough;
    };
    for (const EntryMeta& e : entry_points()) {
        bool named = false;
        for (int i = 0; i < e.nargs; ++i) named = named || e.args[i].kind == ArgKind::path;
        if ((e.classes & kClassCreds) && !named) path.bind_translation(e.entry, none, creds_changed);
    }
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

bool FsView::on_read_only(const Task& task, long fd) const {
    if (!view_.any_read_only()) return false;
    std::string link = fmt::format("/proc/{}/fd/{}", task.tid, static_cast<int>(fd));
    std::optional<std::string> host = proc_link(task.tid, fmt::format("fd/{}", static_cast<int>(fd)));
    if (!host || !host->starts_with("/")) return false;  // a pipe, a socket, an anonymous inode
    std::optional<std::string> guest = view_.guest_of(*host);
    if (!guest || !view_.read_only(*guest)) return false;  // a file out of the view is on another mount
    // The name must still be that file: not a removed one (" (deleted)"), a memfd.
    struct stat by_fd, by_name;
    if (::stat(link.c_str(), &by_fd) != 0 || ::lstat(host->c_str(), &by_name) != 0) return false;
    if (by_fd.st_dev != by_name.st_dev || by_fd.st_ino != by_name.st_ino) return false;
    // An O_PATH descriptor: the kernel's EBADF comes first.
    std::ifstream info(fmt::format("/proc/{}/fdinfo/{}", task.tid, static_cast<int>(fd)));
    for (std::string line; std::getline(info, line);)
        if (line.starts_with("flags:")) return !(std::strtoul(line.c_str() + 6, nullptr, 8) & O_PATH);
    return true;
}

// fchmod, fchown, fsetxattr, fremovexattr: the kernel checks the descriptor's
// mount for a write (mnt_want_write_file) before the change, after the descriptor
// itself; on a read-only one it says EROFS.
HandlerResult FsView::fd_change_enter(Task& task, int fd_arg) {
    return on_read_only(task, static_cast<int>(task.arg(fd_arg))) ? emulated(-EROFS) : kPassThrough;
}

namespace {

// The name of a descriptor lstar holds, for the kernel to go through: with
// ptrace lstar's own /proc/<pid>/fd/<n>; in-process the program's process is
// lstar's, and the same name serves.
std::string held_name(int fd) { return fmt::format("/proc/{}/fd/{}", ::getpid(), fd); }

// A name in a directory that is never there: no process has a descriptor that
// high (the kernel's limit on descriptors is far below it). Handed for a name
// lstar found missing, so that the kernel says ENOENT after its own checks of
// the other arguments, as it would, whether the call looks the name up or makes
// it, and nothing put there since can be reached.
std::string nowhere() { return held_name(INT_MAX) + "/-"; }

// The creds lines of /proc/<id>/status: Uid and Gid (real, effective, saved,
// file system), CapPrm and CapEff.
struct Creds {
    unsigned long uid[4] = {}, gid[4] = {};
    std::uint64_t cap_prm = 0, cap_eff = 0;
};
std::optional<Creds> read_creds(pid_t id) {
    std::optional<ProcStatus> status = ProcStatus::read(id);
    if (!status) return std::nullopt;
    Creds c;
    auto scan = [&](std::string_view name, const char* format, auto*... into) {
        return std::sscanf(std::string(status->field(name)).c_str(), format, into...) == static_cast<int>(sizeof...(into));
    };
    bool found = scan("Uid", "%lu %lu %lu %lu", &c.uid[0], &c.uid[1], &c.uid[2], &c.uid[3]) &&
                 scan("Gid", "%lu %lu %lu %lu", &c.gid[0], &c.gid[1], &c.gid[2], &c.gid[3]) &&
                 scan("CapPrm", "%" SCNx64, &c.cap_prm) && scan("CapEff", "%" SCNx64, &c.cap_eff);
    return found ? std::optional<Creds>(c) : std::nullopt;
}

}  // namespace

bool FsView::reaches_held(const Task& task) const {
    if (task.tgid == ::getpid()) return true;  // in-process: its own descriptors
    if (!hand_held_) return false;
    // The kernel lets a task through another's /proc/<pid>/fd when it may read it
    // as a tracer would (ptrace_may_access, PTRACE_MODE_READ_FSCREDS): its file
    // system ids are all of lstar's ids, lstar is dumpable, and lstar's permitted
    // capabilities are among its own; or it has CAP_SYS_PTRACE.
    static const std::optional<Creds> self = read_creds(::getpid());
    static const bool dumpable = ::prctl(PR_GET_DUMPABLE) == 1;
    if (!self) return false;
    auto uniform = [](const unsigned long* ids) { return ids[0] == ids[1] && ids[1] == ids[2]; };
    // An unprivileged lstar's program has its ids and can gain none under ptrace.
    if (self->cap_prm == 0 && uniform(self->uid) && uniform(self->gid) && dumpable) return true;
    // Known since the task's creds last may have changed (creds_changed).
    if (auto known = reaches_.find(task.tid); known != reaches_.end()) return known->second;
    std::optional<Creds> t = read_creds(task.tid);
    if (!t) return false;
    constexpr std::uint64_t kSysPtrace = 1ull << CAP_SYS_PTRACE;
    bool may = (t->cap_eff & kSysPtrace) || (uniform(self->uid) && uniform(self->gid) && t->uid[3] == self->uid[0] &&
                                             t->gid[3] == self->gid[0] && dumpable && (self->cap_prm & ~t->cap_prm) == 0);
    reaches_[task.tid] = may;
    return may;
}

Result<FsView::Handoff> FsView::handoff(const Task& task, const PathView::Resolved& r, bool follow, bool creates,
                                        bool can_nofollow, bool exec) const {
    PathView::Held& h = *r.held;
    // In-process the descriptors are in the program's table while its call runs:
    // out of the way of the numbers it expects the call to take.
    if (task.tgid == ::getpid())
        for (HeldFd* fd : {&h.parent, &h.object})
            if (*fd && fd->get() < kHeldFdFloor)
                if (int high = ::fcntl(fd->get(), F_DUPFD_CLOEXEC, kHeldFdFloor); high >= 0) fd->reset(high);
    std::string slash = r.host.size() > 1 && r.host.ends_with('/') ? "/" : "";  // a directory asked for
    if (h.failed) {
        // The kernel meets the same non-directory in the directory lstar holds.
        if (h.failed == ENOTDIR && h.parent) return Handoff{held_name(h.parent.get()) + "/" + h.last};
        if (h.failed != ENOENT) return error(r.guest, h.failed);
        // A name to make in its directory, or to act on there.
        if (!h.middle && h.parent && (creates || !follow))
            return Handoff{held_name(h.parent.get()) + "/" + h.last + slash, creates && follow && can_nofollow};
        return Handoff{nowhere()};
    }
    // A call on the name itself (unlink, lstat, rename, readlink), and exec (the
    // kernel names the process after the name it runs): in its directory.
    if (exec || !follow) {
        if (h.parent) return Handoff{held_name(h.parent.get()) + "/" + h.last + slash};
        return Handoff{r.host};  // the view's root or a bind's place: lstar's own canonical name
    }
    // A call on what the name leads to: the object lstar holds, through its magic link.
    if (h.object) return Handoff{held_name(h.object.get()) + slash};
    return Handoff{r.host};
}

HandlerResult FsView::enter(Task& task) {
    if (!task.sc) return kPassThrough;
    const EntryMeta& e = task.sc->effective();
    Pending p;
    p.call = task.calls;
    for (int i = 0; i < kMaxArgs; ++i) p.args[i] = task.arg(i);
    if (auto again = tries_.find(task.tid); again != tries_.end()) {
        p.tries = again->second;
        tries_.erase(again);
    }
    // What the call's flags say: a follow override (AT_SYMLINK_[NO]FOLLOW), an empty
    // name meaning the descriptor itself (AT_EMPTY_PATH), the open family's use.
    std::optional<bool> follow_flag;
    bool empty_path_ok = false;
    std::optional<OpenUse> open;
    if (e.entry == meta::sys_creat::name) open = OpenUse{true, true, true};
    int flags_arg = -1, how_arg = -1;  // where the open family's flags are: a register, or openat2's open_how
    open_how how{};
    bool resolve_flags = false;
    for (int i = 0; i < e.nargs; ++i) {
        const ArgMeta& a = e.args[i];
        std::uint64_t v = task.arg(i);
        if (a.kind == ArgKind::flags && (a.param == "at_flags" || a.param == "faccessat_flags")) {
            if (v & AT_SYMLINK_NOFOLLOW) follow_flag = false;
            if (v & AT_SYMLINK_FOLLOW) follow_flag = true;
            empty_path_ok = empty_path_ok || (v & AT_EMPTY_PATH);
        } else if (a.kind == ArgKind::flags && a.param == "open_flags") {
            open = open_use(v);
            flags_arg = i;
        } else if (a.kind == ArgKind::struct_in && a.param == "open_how") {
            // The kernel refuses a size below open_how's first version (flags, mode, resolve).
            std::size_t size = i + 1 < e.nargs ? task.arg(i + 1) : 0;
            std::size_t have = size >= sizeof how ? sizeof how : sizeof how.flags;
            if (copy_bytes_from_user(*task.mem, &how, v, have) != 0) return emulated(-EFAULT);
            open = open_use(how.flags);
            how_arg = i;
            resolve_flags = how.resolve != 0 || size != sizeof how;
        }
    }
    std::string hosts[kMaxArgs];
    std::size_t total = 0;
    std::optional<PathView::Resolved> exec_file;
    std::string exec_shown;
    int exec_arg = 0;
    bool route = reaches_held(task);
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
            // The descriptor itself (AT_EMPTY_PATH, or a NULL name where the table says
            // it means the descriptor): a change to it is checked against --read-only.
            // Any other NULL name is the kernel's EFAULT.
            bool on_fd = empty_path_ok || (e.flags & kNullPathIsFd);
            if (on_fd && writes && dirfd != AT_FDCWD && on_read_only(task, dirfd)) return emulated(-EROFS);
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
        // openat2's own resolve flags (RESOLVE_BENEATH, _NO_MAGICLINKS...) forbid the
        // way through lstar's descriptors: the host's name, looked up again.
        std::optional<Handoff> h;
        if (route && !resolve_flags) {
            bool creates = open && open->creates;
            bool can_nofollow = flags_arg >= 0 || how_arg >= 0;  // creat has no flags to add it to
            Result<Handoff> made = handoff(task, *r, follow, creates, can_nofollow, i == program_arg(e));
            if (!made) return emulated(-made.error().err);
            h = std::move(*made);
        }
        std::string given = h ? h->name : r->host;
        if (h) {
            p.held.push_back(r->held);
            p.nofollow_added |= h->nofollow_added;
        }
        if (given == name) continue;  // the host's name already: nothing to rewrite
        hosts[i] = std::move(given);
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
            std::string file = plan.file.host;
            if (route) {
                Result<Handoff> made = handoff(task, plan.file, true, false, false, true);
                if (!made) return emulated(-made.error().err);
                file = made->name;
                p.held.push_back(plan.file.held);
            }
            if (!(p.changed & (1u << exec_arg))) total += file.size() + 1;
            else total += file.size() - hosts[exec_arg].size();
            hosts[exec_arg] = std::move(file);
            p.changed |= static_cast<std::uint8_t>(1u << exec_arg | 1u << argv_arg);
            for (const ExecPlan::Arg& a : plan.argv) total += a.user ? 0 : a.text.size() + 1;
            total += (plan.argv.size() + 1) * 8 + 8;
        }
    }
    // A creating open of a name lstar found missing must not follow a link put
    // there since: O_NOFOLLOW makes that ELOOP instead of a way out.
    std::uint8_t not_names = 0;  // changed arguments that are not a name lstar writes
    if (p.nofollow_added) {
        if (flags_arg >= 0) {
            task.set_arg(flags_arg, task.arg(flags_arg) | O_NOFOLLOW);
            not_names |= static_cast<std::uint8_t>(1u << flags_arg);
        } else if (how_arg >= 0) {
            how.flags |= O_NOFOLLOW;
            total += sizeof how + 8;
            not_names |= static_cast<std::uint8_t>(1u << how_arg);
        }
        p.changed |= not_names;
    }
    if (p.changed) {
        std::uint64_t at = task.mem->scratch(task, total);
        if (!at) return emulated(-ENAMETOOLONG);
        if (how_arg >= 0 && (not_names & (1u << how_arg))) {
            at = (at + 7) & ~std::uint64_t(7);
            if (copy_bytes_to_user(*task.mem, at, &how, sizeof how) != 0) return emulated(-EFAULT);
            task.set_arg(how_arg, at);
            at += sizeof how;
        }
        for (int i = 0; i < e.nargs; ++i) {
            if (!(p.changed & (1u << i)) || i == argv_arg || (not_names & (1u << i))) continue;
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
    if (task.sc && program_arg(task.sc->effective()) >= 0) reaches_.erase(task.tid);
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
    // A creating open of a name lstar found missing, refused because a link was put
    // there meanwhile (the O_NOFOLLOW lstar added): natively the link would be
    // followed, so the name is resolved again in the view and the open made again.
    if (p.nofollow_added && task.retval == -ELOOP && p.tries + 1 < kCreateTries) {
        tries_[task.tid] = p.tries + 1;
        return kCallAgain;
    }
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
    std::string given = r->host;
    Pending p;
    if (reaches_held(task)) {
        Result<Handoff> h = handoff(task, *r, !creates, creates, false, false);
        if (!h) return emulated(-h.error().err);
        // A way through lstar's descriptor longer than sun_path: the host's name, if that fits.
        if (h->name.size() < sizeof sun.sun_path || r->host.size() >= sizeof sun.sun_path) {
            given = h->name;
            p.held.push_back(r->held);
        }
    }
    if (given == name) return kPassThrough;
    if (given.size() >= sizeof sun.sun_path) return emulated(-ENAMETOOLONG);
    sockaddr_un host{};
    host.sun_family = AF_UNIX;
    std::memcpy(host.sun_path, given.c_str(), given.size() + 1);
    std::size_t host_len = offsetof(sockaddr_un, sun_path) + given.size() + 1;
    std::uint64_t at = task.mem->scratch(task, host_len);
    if (!at || copy_bytes_to_user(*task.mem, at, &host, host_len) != 0) return emulated(-ENAMETOOLONG);
    p.call = task.calls;
    for (int i = 0; i < kMaxArgs; ++i) p.args[i] = task.arg(i);
    p.changed = 0b110;
    pending_[task.tid] = p;
    task.set_arg(1, at);
    task.set_arg(2, host_len);
    return kPassThrough;
}

}  // namespace lstar
