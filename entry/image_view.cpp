// The virtual view's changes to a new image's initial stack: argc, argv and envp
// (each ending in a null word), then the auxiliary vector's (type, value) pairs.
#include <elf.h>

#include "entry/backend.hpp"

namespace lstar {

void apply_image_view(UserMemory& mem, std::uint64_t sp, bool wide, const ImageView& view) {
    if (!view.any()) return;
    const std::uint64_t word = wide ? 8 : 4;
    auto read_word = [&](std::uint64_t addr, std::uint64_t* out) {
        *out = 0;
        return mem.read(addr, out, word) == static_cast<long>(word);
    };
    std::uint64_t argc = 0, w = 0;
    if (!read_word(sp, &argc) || argc > (1u << 24)) return;
    std::uint64_t p = sp + word * (argc + 2);  // past argv and its null
    for (int i = 0; i < (1 << 24); ++i, p += word) {  // past envp and its null
        if (!read_word(p, &w)) return;
        if (w == 0) break;
    }
    for (p += word;; p += 2 * word) {
        std::uint64_t type = 0, value = 0;
        if (!read_word(p, &type) || !read_word(p + word, &value) || type == AT_NULL) return;
        if (type == AT_SYSINFO_EHDR && view.hide_vdso) {
            std::uint64_t ignore = AT_IGNORE;
            mem.write(p, &ignore, word);
        } else if (type == AT_RANDOM && view.at_random && value) {
            std::uint8_t bytes[16];
            view.at_random(bytes);
            mem.write(value, bytes, sizeof bytes);
        }
    }
}

}  // namespace lstar
