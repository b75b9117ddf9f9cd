// A terminal for tests that drive lstar as a user at a terminal would (lstar top,
// a policy's questions): a tmux server of the test's own with one session, gone
// with the object; keys sent with send-keys, the screen read with capture-pane.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/process.hpp"

namespace lstar::test {

inline constexpr const char* kTmuxBin = "/usr/bin/tmux";

// Why tests that need tmux cannot run, or "".
inline std::string tmux_missing() {
    struct stat st;
    if (::stat(kTmuxBin, &st) != 0) return std::string(kTmuxBin) + " is not installed (Debian's tmux)";
    return {};
}

class Tmux {
public:
    Tmux()
        : socket_(std::string(::testing::TempDir()) + "lstar-tmux-test-" + std::to_string(::getpid()) + "-" +
                  std::to_string(++count_) + ".sock") {}
    ~Tmux() {
        tmux({"kill-server"});
        ::unlink(socket_.c_str());
    }
    Tmux(const Tmux&) = delete;
    Tmux& operator=(const Tmux&) = delete;

    ProcessResult tmux(std::vector<std::string> args) const {
        args.insert(args.begin(), {kTmuxBin, "-S", socket_, "-f", "/dev/null"});
        ProcessOptions opt;
        opt.stdin_null = true;
        opt.timeout = std::chrono::seconds(30);
        return run_process(args, opt);
    }
    // Runs `command` (a shell line) in a 160x50 pane; once it ends the pane shows
    // "EXIT=<status>" and stays.
    void start(const std::string& command) const {
        ProcessResult r = tmux({"new-session", "-d", "-s", "test", "-x", "160", "-y", "50",
                                command + "; echo EXIT=$?; sleep 600"});
        ASSERT_TRUE(r.exited(0)) << r.describe();
    }
    void keys(const std::string& keys) const { tmux({"send-keys", "-t", "test", keys}); }
    std::string screen() const { return tmux({"capture-pane", "-p", "-t", "test"}).out; }
    // The screen once `ready` holds for it (or the last one after 60 s: a hang guard).
    std::string wait_for(const std::function<bool(const std::string&)>& ready) const {
        std::string s;
        for (int i = 0; i < 600; ++i) {
            s = screen();
            if (ready(s)) return s;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return s;
    }
    std::string wait_for(const std::string& text) const {
        return wait_for([&](const std::string& s) { return s.find(text) != std::string::npos; });
    }

private:
    std::string socket_;
    static inline int count_ = 0;
};

}  // namespace lstar::test
