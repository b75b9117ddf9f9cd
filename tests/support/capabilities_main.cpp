// lstar-test-capabilities: what this machine offers the tests (tests/support/capabilities.hpp),
// one line each: "i386 yes" or "i386 no: <why>". scripts/test asks it whether a second pass
// with every capability forced off proves anything here. Exit status 0.
#include <cstdio>

#include "tests/support/capabilities.hpp"

int main() {
    using namespace lstar::test;
    struct {
        const char* name;
        const Capability& c;
    } rows[] = {{"i386", can_exec_i386()}, {"int80", can_int80_from_64bit()}, {"fsgsbase", has_fsgsbase()}};
    for (const auto& r : rows) {
        if (r.c) std::printf("%s yes\n", r.name);
        else std::printf("%s no: %s\n", r.name, r.c.why_not.c_str());
    }
    return 0;
}
