#include "trace/stack_trace.hpp"

#include <cxxabi.h>
#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>

#include <array>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "trace/json_printer.hpp"

namespace lstar {

namespace {

// Debug files under the standard places (/usr/lib/debug, .gnu_debuglink, build ids).
// libdwfl falls back to a debuginfod server when DEBUGINFOD_URLS names one, through
// a dlopen()ed libdebuginfod, which the static lstar cannot load: then only the
// local build-id lookup is made.
char* g_debuginfo_path = nullptr;
int find_debuginfo(Dwfl_Module* mod, void** userdata, const char* modname, Dwarf_Addr base, const char* file_name,
                   const char* debuglink_file, GElf_Word debuglink_crc, char** debuginfo_file_name) {
    static const bool server = [] {
        const char* urls = std::getenv("DEBUGINFOD_URLS");
        return urls && *urls;
    }();
    if (server)
        return dwfl_build_id_find_debuginfo(mod, userdata, modname, base, file_name, debuglink_file, debuglink_crc,
                                            debuginfo_file_name);
    return dwfl_standard_find_debuginfo(mod, userdata, modname, base, file_name, debuglink_file, debuglink_crc,
                                        debuginfo_file_name);
}
const Dwfl_Callbacks kModuleCallbacks = {
    .find_elf = dwfl_linux_proc_find_elf,
    .find_debuginfo = find_debuginfo,
    .section_address = nullptr,
    .debuginfo_path = &g_debuginfo_path,
};

// The symbol as strace shows it: without the version a .symtab name may carry
// ("__libc_start_main@@GLIBC_2.34"), C++ names demangled.
std::string demangled(const char* symbol) {
    std::string name = symbol;
    if (std::size_t at = name.find('@'); at != std::string::npos && at > 0) name.resize(at);
    if (name.size() < 2 || name[0] != '_' || name[1] != 'Z') return name;
    int status = 0;
    char* d = abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status);
    std::string out = status == 0 && d ? d : name;
    std::free(d);
    return out;
}

}  // namespace

// A process's modules and its threads' state, as libdwfl sees them: the modules
// from /proc/PID/maps (read again after its mappings changed), the registers and
// memory of the one task being unwound from the path's Task.
struct StackUnwinder::Process {
    explicit Process(pid_t id) : tgid(id) {}
    ~Process() {
        if (dwfl) dwfl_end(dwfl);
    }

    pid_t tgid;
    Dwfl* dwfl = nullptr;
    bool attached = false;  // dwfl_attach_state done
    bool stale = true;      // the module list must be read (again)
    Task* task = nullptr;   // the task being unwound

    // The pages of the task's memory read during one capture: an unwind reads a few
    // words from each of a few stack pages, and every read of the backend's is a
    // system call.
    struct Page {
        std::uint64_t base = 0;
        long valid = 0;  // bytes read from base
        std::array<unsigned char, 4096> bytes;
    };
    std::array<Page, 8> pages;
    std::size_t pages_used = 0;

    // Frames already symbolised, by pc (and whether it is the innermost frame's):
    // the same call sites come back call after call, and libdwfl's symbol lookup
    // walks the whole symbol table each time. Valid as long as the module list.
    std::unordered_map<std::uint64_t, StackFrame> resolved;
    static constexpr std::size_t kMaxResolved = 1 << 16;

    bool report_modules() {
        if (!dwfl) {
            dwfl = dwfl_begin(&kModuleCallbacks);
            if (!dwfl) return false;
        }
        resolved.clear();
        dwfl_report_begin(dwfl);
        int rc = dwfl_linux_proc_report(dwfl, tgid);
        dwfl_report_end(dwfl, nullptr, nullptr);
        if (rc != 0) return false;
        stale = false;
        return true;
    }

    bool read_byte_range(std::uint64_t addr, unsigned char* out, std::size_t len) {
        while (len) {
            std::uint64_t base = addr & ~std::uint64_t{4095};
            Page* page = nullptr;
            for (std::size_t i = 0; i < pages_used; ++i)
                if (pages[i].base == base) page = &pages[i];
            if (!page) {
                page = &pages[pages_used < pages.size() ? pages_used++ : (base >> 12) % pages.size()];
                page->base = base;
                page->valid = task->mem->read(base, page->bytes.data(), page->bytes.size());
            }
            std::size_t at = addr - base, n = std::min<std::size_t>(len, 4096 - at);
            if (page->valid < static_cast<long>(at + n)) return false;
            std::memcpy(out, page->bytes.data() + at, n);
            out += n, addr += n, len -= n;
        }
        return true;
    }

