// A scripted capture backend for unit tests of the system-call path: no live
// process. It stops a fake task at each scripted call as a real backend would
// (pt_regs filled for the call's ABI: orig_ax = nr, ax = -ENOSYS, the six
// argument registers of that ABI, cs), calls path.syscall_enter, then, unless
// the path skipped or killed it, pretends the host kernel ran the call (with
// the registers as enter work left them) and returns its scripted result, and
// calls path.syscall_exit. FakeMemory is the task's address space: one mapped
// byte range; everything else faults.
#pragma once

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "kernel/syscall_path.hpp"
#include "kernel/task.hpp"
#include "kernel/user_memory.hpp"

namespace lstar::test {

// [base, base + size) is mapped, readable and writable; the rest is not.
class FakeMemory : public UserMemory {
public:
    explicit FakeMemory(std::uint64_t base = 0x10000, std::size_t size = 4096) : base_(base), bytes_(size, 0) {}

    std::uint64_t base() const { return base_; }
    std::uint64_t end() const { return base_ + bytes_.size(); }
    std::vector<std::uint8_t>& bytes() { return bytes_; }
    // Host-side access for tests: the bytes at a user address (which must be mapped).
    std::uint8_t* at(std::uint64_t addr) { return bytes_.data() + (addr - base_); }
    void put(std::uint64_t addr, const void* src, std::size_t len) { std::memcpy(at(addr), src, len); }
    void put_string(std::uint64_t addr, const std::string& s) { put(addr, s.c_str(), s.size() + 1); }

    long read(std::uint64_t addr, void* dst, std::size_t len) override {
        std::size_t n = mapped_from(addr, len);
        if (n == 0 && len > 0) return -EFAULT;
        std::memcpy(dst, at(addr), n);
        return static_cast<long>(n);
    }
    long write(std::uint64_t addr, const void* src, std::size_t len) override {
        std::size_t n = mapped_from(addr, len);
        if (n == 0 && len > 0) return -EFAULT;
        std::memcpy(at(addr), src, n);
        return static_cast<long>(n);
    }
    long read_string(std::uint64_t addr, char* dst, std::size_t max) override {
        for (std::size_t i = 0; i < max; ++i) {
            if (mapped_from(addr + i, 1) == 0) return -EFAULT;  // ran off the mapping before a NUL
            char c = static_cast<char>(*at(addr + i));
            if (c == '\0') return static_cast<long>(i);
            dst[i] = c;
        }
        return static_cast<long>(max);
    }
    // Where a handler may put a call's data: the mapping's last kScratch bytes
    // (tests keep their own data below them).
    static constexpr std::size_t kScratch = 512;
    std::uint64_t scratch(Task& /*task*/, std::size_t len) override { return len <= kScratch ? end() - kScratch : 0; }

private:
    // How many of len bytes from addr are mapped (0 when addr itself is not).
    std::size_t mapped_from(std::uint64_t addr, std::size_t len) const {
        if (addr < base_ || addr >= end()) return 0;
        return static_cast<std::size_t>(std::min<std::uint64_t>(len, end() - addr));
    }
    std::uint64_t base_;
    std::vector<std::uint8_t> bytes_;
};

// One call as the program makes it: the number as the CPU sees it (x32 with bit 30)
// and the six argument registers of its ABI.
struct ScriptedCall {
    Abi abi = Abi::x86_64;
    std::uint64_t nr = 0;
    std::array<std::uint64_t, kMaxArgs> args{};
    // What the host kernel returns if it runs the call; nullopt: -ENOSYS for a number
    // without an entry point (a gap or out of range), else 0.
    std::optional<std::int64_t> host_result;
};

// What happened to one call.
struct CallOutcome {
    Verdict verdict = Verdict::proceed;
    bool host_ran = false;
    PtRegs host_regs{};          // the registers the host kernel ran the call with
    bool exited = false;         // exit work ran (not for a killed task)
    std::int64_t delivered = 0;  // the result the program sees
    bool retval_written = false; // the backend would write retval back (skip or retval_changed)
};

class FakeBackend {
public:
    explicit FakeBackend(SyscallPath& path, pid_t tid = 1000) : path_(path) {
        task_.tid = tid;
        task_.tgid = tid;
        task_.mem = &mem_;
    }

    Task& task() { return task_; }
    // What the host kernel does to memory when it runs a call (writes what a wait left).
    std::function<void(Task&)> host;
    // The host's result when it runs a call again (Task::again); unset: as the first time.
    std::function<std::int64_t(Task&)> again;
    FakeMemory& memory() { return mem_; }
    // Every call the host kernel ran, in order, as (abi, registers).
    const std::vector<std::pair<Abi, PtRegs>>& host_log() const { return host_log_; }

    // The stop at entry, the host's run, the stop at exit.
    CallOutcome call(const ScriptedCall& c) {
        CallOutcome o;
        task_.abi = c.abi;
        task_.regs = PtRegs{};
        task_.regs.orig_ax = c.nr;
        task_.regs.ax = static_cast<std::uint64_t>(-ENOSYS);
        task_.regs.cs = c.abi == Abi::i386 ? kUserCs32 : kUserCs64;
        task_.regs.ip = 0x401000;
        task_.regs.sp = 0x7ffff000;
        for (int i = 0; i < kMaxArgs; ++i) syscall_arg(task_.regs, c.abi, i) = c.args[static_cast<std::size_t>(i)];
        o.verdict = path_.syscall_enter(task_);
        if (o.verdict == Verdict::kill) return o;
        if (o.verdict == Verdict::proceed) {
            o.host_ran = true;
            o.host_regs = task_.regs;
            host_log_.emplace_back(task_.abi, task_.regs);
            task_.retval = host_result(c);
            if (host) host(task_);
        }
        path_.syscall_exit(task_);
        while (task_.again) {  // the path made the call anew: the host runs it once more
            host_log_.emplace_back(task_.abi, task_.regs);
            task_.retval = again ? again(task_) : host_result(c);
            path_.syscall_exit(task_);
        }
        o.exited = true;
        o.delivered = task_.retval;
        o.retval_written = o.verdict == Verdict::skip || task_.retval_changed;
        return o;
    }

    // Conveniences: a call by name in an ABI (its row's number) with arguments.
    static ScriptedCall by_name(Abi abi, std::string_view name, std::array<std::uint64_t, kMaxArgs> args = {},
                                std::optional<std::int64_t> host_result = std::nullopt) {
        const SyscallDesc* row = find_syscall(abi, name);
        return ScriptedCall{abi, row ? row->nr : ~std::uint64_t{0}, args, host_result};
    }

private:
    std::int64_t host_result(const ScriptedCall& c) const {
        if (c.host_result) return *c.host_result;
        const SyscallDesc* row = find_syscall(c.abi, c.nr);
        return row == nullptr || row->is_ni() ? -ENOSYS : 0;
    }

    SyscallPath& path_;
    FakeMemory mem_;
    Task task_;
    std::vector<std::pair<Abi, PtRegs>> host_log_;
};

// A hook made of lambdas, recording nothing itself.
struct LambdaHook : Hook {
    std::function<Verdict(Task&)> enter = [](Task&) { return Verdict::proceed; };
    std::function<void(Task&)> exit = [](Task&) {};
    Verdict on_enter(Task& t) override { return enter(t); }
    void on_exit(Task& t) override { exit(t); }
};

}  // namespace lstar::test
