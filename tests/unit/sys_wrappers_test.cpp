// lstar/sys.hpp: the x86_64 wrappers here, the i386 ones through the -m32
// program tests/progs/sys_wrappers32.
#include <gtest/gtest.h>

#include <string>

#include "tests/progs/sys_wrapper_checks.hpp"
#include "tests/support/capabilities.hpp"
#include "tests/support/run.hpp"

namespace {

std::string lines(const std::vector<std::string>& items) {
    std::string out;
    for (const std::string& s : items) out += "  " + s + "\n";
    return out;
}

TEST(SysWrappers, X86_64) {
    auto failures = lstar::test::sys_wrapper_failures();
    EXPECT_TRUE(failures.empty()) << "failed:\n" << lines(failures);
}

TEST(SysWrappers, ResultFollowsTheErrnoRange) {
    using lstar::sys::result;
    EXPECT_EQ(result<long>::from_raw(-1).error(), 1);
    EXPECT_EQ(result<long>::from_raw(-4095).error(), 4095);
    EXPECT_TRUE(result<long>::from_raw(-4096).ok()) << "-4096 is a value, not an errno";
    EXPECT_EQ(result<long>::from_raw(-4096).value(), -4096);
    EXPECT_TRUE(result<long>::from_raw(0).ok());
}

TEST(SysWrappers, I386ThroughInt80) {
    std::string prog = LSTAR_SYS_WRAPPERS32;
    if (prog.empty()) GTEST_SKIP() << LSTAR_M32_MISSING;
    LSTAR_REQUIRE(lstar::test::can_exec_i386());
    lstar::test::Output r = lstar::test::run(lstar::test::shell_quote(prog));
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("sys_wrappers32: 0 failed"), std::string::npos) << r.out << r.err;
}

}  // namespace