    // ---- libdwfl's thread callbacks: one thread, the task being unwound ----
    static pid_t next_thread(Dwfl*, void* arg, void** thread_argp) {
        auto* self = static_cast<Process*>(arg);
        if (*thread_argp) return 0;
        *thread_argp = self;
        return self->task->tid;
    }
    static bool get_thread(Dwfl*, pid_t tid, void* arg, void** thread_argp) {
        auto* self = static_cast<Process*>(arg);
        *thread_argp = self;
        return tid == self->task->tid;
    }
    static bool memory_read(Dwfl*, Dwarf_Addr addr, Dwarf_Word* result, void* arg) {
        auto* self = static_cast<Process*>(arg);
        std::uint64_t word = 0;
        if (!self->read_byte_range(addr, reinterpret_cast<unsigned char*>(&word), sizeof word)) return false;
        *result = word;
        return true;
    }
    static bool set_initial_registers(Dwfl_Thread* thread, void* thread_arg) {
        const PtRegs& r = static_cast<Process*>(thread_arg)->task->regs;
        // The x86_64 DWARF register numbers 0..16: rax rdx rcx rbx rsi rdi rbp rsp r8..r15 rip.
        const Dwarf_Word regs[17] = {r.ax, r.dx, r.cx, r.bx, r.si,  r.di,  r.bp,  r.sp, r.r8,
                                     r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15, r.ip};
        return dwfl_thread_state_registers(thread, 0, 17, regs);
    }
    static constexpr Dwfl_Thread_Callbacks kThreadCallbacks = {
        .next_thread = next_thread,
        .get_thread = get_thread,
        .memory_read = memory_read,
        .set_initial_registers = set_initial_registers,
        .detach = nullptr,
        .thread_detach = nullptr,
    };
};

namespace {

struct FrameWalk {
    StackUnwinder::Process* process;
    Dwfl* dwfl;
    StackTraceMode mode;
    unsigned limit;
    CallStack* out;
};

// Where the address is in the module's file, as strace shows it (the mapping's file
// offset plus the distance from its start): the segment's p_offset plus the
// distance from its p_vaddr. For a PIE or a library the same as the address less
// the load bias, for an ET_EXEC program not.
std::uint64_t file_offset(Dwfl_Module* mod, Dwarf_Addr pc) {
    Dwarf_Addr bias = 0;
    Elf* elf = dwfl_module_getelf(mod, &bias);
    std::uint64_t vaddr = pc - bias;
    std::size_t count = 0;
    if (!elf || elf_getphdrnum(elf, &count) != 0) return vaddr;
    for (std::size_t i = 0; i < count; ++i) {
        GElf_Phdr ph;
        if (gelf_getphdr(elf, static_cast<int>(i), &ph) && ph.p_type == PT_LOAD && vaddr >= ph.p_vaddr &&
            vaddr < ph.p_vaddr + ph.p_memsz)
            return vaddr - ph.p_vaddr + ph.p_offset;
    }
    return vaddr;
}

int on_frame(Dwfl_Frame* state, void* arg) {
    auto& walk = *static_cast<FrameWalk*>(arg);
    Dwarf_Addr pc = 0;
    bool activation = false;
    if (!dwfl_frame_pc(state, &pc, &activation)) return DWARF_CB_ABORT;
    if (walk.out->frames.size() >= walk.limit) {
        walk.out->error = "too many stack frames";
        return DWARF_CB_ABORT;
    }
    // A caller's pc is its return address, which may be the first byte of the next
    // function (after a call that never returns): its symbol and line are looked up
    // one byte back. strace shows the address itself.
    Dwarf_Addr lookup = activation ? pc : pc - 1;
    auto& resolved = walk.process->resolved;
    std::uint64_t key = pc << 1 | activation;
    if (auto it = resolved.find(key); it != resolved.end()) {
        walk.out->frames.push_back(it->second);
        return DWARF_CB_OK;
    }
    Dwfl_Module* mod = dwfl_addrmodule(walk.dwfl, lookup);
    if (!mod) {
        walk.out->error = fmt::format("unexpected_backtracing_error [0x{:x}]", pc);
        return DWARF_CB_ABORT;
    }
    StackFrame f;
    f.pc = pc;
    const char* name = dwfl_module_info(mod, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr);
    f.module = name ? name : "";
    GElf_Off off = 0;
    GElf_Sym sym;
    if (const char* symbol = dwfl_module_addrinfo(mod, lookup, &off, &sym, nullptr, nullptr, nullptr)) {
        f.function = demangled(symbol);
        f.offset = off + (pc - lookup);
    }
    f.rel_pc = file_offset(mod, pc);
    if (walk.mode == StackTraceMode::source)
        if (Dwfl_Line* line = dwfl_module_getsrc(mod, lookup)) {
            int lineno = 0;
            if (const char* file = dwfl_lineinfo(line, nullptr, &lineno, nullptr, nullptr, nullptr)) {
                f.source = file;
                f.line = lineno;
            }
        }
    if (resolved.size() >= StackUnwinder::Process::kMaxResolved) resolved.clear();
    resolved.emplace(key, f);
    walk.out->frames.push_back(std::move(f));
    return DWARF_CB_OK;
}

}  // namespace

