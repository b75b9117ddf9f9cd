// The file-system view (handlers/fs_view.cpp, handlers/path_view.cpp): --root,
// --bind, --read-only, --hide, --cwd on both backends. The escape tests are made
// from the table: every x86_64 call with a name argument is made by an attack
// program (progs/fs_escape.c) with names that point out of the view through
// `..`, absolute and relative links, /proc/self/root and a bind's links; each
// must do what it does on a name that does not exist, and the host tree outside
// must be left as it was. A busybox root file system runs scripts as chroot(8) does.
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "harness.hpp"
#include "table/syscall_table.hpp"

using namespace itg;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kBackends = {"--backend=ptrace", "--backend=inproc"};

std::vector<std::string> with(std::vector<std::string> args, const std::string& backend) {
    args.insert(args.begin(), backend);
    return args;
}

void write_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// Everything about a tree that a call could change: names, types, modes, sizes,
// link targets, contents.
std::string fingerprint(const std::string& root) {
    std::ostringstream out;
    for (const fs::directory_entry& e : fs::recursive_directory_iterator(root)) {
        struct stat st;
        if (::lstat(e.path().c_str(), &st) != 0) continue;
        out << e.path().string() << " " << std::oct << st.st_mode << std::dec << " " << st.st_size << " "
            << st.st_mtim.tv_sec << "." << st.st_mtim.tv_nsec << " " << st.st_uid << ":" << st.st_gid;
        if (S_ISLNK(st.st_mode)) out << " -> " << fs::read_symlink(e.path()).string();
        if (S_ISREG(st.st_mode)) out << " [" << read_file(e.path()) << "]";
        out << "\n";
    }
    return out.str();
}

// The calls of the attack: each x86_64 row with a name argument, as
// "NR:NARGS:PATHS:DIRFDS:POINTERS" (tests/integration/progs/fs_escape.c).
struct AttackCall {
    std::string spec, name;
    bool writes = false;  // a name argument changes what it names (the table's [path:write...]), or creat
};
std::vector<AttackCall> attack_calls() {
    std::vector<AttackCall> out;
    for (const lstar::SyscallDesc& row : lstar::syscall_table(lstar::Abi::x86_64)) {
        if (row.is_ni() || row.name.empty()) continue;
        const lstar::EntryMeta& e = row.effective();
        unsigned paths = 0, dirfds = 0, pointers = 0;
        bool writes = e.entry == "sys_creat";
        for (int i = 0; i < e.nargs; ++i) {
            lstar::ArgKind k = e.args[i].kind;
            if (k == lstar::ArgKind::path) {
                paths |= 1u << i;
                lstar::PathUse use = lstar::path_use(e.args[i].param);
                writes = writes || use == lstar::PathUse::write || use == lstar::PathUse::write_nofollow;
            } else if (k == lstar::ArgKind::dirfd) {
                dirfds |= 1u << i;
            } else if (k != lstar::ArgKind::fd && (e.args[i].type.find('*') != std::string_view::npos)) {
                pointers |= 1u << i;
            }
        }
        if (!paths) continue;
        out.push_back({fmt::format("{}:{}:{:x}:{:x}:{:x}", row.nr, e.nargs, paths, dirfds, pointers), std::string(row.name), writes});
    }
    return out;
}

// nr → result, from the attack's output.
std::map<std::string, long> attack_results(const std::string& out) {
    std::map<std::string, long> r;
    std::istringstream in(out);
    std::string nr;
    long value;
    while (in >> nr >> value) r[nr] = value;
    return r;
}

// The attack as the view holds it (a copy in the root), or the host's own for a native run.
std::vector<std::string> attack_argv(const std::string& path, const std::vector<AttackCall>& calls,
                                     const std::string& program = "/fs_escape") {
    std::vector<std::string> argv{program, path};
    for (const AttackCall& c : calls) argv.push_back(c.spec);
    return argv;
}

std::string nr_of(const AttackCall& c) { return c.spec.substr(0, c.spec.find(':')); }

