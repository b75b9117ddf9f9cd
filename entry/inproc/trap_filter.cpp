#include "entry/inproc/trap_filter.hpp"

#include <linux/audit.h>
#include <signal.h>
#include <sys/prctl.h>

#include <fmt/format.h>

#include "entry/bpf_program.hpp"
#include "entry/inproc/runtime_calls.hpp"
#include "entry/inproc/site_patch.hpp"

namespace lstar::inproc {

namespace {

// A signal return reads its frame at the program's stack pointer: it must run
// where the program made it, and never traps.
bool never_traps(const SyscallDesc& row) { return row.effective().flags & kSigreturn; }

// A wait that a signal handler ends early, whatever its SA_RESTART: where the
// path shows signals, lstar's handler stands in for the defaults that ignore a
// signal (runtime_signals.cpp), so the runtime makes these waits, with those
// signals held off, as they would wait natively.
bool ended_by_handlers(const SyscallDesc& row) {
    return row.effective().flags & (kRestartNoHand | kRestartBlock | kPlainEintr);
}

}  // namespace

std::vector<bool> patchable_calls(const SyscallPath& path) {
    RuntimeCalls calls(nullptr);
    std::vector<bool> patchable;
    for (const SyscallDesc& row : syscall_table(Abi::x86_64)) {
        if (row.nr >= kPatchableNumbers || never_traps(row) || !path.needs_stop(row) || calls.traps.find(row)) continue;
        if (patchable.size() <= static_cast<std::size_t>(row.nr)) patchable.resize(row.nr + 1);
        patchable[row.nr] = true;
    }
    return patchable;
}

Result<std::vector<sock_filter>> build_trap_filter(const SyscallPath& path, const TrapFilterSpec& spec) {
    using namespace bpf;
    if ((spec.text_begin >> 32) != ((spec.text_end - 1) >> 32))
        return error("the in-process backend's trap filter needs lstar's text within one 4 GiB window "
                     "(the lstar binary was linked at an unusual address)");
    // The runtime's calls (runtime_calls.cpp), by when they must trap. Those with a
    // rule of their own trap by it on x86_64 (below) when the path does not need them
    // whole, and whole on the other ABIs.
    RuntimeCalls calls(nullptr);
    auto runtime_traps = [&](const SyscallDesc& row) {
        const std::optional<TrapWhen>* when = calls.traps.find(row);
        if (!when) return false;
        if (**when == TrapWhen::path_needs) return false;
        if (**when == TrapWhen::signals_shown) return path.needs_signals();
        return **when == TrapWhen::always || row.abi != Abi::x86_64;
    };
    bool signals = path.needs_signals();
    auto stops = [&](const SyscallDesc& row) {
        return !never_traps(row) && (path.needs_stop(row) || runtime_traps(row) || (signals && ended_by_handlers(row)));
    };
    bool unknown = path.needs_stop_unknown();
    Emitter e(SECCOMP_RET_TRAP | kTrapData);
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
    for (const SyscallDesc& row : syscall_table(Abi::x86_64)) {
        const std::optional<TrapWhen>* when = calls.traps.find(row);
        if (!when || path.needs_stop(row)) continue;
        auto nr = static_cast<std::uint32_t>(row.nr);
        switch (**when) {
        case TrapWhen::always:
        case TrapWhen::path_needs:
        case TrapWhen::signals_shown: break;
        case TrapWhen::sets_or_reads:  // any but a query of nothing: SIGSYS's action and mask are the runtime's
            rule(nr, [&] {
                unless_null(1, 5);
                unless_null(2, 1);
                e.ret(false);
                e.ret(true);
            });
            break;
        case TrapWhen::seccomp_option:
            rule(nr, [&] {
                e.load_arg(0);
                e.jump(BPF_JMP | BPF_JEQ | BPF_K, PR_GET_SECCOMP, 1, 0);
                e.jump(BPF_JMP | BPF_JEQ | BPF_K, PR_SET_SECCOMP, 0, 1);
                e.ret(true);
                e.ret(false);
            });
            break;
        case TrapWhen::reserved_fd_arg0: rule(nr, [&] { trap_if_arg_is_reserved(0); }); break;
        case TrapWhen::reserved_fd_arg1: rule(nr, [&] { trap_if_arg_is_reserved(1); }); break;
        }
    }
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

std::vector<sock_filter> build_strict_filter(const TrapFilterSpec& spec) {
    constexpr std::uint32_t kIp = offsetof(seccomp_data, instruction_pointer);
    constexpr std::uint32_t kTrap = SECCOMP_RET_TRAP | kStrictTrapData;
    auto ld = [](std::uint32_t at) { return sock_filter BPF_STMT(BPF_LD | BPF_W | BPF_ABS, at); };
    auto eq = [](std::uint32_t k, std::uint8_t jt, std::uint8_t jf) { return sock_filter BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, k, jt, jf); };
    auto ge = [](std::uint32_t k, std::uint8_t jt, std::uint8_t jf) { return sock_filter BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, k, jt, jf); };
    auto ret = [](std::uint32_t k) { return sock_filter BPF_STMT(BPF_RET | BPF_K, k); };
    return {
        // 0-5: lstar's text runs.
        ld(kIp + 4), eq(static_cast<std::uint32_t>(spec.text_begin >> 32), 0, 4),
        ld(kIp), ge(static_cast<std::uint32_t>(spec.text_begin), 0, 2), ge(static_cast<std::uint32_t>(spec.text_end), 1, 0),
        ret(SECCOMP_RET_ALLOW),
        // 6-13: x86_64's read, write, exit, rt_sigreturn.
        ld(offsetof(seccomp_data, arch)), eq(AUDIT_ARCH_X86_64, 0, 7),
        ld(offsetof(seccomp_data, nr)), eq(0, 3, 0), eq(1, 2, 0), eq(60, 1, 0), eq(15, 0, 1),
        ret(SECCOMP_RET_ALLOW), ret(kTrap),
        // 15-22: i386's read, write, exit, sigreturn.
        eq(AUDIT_ARCH_I386, 0, 6),
        ld(offsetof(seccomp_data, nr)), eq(3, 3, 0), eq(4, 2, 0), eq(1, 1, 0), eq(119, 0, 1),
        ret(SECCOMP_RET_ALLOW), ret(kTrap),
    };
}

}  // namespace lstar::inproc
