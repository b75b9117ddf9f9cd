// -k / --stack-trace: the user stack of a traced call, unwound with elfutils'
// libdwfl from the registers and memory the backend gives the path (Task::regs,
// filled whole under BackendOptions::call_regs, and Task::mem), and symbolised
// from the process's modules as /proc/PID/maps lists them. Shown as strace shows
// it, one " > MODULE(FUNCTION+0xOFF) [0xPC]" line per frame after the call's line.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "kernel/task.hpp"

namespace lstar {

// strace's -k (symbol) and -kk / --stack-trace=source (symbol and source line).
enum class StackTraceMode : std::uint8_t { off, symbol, source };
// strace's --stack-trace-frame-limit default.
inline constexpr unsigned kDefaultStackFrameLimit = 256;

struct StackFrame {
    std::uint64_t pc = 0;        // the address in the process (a caller's: its return address)
    std::uint64_t rel_pc = 0;    // its offset in the module's file: strace's [0x...]
    std::string module;          // the module's file name; "" when no module maps pc
    std::string function;        // the symbol (demangled); "" when none is known
    std::uint64_t offset = 0;    // pc - the symbol's start
    std::string source;          // --stack-trace=source: the file and line, where debug
    int line = 0;                // information says (else "" and 0)
};

// One call's stack: its frames, innermost first, and why unwinding stopped early
// where that is worth a line (strace prints it as a frame: " > MESSAGE").
struct CallStack {
    std::vector<StackFrame> frames;
    std::string error;
    bool empty() const { return frames.empty() && error.empty(); }
};

class StackUnwinder {
public:
    StackUnwinder(StackTraceMode mode, unsigned frame_limit);
    ~StackUnwinder();
    StackUnwinder(const StackUnwinder&) = delete;
    StackUnwinder& operator=(const StackUnwinder&) = delete;

    // The task's stack as it is at this stop. The task must be stopped, with the
    // call's registers in task.regs.
    CallStack capture(Task& task);
    // The process's mappings changed (a call marked `remaps` returned, an exec):
    // its modules are read again before the next capture.
    void mappings_changed(pid_t tgid);
    // The process is gone.
    void forget(pid_t tgid);

    struct Process;  // one process's Dwfl (stack_trace.cpp)

private:
    Process* process(pid_t tgid);
    StackTraceMode mode_;
    unsigned frame_limit_;
    std::unordered_map<pid_t, std::unique_ptr<Process>> processes_;
};

// strace's lines, each " > ...\n".
void append_stack_text(std::string& out, const CallStack& stack);
// --json: ,"stack":[{"module":...,"function":...,"offset":...,"pc":...,"addr":...}...]
// ("source" and "line" where known) and ,"stack_error":"..." when unwinding stopped
// with one; nothing for an empty stack. Appended after a JsonLine's other fields.
void append_stack_json(std::string& out, const CallStack& stack);

}  // namespace lstar