// A view to attack: a root, a directory beside it that must stay out of reach,
// links inside that point at it.
struct Arena {
    std::string dir = scratch_dir();
    std::string root = dir + "/root", out = dir + "/out", bound = dir + "/bound";
    Arena() {
        fs::create_directories(root + "/mnt");
        fs::create_directories(root + "/ro");
        fs::create_directories(root + "/hidden");
        fs::create_directories(out + "/sub");
        fs::create_directories(bound);
        write_file(out + "/secret", "host secret\n");
        write_file(out + "/sub/file", "host file\n");
        write_file(root + "/ro/file", "read-only\n");
        write_file(root + "/hidden/file", "hidden\n");
        ::chmod((out + "/secret").c_str(), 0644);
        fs::create_symlink(out, root + "/abs-link");
        fs::create_symlink("../../../../../../../../../../.." + out, root + "/rel-link");
        fs::create_symlink("/ro", root + "/ro-dir-link");
        fs::create_symlink("/hidden/file", root + "/hid-link");
        fs::create_symlink("../../../../../../../../../../.." + out, bound + "/up");
        fs::create_symlink(out, bound + "/abs");
        fs::copy_file(prog("fs_escape"), root + "/fs_escape");
    }
    // The tree progs/fs_race.c swaps names in: /race/a (holding a secret of its own)
    // beside /race/evil, a link out; /race/b/f beside /race/b/evil, a link to the secret outside.
    void lay_race() const {
        fs::create_directories(root + "/race/a");
        fs::create_directories(root + "/race/b");
        write_file(root + "/race/a/secret", "inside\n");
        write_file(root + "/race/b/f", "inside\n");
        fs::create_symlink(out, root + "/race/evil");
        fs::create_symlink(out + "/secret", root + "/race/b/evil");
        fs::copy_file(prog("fs_race"), root + "/fs_race");
    }
};

}  // namespace

// Names aimed out of the root, on every call of the table: each call does what
// it does on a missing name, and the tree outside is untouched.
TEST(FsViewEscape, EveryNamedCallStaysInTheRoot) {
    Arena a;
    std::vector<AttackCall> calls = attack_calls();
    ASSERT_GT(calls.size(), 60u);  // 72 on x86_64 in Linux 6.19's table
    std::string before = fingerprint(a.out) + fingerprint(a.root);
    // What each call does on a name that is not there (natively, in a directory of its own).
    Result baseline = run(attack_argv(a.dir + "/no-such-dir/secret", calls, prog("fs_escape")), {.cwd = a.dir});
    ASSERT_TRUE(baseline.exited(0)) << baseline.describe();
    std::map<std::string, long> missing = attack_results(baseline.out);
    ASSERT_EQ(missing.size(), calls.size()) << baseline.out;
    struct Attack {
        std::vector<std::string> options;
        std::string path;
    };
    std::vector<Attack> attacks = {
        {{"--root", a.root}, "/../../../../../../../../../.." + a.out + "/secret"},
        {{"--root", a.root}, "/abs-link/secret"},
        {{"--root", a.root, "--cwd", "/"}, "rel-link/secret"},
        {{"--root", a.root, "--cwd", "/mnt"}, "../../../../../../../../.." + a.out + "/secret"},
        {{"--root", a.root, "--bind", "/proc"}, "/proc/self/root" + a.out + "/secret"},
        {{"--root", a.root, "--bind", "/proc"}, "/proc/self/cwd/../../../../../../../.." + a.out + "/secret"},
        {{"--root", a.root, "--bind", a.bound + ":/mnt"}, "/mnt/up/secret"},
        {{"--root", a.root, "--bind", a.bound + ":/mnt"}, "/mnt/abs/secret"},
        {{"--root", a.root, "--bind", a.bound + ":/mnt"}, "/mnt/../../../../../.." + a.out + "/secret"},
    };
    for (const std::string& b : kBackends) {
        for (const Attack& attack : attacks) {
            Result r = lstar_run(with(attack.options, b), attack_argv(attack.path, calls));
            ASSERT_TRUE(r.exited(0)) << b << " " << attack.path << r.describe();
            std::map<std::string, long> got = attack_results(r.out);
            for (const AttackCall& c : calls)
                EXPECT_EQ(got[nr_of(c)], missing[nr_of(c)]) << b << " " << c.name << "(" << attack.path << ") escaped?";
            ASSERT_EQ(fingerprint(a.out) + fingerprint(a.root), before) << b << " " << attack.path;
        }
    }
}

