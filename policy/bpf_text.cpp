// A seccomp filter in readable form: one instruction a line, with the
// architecture, call names (from lstar's table, per ABI) and actions spelled out.
#include <linux/audit.h>
#include <linux/seccomp.h>

#include <fmt/format.h>

#include "policy/seccomp_filter.hpp"
#include "table/xlat.hpp"

namespace lstar::policy {

namespace {

std::string action_text(std::uint32_t k) {
    std::uint32_t data = k & SECCOMP_RET_DATA;
    switch (k & SECCOMP_RET_ACTION_FULL) {
    case SECCOMP_RET_KILL_PROCESS: return "KILL_PROCESS";
    case SECCOMP_RET_KILL_THREAD: return "KILL_THREAD";
    case SECCOMP_RET_TRAP: return "TRAP";
    case SECCOMP_RET_ERRNO: {
        const XlatEntry* e = xlat_find(xlat::Set::errno_, data);
        return e ? fmt::format("ERRNO({})", e->name) : fmt::format("ERRNO({})", data);
    }
    case SECCOMP_RET_USER_NOTIF: return "USER_NOTIF";
    case SECCOMP_RET_TRACE: return fmt::format("TRACE({})", data);
    case SECCOMP_RET_LOG: return "LOG";
    case SECCOMP_RET_ALLOW: return "ALLOW";
    }
    return fmt::format("{:#x}", k);
}

std::string field(std::uint32_t offset) {
    if (offset == offsetof(seccomp_data, nr)) return "nr";
    if (offset == offsetof(seccomp_data, arch)) return "arch";
    if (offset == offsetof(seccomp_data, instruction_pointer)) return "ip";
    if (offset == offsetof(seccomp_data, instruction_pointer) + 4) return "ip.hi32";
    std::uint32_t args = offsetof(seccomp_data, args);
    if (offset >= args && offset < args + 6 * 8)
        return fmt::format("args[{}]{}", (offset - args) / 8, (offset - args) % 8 ? ".hi32" : ".lo32");
    return fmt::format("[{}]", offset);
}

}  // namespace

std::string disassemble(const std::vector<sock_filter>& program) {
    std::string out;
    std::string loaded;      // what the accumulator holds
    Abi abi = Abi::x86_64;   // the architecture the last comparison was about
    for (std::size_t pc = 0; pc < program.size(); ++pc) {
        const sock_filter& i = program[pc];
        std::string text, note;
        auto jump = [&](std::string_view op) {
            text = fmt::format("{} #{:#x}, {}, {}", op, i.k, pc + 1 + i.jt, pc + 1 + i.jf);
            if (loaded == "arch" && (i.k == AUDIT_ARCH_X86_64 || i.k == AUDIT_ARCH_I386)) {
                abi = i.k == AUDIT_ARCH_I386 ? Abi::i386 : Abi::x86_64;
                note = i.k == AUDIT_ARCH_I386 ? "AUDIT_ARCH_I386" : "AUDIT_ARCH_X86_64";
            } else if (loaded == "nr" && op == "jeq") {
                const SyscallDesc* row = find_syscall(abi, static_cast<std::uint64_t>(i.k));
                note = row && !row->name.empty() ? fmt::format("{} ({})", row->name, abi_name(abi)) : "";
            }
        };
        switch (i.code) {
        case BPF_LD | BPF_W | BPF_ABS:
            loaded = field(i.k);
            text = "ld " + loaded;
            break;
        case BPF_JMP | BPF_JEQ | BPF_K: jump("jeq"); break;
        case BPF_JMP | BPF_JGT | BPF_K: jump("jgt"); break;
        case BPF_JMP | BPF_JGE | BPF_K: jump("jge"); break;
        case BPF_JMP | BPF_JSET | BPF_K: jump("jset"); break;
        case BPF_JMP | BPF_JA: text = fmt::format("ja {}", pc + 1 + i.k); break;
        case BPF_ALU | BPF_AND | BPF_K: text = fmt::format("and #{:#x}", i.k); break;
        case BPF_RET | BPF_K: text = "ret " + action_text(i.k); break;
        case BPF_RET | BPF_A: text = "ret A"; break;
        case BPF_LD | BPF_MEM: text = fmt::format("ld M[{}]", i.k); break;
        case BPF_ST: text = fmt::format("st M[{}]", i.k); break;
        case BPF_LDX | BPF_MEM: text = fmt::format("ldx M[{}]", i.k); break;
        case BPF_STX: text = fmt::format("stx M[{}]", i.k); break;
        case BPF_MISC | BPF_TAX: text = "tax"; break;
        case BPF_MISC | BPF_TXA: text = "txa"; break;
        default: text = fmt::format("code {:#x} jt {} jf {} k {:#x}", i.code, i.jt, i.jf, i.k);
        }
        out += note.empty() ? fmt::format("{:4}: {}\n", pc, text) : fmt::format("{:4}: {:<40} ; {}\n", pc, text, note);
    }
    return out;
}

}  // namespace lstar::policy
