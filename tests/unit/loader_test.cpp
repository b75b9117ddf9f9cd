// entry/inproc/loader: the user-space exec. A loaded program replaces the
// process it starts in, so every load + start runs in a forked child whose
// stdout/stderr the test captures; the outputs are compared with a native
// execve of the same program. probe_executable's answers are compared with
// the errno the running kernel's execve gives for the same file.
//
// This test is linked at a high address (see tests/CMakeLists.txt) as lstar's
// runtime image is, so that fixed-address programs (ET_EXEC at 0x400000) fit.
#include "entry/inproc/loader.hpp"

#include <elf.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cfenv>
#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/process.hpp"
#include "tests/support/run.hpp"

extern char** environ;

namespace {

using lstar::Result;
using lstar::inproc::kNotX86_64;
using lstar::inproc::LoadedProgram;
using lstar::inproc::load_program;
using lstar::inproc::probe_executable;
using lstar::inproc::start_program;

using Strings = std::vector<std::string>;

const Strings kEnv = {"LOADER_TEST=1", "PATH=/usr/bin:/bin", "LC_ALL=C"};

struct Outcome {
    int status = -1;  // exit status, 128 + signal, or -1
    bool timed_out = false;
    std::string out, err;
};

std::string describe(const Outcome& r) {
    return "status " + std::to_string(r.status) + (r.timed_out ? " (timed out)" : "") + "\nstdout:\n" + r.out +
           "stderr:\n" + r.err;
}

// Runs child() in a forked process (the one runner, tests/support/process.hpp) with
// stdin /dev/null and stdout and stderr captured; the child must _exit or exec.
// Killed after timeout_s seconds, by an alarm that survives the in-process exec.
Outcome run_child(const std::function<void()>& child, int timeout_s = 60) {
    lstar::test::ProcessOptions opt;
    opt.stdin_null = true;
    opt.alarm_guard = true;
    opt.timeout = std::chrono::seconds(timeout_s);
    lstar::test::ProcessResult p = lstar::test::run_child(child, opt);
    Outcome r;
    r.status = p.exit_code();
    r.timed_out = p.timed_out;
    r.out = std::move(p.out);
    r.err = std::move(p.err);
    return r;
}

std::vector<char*> c_strings(const Strings& list) {
    std::vector<char*> out;
    for (const std::string& s : list) out.push_back(const_cast<char*>(s.c_str()));
    out.push_back(nullptr);
    return out;
}

Outcome run_native(const std::string& path, const Strings& argv, const Strings& envp = kEnv) {
    return run_child([&] {
        auto a = c_strings(argv), e = c_strings(envp);
        ::execve(path.c_str(), a.data(), e.data());
        std::fprintf(stderr, "execve %s: %s\n", path.c_str(), std::strerror(errno));
        ::_exit(126);
    });
}

Outcome run_loaded(const std::string& path, const Strings& argv, const Strings& envp = kEnv) {
    return run_child([&] {
        std::fesetround(FE_TOWARDZERO);  // not the default: start_program must reset it
        Result<LoadedProgram> program = load_program(path, argv, envp);
        if (!program) {
            std::fprintf(stderr, "%s\n", program.error().message.c_str());
            ::_exit(126);
        }
        start_program(*program);
    });
}

// The errno the kernel's execve gives for path (0 when it runs it).
int kernel_exec_errno(const std::string& path) {
    lstar::test::ProcessOptions opt;
    opt.stdin_null = true;
    opt.alarm_guard = true;
    opt.timeout = std::chrono::seconds(20);
    int e = 0;
    lstar::test::run_exec(path, {path}, {}, &e, opt);
    return e;
}

class TempDir {
public:
    TempDir() : path_(lstar::test::make_temp_dir()) {}
    ~TempDir() { lstar::test::run("rm -rf " + lstar::test::shell_quote(path_)); }
    const std::string& path() const { return path_; }
    std::string file(const std::string& name, const std::string& text, mode_t mode = 0755) const {
        std::string p = path_ + "/" + name;
        lstar::test::write_file(p, text);
        ::chmod(p.c_str(), mode);
        return p;
    }

private:
    std::string path_;
};

std::string read_binary(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// A copy of an ELF file with its PT_INTERP replaced (the new path must fit).
bool copy_with_interp(const std::string& from, const std::string& to, const std::string& interp) {
    std::string data = read_binary(from);
    if (data.size() < sizeof(Elf64_Ehdr)) return false;
    Elf64_Ehdr eh;
    std::memcpy(&eh, data.data(), sizeof eh);
    for (int i = 0; i < eh.e_phnum; ++i) {
        Elf64_Phdr ph;
        std::memcpy(&ph, data.data() + eh.e_phoff + i * sizeof ph, sizeof ph);
        if (ph.p_type != PT_INTERP) continue;
        if (interp.size() + 1 > ph.p_filesz) return false;
        std::memset(data.data() + ph.p_offset, 0, ph.p_filesz);
        std::memcpy(data.data() + ph.p_offset, interp.data(), interp.size());
        std::ofstream(to, std::ios::binary) << data;
        return ::chmod(to.c_str(), 0755) == 0;
    }
    return false;
}

// A bare ELF header (no program headers) of the given class and machine.
std::string elf_header(unsigned char elf_class, std::uint16_t machine) {
    std::string h(64, '\0');
    std::memcpy(h.data(), ELFMAG, SELFMAG);
    h[EI_CLASS] = static_cast<char>(elf_class);
    h[EI_DATA] = ELFDATA2LSB;
    h[EI_VERSION] = EV_CURRENT;
    std::uint16_t type = ET_EXEC;
    std::memcpy(h.data() + 16, &type, 2);
    std::memcpy(h.data() + 18, &machine, 2);
    return h;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// ---------------------------------------------------------------- dynamic PIE

TEST(Loader, RunsTrue) {
    Outcome r = run_loaded("/bin/true", {"true"});
    EXPECT_EQ(r.status, 0) << describe(r);
}

TEST(Loader, ExitStatusIsTheProgramsOwn) {
    Outcome r = run_loaded("/bin/false", {"false"});
    EXPECT_EQ(r.status, 1) << describe(r);
}

TEST(Loader, RunsEchoWithArguments) {
    Outcome r = run_loaded("/bin/echo", {"echo", "hello", "world"});
    EXPECT_EQ(r.status, 0) << describe(r);
    EXPECT_EQ(r.out, "hello world\n") << describe(r);
}

// ---------------------------------------------------------------- static programs

TEST(Loader, RunsStaticBusybox) {
    const std::string busybox = "/bin/busybox";
    if (::access(busybox.c_str(), X_OK) != 0) GTEST_SKIP() << busybox << " is missing (install busybox-static)";
    if (probe_executable(busybox.c_str()) != 0) GTEST_SKIP() << busybox << " is not an x86_64 program";
    Outcome native = run_native(busybox, {"busybox", "echo", "hi", "there"});
    Outcome loaded = run_loaded(busybox, {"busybox", "echo", "hi", "there"});
    EXPECT_EQ(loaded.status, 0) << describe(loaded);
    EXPECT_EQ(loaded.out, "hi there\n") << describe(loaded);
    EXPECT_EQ(loaded.out, native.out);
    Outcome sh = run_loaded(busybox, {"sh", "-c", "x=$((6*7)); echo $x; exit 5"});
    EXPECT_EQ(sh.status, 5) << describe(sh);
    EXPECT_EQ(sh.out, "42\n") << describe(sh);
}

// ---------------------------------------------------------------- auxv, stack, argv: native vs loaded

struct Variant {
    const char* name;
    const char* path;
};

void PrintTo(const Variant& v, std::ostream* os) { *os << v.name; }

class AuxvTest : public ::testing::TestWithParam<Variant> {};

TEST_P(AuxvTest, MatchesANativeRun) {
    std::string path = GetParam().path;
    // An argv[0] unlike the path, an argument with a space and an empty one.
    Strings argv = {"custom-argv0", "one two", "", "three"};
    Outcome native = run_native(path, argv);
    Outcome loaded = run_loaded(path, argv);
    ASSERT_EQ(native.status, 3) << describe(native);
    EXPECT_EQ(loaded.status, 3) << describe(loaded);
    EXPECT_EQ(loaded.out, native.out) << "native:\n" << native.out << "\nloaded:\n" << describe(loaded);
    // What the comparison relies on, checked outright as well.
    for (const char* line : {"stack: argc aligned 1, envp after argv 1, auxv after envp 1\n",
                             "AT_ENTRY is _start 1\n", "AT_PHDR is the program's 1\n", "AT_SECURE 0 AT_FLAGS 0",
                             "AT_PLATFORM 'x86_64'\n", "AT_RANDOM set 1, vDSO ELF 1\n", "AT_EXECFD present 0\n",
                             "envc 3, LOADER_TEST=1\n", "argv[1] 'one two'\n", "argv[2] ''\n",
                             "bss zero 1\n", "x87 cw 0x37f mxcsr 0x1f80\n"})
        EXPECT_NE(loaded.out.find(line), std::string::npos) << line << "\n" << describe(loaded);
    EXPECT_NE(loaded.out.find("AT_EXECFN '" + path + "'\n"), std::string::npos) << describe(loaded);
    EXPECT_NE(loaded.out.find("argv[0] 'custom-argv0'\n"), std::string::npos) << describe(loaded);
}

TEST_P(AuxvTest, EmptyArgvBecomesOneEmptyString) {
    std::string path = GetParam().path;
    Outcome native = run_native(path, {});
    Outcome loaded = run_loaded(path, {});
    EXPECT_EQ(loaded.status, 3) << describe(loaded);
    EXPECT_NE(loaded.out.find("argc 1\nargv[0] ''\n"), std::string::npos) << describe(loaded);
    EXPECT_EQ(loaded.out, native.out);
}

INSTANTIATE_TEST_SUITE_P(Programs, AuxvTest,
                         ::testing::Values(Variant{"Pie", LOADER_AUXV_PIE}, Variant{"NoPie", LOADER_AUXV_NOPIE},
                                           Variant{"Static", LOADER_AUXV_STATIC},
                                           Variant{"StaticPie", LOADER_AUXV_STATIC_PIE}),
                         [](const ::testing::TestParamInfo<Variant>& info) { return info.param.name; });

// What load_program reports, checked in a child (the load maps into the process).
TEST(Loader, ReportsWhereThingsWent) {
    struct Case {
        std::string path;
        bool fixed, interp;
    };
    for (const Case& c : {Case{LOADER_AUXV_PIE, false, true}, Case{LOADER_AUXV_NOPIE, true, true},
                          Case{LOADER_AUXV_STATIC, true, false}, Case{LOADER_AUXV_STATIC_PIE, false, false}}) {
        Outcome r = run_child([&] {
            auto open_fds = [] {
                int n = 0;
                for (int fd = 0; fd < 1024; ++fd) n += ::fcntl(fd, F_GETFD) != -1;
                return n;
            };
            int fds_before = open_fds();
            Result<LoadedProgram> loaded = load_program(c.path, {"x", "arg"}, {"A=B"});
            if (!loaded) {
                std::fprintf(stderr, "%s\n", loaded.error().message.c_str());
                ::_exit(1);
            }
            const LoadedProgram& p = *loaded;
            if (open_fds() != fds_before) {
                std::fprintf(stderr, "load_program left a descriptor open\n");
                ::_exit(1);
            }
            auto check = [](bool ok, const char* what) {
                if (!ok) std::fprintf(stderr, "failed: %s\n", what);
                return ok;
            };
            auto* sp = reinterpret_cast<std::uint64_t*>(p.stack_pointer);
            bool ok = check(p.stack_pointer % 16 == 0, "rsp 16-byte aligned") &
                      check(p.stack_pointer > p.stack_low && p.stack_pointer < p.stack_high, "rsp on the stack") &
                      check(sp[0] == 2, "argc") &
                      check(std::strcmp(reinterpret_cast<char*>(sp[1]), "x") == 0, "argv[0]") &
                      check(std::strcmp(reinterpret_cast<char*>(sp[2]), "arg") == 0, "argv[1]") &
                      check(sp[3] == 0 && sp[5] == 0, "NULLs after argv and envp") &
                      check(std::strcmp(reinterpret_cast<char*>(sp[4]), "A=B") == 0, "envp[0]") &
                      check(p.auxv == p.stack_pointer + 6 * 8, "auxv after envp") &
                      check(p.arg_start == sp[1] && p.arg_end == p.env_start && p.env_start == sp[4] &&
                                p.env_end == p.execfn,
                            "arg/env string ranges") &
                      check(std::strcmp(reinterpret_cast<char*>(p.execfn), c.path.c_str()) == 0, "execfn") &
                      check(p.path == c.path, "path") &
                      check((p.load_bias == 0) == c.fixed, "load bias") &
                      check(p.interpreter.empty() != c.interp, "interpreter") &
                      check((p.interp_base != 0) == c.interp, "interp_base") &
                      check(c.interp ? p.entry != p.program_entry : p.entry == p.program_entry, "entry") &
                      check(p.brk > p.program_entry && p.brk % 4096 == 0, "brk") &
                      check(p.phdr != 0 && reinterpret_cast<Elf64_Phdr*>(p.phdr)->p_type != PT_NULL, "phdr");
            // The program's headers as mapped are the file's.
            Elf64_Ehdr eh;
            std::ifstream(c.path, std::ios::binary).read(reinterpret_cast<char*>(&eh), sizeof eh);
            ok &= check(std::memcmp(reinterpret_cast<void*>(p.phdr), read_binary(c.path).data() + eh.e_phoff,
                                    eh.e_phnum * sizeof(Elf64_Phdr)) == 0,
                        "AT_PHDR points at the program headers");
            ::_exit(ok ? 0 : 1);
        });
        EXPECT_EQ(r.status, 0) << c.path << "\n" << describe(r);
    }
}

TEST(Loader, FixedAddressTakenIsAClearError) {
    Outcome r = run_child([] {
        if (!load_program(LOADER_AUXV_STATIC, {"x"}, {}).ok()) ::_exit(2);
        Result<LoadedProgram> again = load_program(LOADER_AUXV_STATIC, {"x"}, {});
        if (again) ::_exit(3);
        std::fprintf(stderr, "%s\n", again.error().message.c_str());
        ::_exit(again.error().err == ENOMEM ? 0 : 4);  // what execve gives past its point of no return
    });
    EXPECT_EQ(r.status, 0) << describe(r);
    EXPECT_TRUE(starts_with(r.err, std::string(LOADER_AUXV_STATIC) + ": ")) << r.err;
    EXPECT_NE(r.err.find("already in use"), std::string::npos) << r.err;
}

// A load that fails half-way leaves nothing mapped: here the stack does not fit under RLIMIT_AS.
TEST(Loader, FailedLoadUnmapsWhatItMapped) {
    Outcome r = run_child([] {
        std::uint64_t pages = 0;
        std::ifstream("/proc/self/statm") >> pages;
        rlimit rl{pages * 4096 + (4 << 20), pages * 4096 + (4 << 20)};  // the program fits, the stack not
        ::setrlimit(RLIMIT_AS, &rl);
        // The test's own ld.so is mapped too: count its mappings before and after.
        auto mapped = [](const std::string& what) {
            std::ifstream maps("/proc/self/maps");
            int n = 0;
            for (std::string line; std::getline(maps, line);) n += line.find(what) != std::string::npos;
            return n;
        };
        int interp_before = mapped("ld-linux");
        Result<LoadedProgram> p = load_program(LOADER_AUXV_NOPIE, {"x"}, {});
        if (p) ::_exit(2);
        std::fprintf(stderr, "%s (errno %d)\n", p.error().message.c_str(), p.error().err);
        if (mapped(LOADER_AUXV_NOPIE) != 0 || mapped("ld-linux") != interp_before) {
            std::fprintf(stderr, "left mapped\n");
            ::_exit(3);
        }
        ::_exit(p.error().err == ENOMEM ? 0 : 4);
    });
    EXPECT_EQ(r.status, 0) << describe(r);
    EXPECT_NE(r.err.find("stack"), std::string::npos) << r.err;
}

TEST(Loader, ErrorsNameThePathAndTheErrno) {
    // Nothing is mapped before these fail, so they can run in the test's own process.
    // The messages carry no "lstar: ": whoever prints them adds it (print_error).
    Result<LoadedProgram> p = load_program("/nonexistent/prog", {"prog"}, {});
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().message, "/nonexistent/prog: No such file or directory");
    EXPECT_EQ(p.error().err, ENOENT);
    TempDir dir;
    std::string text = dir.file("text", "hello\n");
    p = load_program(text, {"text"}, {});
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().message, text + ": not an ELF file or script");
    EXPECT_EQ(p.error().err, ENOEXEC);
    p = load_program("/bin/true", {"true", std::string(200 * 1024, 'x')}, {});
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().err, E2BIG) << p.error().message;
    EXPECT_NE(p.error().message.find("argument list too long"), std::string::npos) << p.error().message;
}

