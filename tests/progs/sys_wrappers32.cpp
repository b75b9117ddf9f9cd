// The lstar/sys.hpp checks built with -m32: the i386 wrappers (int $0x80).
// Prints each failed check and a summary line; exits 0 when all passed.
#include <cstdio>

#include "sys_wrapper_checks.hpp"

static_assert(sizeof(void*) == 4, "build this with -m32");

int main() {
    auto failures = lstar::test::sys_wrapper_failures();
    for (const auto& f : failures) std::printf("FAILED: %s\n", f.c_str());
    std::printf("sys_wrappers32: %zu failed\n", failures.size());
    return failures.empty() ? 0 : 1;
}
