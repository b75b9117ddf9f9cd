// A traced task (a thread): its ids, and the system call it is in, as the
// path sees it from entry to exit.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kernel/pt_regs.hpp"
#include "kernel/user_memory.hpp"
#include "table/syscall_set.hpp"
#include "table/syscall_table.hpp"

namespace lstar {

enum class SyscallPhase : std::uint8_t {
    none,     // running user code (or stopped outside a system call)
    entered,  // enter work done; the host kernel (or an emulating handler) has the call
    exited,   // exit work done, result delivered
};

// What fault injection did to the current call (strace's "(INJECTED)", "(DELAYED)").
enum TamperMark : std::uint8_t { kTamperResult = 1u << 0, kTamperDelay = 1u << 1 };

// What one task is doing in the path: its ids and the system call it is in, as
// a backend fills it at a stop and the stages read and change it. Copyable: a
// call saved while a signal handler's call nests inside it, or seen as another
// (an i386 socketcall as the call it stands for). The task itself (Task) is not.
struct SyscallState {
    pid_t tid = 0;
    pid_t tgid = 0;
    UserMemory* mem = nullptr;  // the backend's access to this task's address space

    // The current (or last) system call.
    SyscallPhase phase = SyscallPhase::none;
    Abi abi = Abi::x86_64;
    PtRegs regs{};                   // orig_ax = nr as the CPU saw it, argument registers, ip, sp
    const SyscallDesc* sc = nullptr; // its table row; nullptr when the number is out of range
    bool args_changed = false;       // enter work rewrote arguments: the backend writes them back
    bool skipped = false;            // the host kernel does not run it; retval is the result
    bool retval_changed = false;     // exit work replaced the result
    bool entered_elsewhere = false;  // enter work ran in a former image of the process (execve)
    bool again = false;              // exit work made the call anew: the backend runs it once more (SyscallPath::syscall_exit)
    std::int64_t retval = 0;         // valid after exit (or when skipped)
    std::uint64_t enter_ns = 0;      // CLOCK_MONOTONIC at entry and exit, for -T and -r
    std::uint64_t exit_ns = 0;
    std::uint64_t enter_stime_ns = 0;  // the process's system CPU time at entry and exit, for -c
    std::uint64_t exit_stime_ns = 0;   // (0 when the backend does not measure it)
    std::uint8_t tampered = 0;       // fault injection's marks on this call: TamperMark bits
    int resume_signal = 0;           // a signal the backend delivers as it lets the task run into the call
    std::uint64_t calls = 0;         // system calls this task has made through the path
    // Values of in/out arguments as they were at entry (the socklen_t behind accept's
    // addrlen, ...), for a tracer that shows them next to their value at exit
    // ("[112 => 16]"). Bit i of entry_mask: entry_values[i] holds argument i's value.
    // Valid only while entry_call == calls (filled by Decoder::capture_entry).
    std::uint64_t entry_values[kMaxArgs] = {};
    std::uint8_t entry_mask = 0;
    std::uint64_t entry_call = 0;

    std::uint64_t nr() const { return regs.orig_ax; }
    std::uint64_t arg(int i) const { return syscall_arg(regs, abi, i); }
    void set_arg(int i, std::uint64_t value) {
        syscall_arg(regs, abi, i) = value;
        args_changed = true;
    }
    // The name of the current call, or "syscall_0x..." for a number without one.
    std::string syscall_name() const;
    // What /proc/<tid>/syscall shows for this task: "running", or the number and six
    // arguments, sp and ip in hex while it is in a call.
    std::string proc_syscall_line() const;
    // The call an i386 socketcall or ipc stands for (its index in subcalls()), as
    // strace decides it: socketcall only when its args array is readable (and then
    // read into `args`, when given). 0 for every other call.
    int multiplexed_call(std::uint32_t* args = nullptr) const;
};

// State a stage (or the backend) keeps per task, created on first use and gone
// with the task.
struct TaskState {
    virtual ~TaskState() = default;
};

// The slots of per-task state: kBackendSlot is the backend's, each hook gets one
// of its own from SyscallPath::add_hook.
inline constexpr std::size_t kBackendSlot = 0;

// A traced task (a thread), one per task, owned by the path's TaskRegistry and
// never copied: a stage's state for it lives in it.
struct Task : SyscallState {
    Task() = default;
    Task(const Task&) = delete;
    Task& operator=(const Task&) = delete;

    // The state in `slot`, made as T(args...) the first time.
    template <class T, class... Args>
    T& state(std::size_t slot, Args&&... args) {
        if (states_.size() <= slot) states_.resize(slot + 1);
        if (!states_[slot]) states_[slot] = std::make_unique<T>(std::forward<Args>(args)...);
        return static_cast<T&>(*states_[slot]);
    }
    template <class T>
    T* find_state(std::size_t slot) const {
        return slot < states_.size() ? static_cast<T*>(states_[slot].get()) : nullptr;
    }
    // The call part alone, for saving and restoring it.
    SyscallState& call() { return *this; }

private:
    std::vector<std::unique_ptr<TaskState>> states_;
};

// Whether the task's current call is in the set, as strace selects it: a
// multiplexed call by the call it stands for; a number with no row as unknown().
inline bool in_set(const SyscallSet& set, const SyscallState& task) {
    return task.sc ? set.contains(*task.sc, task.multiplexed_call()) : set.unknown();
}

// The result as a value: -4095..-1 is -errno.
inline bool is_error_value(std::int64_t ret) { return ret < 0 && ret >= -4095; }

// Where the host kernel's /proc/<id>/<link> points ("cwd", "exe", "fd/3", "root"):
// a task's directory, program or descriptor; nullopt when it cannot be read.
std::optional<std::string> proc_link(pid_t id, std::string_view link);

// The fields of the host kernel's /proc/<id>/stat by their number in proc(5)
// (4: ppid, 22: starttime, 26: startcode, ...): the numbers, 0 for the others
// (the name, the state); empty when it cannot be read.
std::vector<std::uint64_t> proc_stat(pid_t id);

// The host kernel's /proc/<id>/status, read once: the text after a field's name
// ("Tgid", "Uid", "CapEff") up to the end of its line, "" for a field it lacks.
class ProcStatus {
public:
    // nullopt when it cannot be read.
    static std::optional<ProcStatus> read(pid_t id);
    std::string_view field(std::string_view name) const;

private:
    std::string text_;
};

}  // namespace lstar
