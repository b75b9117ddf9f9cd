// A user-space exec ("userland exec") for the in-process backend: maps an
// x86_64 ELF program (and its PT_INTERP) into this process and builds its
// initial stack the way the kernel's binfmt_elf / binfmt_script do, then
// jumps to it. Runs before the program starts, in a normal C++ context.
//
// What it does not do (the caller's business): unmap whatever already
// occupies the program's fixed addresses, reset signal dispositions,
// close O_CLOEXEC descriptors, move the process's brk (the program's brk
// calls land on this process's own brk area; LoadedProgram::brk says where
// the kernel would have put it) or fix /proc/self/{exe,cmdline,environ}.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "table/result.hpp"

namespace lstar::inproc {

// What start_program needs, plus where things ended up (for the runtime).
struct LoadedProgram {
    std::uint64_t entry = 0;          // where to jump: the interpreter's entry, or the program's
    std::uint64_t stack_pointer = 0;  // initial rsp: points at argc, 16-byte aligned as the ABI wants
    std::string path;                 // the file finally loaded (after #! resolution): absolute or as given

    // Filled in by load_program as well (0 / empty when not applicable).
    std::vector<std::string> argv;     // argv as put on the stack (after #! rewriting)
    std::string interpreter;           // PT_INTERP as written in the program, or empty
    std::uint64_t load_bias = 0;       // program: address - p_vaddr (0 for ET_EXEC)
    std::uint64_t program_entry = 0;   // AT_ENTRY
    std::uint64_t phdr = 0;            // AT_PHDR
    std::uint64_t interp_base = 0;     // AT_BASE: the interpreter's load bias, 0 without one
    std::uint64_t brk = 0;             // page-aligned end of the program's highest segment
                                       // (where the kernel would start the program's brk)
    bool executable_stack = false;     // PT_GNU_STACK has PF_X (noted, not honoured)
    std::uint64_t stack_low = 0;       // the new stack mapping [stack_low, stack_high), usable part;
    std::uint64_t stack_high = 0;      // a PROT_NONE guard lies below stack_low
    std::uint64_t arg_start = 0, arg_end = 0;  // argv strings on the new stack (as mm->arg_*)
    std::uint64_t env_start = 0, env_end = 0;  // envp strings on the new stack (as mm->env_*)
    std::uint64_t auxv = 0;            // address of the auxv on the new stack
    std::uint64_t execfn = 0;          // AT_EXECFN: the path string on the new stack
    // A set-uid / set-gid file's owner, which the program runs as (its effective and
    // saved ids), where the kernel would honour the bit: not under no_new_privs, not
    // on a nosuid mount. -1: the ids stay.
    long set_uid = -1, set_gid = -1;
};

// What a file is, without loading it, for an execve pre-check: 0 when load_program can run it,
// else a negative errno as the kernel's execve would return it: -ENOENT, -EACCES (not executable,
// directory, noexec...), -ENOEXEC (unknown format), -ELIBBAD (bad ELF). A 32-bit ELF (ELFCLASS32,
// EM_386) or an x32 program returns kNotX86_64 (a distinct positive int),
// since lstar cannot run those in-process. #! scripts are followed to their interpreter
// (-ELOOP past the kernel's nesting limit).
int probe_executable(const char* path);
inline constexpr int kNotX86_64 = 1;

// A probe's findings (its open files and parsed headers), kept for the load that
// follows so that an exec opens and reads the program once, as the kernel does.
// Only a program without #! is kept (a script's argv is rewritten by the load).
// Holds descriptors: hand it to load_program, or drop it, before the program runs.
class ProbedProgram {
public:
    ProbedProgram();
    ~ProbedProgram();
    ProbedProgram(ProbedProgram&&) noexcept;
    ProbedProgram& operator=(ProbedProgram&&) noexcept;
    bool kept() const;

private:
    friend int probe_executable(const char* path, ProbedProgram* keep);
    friend Result<LoadedProgram> load_program(const std::string&, const std::vector<std::string>&,
                                              const std::vector<std::string>&, const std::string&, ProbedProgram&&);
    struct Findings;
    std::unique_ptr<Findings> findings_;
};
int probe_executable(const char* path, ProbedProgram* keep);

// Why the in-process backend cannot serve the program at `path` as well as the ptrace
// backend would, for --backend=auto ("" when it can): a 32-bit or x32 program, one it
// cannot read or load, one that traces other processes (a dynamic program importing
// ptrace: a debugger or tracer, whose tracee lstar can step aside for only under ptrace).
std::string cannot_serve(const std::string& path);

// A file this process may execute but not read: the kernel runs it, a user-space loader
// cannot (and must not: the kernel keeps such a program's memory from its own user).
bool execute_only(const std::string& path);

// Where the loader finds what a #! line or PT_INTERP names: the file-system
// view's host name for it (ImageView::exec_path); unset, the name itself.
void set_exec_names(std::function<std::string(const std::string&)> host_name);

// Maps the program at `path` (an ELF64 x86_64 ET_EXEC or ET_DYN, or a #! script whose interpreter
// is one, nested #! like the kernel) and its PT_INTERP into this process, and builds
// its initial stack: argc, argv, envp, auxv. The error is one line ("path: what") whose errno is
// the one execve would return (ENOENT, EACCES, ENOEXEC, ELIBBAD, E2BIG, ENOMEM...); on failure,
// nothing stays mapped.
// argv is the program's argv as execve received it (argv[0] need not equal path; an empty argv
// becomes {""} as in the kernel); for a script, argv becomes [interp, optional-arg, path, argv[1..]]
// as the kernel does. AT_EXECFN is `path` as given (also for scripts, as the kernel does).
// `host`: where the file named `path` is, when that differs (a file-system view).
Result<LoadedProgram> load_program(const std::string& path, const std::vector<std::string>& argv,
                                   const std::vector<std::string>& envp, const std::string& host = {});
// The same, with what probe_executable found for this file (for `host`, or `path`).
Result<LoadedProgram> load_program(const std::string& path, const std::vector<std::string>& argv,
                                   const std::vector<std::string>& envp, const std::string& host, ProbedProgram&& probed);

// What the kernel commits at exec for a set-uid or set-gid program (LoadedProgram::set_uid,
// set_gid): the effective and saved ids, and AT_SECURE and AT_EUID/AT_EGID on the new stack.
// Where this process may not take them (an unprivileged lstar runs the program under
// no_new_privs, so that only arises with a capability missing), the ids stay, as under a tracer.
void commit_exec_ids(const LoadedProgram& program);

// Switches to the new stack and jumps to the entry with rdx = 0 (no atexit function) and the
// other registers zeroed, like the kernel's start_thread: also resets the x87/SSE control state,
// zeroes the vector registers, rflags = 0x202, and unregisters this thread's rseq area (the
// program's libc registers its own). Never returns.
[[noreturn]] void start_program(const LoadedProgram& program);

}  // namespace lstar::inproc
