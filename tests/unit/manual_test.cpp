// The man pages and completions lstar-manual writes (cli/manual.hpp), checked
// against what each command's --help says (run from the lstar binary): pages
// that groff renders without a warning and list every option, a bash (and zsh)
// completion that offers them and the table's calls and classes, and
// `cmake --install` into a temporary prefix, with a program built against the
// installed lstar/sys.hpp through pkg-config.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "tests/support/process.hpp"

namespace {

using lstar::test::ProcessResult;

const std::string kShare = LSTAR_SHARE;

ProcessResult run(const std::vector<std::string>& argv, std::vector<std::string> env = {}) {
    lstar::test::ProcessOptions opt;
    opt.stdin_null = true;
    opt.env = std::move(env);
    return lstar::test::run_process(argv, opt);
}

bool exists(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
}

// The long and short option names a --help text shows, read by the test itself.
std::set<std::string> help_options(const std::string& help) {
    std::set<std::string> names;
    std::regex name(R"((?:^|[\s,\[])(--[A-Za-z0-9][A-Za-z0-9-]*|-[A-Za-z0-9])(?=$|[\s,=\[]))");
    std::istringstream in(help);
    std::string line;
    while (std::getline(in, line)) {
        // Option lines only: indented, starting with '-'; their spelling, before the text.
        std::size_t at = line.find_first_not_of(' ');
        if (at == std::string::npos || at == 0 || line[at] != '-') continue;
        line = line.substr(0, line.find("  ", at));
        for (auto it = std::sregex_iterator(line.begin(), line.end(), name); it != std::sregex_iterator(); ++it)
            names.insert((*it)[1]);
    }
    return names;
}

// `lstar NAME --help` (and policy learn's).
std::string help_of(const std::string& command) {
    if (command.empty()) return run({LSTAR_BIN, "--help"}).out;
    std::string text = run({LSTAR_BIN, command, "--help"}).out;
    if (command == "policy") text += run({LSTAR_BIN, "policy", "learn", "--help"}).out;
    return text;
}

std::vector<std::string> command_names() {
    std::vector<std::string> out{""};
    for (const lstar::Command& c : lstar::commands()) out.emplace_back(c.name);
    return out;
}

std::string page_of(const std::string& command) {
    return kShare + "/man/man1/" + (command.empty() ? "lstar" : "lstar-" + command) + ".1";
}

TEST(Manual, EveryCommandHasAPageThatRendersWithoutWarningsAndListsEveryOption) {
    for (const std::string& command : command_names()) {
        SCOPED_TRACE("lstar " + command);
        std::string page = page_of(command);
        ASSERT_TRUE(exists(page)) << page;
        ProcessResult groff = run({"groff", "-man", "-Tascii", "-ww", "-z", page});
        EXPECT_TRUE(groff.exited(0)) << groff.describe();
        EXPECT_EQ(groff.err, "") << "groff's warnings";
        ProcessResult man = run({"man", "-l", page}, {"MANPAGER=cat", "PAGER=cat", "MANWIDTH=120", "LANG=C", "LC_ALL=C"});
        ASSERT_TRUE(man.exited(0)) << man.describe();
        EXPECT_EQ(man.err, "") << "man's warnings";
        std::string text = std::regex_replace(man.out, std::regex(".\b"), "");  // overstrike, if any
        std::set<std::string> options = help_options(help_of(command));
        EXPECT_FALSE(options.empty());
        for (const std::string& o : options) EXPECT_NE(text.find(o), std::string::npos) << o << " is not in " << page;
    }
}

// Each option --help names is one the command's parser knows.
TEST(Manual, EveryOptionInTheHelpIsAccepted) {
    std::vector<std::vector<std::string>> commands;
    for (const std::string& command : command_names())
        if (!command.empty() && command != "table") commands.push_back({command});  // lstar's own two; table's are CLI11's
    commands.push_back({"policy", "learn"});
    // lstar policy --help ends with learn's options, which are learn's only.
    std::set<std::string> learn = help_options(run({LSTAR_BIN, "policy", "learn", "--help"}).out);
    for (const std::vector<std::string>& command : commands) {
        std::string help = run({LSTAR_BIN, command[0], command.size() > 1 ? command[1] : "--help", "--help"}).out;
        for (const std::string& o : help_options(help)) {
            if (!o.starts_with("--") || o == "--help") continue;
            if (command == std::vector<std::string>{"policy"} && learn.count(o)) continue;
            std::vector<std::string> argv{LSTAR_BIN};
            argv.insert(argv.end(), command.begin(), command.end());
            if (command == std::vector<std::string>{"policy"}) argv.push_back("check");
            argv.push_back(o);
            argv.push_back("--help");
            ProcessResult r = run(argv);
            std::string said = r.out + r.err;
            EXPECT_EQ(said.find("unrecognized option"), std::string::npos) << "lstar " << command[0] << " " << o << ": " << said;
            EXPECT_EQ(said.find("unknown option"), std::string::npos) << "lstar " << command[0] << " " << o << ": " << said;
        }
    }
}

// What `_lstar` offers for a command line typed up to its end.
std::string complete(const std::string& shell, const std::string& line) {
    std::string script;
    if (shell == "bash") {
        script = "source " + kShare + "/bash-completion/completions/lstar; COMP_LINE='" + line +
                 "'; COMP_POINT=${#COMP_LINE}; _lstar; echo \"${COMPREPLY[@]}\"";
        return run({"/bin/bash", "--norc", "-c", script}).out;
    }
    script = "autoload -U compinit && compinit -u -D; source " + kShare + "/zsh/site-functions/_lstar; COMP_LINE='" + line +
             "'; COMP_POINT=${#COMP_LINE}; _lstar; print -r -- \"${COMPREPLY[@]}\"";
    ProcessResult r = run({"/usr/bin/zsh", "-f", "-c", script}, {"HOME=" + ::testing::TempDir()});
    return r.out + (r.err.empty() ? "" : "\nstderr: " + r.err);
}

std::set<std::string> words(const std::string& text) {
    std::istringstream in(text);
    std::set<std::string> out;
    for (std::string w; in >> w;) out.insert(w);
    return out;
}

void check_completions(const std::string& shell) {
    auto offers = [&](const std::string& line, const std::string& word) {
        std::string got = complete(shell, line);
        EXPECT_TRUE(words(got).count(word)) << shell << ": '" << line << "' should offer '" << word << "', got: " << got;
    };
    offers("lstar tr", "trace");
    offers("lstar ", "top");
    offers("lstar top --ba", "--backend");
    offers("lstar top --backend=", "inproc");        // the table of backends; bash replaces what follows '='
    offers("lstar top --backend ", "ptrace");
    offers("lstar top --class %fi", "%file");
    offers("lstar trace -e tra", "trace=");
    offers("lstar trace -e trace=ope", "openat");     // after '=' as bash splits the word
    offers("lstar trace -e trace=read,ope", "read,openat");
    offers("lstar trace -e trace=%ne", "%network");
    offers("lstar trace -e inject=clo", "clone3");
    offers("lstar trace --trace=getpp", "getppid");
    offers("lstar run --deny ptr", "ptrace");
    offers("lstar run --deny=mou", "mount");
    offers("lstar table getpp", "getppid");
    offers("lstar policy ", "learn");
    // Every option `lstar trace --help` lists.
    std::set<std::string> got = words(complete(shell, "lstar trace -"));
    for (const std::string& o : help_options(help_of("trace"))) EXPECT_TRUE(got.count(o)) << shell << ": lstar trace " << o;
}

TEST(Completion, BashOffersCommandsOptionsCallsAndClasses) { check_completions("bash"); }

TEST(Completion, ZshOffersTheSameUnderBashcompinit) {
    if (!exists("/usr/bin/zsh")) GTEST_SKIP() << "/usr/bin/zsh is not installed (Debian's zsh)";
    check_completions("zsh");
}

TEST(Install, PutsTheFilesInThePrefixAndSysHppBuildsThroughPkgConfig) {
    std::string prefix = std::string(::testing::TempDir()) + "lstar-install-" + std::to_string(::getpid());
    struct Cleanup {
        std::string dir;
        ~Cleanup() { run({"/bin/rm", "-rf", dir}); }
    } cleanup{prefix};
    ProcessResult r = run({CMAKE_COMMAND_BIN, "--install", LSTAR_BUILD_DIR, "--prefix", prefix});
    ASSERT_TRUE(r.exited(0)) << r.describe();
    for (const std::string& f : {"bin/lstar", "include/lstar/sys.hpp", "share/pkgconfig/lstar-sys.pc", "share/man/man1/lstar.1",
                                 "share/man/man1/lstar-top.1", "share/bash-completion/completions/lstar",
                                 "share/zsh/site-functions/_lstar"})
        EXPECT_TRUE(exists(prefix + "/" + f)) << f;
    for (const std::string& command : command_names())
        EXPECT_TRUE(exists(prefix + "/share/man/man1/" + (command.empty() ? "lstar" : "lstar-" + command) + ".1")) << command;

    std::string dir = prefix + "/try";
    run({"/bin/mkdir", "-p", dir});
    {
        std::ofstream src(dir + "/try.cpp");
        src << "#include <lstar/sys.hpp>\n#include <unistd.h>\n"
               "int main() {\n"
               "    auto pid = lstar::sys::getpid();\n"
               "    auto n = lstar::sys::write(1, \"sys.hpp works\\n\", 14);\n"
               "    return pid.ok() && pid.value() == ::getpid() && n.ok() && n.value() == 14 ? 0 : 1;\n"
               "}\n";
    }
    std::string pc_path = "PKG_CONFIG_PATH=" + prefix + "/share/pkgconfig";
    ProcessResult build = lstar::test::run_shell(pc_path + " g++ -std=c++20 " + dir + "/try.cpp -o " + dir +
                                                 "/try $(" + pc_path + " pkg-config --cflags --libs lstar-sys)");
    ASSERT_TRUE(build.exited(0)) << build.describe();
    ProcessResult tried = run({dir + "/try"});
    EXPECT_TRUE(tried.exited(0)) << tried.describe();
    EXPECT_EQ(tried.out, "sys.hpp works\n");
    // The pkg-config file points into the prefix it was installed in.
    ProcessResult cflags = lstar::test::run_shell(pc_path + " pkg-config --cflags lstar-sys");
    EXPECT_NE(cflags.out.find(prefix), std::string::npos) << cflags.out;
}

}  // namespace
