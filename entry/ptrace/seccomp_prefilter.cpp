#include "entry/ptrace/seccomp_prefilter.hpp"

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "entry/bpf_program.hpp"

namespace lstar {


SeccompPrefilter::SeccompPrefilter(const SyscallPath& path, const std::function<bool(const SyscallDesc&)>& also) {
    using namespace bpf;
    auto stops = [&](const SyscallDesc& row) { return path.needs_stop(row) || (also && also(row)); };
    Segments x86_64 = segments_for(Abi::x86_64, stops, path.needs_stop_unknown());
    Segments x32 = segments_for(Abi::x32, stops, path.needs_stop_unknown());
    Segments i386 = segments_for(Abi::i386, stops, path.needs_stop_unknown());
    for (const Segments* s : {&x86_64, &x32, &i386})
        for (bool t : s->stop) {
            stops_nothing_ = stops_nothing_ && !t;
            stops_everything_ = stops_everything_ && t;
        }

    Emitter e(SECCOMP_RET_TRACE);
    e.load_arch();
    e.jump(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);  // x86_64: skip the jump to i386
    std::size_t to_i386 = e.jump(BPF_JMP | BPF_JA, 0, 0, 0);
    e.load_nr();
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
    e.load_nr();
    e.decide(i386, 0, i386.bound.size());

    if (e.code.size() > BPF_MAXINSNS) {
        // Too scattered a selection to fit: stop every call, which is always right.
        e.code.clear();
        e.ret(true);
        stops_everything_ = true;
    }
    program_ = std::move(e.code);
}

bool SeccompPrefilter::load() const { return bpf::install(program_); }

}  // namespace lstar
