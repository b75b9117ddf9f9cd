#include "entry/inproc/site_patch.hpp"

#include <cpuid.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstring>

#include "entry/inproc/runtime.hpp"

extern "C" {
void lstar_inproc_patched_entry();
// Per x86_64 number: the patched entry may take it (the stub of a site whose
// number comes in rax, glibc's syscall(3), reads it; others go back to the trap).
unsigned char lstar_inproc_patchable[kPatchableNumbers];
}

namespace lstar::inproc {

namespace {

constexpr std::uint32_t kDone = ~0u;
// A site is patched at its 64th trap: a patch costs a read of /proc/self/maps,
// four mprotect and a private copy of a page (about 40 µs), which some 25 calls
// without a signal repay where a signal costs 2 µs; sites a program's start-up
// passes a few times (python3's thousand calls) are left as they are.
constexpr std::uint32_t kPatchAfter = 64;
constexpr std::size_t kPage = 4096;
constexpr std::size_t kStubSize = 64;
constexpr std::size_t kStubsPerPage = kPage / kStubSize - 1;  // the last slot holds the entry's address
constexpr std::int64_t kReach = (1ll << 31) - kPage;          // what a rel32 jump spans, with room

constexpr unsigned char kSyscall[] = {0x0f, 0x05};
constexpr unsigned char kMovR9FromStack[] = {0x4c, 0x8b, 0x4c, 0x24, 0x08};  // mov 0x8(%rsp),%r9
// glibc's syscall(3) before that: its arguments move down one register.
constexpr unsigned char kSyscallFunction[] = {0x48, 0x89, 0xf8, 0x48, 0x89, 0xf7, 0x48, 0x89, 0xd6,
                                              0x48, 0x89, 0xca, 0x4d, 0x89, 0xc2, 0x4d, 0x89, 0xc8};

struct Mapping {
    bool private_rx = false;
    std::string path;
};

// The mapping that holds [begin, end), from /proc/self/maps (read whole: the
// kernel's view now, as the program may have mapped anything since the last patch).
bool mapping_of(std::uint64_t begin, std::uint64_t end, Mapping* out) {
    std::string maps = own_maps();
    for (std::size_t pos = 0; pos < maps.size();) {
        std::size_t eol = std::min(maps.find('\n', pos), maps.size());
        std::string_view line(maps.data() + pos, eol - pos);
        pos = eol + 1;
        char* rest = nullptr;
        std::uint64_t b = std::strtoull(line.data(), &rest, 16);
        std::uint64_t e = std::strtoull(rest + 1, &rest, 16);
        if (begin < b || end > e) continue;
        std::string_view fields(rest + 1, line.size() - static_cast<std::size_t>(rest + 1 - line.data()));
        out->private_rx = fields.substr(0, 4) == "r-xp";
        // "perms offset dev inode path": the path is what follows the fifth field.
        std::size_t at = 0;
        for (int field = 0; field < 4 && at != std::string_view::npos; ++field) {
            at = fields.find(' ', at);
            if (at != std::string_view::npos) at = fields.find_first_not_of(' ', at);
        }
        out->path = at == std::string_view::npos ? "" : std::string(fields.substr(at));
        return true;
    }
    return false;
}

// What the patched entry saves of the FPU state: what lstar's code may change
// (x87, SSE, AVX, AVX-512), as XCR0 enables it, and the frame that holds it; found
// at the first patch (CPUID is a VM exit on a guest: images that patch nothing
// do not pay it). Without XSAVE enabled by the kernel (OSXSAVE), nothing is patched.
bool entry_frame_ready() {
    static int ready = -1;
    if (ready >= 0) return ready;
    ready = 0;
    constexpr std::uint64_t kLstarUses = 0xe7;  // x87, SSE, AVX, opmask, ZMM_Hi256, Hi16_ZMM
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE)) return false;
    unsigned lo = 0, hi = 0;
    asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    lstar_inproc_xsave_mask = ((static_cast<std::uint64_t>(hi) << 32) | lo) & kLstarUses;
    std::uint64_t size = 512 + 64;  // the legacy area and the header
    for (unsigned component = 2; component < 8; ++component) {
        if (!(lstar_inproc_xsave_mask & (1u << component))) continue;
        __cpuid_count(0xd, component, a, b, c, d);
        size = std::max<std::uint64_t>(size, std::uint64_t(b) + a);
    }
    lstar_inproc_patch_frame_size = 1088 + size + 64;  // gadgets.S: P_XSAVE, the area, alignment
    ready = 1;
    return 1;
}