// ---------------------------------------------------------------- scripts

TEST(Loader, RunsAShellScript) {
    TempDir dir;
    std::string script = dir.file("script", "#!/bin/sh -e\necho \"$0\" \"$@\"\nfalse\necho not reached\n");
    Strings argv = {"whatever", "a", "b c"};
    Outcome native = run_native(script, argv);
    Outcome loaded = run_loaded(script, argv);
    EXPECT_EQ(loaded.out, script + " a b c\n") << describe(loaded);
    EXPECT_EQ(loaded.status, 1) << describe(loaded);  // -e: the false ends it
    EXPECT_EQ(loaded.out, native.out);
    EXPECT_EQ(loaded.status, native.status);
}

TEST(Loader, ScriptArgvAsTheKernelBuildsIt) {
    TempDir dir;
    std::string helper = LOADER_AUXV_PIE;
    struct Case {
        const char* name;
        std::string line;
    };
    // The optional argument is everything after the first blank run, trailing blanks cut.
    for (const Case& c : {Case{"plain", "#!" + helper + "\n"}, Case{"arg", "#!" + helper + " -x\n"},
                          Case{"blanks", "#! \t" + helper + " \t -x  y\tz \t \nrest\n"},
                          Case{"no-newline", "#!" + helper + " arg"}, Case{"crlf", "#!" + helper + " a\r\n"}}) {
        std::string script = dir.file(c.name, c.line);
        Outcome native = run_native(script, {"argv0", "1", "2"});
        Outcome loaded = run_loaded(script, {"argv0", "1", "2"});
        EXPECT_EQ(native.status, 3) << c.name << "\n" << describe(native);
        EXPECT_EQ(loaded.out, native.out) << c.name << "\nnative:\n" << native.out << "\nloaded:\n" << describe(loaded);
    }
    // -x  y\tz is one argument.
    Outcome r = run_loaded(dir.path() + "/blanks", {"argv0"});
    EXPECT_NE(r.out.find("argv[1] '-x  y\tz'\n"), std::string::npos) << describe(r);
}