StackUnwinder::StackUnwinder(StackTraceMode mode, unsigned frame_limit) : mode_(mode), frame_limit_(frame_limit) {}
StackUnwinder::~StackUnwinder() = default;

StackUnwinder::Process* StackUnwinder::process(pid_t tgid) {
    auto& p = processes_[tgid];
    if (!p) p = std::make_unique<Process>(tgid);
    return p.get();
}

CallStack StackUnwinder::capture(Task& task) {
    CallStack stack;
    if (task.abi != Abi::x86_64) {
        // libdwfl would need the task's own register set and a 32-bit module list.
        stack.error = fmt::format("no stack trace for a{} task: unwinding is for x86_64 tasks only",
                                  task.abi == Abi::i386 ? " 32-bit" : "n x32");
        return stack;
    }
    if (!task.mem) return stack;
    Process& p = *process(task.tgid);
    if (p.stale && !p.report_modules()) {
        stack.error = fmt::format("cannot read the modules of process {}: {}", task.tgid, dwfl_errmsg(-1));
        return stack;
    }
    if (!p.attached) {
        if (!dwfl_attach_state(p.dwfl, nullptr, task.tgid, &Process::kThreadCallbacks, &p)) {
            stack.error = dwfl_errmsg(-1);
            return stack;
        }
        p.attached = true;
    }
    p.task = &task;
    p.pages_used = 0;
    FrameWalk walk{&p, p.dwfl, mode_, frame_limit_, &stack};
    int rc = dwfl_getthread_frames(p.dwfl, task.tid, on_frame, &walk);
    // The end of the stack is an error to libdwfl (no CFI for the outermost frame):
    // a message only when not even the first frame was found.
    if (rc == -1 && stack.frames.empty() && stack.error.empty()) stack.error = dwfl_errmsg(-1);
    p.task = nullptr;
    return stack;
}

void StackUnwinder::mappings_changed(pid_t tgid) {
    if (auto it = processes_.find(tgid); it != processes_.end()) it->second->stale = true;
}

void StackUnwinder::forget(pid_t tgid) { processes_.erase(tgid); }

void append_stack_text(std::string& out, const CallStack& stack) {
    auto to = std::back_inserter(out);
    for (const StackFrame& f : stack.frames) {
        if (!f.function.empty()) fmt::format_to(to, " > {}({}+0x{:x}) [0x{:x}]", f.module, f.function, f.offset, f.rel_pc);
        else fmt::format_to(to, " > {}() [0x{:x}]", f.module, f.rel_pc);
        if (!f.source.empty()) fmt::format_to(to, " {}:{}", f.source, f.line);
        out += '\n';
    }
    if (!stack.error.empty()) fmt::format_to(to, " > {}\n", stack.error);
}

void append_stack_json(std::string& out, const CallStack& stack) {
    if (stack.empty()) return;
    auto to = std::back_inserter(out);
    out += ",\"stack\":[";
    bool first = true;
    for (const StackFrame& f : stack.frames) {
        if (!first) out += ',';
        first = false;
        out += "{\"module\":";
        append_json_string(out, f.module);
        out += ",\"function\":";
        if (f.function.empty()) out += "null";
        else append_json_string(out, f.function);
        fmt::format_to(to, ",\"offset\":{},\"pc\":{},\"addr\":{}", f.offset, f.rel_pc, f.pc);
        if (!f.source.empty()) {
            out += ",\"source\":";
            append_json_string(out, f.source);
            fmt::format_to(to, ",\"line\":{}", f.line);
        }
        out += '}';
    }
    out += ']';
    if (!stack.error.empty()) {
        out += ",\"stack_error\":";
        append_json_string(out, stack.error);
    }
}

}  // namespace lstar
