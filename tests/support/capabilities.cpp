#include "tests/support/capabilities.hpp"

#include <fcntl.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "tests/support/process.hpp"

namespace lstar::test {

namespace {

Capability yes() { return {true, ""}; }
Capability no(std::string why) { return {false, std::move(why)}; }

std::string first_line(const std::string& text) {
    std::string l = text.substr(0, text.find('\n'));
    return l.size() > 300 ? l.substr(0, 300) + "..." : l;
}

}  // namespace

bool forced_off(const char* variable) {
    const char* v = std::getenv(variable);
    return v && *v && std::string_view(v) != "0";
}

Capability probe_exec(const std::string& path, const std::string& expected_out) {
    ProcessOptions opt;
    opt.timeout = std::chrono::seconds(30);
    opt.stdin_null = true;
    int exec_errno = 0;
    ProcessResult r = run_exec(path, {path}, {}, &exec_errno, opt);
    if (exec_errno != 0)
        return no("execve(" + path + ") failed: " + ::strerrorname_np(exec_errno) + " (" + ::strerror(exec_errno) + ")");
    if (r.timed_out) return no(path + " did not end within 30 s");
    if (!r.exited(0)) return no(path + " " + first_line(r.describe()));
    if (r.out != expected_out) return no(path + " printed '" + first_line(r.out) + "', not '" + first_line(expected_out) + "'");
    return yes();
}

Capability probe_int80() {
    ProcessOptions opt;
    opt.timeout = std::chrono::seconds(30);
    opt.stdin_null = true;
    ProcessResult r = run_child(
        [] {
            long pid = ::syscall(SYS_getpid);
            long ret;
            // i386 getpid (20) through the 32-bit entry; x86_64's 20 would be writev.
            __asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory", "cc", "r8", "r9", "r10", "r11");
            if (ret == pid) ::_exit(0);
            ::dprintf(2, "int $0x80 getpid returned %ld, not %ld\n", ret, pid);
            ::_exit(3);
        },
        opt);
    if (r.exited(0)) return yes();
    if (r.signaled(SIGSEGV))
        return no("int $0x80 from a 64-bit process is killed by SIGSEGV here (ia32 emulation off)");
    return no("int $0x80 from a 64-bit process: " + first_line(r.describe()) + " " + first_line(r.err));
}

Capability probe_fsgsbase() {
    if (::getauxval(AT_HWCAP2) & 2) return yes();  // HWCAP2_FSGSBASE
    return no("AT_HWCAP2 has no FSGSBASE bit: the CPU or the kernel does not offer rdfsbase/wrfsbase to user code");
}

const Capability& can_exec_i386() {
    static const Capability c = [] {
        if (forced_off("LSTAR_TEST_NO_I386")) return no("forced off by LSTAR_TEST_NO_I386");
        std::string probe = LSTAR_PROBE_I386;
        if (probe.empty()) return no(LSTAR_PROBE_I386_MISSING);
        Capability c = probe_exec(probe, "lstar i386 probe: sizeof(long) 4\n");
        if (!c && c.why_not.find("ENOEXEC") != std::string::npos)
            c.why_not += ": this kernel does not run i386 programs (ia32 emulation off)";
        return c;
    }();
    return c;
}

const Capability& can_int80_from_64bit() {
    static const Capability c = [] {
        if (forced_off("LSTAR_TEST_NO_INT80")) return no("forced off by LSTAR_TEST_NO_INT80");
        return probe_int80();
    }();
    return c;
}

const Capability& has_fsgsbase() {
    static const Capability c = [] {
        // As entry/inproc/runtime.cpp reads it: set at all, the runtime does without.
        if (std::getenv("LSTAR_INPROC_NO_FSGSBASE")) return no("forced off by LSTAR_INPROC_NO_FSGSBASE");
        return probe_fsgsbase();
    }();
    return c;
}

}  // namespace lstar::test