// An exec opens its program once: what the probe opened is what the load maps, even
// when the name is gone in between, and nothing of the probe stays open.
TEST(Loader, LoadsTheFileItsProbeOpened) {
    TempDir dir;
    std::string copy = dir.path() + "/echo";
    ASSERT_EQ(lstar::test::run("cp /bin/echo " + lstar::test::shell_quote(copy)).status, 0);
    Outcome r = run_child([&] {
        auto open_fds = [] {
            int n = 0;
            for (int fd = 0; fd < 1024; ++fd) n += ::fcntl(fd, F_GETFD) >= 0;
            return n;
        };
        int before = open_fds();
        lstar::inproc::ProbedProgram probed;
        if (probe_executable(copy.c_str(), &probed) != 0 || !probed.kept()) ::_exit(120);
        if (open_fds() <= before) ::_exit(121);  // the probe holds the file
        ::unlink(copy.c_str());
        Result<LoadedProgram> program = load_program(copy, {"echo", "from", "the", "probe"}, kEnv, {}, std::move(probed));
        if (!program) {
            std::fprintf(stderr, "%s\n", program.error().message.c_str());
            ::_exit(126);
        }
        if (open_fds() != before) ::_exit(122);  // the load closed what the probe opened
        start_program(*program);
    });
    EXPECT_EQ(r.status, 0) << describe(r);
    EXPECT_EQ(r.out, "from the probe\n") << describe(r);
    // A script's argv is the load's to rewrite: its probe keeps nothing.
    std::string script = dir.file("script", "#!/bin/sh\necho hi\n");
    lstar::inproc::ProbedProgram probed;
    EXPECT_EQ(probe_executable(script.c_str(), &probed), 0);
    EXPECT_FALSE(probed.kept());
}

