#include "entry/inproc/trap_filter.hpp"

#include <linux/audit.h>
#include <signal.h>
#include <sys/prctl.h>

#include <fmt/format.h>

#include "entry/bpf_program.hpp"
#include "table/syscall_nr.hpp"

namespace lstar::inproc {

namespace {

namespace nr64 = lstar::nr::x86_64;

// Calls the runtime handles itself whatever the path needs.
bool runtime_traps(const SyscallDesc& row) {
    if (row.abi != Abi::x86_64) return false;
    switch (row.nr) {
    case nr64::execve: case nr64::execveat:
    case nr64::clone: case nr64::clone3: case nr64::fork: case nr64::vfork:
    case nr64::close_range: case nr64::readlink: case nr64::readlinkat:
    case nr64::rseq:  // where the kernel writes, to be undone before an in-process exec
    case nr64::exit: case nr64::exit_group:  // the end of a task is reported, and the trace flushed
    case nr64::seccomp:  // the program's own filters: PR_GET_SECCOMP shows them, not lstar's
        return true;
    default:
        return false;
    }
}

// Never trapped: a signal return reads its frame at the program's stack pointer,
// so it must run where the program made it.
bool never_traps(const SyscallDesc& row) { return row.name == "rt_sigreturn" || row.name == "sigreturn"; }

}  // namespace

Result<std::vector<sock_filter>> build_trap_filter(const SyscallPath& path, const TrapFilterSpec& spec) {
    using namespace bpf;
    if ((spec.text_begin >> 32) != ((spec.text_end - 1) >> 32))
        return error("the in-process backend's trap filter needs lstar's text within one 4 GiB window "
                     "(the lstar binary was linked at an unusual address)");
    auto stops = [&path](const SyscallDesc& row) {
        return !never_traps(row) && (path.needs_stop(row) || runtime_traps(row));
    };
    bool unknown = path.needs_stop_unknown();
    Emitter e(SECCOMP_RET_TRAP);
    constexpr std::uint32_t kIp = offsetof(seccomp_data, instruction_pointer);

    // A call that would trap is first checked for where it comes from, and only
    // then: a program's calls the path does not need read no more than the
    // architecture and the number, so the kernel's per-number action cache lets
    // them run without running the filter at all.
    e.defer_stops();
    e.load_arch();
    e.jump(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
    std::size_t to_i386 = e.jump(BPF_JMP | BPF_JA, 0, 0, 0);
    e.load_nr();
    e.jump(BPF_JMP | BPF_JGE | BPF_K, static_cast<std::uint32_t>(kX32SyscallBit), 0, 1);
    std::size_t to_x32 = e.jump(BPF_JMP | BPF_JA, 0, 0, 0);

    // x86_64 calls the runtime needs to see only with some arguments. Each rule
    // ends in a return; a number it does not match skips over it.
    auto rule = [&](std::uint32_t nr, auto&& body) {
        std::size_t skip = e.jump(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 0);
        body();
        e.land(skip, true);
    };
    auto needed = [&](long nr) { return path.needs_stop(syscall_table(Abi::x86_64)[static_cast<std::size_t>(nr)]); };
    // Jumps `distance` past its last instruction unless argument `arg` is 0.
    auto unless_null = [&](int arg, std::uint8_t distance) {
        e.load_arg(arg);
        e.jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, static_cast<std::uint8_t>(distance + 2));
        e.load_arg(arg, true);
        e.jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, distance);
    };
    auto trap_if_arg_is_reserved = [&](int arg) {
        e.load_arg(arg);
        for (int fd : spec.reserved_fds)
            e.jump(BPF_JMP | BPF_JEQ | BPF_K, static_cast<std::uint32_t>(fd), 0, 1), e.ret(true);
        e.ret(false);
    };
    rule(kCloneReportNr, [&] { e.ret(true); });
    if (!needed(nr64::rt_sigaction))
        rule(nr64::rt_sigaction, [&] {  // any but a query of nothing: handlers are the runtime's to set
            unless_null(1, 5);
            unless_null(2, 1);
            e.ret(false);
            e.ret(true);
        });
    if (!needed(nr64::rt_sigprocmask))
        rule(nr64::rt_sigprocmask, [&] {  // a mask that could block SIGSYS: SIG_BLOCK, SIG_SETMASK with a set
            e.load_arg(0);
            e.jump(BPF_JMP | BPF_JEQ | BPF_K, SIG_UNBLOCK, 0, 1);
            e.ret(false);
            unless_null(1, 1);
            e.ret(false);
            e.ret(true);
        });
    if (!needed(nr64::prctl))
        rule(nr64::prctl, [&] {  // PR_GET_SECCOMP, PR_SET_SECCOMP
            e.load_arg(0);
            e.jump(BPF_JMP | BPF_JEQ | BPF_K, PR_GET_SECCOMP, 1, 0);
            e.jump(BPF_JMP | BPF_JEQ | BPF_K, PR_SET_SECCOMP, 0, 1);
            e.ret(true);
            e.ret(false);
        });
    if (!needed(nr64::close)) rule(nr64::close, [&] { trap_if_arg_is_reserved(0); });
    if (!needed(nr64::dup2)) rule(nr64::dup2, [&] { trap_if_arg_is_reserved(1); });
    if (!needed(nr64::dup3)) rule(nr64::dup3, [&] { trap_if_arg_is_reserved(1); });
    Segments x86_64 = segments_for(Abi::x86_64, stops, unknown);
    e.decide(x86_64, 0, x86_64.bound.size());

    e.land(to_x32);
    Segments x32 = segments_for(Abi::x32, stops, unknown);
    e.decide(x32, 0, x32.bound.size());

    e.land(to_i386);
    e.jump(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 1, 0);
    e.ret(true);  // an architecture lstar has no table for: let the runtime see it
    e.load_nr();
    Segments i386 = segments_for(Abi::i386, stops, unknown);
    e.decide(i386, 0, i386.bound.size());

    // Calls from lstar's text (the runtime's own) run; the program's trap.
    e.land_stops();
    e.stmt(BPF_LD | BPF_W | BPF_ABS, kIp + 4);
    std::size_t not_text_hi = e.jump(BPF_JMP | BPF_JEQ | BPF_K, static_cast<std::uint32_t>(spec.text_begin >> 32), 0, 0);
    e.stmt(BPF_LD | BPF_W | BPF_ABS, kIp);
    std::size_t below = e.jump(BPF_JMP | BPF_JGE | BPF_K, static_cast<std::uint32_t>(spec.text_begin), 0, 0);
    std::size_t above = e.jump(BPF_JMP | BPF_JGE | BPF_K, static_cast<std::uint32_t>(spec.text_end), 0, 0);
    e.ret(false);
    e.land(not_text_hi, true);
    e.land(below, true);
    e.code[above].jt = static_cast<std::uint8_t>(e.code.size() - above - 1);
    e.ret(true);

    if (e.code.size() > BPF_MAXINSNS)
        return error(fmt::format("the trap filter ({} instructions) does not fit in one seccomp program ({})",
                                 e.code.size(), BPF_MAXINSNS), E2BIG);
    return std::move(e.code);
}

}  // namespace lstar::inproc