void put64(unsigned char* at, std::uint64_t value) { std::memcpy(at, &value, 8); }
void put32(unsigned char* at, std::int64_t value) {
    auto v = static_cast<std::int32_t>(value);
    std::memcpy(at, &v, 4);
}

}  // namespace

bool parse_patch_mode(std::string_view text, PatchMode* mode) {
    if (text.empty() || text == "libraries") *mode = PatchMode::libraries;
    else if (text == "off") *mode = PatchMode::off;
    else if (text == "all") *mode = PatchMode::all;
    else return false;
    return true;
}

void SitePatcher::configure(PatchMode mode, std::vector<bool> patchable, std::string program_file) {
    mode_ = mode;
    patchable_ = std::move(patchable);
    program_file_ = std::move(program_file);
    for (std::size_t nr = 0; nr < kPatchableNumbers; ++nr)
        lstar_inproc_patchable[nr] = nr < patchable_.size() && patchable_[nr];
}

bool SitePatcher::due(std::uint64_t ip, std::uint32_t nr) {
    if (mode_ == PatchMode::off || nr >= patchable_.size() || !patchable_[nr] || ip < 7) return false;
    std::uint32_t& seen = sites_[ip - 2];
    if (seen == kDone || ++seen < kPatchAfter) return false;
    seen = kDone;
    return true;
}