TEST(Loader, NestedScripts) {
    TempDir dir;
    std::string prev = dir.file("s0", "#!" + std::string(LOADER_AUXV_PIE) + " opt\n");
    for (int i = 1; i <= 6; ++i) prev = dir.file("s" + std::to_string(i), "#!" + prev + "\n");
    // s0..s4: five scripts in a row run (as the kernel runs them)...
    std::string s4 = dir.path() + "/s4";
    Outcome native = run_native(s4, {"s4", "arg"});
    Outcome loaded = run_loaded(s4, {"s4", "arg"});
    EXPECT_EQ(native.status, 3) << describe(native);
    EXPECT_EQ(loaded.status, 3) << describe(loaded);
    EXPECT_EQ(loaded.out, native.out) << "native:\n" << native.out << "\nloaded:\n" << describe(loaded);
    EXPECT_NE(loaded.out.find("argc 8\n"), std::string::npos) << describe(loaded);  // helper opt s0..s4 arg
    EXPECT_EQ(probe_executable(s4.c_str()), 0);
    // ... a sixth is one too many.
    std::string s5 = dir.path() + "/s5";
    EXPECT_EQ(probe_executable(s5.c_str()), -ELOOP);
    EXPECT_EQ(kernel_exec_errno(s5), ELOOP);
    Result<LoadedProgram> p = load_program(s5, {"s5"}, {});
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().err, ELOOP) << p.error().message;
}