// Every call that changes what it names fails with EROFS under --read-only,
// whichever way the name reaches the tree; nothing in it changes.
TEST(FsViewEscape, ReadOnlyHoldsForEveryChangingCall) {
    Arena a;
    std::vector<AttackCall> calls = attack_calls();
    std::string before = fingerprint(a.root + "/ro");
    for (const std::string& b : kBackends) {
        for (const char* path : {"/ro/file", "/mnt/../ro/./file", "/ro-dir-link/file"}) {
            Result r = lstar_run(with({"--root", a.root, "--read-only", "/ro"}, b), attack_argv(path, calls));
            ASSERT_TRUE(r.exited(0)) << b << " " << path << r.describe();
            std::map<std::string, long> got = attack_results(r.out);
            for (const AttackCall& c : calls) {
                if (c.writes) {
                    EXPECT_EQ(got[nr_of(c)], -EROFS) << b << " " << c.name << "(" << path << ")";
                }
            }
            ASSERT_EQ(fingerprint(a.root + "/ro"), before) << b << " " << path;
        }
    }
}

// A hidden name is not there for any call, reached directly or through a link.
TEST(FsViewEscape, HiddenIsMissingForEveryCall) {
    Arena a;
    std::vector<AttackCall> calls = attack_calls();
    std::string before = fingerprint(a.root + "/hidden");
    for (const std::string& b : kBackends) {
        for (const char* path : {"/hidden/file", "/mnt/../hidden/file"}) {
            Result r = lstar_run(with({"--root", a.root, "--hide", "/hidden"}, b), attack_argv(path, calls));
            ASSERT_TRUE(r.exited(0)) << b << " " << path << r.describe();
            std::map<std::string, long> got = attack_results(r.out);
            for (const AttackCall& c : calls) EXPECT_EQ(got[nr_of(c)], -ENOENT) << b << " " << c.name << "(" << path << ")";
            ASSERT_EQ(fingerprint(a.root + "/hidden"), before) << b << " " << path;
        }
        // A link's own name is not hidden; following it reaches the hidden file, which is not there.
        Result link = lstar_run(with({"--root", a.root, "--hide", "/hidden"}, b),
                                {"/fs_escape", "/hid-link", fmt::format("{}:2:1:0:0", SYS_open), fmt::format("{}:2:1:0:2", SYS_lstat)});
        EXPECT_EQ(link.out, fmt::format("{} {}\n{} 0\n", SYS_open, -ENOENT, SYS_lstat)) << b << link.describe();
    }
}

// A rename race (progs/fs_race.c): one thread swaps a name inside the root
// between a directory (or file) and a link to the host outside, another opens,
// stats or creates through it. Whatever the interleaving, no call reaches the
// outside: the kernel is handed lstar's held directory, not a name to look up
// again. Bounded by a count of calls, not by time.
TEST(FsViewEscape, RenameRacesStayInTheRoot) {
    Arena a;
    a.lay_race();
    std::string before = fingerprint(a.out);
    for (const std::string& b : kBackends) {
        for (const char* mode : {"middle", "last"}) {
            for (const char* op : {"open", "stat", "creat"}) {
                // In-process calls are cheaper, and their window narrower: more of them.
                std::string count = b == "--backend=inproc" ? "20000" : "4000";
                Result r = lstar_run(with({"--root", a.root}, b), {"/fs_race", mode, op, count});
                ASSERT_TRUE(r.exited(0)) << b << " " << mode << " " << op << r.describe();
                long escapes = -1, inside = -1, other = -1, eloop = -1;
                ASSERT_EQ(std::sscanf(r.out.c_str(), "escapes %ld inside %ld other %ld eloop %ld", &escapes, &inside,
                                      &other, &eloop), 4) << r.out;
                EXPECT_EQ(escapes, 0) << b << " " << mode << " " << op << ": " << r.out;
                // A link put in place of the missing name is followed, as natively: the open is made again.
                EXPECT_EQ(eloop, 0) << b << " " << mode << " " << op << ": " << r.out;
                EXPECT_GT(inside, 0) << b << " " << mode << " " << op << ": " << r.out;  // the calls did go through
                ASSERT_EQ(fingerprint(a.out), before) << b << " " << mode << " " << op;
            }
        }
    }
}

