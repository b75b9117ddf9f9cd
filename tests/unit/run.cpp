#include "tests/unit/run.hpp"

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace lstar::test {

std::string make_temp_dir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/lstar-test-XXXXXX";
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    return pattern;
}

void write_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string shell_quote(const std::string& word) {
    std::string out = "'";
    for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

Output run(const std::string& command) {
    std::string dir = make_temp_dir();
    std::string out = dir + "/out", err = dir + "/err";
    int status = std::system((command + " >" + out + " 2>" + err).c_str());
    Output result;
    if (status != -1 && WIFEXITED(status)) result.status = WEXITSTATUS(status);
    else if (status != -1 && WIFSIGNALED(status)) result.status = 128 + WTERMSIG(status);
    result.out = read_file(out);
    result.err = read_file(err);
    std::filesystem::remove_all(dir);
    return result;
}

}  // namespace lstar::test
