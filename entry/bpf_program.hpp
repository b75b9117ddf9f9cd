// Building blocks of the seccomp-bpf programs lstar generates from its tables:
// the ptrace prefilter (SECCOMP_RET_TRACE) and the in-process trap filter
// (SECCOMP_RET_TRAP) share the per-ABI binary search over number ranges.
#pragma once

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include <cstdint>
#include <functional>
#include <vector>

#include "table/syscall_table.hpp"

namespace lstar::bpf {

// The number space of one ABI cut into segments [bound[i], bound[i+1]) whose calls
// either stop (the filter's stop action) or run.
struct Segments {
    std::vector<std::uint64_t> bound;  // bound[0] = section start; the last segment runs to the end
    std::vector<bool> stop;
    void add(std::uint64_t start, bool s) {
        if (!stop.empty() && stop.back() == s) return;
        bound.push_back(start);
        stop.push_back(s);
    }
};

// `stops(row)` for each row of the ABI's table, `unknown` past its end.
inline Segments segments_for(Abi abi, const std::function<bool(const SyscallDesc&)>& stops, bool unknown) {
    Segments s;
    std::uint64_t base = abi == Abi::x32 ? kX32SyscallBit : 0;
    auto rows = syscall_table(abi);
    for (const SyscallDesc& row : rows) s.add(row.nr, stops(row));
    s.add(base + rows.size(), unknown);
    if (s.bound.empty() || s.bound.front() != base) {  // an empty table
        s.bound.insert(s.bound.begin(), base);
        s.stop.insert(s.stop.begin(), unknown);
    }
    return s;
}

class Emitter {
public:
    explicit Emitter(std::uint32_t stop_action) : stop_action_(stop_action) {}
    std::vector<sock_filter> code;

    void stmt(std::uint16_t op, std::uint32_t k) { code.push_back(BPF_STMT(op, k)); }
    std::size_t jump(std::uint16_t op, std::uint32_t k, std::uint8_t jt, std::uint8_t jf) {
        code.push_back(BPF_JUMP(op, k, jt, jf));
        return code.size() - 1;
    }
    // Patches the jump at `at` (unconditional, or the false branch of a conditional
    // one when `false_branch`) to land here.
    void land(std::size_t at, bool false_branch = false) {
        auto offset = static_cast<std::uint32_t>(code.size() - at - 1);
        if (false_branch) code[at].jf = static_cast<std::uint8_t>(offset);
        else code[at].k = offset;
    }
    void ret(bool stop) {
        if (stop && defer_stops_) stop_jumps_.push_back(jump(BPF_JMP | BPF_JA, 0, 0, 0));
        else stmt(BPF_RET | BPF_K, stop ? stop_action_ : SECCOMP_RET_ALLOW);
    }
    // From here on a stop is a jump to a final check that land_stops() places,
    // instead of a return.
    void defer_stops() { defer_stops_ = true; }
    void land_stops() {
        for (std::size_t at : stop_jumps_) land(at);
        stop_jumps_.clear();
        defer_stops_ = false;
    }
    void load_nr() { stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)); }
    void load_arch() { stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)); }
    // The low (or high) 32 bits of argument i.
    void load_arg(int i, bool high = false) {
        stmt(BPF_LD | BPF_W | BPF_ABS,
             static_cast<std::uint32_t>(offsetof(seccomp_data, args) + 8 * i + (high ? 4 : 0)));
    }

    // A binary search over segments [lo, hi) on the number in the accumulator.
    void decide(const Segments& s, std::size_t lo, std::size_t hi) {
        if (hi - lo == 1) return ret(s.stop[lo]);
        std::size_t mid = lo + (hi - lo) / 2;
        // nr >= bound[mid] ? goto right : fall into left. Conditional jumps reach only
        // 255 instructions, so the long way goes through an unconditional one.
        jump(BPF_JMP | BPF_JGE | BPF_K, static_cast<std::uint32_t>(s.bound[mid]), 0, 1);
        std::size_t to_right = jump(BPF_JMP | BPF_JA, 0, 0, 0);
        decide(s, lo, mid);
        land(to_right);
        decide(s, mid, hi);
    }

private:
    std::uint32_t stop_action_;
    bool defer_stops_ = false;
    std::vector<std::size_t> stop_jumps_;
};

// Loads a program into the calling process (and so into everything it execs and
// forks). Sets errno on failure.
inline bool install(const std::vector<sock_filter>& program) {
    sock_fprog prog{static_cast<unsigned short>(program.size()), const_cast<sock_filter*>(program.data())};
    // SPEC_ALLOW: a filter otherwise turns on speculative-execution mitigations (SSBD,
    // IBPB on every switch to the task), which would slow the program down for
    // reasons that have nothing to do with tracing it.
    auto load = [&] {
        return ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_SPEC_ALLOW, &prog) == 0;
    };
    if (load()) return true;
    if (errno != EACCES) return false;
    // Without CAP_SYS_ADMIN a filter needs no_new_privs (set-uid programs then run
    // without their privileges, as under strace --seccomp-bpf).
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return false;
    return load();
}

}  // namespace lstar::bpf