namespace {

// The calls a --read-only path must refuse through a descriptor, as
// "NAME:NR:LETTERS" for progs/fs_ro_fd.c, from the table's kinds: every call
// marked [fd:change] on a file, a directory and an O_PATH descriptor (whose
// EBADF comes first), the calls that change what they name given a descriptor
// and no name (NULL, and "" with AT_EMPTY_PATH), and the writes through a
// descriptor opened for reading (ftruncate, fallocate: EINVAL and EBADF anyway).
std::vector<std::string> descriptor_changes() {
    using lstar::ArgKind;
    auto letters = [](const lstar::EntryMeta& e, char fd, char name) {
        std::string out;
        for (int i = 0; i < e.nargs; ++i) {
            const lstar::ArgMeta& a = e.args[i];
            // A struct the kernel checks before the mount: a valid one, and its size after it.
            char sized = i > 0 && e.args[i - 1].param == "xattr_args" ? 'x' : i > 0 && e.args[i - 1].param == "file_attr" ? 'a' : 0;
            if (sized && a.kind == ArgKind::size) {
                out += sized;
                continue;
            }
            switch (a.kind) {
            case ArgKind::fd: case ArgKind::dirfd: out += fd; break;
            case ArgKind::path: out += name; break;
            case ArgKind::mode: out += 'm'; break;
            case ArgKind::uid: case ArgKind::gid: out += 'u'; break;
            case ArgKind::str: out += 's'; break;
            case ArgKind::in_buf: out += 'b'; break;
            case ArgKind::size: out += 'z'; break;
            case ArgKind::flags: out += name == 'e' && a.param == "at_flags" ? 'E' : '0'; break;
            case ArgKind::struct_in: out += a.param == "xattr_args" ? 'X' : a.param == "file_attr" ? 'A' : 'n'; break;
            default: out += '0';
            }
        }
        return out;
    };
    std::vector<std::string> out;
    for (const lstar::SyscallDesc& row : lstar::syscall_table(lstar::Abi::x86_64)) {
        if (row.is_ni() || row.name.empty()) continue;
        const lstar::EntryMeta& e = row.effective();
        auto spec = [&](const std::string& tag, char fd, char name) {
            out.push_back(fmt::format("{}{}:{}:{}", row.name, tag, row.nr, letters(e, fd, name)));
        };
        bool changes = false, names_by_fd = false, at_flags = false;
        for (int i = 0; i < e.nargs; ++i) {
            const lstar::ArgMeta& a = e.args[i];
            changes = changes || (a.kind == ArgKind::fd && lstar::fd_use(a.param) == lstar::FdUse::change);
            names_by_fd = names_by_fd || (a.kind == ArgKind::path && i > 0 && e.args[i - 1].kind == ArgKind::dirfd &&
                                          lstar::path_use(a.param) == lstar::PathUse::write);
            at_flags = at_flags || (a.kind == ArgKind::flags && a.param == "at_flags");
        }
        if (changes) {
            spec("(file)", 'F', 'n');
            spec("(dir)", 'D', 'n');
            spec("(O_PATH)", 'P', 'n');
        }
        if (names_by_fd) {
            spec("(fd,NULL)", 'F', 'n');
            if (at_flags) spec("(fd,\"\",AT_EMPTY_PATH)", 'F', 'e');
        }
        if (row.name == "ftruncate" || row.name == "fallocate") spec("(file)", 'F', 'n');
    }
    return out;
}

// Whether this machine lets a test make a read-only bind mount in a mount namespace of its own.
bool can_mount_read_only(const std::string& dir) {
    Result r = run({"unshare", "--mount", "sh", "-c",
                    fmt::format("mount --bind {0} {0} && mount -o remount,bind,ro {0} && ! touch {0}/probe 2>/dev/null", dir)});
    return r.exited(0);
}

}  // namespace

