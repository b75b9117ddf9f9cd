// lstar-manual OUTDIR: writes lstar's man pages (OUTDIR/man/man1/lstar*.1) and
// its bash and zsh completions (OUTDIR/bash-completion/completions/lstar,
// OUTDIR/zsh/site-functions/_lstar), all from the commands table and each
// command's --help text (cli/manual.hpp). Run at build time; installed by
// cmake --install.
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/manual.hpp"

namespace {

bool make_dirs(const std::string& path) {
    for (std::size_t at = 1; at <= path.size(); ++at)
        if (at == path.size() || path[at] == '/')
            if (::mkdir(path.substr(0, at).c_str(), 0755) != 0 && errno != EEXIST) return false;
    return true;
}

bool write(const std::string& dir, const std::string& name, const std::string& text) {
    if (!make_dirs(dir)) {
        std::fprintf(stderr, "lstar-manual: cannot create '%s': %s\n", dir.c_str(), std::strerror(errno));
        return false;
    }
    std::string path = dir + "/" + name;
    std::ofstream out(path, std::ios::trunc);
    out << text;
    if (!out.flush()) {
        std::fprintf(stderr, "lstar-manual: cannot write '%s'\n", path.c_str());
        return false;
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: lstar-manual OUTDIR\n");
        return 2;
    }
    std::string out = argv[1];
    std::vector<lstar::ManualCommand> all;
    all.push_back({"", "the Linux x86 system-call path, rebuilt in user space", lstar::parse_help(lstar::lstar_usage())});
    for (const lstar::Command& c : lstar::commands())
        all.push_back({std::string(c.name), std::string(c.summary), lstar::parse_help(c.usage())});
    bool ok = true;
    for (const lstar::ManualCommand& c : all)
        ok = write(out + "/man/man1", (c.name.empty() ? "lstar" : "lstar-" + c.name) + ".1",
                   lstar::man_page(c, all, LSTAR_VERSION)) && ok;
    ok = write(out + "/bash-completion/completions", "lstar", lstar::bash_completion(all)) && ok;
    ok = write(out + "/zsh/site-functions", "_lstar", lstar::zsh_completion(all)) && ok;
    return ok ? 0 : 1;
}
