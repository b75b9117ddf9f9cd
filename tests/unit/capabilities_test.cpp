// The capability probes (tests/support/capabilities.hpp): each answers what it
// tried, each switch forces its capability off, and the answers agree with what
// the machine says about itself.
#include "tests/support/capabilities.hpp"

#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/process.hpp"
#include "tests/support/run.hpp"

using namespace lstar::test;

namespace {

// lstar-test-capabilities with these switches: name → its line after the name.
std::map<std::string, std::string> answers(const std::vector<std::string>& env) {
    ProcessOptions opt;
    opt.env = env;
    opt.timeout = std::chrono::seconds(60);
    // The child starts from this process's environment: without the switches unless given.
    for (const char* v : {"LSTAR_TEST_NO_I386", "LSTAR_TEST_NO_INT80", "LSTAR_INPROC_NO_FSGSBASE"}) {
        bool given = false;
        for (const auto& e : env) given = given || e.rfind(std::string(v) + "=", 0) == 0;
        if (!given) opt.env.push_back(v);  // putenv("NAME") removes NAME
    }
    ProcessResult r = run_process({LSTAR_TEST_CAPABILITIES}, opt);
    EXPECT_TRUE(r.exited(0)) << r.describe();
    std::map<std::string, std::string> m;
    std::istringstream s(r.out);
    std::string line;
    while (std::getline(s, line)) {
        auto sp = line.find(' ');
        if (sp != std::string::npos) m[line.substr(0, sp)] = line.substr(sp + 1);
    }
    return m;
}

bool cpuinfo_has_flag(const std::string& flag) {
    std::ifstream f("/proc/cpuinfo");
    std::string line;
    while (std::getline(f, line)) {
        if (line.rfind("flags", 0) != 0) continue;
        std::istringstream words(line.substr(line.find(':') + 1));
        std::string w;
        while (words >> w)
            if (w == flag) return true;
        return false;
    }
    return false;
}

}  // namespace

TEST(Capabilities, EachSwitchForcesItsCapabilityOff) {
    auto plain = answers({});
    ASSERT_EQ(plain.size(), 3u);
    auto off = answers({"LSTAR_TEST_NO_I386=1", "LSTAR_TEST_NO_INT80=1", "LSTAR_INPROC_NO_FSGSBASE=1"});
    EXPECT_EQ(off["i386"], "no: forced off by LSTAR_TEST_NO_I386");
    EXPECT_EQ(off["int80"], "no: forced off by LSTAR_TEST_NO_INT80");
    EXPECT_EQ(off["fsgsbase"], "no: forced off by LSTAR_INPROC_NO_FSGSBASE");
    // One switch touches only its own capability; "0" is not a switch for LSTAR_TEST_NO_*.
    auto one = answers({"LSTAR_TEST_NO_INT80=1", "LSTAR_TEST_NO_I386=0"});
    EXPECT_EQ(one["int80"], "no: forced off by LSTAR_TEST_NO_INT80");
    EXPECT_EQ(one["i386"], plain["i386"]);
    EXPECT_EQ(one["fsgsbase"], plain["fsgsbase"]);
}

TEST(Capabilities, AnswersAreThoseOfThisProcess) {
    auto plain = answers({});
    auto line = [](const Capability& c) { return c ? std::string("yes") : "no: " + c.why_not; };
    // This process may run with switches set (scripts/test's second pass): compare unswitched probes.
    EXPECT_EQ(plain["int80"], line(probe_int80()));
    EXPECT_EQ(plain["fsgsbase"], line(probe_fsgsbase()));
}

TEST(Capabilities, FsgsbaseAgreesWithCpuinfo) {
    // The kernel lists the flag only when it lets user code use the instructions.
    EXPECT_EQ(static_cast<bool>(probe_fsgsbase()), cpuinfo_has_flag("fsgsbase"));
}

TEST(Capabilities, ExecProbeSaysWhatWentWrong) {
    Capability missing = probe_exec("/nonexistent/lstar-probe", "");
    EXPECT_FALSE(missing);
    EXPECT_NE(missing.why_not.find("ENOENT"), std::string::npos) << missing.why_not;
    std::string dir = make_temp_dir();
    write_file(dir + "/text", "not a program\n");
    run("chmod +x " + shell_quote(dir + "/text"));
    Capability text = probe_exec(dir + "/text", "");
    EXPECT_FALSE(text);
    EXPECT_NE(text.why_not.find("ENOEXEC"), std::string::npos) << text.why_not;
    Capability wrong = probe_exec("/bin/true", "something\n");
    EXPECT_FALSE(wrong);
    EXPECT_NE(wrong.why_not.find("printed ''"), std::string::npos) << wrong.why_not;
    Capability failing = probe_exec("/bin/false", "");
    EXPECT_FALSE(failing);
    EXPECT_NE(failing.why_not.find("exited with 1"), std::string::npos) << failing.why_not;
    EXPECT_TRUE(probe_exec("/bin/true", ""));
    run("rm -rf " + shell_quote(dir));
}