// --read-only against changes through descriptors: each answer is the kernel's
// own on a read-only bind mount (EROFS for fchmod, fchown, the xattr calls and
// futimens of a file opened for reading), and the file stays as it was; a file
// beside the read-only tree still changes. Natively under `mount -o bind,ro`,
// then under the view with host names (also Landlock's rule) and under --root.
TEST(FsViewReadOnly, DescriptorChangesAsOnAReadOnlyMount) {
    Arena a;
    std::string ro = a.root + "/ro";
    if (!can_mount_read_only(ro)) GTEST_SKIP() << "cannot make a read-only bind mount here (needs unshare --mount and CAP_SYS_ADMIN)";
    std::vector<std::string> specs = descriptor_changes();
    ASSERT_GE(specs.size(), 15u);  // 5 [fd:change] calls x 3, the name-by-fd forms, ftruncate, fallocate
    std::vector<std::string> argv{prog("fs_ro_fd"), ro + "/file", ro};
    argv.insert(argv.end(), specs.begin(), specs.end());
    std::string shell = fmt::format("mount --bind {0} {0} && mount -o remount,bind,ro {0} && exec \"$@\"", ro);
    std::vector<std::string> native_argv{"unshare", "--mount", "sh", "-c", shell, "sh"};
    native_argv.insert(native_argv.end(), argv.begin(), argv.end());
    std::string before = fingerprint(ro);
    Result native = run(native_argv);
    ASSERT_TRUE(native.exited(0)) << native.describe();
    ASSERT_EQ(fingerprint(ro), before);
    std::map<std::string, long> want = key_values(native.out);
    for (const std::string& s : specs) {
        bool change = s.find("(file)") != std::string::npos && s.find("ftruncate") == std::string::npos &&
                      s.find("fallocate") == std::string::npos;
        if (change) {
            EXPECT_EQ(want[s.substr(0, s.find(':'))], -EROFS) << s << "\n" << native.out;  // what the rule is about
        }
    }
    // A file beside the tree: the same calls change it (natively and in the view).
    fs::create_directories(a.root + "/rw");
    write_file(a.root + "/rw/file", "writable\n");
    std::vector<std::string> rw_argv{prog("fs_ro_fd"), a.root + "/rw/file", a.root + "/rw"};
    rw_argv.insert(rw_argv.end(), specs.begin(), specs.end());
    Result rw_native = run(rw_argv);
    ASSERT_TRUE(rw_native.exited(0)) << rw_native.describe();
    ASSERT_NE(rw_native.out, native.out);  // the calls do change a writable file
    fs::copy_file(prog("fs_ro_fd"), a.root + "/fs_ro_fd");
    for (const std::string& b : kBackends) {
        Result host = lstar_run({b, "--read-only", ro}, argv);
        EXPECT_EQ(host.out, native.out) << b << " --read-only " << ro << host.describe();
        std::vector<std::string> guest_argv{"/fs_ro_fd", "/ro/file", "/ro"};
        guest_argv.insert(guest_argv.end(), specs.begin(), specs.end());
        Result rooted = lstar_run({b, "--root", a.root, "--read-only", "/ro"}, guest_argv);
        EXPECT_EQ(rooted.out, native.out) << b << " --root" << rooted.describe();
        EXPECT_EQ(fingerprint(ro), before) << b;
        write_file(a.root + "/rw/file", "writable\n");
        ::chmod((a.root + "/rw/file").c_str(), 0644);
        std::vector<std::string> rw_guest{"/fs_ro_fd", "/rw/file", "/rw"};
        rw_guest.insert(rw_guest.end(), specs.begin(), specs.end());
        Result rw = lstar_run({b, "--root", a.root, "--read-only", "/ro"}, rw_guest);
        EXPECT_EQ(rw.out, rw_native.out) << b << " beside the read-only tree" << rw.describe();
    }
}

// With --backend=inproc, a view together with a sandbox option (here --read-only
// without a root, which also makes Landlock's rule): the runtime still writes
// into the program's memory (getcwd's and readlink's names, the names it hands
// the kernel), and the walk still goes through the process's own descriptors, so
// the rename race stays in the root there too.
TEST(FsViewSandboxed, InprocWritesAndHeldWalkUnderASandbox) {
    Arena a;
    std::string ro = a.root + "/ro";
    Result pwd = lstar_run({"--backend=inproc", "--read-only", ro, "--cwd", ro}, {"/bin/sh", "-c", "pwd; cd /tmp && pwd; readlink /proc/self/cwd"});
    EXPECT_TRUE(pwd.exited(0)) << pwd.describe();
    EXPECT_EQ(pwd.out, ro + "\n/tmp\n/tmp\n") << pwd.describe();
    Result denied = lstar_run({"--backend=inproc", "--deny", "ptrace", "--root", a.root, "--cwd", "/ro"},
                              {"/fs_escape", "file", fmt::format("{}:2:1:0:2", SYS_stat)});
    EXPECT_EQ(denied.out, fmt::format("{} 0\n", SYS_stat)) << denied.describe();
    a.lay_race();
    std::string before = fingerprint(a.out);
    for (const char* mode : {"middle", "last"}) {
        for (const char* op : {"open", "creat"}) {
            Result r = lstar_run({"--backend=inproc", "--deny", "ptrace", "--root", a.root}, {"/fs_race", mode, op, "20000"});
            ASSERT_TRUE(r.exited(0)) << mode << " " << op << r.describe();
            long escapes = -1, inside = -1, other = -1;
            ASSERT_EQ(std::sscanf(r.out.c_str(), "escapes %ld inside %ld other %ld", &escapes, &inside, &other), 3) << r.out;
            EXPECT_EQ(escapes, 0) << mode << " " << op << ": " << r.out;
            EXPECT_GT(inside, 0) << mode << " " << op << ": " << r.out;
            ASSERT_EQ(fingerprint(a.out), before) << mode << " " << op;
        }
    }
}

