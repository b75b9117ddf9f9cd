#include "entry/ptrace/seccomp_prefilter.hpp"

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace lstar {

namespace {

// The number space of one section of the filter is cut into segments
// [bound[i], bound[i+1]) that each either stop (RET_TRACE) or not.
struct Segments {
    std::vector<std::uint64_t> bound;  // bound[0] = section start; last segment runs to the end
    std::vector<bool> trace;
    void add(std::uint64_t start, bool t) {
        if (!trace.empty() && trace.back() == t) return;
        bound.push_back(start);
        trace.push_back(t);
    }
};

Segments segments_for(const SyscallPath& path, Abi abi, std::uint64_t base) {
    Segments s;
    auto rows = syscall_table(abi);
    for (const SyscallDesc& row : rows) s.add(row.nr, path.needs_stop(row));
    s.add(base + rows.size(), path.needs_stop_unknown());
    if (s.bound.empty() || s.bound.front() != base) {  // an empty table
        s.bound.insert(s.bound.begin(), base);
        s.trace.insert(s.trace.begin(), path.needs_stop_unknown());
    }
    return s;
}

class Emitter {
public:
    std::vector<sock_filter> code;

    void stmt(std::uint16_t op, std::uint32_t k) { code.push_back(BPF_STMT(op, k)); }
    std::size_t jump(std::uint16_t op, std::uint32_t k, std::uint8_t jt, std::uint8_t jf) {
        code.push_back(BPF_JUMP(op, k, jt, jf));
        return code.size() - 1;
    }
    // Patches an unconditional jump at `at` to land here.
    void land(std::size_t at) { code[at].k = static_cast<std::uint32_t>(code.size() - at - 1); }
    void ret(bool trace) { stmt(BPF_RET | BPF_K, trace ? SECCOMP_RET_TRACE : SECCOMP_RET_ALLOW); }

    // A binary search over segments [lo, hi) on the number in the accumulator.
    void decide(const Segments& s, std::size_t lo, std::size_t hi) {
        if (hi - lo == 1) return ret(s.trace[lo]);
        std::size_t mid = lo + (hi - lo) / 2;
        // nr >= bound[mid] ? goto right : fall into left. Conditional jumps reach only
        // 255 instructions, so the long way goes through an unconditional one.
        jump(BPF_JMP | BPF_JGE | BPF_K, static_cast<std::uint32_t>(s.bound[mid]), 0, 1);
        std::size_t to_right = jump(BPF_JMP | BPF_JA, 0, 0, 0);
        decide(s, lo, mid);
        land(to_right);
        decide(s, mid, hi);
    }
};

}  // namespace

SeccompPrefilter::SeccompPrefilter(const SyscallPath& path) {
    Segments x86_64 = segments_for(path, Abi::x86_64, 0);
    Segments x32 = segments_for(path, Abi::x32, kX32SyscallBit);
    Segments i386 = segments_for(path, Abi::i386, 0);
    for (const Segments* s : {&x86_64, &x32, &i386})
        for (bool t : s->trace) {
            stops_nothing_ = stops_nothing_ && !t;
            stops_everything_ = stops_everything_ && t;
        }

    Emitter e;
    e.stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch));
    e.jump(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);  // x86_64: skip the jump to i386
    std::size_t to_i386 = e.jump(BPF_JMP | BPF_JA, 0, 0, 0);
    e.stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr));
    e.jump(BPF_JMP | BPF_JGE | BPF_K, static_cast<std::uint32_t>(kX32SyscallBit), 0, 1);
    std::size_t to_x32 = e.jump(BPF_JMP | BPF_JA, 0, 0, 0);
    // x86_64 numbers: the section ends where x32 numbers begin.
    e.decide(x86_64, 0, x86_64.bound.size());
    e.land(to_x32);
    e.decide(x32, 0, x32.bound.size());
    e.land(to_i386);
    e.jump(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 0, 1);  // not i386: skip to RET_TRACE
    std::size_t to_i386_rows = e.jump(BPF_JMP | BPF_JA, 0, 0, 0);
    e.ret(true);  // an architecture lstar has no table for: let the path see it
    e.land(to_i386_rows);
    e.stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr));
    e.decide(i386, 0, i386.bound.size());

    if (e.code.size() > BPF_MAXINSNS) {
        // Too scattered a selection to fit: stop every call, which is always right.
        e.code.clear();
        e.ret(true);
        stops_everything_ = true;
    }
    program_ = std::move(e.code);
}

bool SeccompPrefilter::load() const {
    sock_fprog prog{static_cast<unsigned short>(program_.size()), const_cast<sock_filter*>(program_.data())};
    // SPEC_ALLOW: a filter otherwise turns on speculative-execution mitigations (SSBD,
    // IBPB on every switch to the task), which would slow the program down for
    // reasons that have nothing to do with tracing it.
    auto install = [&] {
        return ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_SPEC_ALLOW, &prog) == 0;
    };
    if (install()) return true;
    if (errno != EACCES) return false;
    // Without CAP_SYS_ADMIN a filter needs no_new_privs (set-uid programs then run
    // without their privileges, as under strace --seccomp-bpf).
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return false;
    return install();
}

}  // namespace lstar