// ---------------------------------------------------------------- a real dynamic program

TEST(Loader, RunsPython) {
    const std::string python = "/usr/bin/python3";
    if (::access(python.c_str(), X_OK) != 0) GTEST_SKIP() << python << " is missing";
    Strings envp;
    for (char** e = environ; *e; ++e) envp.emplace_back(*e);
    Strings argv = {"python3", "-c",
                    "import sys, hashlib, json, ctypes; print(sys.argv, json.dumps({'a': 1}), "
                    "hashlib.sha256(b'x').hexdigest()[:16], ctypes.CDLL(None).getpid() > 0)",
                    "arg one"};
    Outcome native = run_native(python, argv, envp);
    Outcome loaded = run_loaded(python, argv, envp);
    EXPECT_EQ(loaded.status, 0) << describe(loaded);
    EXPECT_EQ(loaded.out, "['-c', 'arg one'] {\"a\": 1} 2d711642b726b044 True\n") << describe(loaded);
    EXPECT_EQ(loaded.out, native.out) << describe(native);
}

// ---------------------------------------------------------------- probe_executable

TEST(Probe, AnswersAsTheKernelsExecve) {
    TempDir dir;
    // PT_INTERP paths must fit in the helper's (/lib64/ld-linux-x86-64.so.2).
    std::string fake_interp = "/tmp/lstar-ld-" + std::to_string(::getpid());
    std::string short_interp = fake_interp + "s";
    lstar::test::write_file(fake_interp, "not an ELF file, but longer than an ELF header " + std::string(64, '.'));
    lstar::test::write_file(short_interp, "not an ELF file\n");  // shorter than an ELF header: EIO
    ::chmod(fake_interp.c_str(), 0755);
    ::chmod(short_interp.c_str(), 0755);
    std::string bad_interp = dir.path() + "/bad-interp";
    std::string text_interp = dir.path() + "/text-interp";
    std::string short_text_interp = dir.path() + "/short-text-interp";
    ASSERT_TRUE(copy_with_interp(LOADER_AUXV_PIE, bad_interp, "/nonexistent/ld.so"));
    ASSERT_TRUE(copy_with_interp(LOADER_AUXV_PIE, text_interp, fake_interp));
    ASSERT_TRUE(copy_with_interp(LOADER_AUXV_PIE, short_text_interp, short_interp));
    std::string elf = read_binary("/bin/true");
    struct Case {
        std::string name, path;
        int expected;
    };
    std::vector<Case> cases = {
        {"/bin/true", "/bin/true", 0},
        {"PIE helper", LOADER_AUXV_PIE, 0},
        {"static helper", LOADER_AUXV_STATIC, 0},
        {"missing", dir.path() + "/missing", -ENOENT},
        {"under a file", "/bin/true/x", -ENOTDIR},
        {"directory", dir.path(), -EACCES},
        {"not executable", dir.file("noexec", elf, 0644), -EACCES},
        {"text", dir.file("text", "echo hi\n"), -ENOEXEC},
        {"empty", dir.file("empty", ""), -ENOEXEC},
        {"script", dir.file("script", "#!/bin/sh\necho hi\n"), 0},
        {"script, interpreter missing", dir.file("script-missing", "#!/nonexistent/sh\n"), -ENOENT},
        {"script, interpreter a directory", dir.file("script-dir", "#!/tmp\n"), -EACCES},
        {"script, no interpreter", dir.file("script-none", "#!   \n"), -ENOEXEC},
        {"script, interpreter a text file", dir.file("script-text", "#!" + dir.path() + "/text\n"), -ENOEXEC},
        {"ELF for aarch64", dir.file("aarch64", elf_header(ELFCLASS64, EM_AARCH64)), -ENOEXEC},
        {"ELF without program headers", dir.file("nophdr", elf_header(ELFCLASS64, EM_X86_64)), -ENOEXEC},
        {"truncated ELF", dir.file("truncated", elf.substr(0, 100)), -ENOEXEC},
        {"PT_INTERP missing", bad_interp, -ENOENT},
        {"PT_INTERP not an ELF file", text_interp, -ELIBBAD},
        {"PT_INTERP shorter than an ELF header", short_text_interp, -EIO},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(probe_executable(c.path.c_str()), c.expected) << c.name << ": " << c.path;
        EXPECT_EQ(-kernel_exec_errno(c.path), c.expected) << c.name << " (the kernel's execve): " << c.path;
    }
    ::unlink(fake_interp.c_str());
    ::unlink(short_interp.c_str());
}

TEST(Probe, ThirtyTwoBitProgramsAreNotX86_64) {
    TempDir dir;
    EXPECT_EQ(probe_executable(dir.file("i386", elf_header(ELFCLASS32, EM_386)).c_str()), kNotX86_64);
    EXPECT_EQ(probe_executable(dir.file("x32", elf_header(ELFCLASS32, EM_X86_64)).c_str()), kNotX86_64);
    EXPECT_EQ(probe_executable(dir.file("arm", elf_header(ELFCLASS32, EM_ARM)).c_str()), -ENOEXEC);
    std::string i386 = LSTAR_SYS_WRAPPERS32;
    if (i386.empty()) GTEST_SKIP() << LSTAR_M32_MISSING;
    EXPECT_EQ(probe_executable(i386.c_str()), kNotX86_64);
    EXPECT_EQ(probe_executable(dir.file("script32", "#!" + i386 + "\n").c_str()), kNotX86_64);
    Result<LoadedProgram> p = load_program(i386, {"x"}, {});
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().err, ENOEXEC);
    EXPECT_NE(p.error().message.find("i386"), std::string::npos) << p.error().message;
}

}  // namespace