// --- a root file system -----------------------------------------------------

namespace {

// busybox-static as a root file system: /bin with its applets, /tmp, a script.
std::string busybox_root() {
    std::string root = scratch_dir() + "/rootfs";
    fs::create_directories(root + "/bin");
    fs::create_directories(root + "/tmp");
    fs::create_directories(root + "/etc");
    fs::copy_file(busybox(), root + "/bin/busybox");
    for (const char* applet : {"sh", "ls", "cat", "echo", "pwd", "readlink", "mkdir", "rm", "find", "sort", "wc",
                               "ln", "mv", "cp", "touch", "stat", "head", "realpath", "env", "basename"})
        fs::create_symlink("busybox", root + "/bin/" + applet);
    write_file(root + "/etc/motd", "inside the root\n");
    write_file(root + "/bin/hello", "#!/bin/sh\necho \"hello from $0 with $1\"\nreadlink /proc/self/exe 2>&1 || true\n");
    ::chmod((root + "/bin/hello").c_str(), 0755);
    return root;
}

const char* kRootScript =
    "cd / && pwd && ls / | sort && cat /etc/motd && "
    "mkdir -p /tmp/a/b && cd /tmp/a/b && pwd && cd ../../.. && pwd && cd .. && pwd && "
    "echo made > /tmp/a/f && cat /tmp/a/f && ln -s /etc/motd /tmp/a/l && cat /tmp/a/l && readlink /tmp/a/l && "
    "ln -s ../../../../../../../etc/motd /tmp/a/up && cat /tmp/a/up && realpath /tmp/a/up && "
    "mv /tmp/a/f /tmp/a/g && ls /tmp/a | sort && find /tmp | sort && hello arg && "
    "cat /../../../../etc/motd && rm -r /tmp/a && ls /tmp | wc -l";

}  // namespace

TEST(FsViewRoot, BusyboxScriptsRunAsUnderChroot) {
    if (busybox().empty()) GTEST_SKIP() << "busybox-static is not installed: /bin/busybox missing";
    std::string chrooted_root = busybox_root();
    Result native = run({"/usr/sbin/chroot", chrooted_root, "/bin/sh", "-c", kRootScript}, {.env = {"PATH=/bin"}});
    if (!native.exited(0)) GTEST_SKIP() << "chroot(8) cannot run here (needs CAP_SYS_CHROOT): " << native.err;
    ASSERT_NE(native.out.find("inside the root"), std::string::npos) << native.out;
    for (const std::string& b : kBackends) {
        std::string root = busybox_root();
        Result r = lstar_run(with({"--root", root}, b), {"/bin/sh", "-c", kRootScript}, {.env = {"PATH=/bin"}});
        EXPECT_TRUE(r.exited(0)) << b << r.describe();
        EXPECT_EQ(r.out, native.out) << b << r.err;
    }
}

// getcwd and the readlinks of /proc's links say the program's names; a traced
// run shows the names the program gave.
TEST(FsViewRoot, NamesComeBackInTheViewsTerms) {
    if (busybox().empty()) GTEST_SKIP() << "busybox-static is not installed: /bin/busybox missing";
    for (const std::string& b : kBackends) {
        std::string root = busybox_root();
        Result r = lstar_run(with({"--root", root, "--bind", "/proc", "--cwd", "/tmp"}, b),
                             {"/bin/sh", "-c", "pwd; readlink /proc/self/cwd; readlink /proc/self/root; cd /etc; "
                                               "readlink /proc/$$/cwd; exec 3</etc/motd; readlink /proc/self/fd/3; "
                                               "readlink /proc/self/exe"},
                             {.env = {"PATH=/bin"}});
        EXPECT_TRUE(r.exited(0)) << b << r.describe();
        EXPECT_EQ(r.out, "/tmp\n/tmp\n/\n/etc\n/etc/motd\n/bin/busybox\n") << b << r.err;
    }
    std::string root = busybox_root();
    std::string trace;
    Result t = lstar_trace({"-f", "-e", "trace=chdir,execve", "--root", root}, {"/bin/sh", "-c", "cd /etc"}, &trace,
                           {.env = {"PATH=/bin"}});
    EXPECT_TRUE(t.exited(0)) << t.describe();
    EXPECT_NE(trace.find("execve(\"/bin/sh\""), std::string::npos) << trace;
    EXPECT_NE(trace.find("chdir(\"/etc\")"), std::string::npos) << trace;
}

