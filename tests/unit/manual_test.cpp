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
#include <functional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/trace_options.hpp"
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

std::string slurp(const std::string& path) {
    std::ifstream f(path);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

// The long and short option names a --help text shows, read by the test itself.
std::set<std::string> help_options(const std::string& help) {
    std::set<std::string> names;
    std::regex name(R"((?:^|[\s,\[])(--[A-Za-z0-9][A-Za-z0-9-]*|-[A-Za-z0-9])(?=$|[\s,=\[]))");
    std::istringstream in(help);
    std::string line;
    bool options = false;  // past the usage lines
    while (std::getline(in, line)) {
        // Option lines only: indented, starting with '-' (or '[', the rest of a long
        // spelling: "[:when=WHEN], --inject=..."); their spelling, before the text.
        std::size_t at = line.find_first_not_of(' ');
        if (at == std::string::npos || at == 0) continue;
        if (line[at] == '-') options = true;
        else if (line[at] != '[' || !options) continue;
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

// The other way round for lstar trace, whose parser has its option tables: each
// option it takes (but strace's it refuses by name) is named in its --help, and so
// in its man page and completions.
TEST(Manual, EveryOptionTraceTakesIsInItsHelp) {
    std::set<std::string> help = help_options(help_of("trace"));
    std::vector<std::string> taken = lstar::trace_option_names();
    EXPECT_GT(taken.size(), 60u);
    for (const std::string& o : taken) EXPECT_TRUE(help.count(o)) << "lstar trace " << o << " is not in lstar trace --help";
}

// What bash's `_lstar` offers for a command line typed up to its end, in directory `cwd`.
std::string bash_complete(const std::string& line, const std::string& cwd) {
    std::string script = "source " + kShare + "/bash-completion/completions/lstar; COMP_LINE='" + line +
                         "'; COMP_POINT=${#COMP_LINE}; _lstar; echo \"${COMPREPLY[@]}\"";
    lstar::test::ProcessOptions opt;
    opt.stdin_null = true;
    opt.cwd = cwd;
    return lstar::test::run_process({"/bin/bash", "--norc", "-c", script}, opt).out;
}

// What zsh's completion system offers when TAB is pressed after `line` in an
// interactive zsh (zsh -f, compinit, lstar's _lstar autoloaded from fpath), run on
// a pseudo-terminal by zsh's zpty module, in directory `cwd`. The matches are
// what the completion functions give compadd (a wrapper records them, then
// passes them on), printed once completion is over: the words themselves,
// without the part of the word before them (`trace=` in `trace=ope`).
std::string zsh_complete(const std::string& line, const std::string& cwd) {
    std::string dir = std::string(::testing::TempDir()) + "lstar-zsh-" + std::to_string(::getpid());
    run({"/bin/mkdir", "-p", dir});
    std::string setup = dir + "/setup.zsh";
    {
        std::ofstream f(setup);
        f << "PS1='' PROMPT_EOL_MARK=''\n"
             "fpath=(" << kShare << "/zsh/site-functions $fpath)\n"
             "autoload -U compinit && compinit -u -D\n"
             "typeset -ga lstar_test_matches\n"
             "compadd() {\n"
             "    local arg\n"
             "    for arg in \"$@\"; do\n"
             "        [[ $arg == (-|--) ]] && break\n"
             "        # -O, -A, -D: a query of the completion system, no matches added\n"
             "        [[ $arg == -[a-zA-Z]#[OAD]* ]] && { builtin compadd \"$@\"; return }\n"
             "    done\n"
             "    local -a added\n"
             "    builtin compadd -A added \"$@\"\n"
             "    lstar_test_matches+=(\"${added[@]}\")\n"
             "    builtin compadd \"$@\"\n"
             "}\n"
             "lstar_test_print() { print -r -- \"<matches>${(j: :)lstar_test_matches}</matches>\" }\n"
             "comppostfuncs=(lstar_test_print)\n"
             "bindkey '^I' complete-word\n";
    }
    std::string script =
        "zmodload zsh/zpty || exit 3\n"
        "zpty z zsh -f -i\n"
        "zpty -w z \"cd ${(q)2} && source ${(q)3}\"\n"
        "zpty -w -n z \"$1\"$'\\t'\n"
        "zpty -r z out '*</matches>*'\n"
        "zpty -d z\n"
        "print -r -- \"${${out##*<matches>}%%</matches>*}\"\n";
    lstar::test::ProcessOptions opt;
    opt.stdin_null = true;
    opt.timeout = std::chrono::seconds(60);
    opt.env = {"HOME=" + dir, "TERM=xterm"};
    ProcessResult r = lstar::test::run_process({"/usr/bin/zsh", "-f", "-c", script, "zsh", line, cwd, setup}, opt);
    run({"/bin/rm", "-rf", dir});
    if (!r.exited(0) || r.timed_out) return "(zsh " + r.describe() + ")";
    return r.out;
}

std::set<std::string> words(const std::string& text) {
    std::istringstream in(text);
    std::set<std::string> out;
    for (std::string w; in >> w;) out.insert(w);
    return out;
}

// The same command lines in both shells; bash's COMPREPLY holds what follows the
// last '=' or ':' of the word, and the whole list item ("read,openat"); zsh's
// matches are the item alone ("openat"), and a qualifier without its "=".
struct Expect {
    std::string line, bash, zsh;
};
const std::vector<Expect> kExpected = {
    {"lstar tr", "trace", "trace"},
    {"lstar ", "top", "top"},
    {"lstar top --ba", "--backend", "--backend"},
    {"lstar top --backend=", "inproc", "inproc"},  // the table of backends
    {"lstar top --backend ", "ptrace", "ptrace"},
    {"lstar top --class %fi", "%file", "%file"},
    {"lstar trace -e tra", "trace=", "trace"},
    {"lstar trace -e trace=ope", "openat", "openat"},
    {"lstar trace -e trace=read,ope", "read,openat", "openat"},
    {"lstar trace -e trace=%ne", "%network", "%network"},
    {"lstar trace -e inject=clo", "clone3", "clone3"},
    {"lstar trace --trace=getpp", "getppid", "getppid"},
    {"lstar run --deny ptr", "ptrace", "ptrace"},
    {"lstar run --deny=mou", "mount", "mount"},
    {"lstar table getpp", "getppid", "getppid"},
    {"lstar policy ", "learn", "learn"},
};

using Completer = std::function<std::string(const std::string& line, const std::string& cwd)>;

// What both shells offer: kExpected, every option of lstar trace --help, files,
// directories only for --root, programs from $PATH.
void check_completions(const std::string& shell, const Completer& complete) {
    for (const Expect& e : kExpected) {
        std::string got = complete(e.line, "/");
        const std::string& want = shell == "bash" ? e.bash : e.zsh;
        EXPECT_TRUE(words(got).count(want)) << shell << ": '" << e.line << "' should offer '" << want << "', got: " << got;
    }
    std::set<std::string> got = words(complete("lstar trace -", "/"));
    for (const std::string& o : help_options(help_of("trace"))) EXPECT_TRUE(got.count(o)) << shell << ": lstar trace " << o;
    // Files and directories, from the directory completion runs in.
    std::string dir = std::string(::testing::TempDir()) + "lstar-" + shell + "-files-" + std::to_string(::getpid());
    run({"/bin/mkdir", "-p", dir + "/subdir"});
    std::ofstream(dir + "/run.jsonl") << "{}\n";
    EXPECT_EQ(words(complete("lstar report ru", dir)), std::set<std::string>{"run.jsonl"}) << shell;
    EXPECT_EQ(words(complete("lstar trace -o ru", dir)), std::set<std::string>{"run.jsonl"}) << shell;
    EXPECT_EQ(words(complete("lstar trace --output=ru", dir)), std::set<std::string>{"run.jsonl"}) << shell;
    EXPECT_EQ(words(complete("lstar run --root ", dir)), std::set<std::string>{"subdir"}) << shell << ": directories only";
    EXPECT_TRUE(words(complete("lstar trace -f -- busybo", "/")).count("busybox")) << shell << ": the program, from $PATH";
    run({"/bin/rm", "-rf", dir});
}

TEST(Completion, BashOffersCommandsOptionsCallsAndClasses) { check_completions("bash", bash_complete); }

TEST(Completion, ZshNativeOffersCommandsOptionsCallsClassesFilesAndPrograms) {
    if (!exists("/usr/bin/zsh")) GTEST_SKIP() << "/usr/bin/zsh is not installed (Debian's zsh; scripts/setup-debian installs it)";
    if (!run({"/usr/bin/zsh", "-f", "-c", "zmodload zsh/zpty"}).exited(0))
        GTEST_SKIP() << "zsh has no zsh/zpty module to run an interactive zsh on";
    std::string first = slurp(kShare + "/zsh/site-functions/_lstar");
    EXPECT_TRUE(first.starts_with("#compdef lstar\n"));
    EXPECT_EQ(first.find("bashcompinit"), std::string::npos) << "a native zsh completion";
    check_completions("zsh", zsh_complete);
    EXPECT_TRUE(words(zsh_complete("lstar trace -f busybo", "/")).count("busybox")) << "the program, without --";
    // lstar policy learn: its own options, then a program.
    EXPECT_TRUE(words(zsh_complete("lstar policy learn --me", "/")).count("--merge"));
    EXPECT_FALSE(words(zsh_complete("lstar policy learn --", "/")).count("--deny")) << "learn's options only";
    EXPECT_TRUE(words(zsh_complete("lstar policy learn -f -- busybo", "/")).count("busybox"));
    EXPECT_TRUE(words(zsh_complete("lstar policy check --de", "/")).count("--deny"));
    std::set<std::string> pids = words(zsh_complete("lstar top -p ", "/"));
    EXPECT_FALSE(pids.empty()) << "running processes (zsh's _pids)";
    for (const std::string& p : pids) EXPECT_TRUE(std::regex_match(p, std::regex("[0-9]+"))) << p;
}

TEST(Install, PutsTheFilesInThePrefixAndSysHppBuildsThroughPkgConfig) {
    std::string prefix = std::string(::testing::TempDir()) + "lstar-install-" + std::to_string(::getpid());
    struct Cleanup {
        std::string dir;
        ~Cleanup() { run({"/bin/rm", "-rf", dir}); }
    } cleanup{prefix};
    ProcessResult r = run({CMAKE_COMMAND_BIN, "--install", LSTAR_BUILD_DIR, "--prefix", prefix});
    ASSERT_TRUE(r.exited(0)) << r.describe();
    for (const char* f : {"bin/lstar", "include/lstar/sys.hpp", "share/pkgconfig/lstar-sys.pc", "share/man/man1/lstar.1",
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
