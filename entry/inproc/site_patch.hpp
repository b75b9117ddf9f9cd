// Lazy system-call site patching: a call site in the program that keeps trapping
// is rewritten so that its later calls jump into the runtime without a signal.
//
// A site qualifies when the five bytes before its `syscall` are one instruction
// that can run elsewhere unchanged: `mov $nr, %eax` (glibc's wrappers) or
// `mov 0x8(%rsp), %r9` at the end of glibc's syscall(3). Those five bytes become
// a `jmp rel32` to a stub of the site's own (within ±2 GiB, in a page mapped near
// the site) that runs the replaced instruction and jumps to
// lstar_inproc_patched_entry (gadgets.S) with rcx = the return address. The
// `syscall` stays in place: a jump to it, or a restarted call, still traps.
//
// Only calls the trap filter traps by their number alone for the path, and none
// the runtime handles itself (exec, clone, signals, exit...), in private r-x file
// mappings (not the vDSO, not JIT memory); by default not in the program's own
// file, whose text a program may read and checksum (LSTAR_INPROC_PATCH=all
// patches there too). The rewrite is one aligned 8-byte store while other threads
// may run the code, any store while the process has one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

// The numbers the patched entry may take: x86_64's (and room to spare).
inline constexpr std::size_t kPatchableNumbers = 512;

namespace lstar::inproc {

enum class PatchMode : std::uint8_t { off, libraries, all };

// LSTAR_INPROC_PATCH's value: "off", "libraries" (the default, also for an empty value), "all".
bool parse_patch_mode(std::string_view text, PatchMode* mode);

class SitePatcher {
public:
    // `patchable[nr]`: the x86_64 calls whose sites may be patched.
    void configure(PatchMode mode, std::vector<bool> patchable, std::string program_file);
    // A trap of `nr` whose syscall ends at `ip` (the signal's return address),
    // counted: true when its site is due to be patched now (once).
    bool due(std::uint64_t ip, std::uint32_t nr);
    // Patches that site if it qualifies. `alone`: no other thread can run it meanwhile.
    void patch_at(std::uint64_t ip, std::uint32_t nr, bool alone) { patch(ip - 2, nr, alone); }
    // An in-process exec has unmapped the program, with the stub pages.
    void forget() {
        sites_.clear();
        stub_pages_.clear();
    }

private:
    struct StubPage {
        std::uint64_t addr = 0;
        unsigned used = 0;
    };
    bool patch(std::uint64_t syscall_at, std::uint32_t nr, bool alone);
    std::uint64_t stub_near(std::uint64_t site);

    PatchMode mode_ = PatchMode::off;
    std::vector<bool> patchable_;
    std::string program_file_;
    // Per site (the address of its syscall): traps so far; kDone once patched or refused.
    std::unordered_map<std::uint64_t, std::uint32_t> sites_;
    std::vector<StubPage> stub_pages_;
};

}  // namespace lstar::inproc