// -y shows a descriptor's path as the program names it (strace's own -y under
// chroot shows the kernel's, which are the program's too): a file of the root,
// a bind's file, the cwd of AT_FDCWD; never the host's name of the root or bind.
TEST(FsViewRoot, TraceShowsDescriptorsByTheProgramsNames) {
    if (busybox().empty()) GTEST_SKIP() << "busybox-static is not installed: /bin/busybox missing";
    std::string root = busybox_root();
    std::string bound = scratch_dir();
    write_file(bound + "/file", "bound\n");
    for (const std::string& b : kBackends) {
        std::string trace;
        Result t = lstar_trace({b, "-f", "-y", "-e", "trace=openat,close,fchdir", "--root", root, "--bind", bound + ":/mnt",
                                "--cwd", "/tmp"},
                               {"/bin/sh", "-c", "cat /etc/motd /mnt/file"}, &trace, {.env = {"PATH=/bin"}});
        EXPECT_TRUE(t.exited(0)) << b << t.describe();
        EXPECT_EQ(t.out, "inside the root\nbound\n") << b;
        // The descriptor's number is whatever the run leaves free.
        auto has = [&](const std::string& pattern) { return std::regex_search(trace, std::regex(pattern)); };
        EXPECT_TRUE(has(R"(openat\(AT_FDCWD</tmp>, "/etc/motd", O_RDONLY\) = [0-9]+</etc/motd>)")) << b << trace;
        EXPECT_TRUE(has(R"(close\([0-9]+</etc/motd>\))")) << b << trace;
        EXPECT_TRUE(has(R"(= [0-9]+</mnt/file>)")) << b << trace;
        EXPECT_EQ(trace.find("<" + root), std::string::npos) << b << trace;
        EXPECT_EQ(trace.find("<" + bound), std::string::npos) << b << trace;
        // -yy: the host's name beside the program's, where they differ.
        Result both = lstar_trace({b, "-f", "-yy", "-e", "trace=openat,close", "--root", root, "--bind", bound + ":/mnt", "--cwd", "/tmp"},
                                  {"/bin/sh", "-c", "cat /etc/motd /mnt/file"}, &trace, {.env = {"PATH=/bin"}});
        EXPECT_TRUE(both.exited(0)) << b << both.describe();
        EXPECT_NE(trace.find("AT_FDCWD</tmp<host " + root + "/tmp>>"), std::string::npos) << b << trace;
        EXPECT_NE(trace.find("</etc/motd<host " + root + "/etc/motd>>"), std::string::npos) << b << trace;
        EXPECT_NE(trace.find("</mnt/file<host " + bound + "/file>>"), std::string::npos) << b << trace;
    }
}

// A bind shows a host tree inside the view; --hide takes a name out of listings.
TEST(FsViewRoot, BindAndHide) {
    if (busybox().empty()) GTEST_SKIP() << "busybox-static is not installed: /bin/busybox missing";
    std::string data = scratch_dir();
    write_file(data + "/shared", "from the host\n");
    for (const std::string& b : kBackends) {
        std::string root = busybox_root();
        fs::create_directories(root + "/mnt/data");
        Result r = lstar_run(with({"--root", root, "--bind", data + ":/mnt/data", "--hide", "/etc/motd",
                                   "--read-only", "/mnt/data"}, b),
                             {"/bin/sh", "-c", "cat /mnt/data/shared; ls /etc; cat /etc/motd 2>/dev/null || echo gone; "
                                               "echo x > /mnt/data/new 2>/dev/null || echo read-only; ls /mnt/data"},
                             {.env = {"PATH=/bin"}});
        EXPECT_TRUE(r.exited(0)) << b << r.describe();
        EXPECT_EQ(r.out, "from the host\ngone\nread-only\nshared\n") << b << r.err;
        EXPECT_FALSE(fs::exists(data + "/new"));
    }
}