// A stub slot within reach of `site`: in a page of stubs already near it, or in
// a new page mapped in a free gap near it.
std::uint64_t SitePatcher::stub_near(std::uint64_t site) {
    auto reaches = [&](std::uint64_t page) {
        auto d = static_cast<std::int64_t>(page - site);
        return d > -kReach && d < kReach;
    };
    for (StubPage& page : stub_pages_)
        if (page.used < kStubsPerPage && reaches(page.addr)) return page.addr + kStubSize * page.used++;
    std::uint64_t base = site & ~std::uint64_t(kPage - 1);
    for (std::uint64_t distance = 1ull << 16; distance < (1ull << 30); distance <<= 2)
        for (std::uint64_t hint : {base - distance, base + distance}) {
            long got = sys(SYS_mmap, static_cast<long>(hint), kPage, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
            if (got < 0 && got > -4096) continue;
            auto addr = static_cast<std::uint64_t>(got);
            if (!reaches(addr)) {  // a kernel without MAP_FIXED_NOREPLACE took it as a hint
                sys(SYS_munmap, got, kPage);
                continue;
            }
            put64(reinterpret_cast<unsigned char*>(addr + kPage - 8), reinterpret_cast<std::uint64_t>(&lstar_inproc_patched_entry));
            sys(SYS_mprotect, got, kPage, PROT_READ | PROT_EXEC);
            stub_pages_.push_back({addr, 1});
            return addr;
        }
    return 0;
}

bool SitePatcher::patch(std::uint64_t syscall_at, std::uint32_t nr, bool alone) {
    const std::uint64_t site = syscall_at - 5;
    unsigned char code[sizeof kSyscallFunction + 7];
    const std::uint64_t code_at = syscall_at - 5 - sizeof kSyscallFunction;
    // Read as the kernel reads: the site may be near the start of a mapping.
    SelfMemory self;
    self.pid = static_cast<pid_t>(sys(SYS_getpid));
    if (self.read(code_at, code, sizeof code) != static_cast<long>(sizeof code)) return false;
    const unsigned char* replaced = code + sizeof kSyscallFunction;
    if (std::memcmp(replaced + 5, kSyscall, 2) != 0) return false;
    bool fixed_nr = replaced[0] == 0xb8;  // mov $imm32, %eax
    if (fixed_nr) {
        std::uint32_t imm;
        std::memcpy(&imm, replaced + 1, 4);
        if (imm != nr) return false;
    } else if (std::memcmp(replaced, kMovR9FromStack, 5) != 0 ||
               std::memcmp(code, kSyscallFunction, sizeof kSyscallFunction) != 0) {
        return false;
    }
    Mapping m;
    if (!mapping_of(code_at, syscall_at + 2, &m) || !m.private_rx || m.path.empty() || m.path[0] != '/' ||
        m.path.find("/memfd:") == 0 || m.path.ends_with(" (deleted)"))
        return false;
    if (mode_ != PatchMode::all && m.path == program_file_) return false;
    if (!entry_frame_ready()) return false;
    // One aligned 8-byte store, seen whole or not at all by threads running the
    // code; any store only while no other thread can be in it.
    std::uint64_t word = site & ~std::uint64_t(7);
    bool atomic = site + 5 <= word + 8;
    if (!atomic && !alone) return false;
    std::uint64_t stub = stub_near(site);
    if (!stub) return false;

    // The stub: the replaced instruction, then the entry with rcx = the return address.
    // For glibc's syscall(3), a number the entry may not take goes back to the syscall.
    std::uint64_t page = stub & ~std::uint64_t(kPage - 1);
    if (sys(SYS_mprotect, static_cast<long>(page), kPage, PROT_READ | PROT_WRITE | PROT_EXEC) != 0) return false;
    auto* s = reinterpret_cast<unsigned char*>(stub);
    std::size_t n = 0;
    auto emit = [&](std::initializer_list<unsigned char> bytes) {
        for (unsigned char b : bytes) s[n++] = b;
    };
    std::memcpy(s, replaced, 5);
    n = 5;
    std::size_t to_back_1 = 0, to_back_2 = 0;
    if (!fixed_nr) {
        emit({0x48, 0x3d}), put32(s + n, kPatchableNumbers), n += 4;  // cmp $kPatchableNumbers, %rax
        emit({0x73, 0x00}), to_back_1 = n;                             // jae back
        emit({0x49, 0xbb}), put64(s + n, reinterpret_cast<std::uint64_t>(lstar_inproc_patchable)), n += 8;
        emit({0x41, 0x80, 0x3c, 0x03, 0x00});                          // cmpb $0, (%r11,%rax)
        emit({0x74, 0x00}), to_back_2 = n;                             // je back
    }
    emit({0x48, 0xb9}), put64(s + n, syscall_at + 2), n += 8;          // movabs $return, %rcx
    emit({0xff, 0x25}), put32(s + n, static_cast<std::int64_t>(page + kPage - 8 - (stub + n + 4))), n += 4;
    if (!fixed_nr) {
        s[to_back_1 - 1] = static_cast<unsigned char>(n - to_back_1);
        s[to_back_2 - 1] = static_cast<unsigned char>(n - to_back_2);
        emit({0xe9}), put32(s + n, static_cast<std::int64_t>(syscall_at - (stub + n + 4))), n += 4;  // back: jmp syscall
    }
    sys(SYS_mprotect, static_cast<long>(page), kPage, PROT_READ | PROT_EXEC);

    // The site: jmp rel32 to the stub, over the five bytes; the syscall after it stays.
    unsigned char jump[5] = {0xe9};
    put32(jump + 1, static_cast<std::int64_t>(stub - syscall_at));
    std::uint64_t first = site & ~std::uint64_t(kPage - 1), last = (site + 4) & ~std::uint64_t(kPage - 1);
    long len = static_cast<long>(last + kPage - first);
    if (sys(SYS_mprotect, static_cast<long>(first), len, PROT_READ | PROT_WRITE | PROT_EXEC) != 0) return false;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);  // the stub before the jump to it
    if (atomic) {
        std::uint64_t value;
        std::memcpy(&value, reinterpret_cast<void*>(word), 8);
        std::memcpy(reinterpret_cast<unsigned char*>(&value) + (site - word), jump, 5);
        __atomic_store_n(reinterpret_cast<std::uint64_t*>(word), value, __ATOMIC_SEQ_CST);
    } else {
        std::memcpy(reinterpret_cast<void*>(site), jump, 5);
    }
    sys(SYS_mprotect, static_cast<long>(first), len, PROT_READ | PROT_EXEC);
    return true;
}

}  // namespace lstar::inproc