// A dynamic program of the host run from a root that holds its loader and
// libraries (PT_INTERP found in the view), and a #! script whose interpreter is
// the view's.
TEST(FsViewRoot, DynamicProgramsLoadTheViewsLoader) {
    std::string root = scratch_dir() + "/dynroot";
    for (const char* d : {"/usr/bin", "/lib64", "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu"}) fs::create_directories(root + d);
    if (!fs::exists("/lib64/ld-linux-x86-64.so.2") || !fs::exists("/usr/bin/cat")) GTEST_SKIP() << "no x86_64 glibc loader";
    // cat and the view's copies of what it loads.
    fs::copy_file("/usr/bin/cat", root + "/usr/bin/cat");
    fs::copy_file(fs::canonical("/lib64/ld-linux-x86-64.so.2"), root + "/lib64/ld-linux-x86-64.so.2");
    fs::copy_file(fs::canonical("/lib/x86_64-linux-gnu/libc.so.6"), root + "/lib/x86_64-linux-gnu/libc.so.6");
    write_file(root + "/greeting", "dynamic in the view\n");
    for (const std::string& b : kBackends) {
        Result r = lstar_run(with({"--root", root}, b), {"/usr/bin/cat", "/greeting"});
        EXPECT_TRUE(r.exited(0)) << b << r.describe();
        EXPECT_EQ(r.out, "dynamic in the view\n") << b << r.err;
    }
}

// Without --root the host's / is the view's: a bind alone places a host tree,
// an AF_UNIX socket bound and reached by its guest name is made in it, and a
// call on a descriptor with no name (futimens) is left to the kernel.
TEST(FsViewBind, UnixSocketsByTheirGuestName) {
    if (::access("/usr/bin/python3", X_OK) != 0) GTEST_SKIP() << "python3 is not installed";
    std::string host = scratch_dir();
    std::string guest = "/lstar-guest-" + std::to_string(::getpid());
    ASSERT_FALSE(fs::exists(guest));
    const std::string script =
        "import socket, os\n"
        "s = socket.socket(socket.AF_UNIX); s.bind('" + guest + "/sock'); s.listen(1)\n"
        "c = socket.socket(socket.AF_UNIX); c.connect('" + guest + "/sock')\n"
        "a, _ = s.accept(); c.send(b'through the view'); print(a.recv(64).decode())\n"
        "print(sorted(os.listdir('" + guest + "')), os.getcwd())\n"
        "f = os.open('" + guest + "/t', os.O_CREAT | os.O_WRONLY); os.utime(f, (0, 0)); print(os.stat('t').st_mtime)\n";
    for (const std::string& b : kBackends) {
        fs::remove(host + "/sock");
        fs::remove(host + "/t");
        Result r = lstar_run(with({"--bind", host + ":" + guest, "--cwd", guest}, b), {"/usr/bin/python3", "-c", script});
        EXPECT_TRUE(r.exited(0)) << b << r.describe();
        EXPECT_EQ(r.out, "through the view\n['sock'] " + guest + "\n0.0\n") << b << r.err;  // futimens: utimensat(fd, NULL)
        struct stat st;
        EXPECT_TRUE(::lstat((host + "/sock").c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) << b;
        EXPECT_FALSE(fs::exists(guest)) << b;
    }
}

// --- bad input ----------------------------------------------------------------

TEST(FsViewBadInput, OneLineExit2NothingRuns) {
    std::string dir = scratch_dir();
    std::string marker = dir + "/ran";
    std::vector<std::vector<std::string>> bad = {
        {"--root", dir + "/missing"},
        {"--root", "/etc/passwd"},
        {"--bind", dir + "/missing:/mnt"},
        {"--bind", dir + ":relative"},
        {"--bind", dir + ":/"},
        {"--bind", dir + ":/mnt", "--bind", "/tmp:/mnt"},
        {"--bind", dir + ":/mnt", "--hide", "/mnt"},
        {"--hide", "relative"},
        {"--hide", "/"},
        {"--read-only", "relative"},
        {"--root", dir, "--cwd", "/no-such-dir"},
        {"--root", dir, "--root", dir},
        {"--root", dir},  // no /bin/sh in it
    };
    for (const std::string& b : kBackends) {
        for (const std::vector<std::string>& args : bad) {
            for (const char* command : {"run", "trace"}) {
                std::vector<std::string> argv{lstar_bin(), command, b};
                argv.insert(argv.end(), args.begin(), args.end());
                argv.insert(argv.end(), {"--", "/bin/sh", "-c", "touch " + marker});
                Result r = run(argv);
                std::string what = fmt::format("{} {} {}", command, b, fmt::join(args, " "));
                EXPECT_TRUE(r.exited(2)) << what << r.describe();
                EXPECT_EQ(lines(r.err).size(), 1u) << what << r.err;
                EXPECT_EQ(r.err.rfind("lstar: ", 0), 0u) << what << r.err;
                EXPECT_FALSE(fs::exists(marker)) << what;
            }
        }
    }
}
