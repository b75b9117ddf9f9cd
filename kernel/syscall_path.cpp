#include "kernel/syscall_path.hpp"

#include <cerrno>

namespace lstar {

long table_index(Abi abi, std::uint64_t nr) {
    if (abi == Abi::x32) {
        if (!(nr & kX32SyscallBit)) return -1;
        nr &= ~kX32SyscallBit;
    }
    auto rows = syscall_table(abi);
    return nr < rows.size() ? static_cast<long>(nr) : -1;
}

SyscallPath::SyscallPath() = default;

void SyscallPath::add_hook(Stage stage, Hook* hook) {
    hook->slot_ = next_slot_++;
    hooks_[static_cast<int>(stage)].push_back(hook);
}

template <class F>
void SyscallPath::for_each_hook(F&& f) {
    for (auto& stage : hooks_)
        for (Hook* hook : stage) f(*hook);
}

namespace {

// A new call of the task: its row, and nothing left of the previous call's state.
long begin_call(Task& task) {
    long index = table_index(task.abi, task.nr());
    task.sc = index < 0 ? nullptr : &syscall_table(task.abi)[index];
    task.phase = SyscallPhase::entered;
    task.args_changed = task.skipped = task.retval_changed = task.again = false;
    task.tampered = 0;
    task.resume_signal = 0;
    ++task.calls;
    return index;
}

}  // namespace

Verdict SyscallPath::syscall_enter(Task& task) {
    long index = begin_call(task);
    task.retval = -ENOSYS;  // pt_regs->ax starts as -ENOSYS

    for (auto& stage : hooks_) {
        for (Hook* hook : stage) {
            switch (hook->on_enter(task)) {
            case Verdict::proceed: break;
            case Verdict::skip: task.skipped = true; return Verdict::skip;
            case Verdict::kill: return Verdict::kill;
            }
        }
    }
    // Dispatch. Out of range and gaps are sys_ni_syscall: the host kernel answers
    // -ENOSYS for them itself, so they pass through like any unhandled call.
    if (index < 0) return Verdict::proceed;
    if (const Handler* translate = translate_.find(task.abi, task.nr())) {
        HandlerResult result = (*translate)(task);
        if (!result.pass_through) {
            task.retval = result.value;
            task.skipped = true;
            return Verdict::skip;
        }
    }
    const Handler* handler = table_.find(task.abi, task.nr());
    if (!handler) return Verdict::proceed;
    HandlerResult result = (*handler)(task);
    if (result.pass_through) return Verdict::proceed;
    task.retval = result.value;
    task.skipped = true;
    return Verdict::skip;
}

void SyscallPath::entry_seen(Task& task) {
    begin_call(task);
    task.retval = -ENOSYS;
    for (std::size_t stage = static_cast<std::size_t>(Stage::tracing); stage < hooks_.size(); ++stage)
        for (Hook* hook : hooks_[stage]) hook->on_entry_seen(task);
}

void SyscallPath::syscall_exit(Task& task, bool can_call_again) {
    if (task.entered_elsewhere) {
        begin_call(task);
    } else if (!task.skipped && task.sc) {
        if (const Handler* handler = exit_table_.find(task.abi, task.nr())) {
            HandlerResult result = (*handler)(task);
            if (!result.pass_through && result.value != task.retval) {
                task.retval = result.value;
                task.retval_changed = true;
            }
        }
    }
    task.again = false;
    if (!task.entered_elsewhere && task.sc) {
        if (const Handler* translate = exit_translate_.find(task.abi, task.nr())) {
            HandlerResult result = (*translate)(task);
            if (result.again && can_call_again && !task.skipped) {
                // The call anew: its names translated again, made again by the backend.
                HandlerResult anew = (*translate_.find(task.abi, task.nr()))(task);
                if (anew.pass_through) {
                    task.again = true;
                    return;
                }
                result = emulated(anew.value);
            }
            if (!result.pass_through && result.value != task.retval) {
                task.retval = result.value;
                task.retval_changed = true;
            }
        }
    }
    for_each_hook([&](Hook& hook) { hook.on_exit(task); });
    task.phase = SyscallPhase::exited;
}

bool SyscallPath::needs_stop(const SyscallDesc& row) const {
    if (table_.find(row) || exit_table_.find(row) || translate_.find(row)) return true;
    for (auto& stage : hooks_)
        for (Hook* hook : stage)
            if (hook->needs(row)) return true;
    return false;
}

bool SyscallPath::needs_stop_unknown() const {
    for (auto& stage : hooks_)
        for (Hook* hook : stage)
            if (hook->needs_unknown_numbers()) return true;
    return false;
}

bool SyscallPath::needs_signals() const {
    for (auto& stage : hooks_)
        for (Hook* hook : stage)
            if (hook->needs_signals()) return true;
    return false;
}

bool SyscallPath::decides_before_seccomp() const {
    for (auto& stage : hooks_)
        for (Hook* hook : stage)
            if (hook->decides_before_seccomp()) return true;
    return false;
}

bool SyscallPath::has_hooks() const {
    for (auto& stage : hooks_)
        if (!stage.empty()) return true;
    return false;
}

bool SyscallPath::idle() const {
    return !has_hooks() && table_.empty() && exit_table_.empty() && translate_.empty();
}

void SyscallPath::new_task(Task& child, Task* parent) {
    for_each_hook([&](Hook& hook) { hook.on_new_task(child, parent); });
}
void SyscallPath::signal(Task& task, const siginfo_t& info) {
    for_each_hook([&](Hook& hook) { hook.on_signal(task, info); });
}
void SyscallPath::exec(Task& task, pid_t former_tid, Task* replaced) {
    for_each_hook([&](Hook& hook) { hook.on_exec(task, former_tid, replaced); });
}
void SyscallPath::task_exit(Task& task, int wait_status) {
    for_each_hook([&](Hook& hook) { hook.on_task_exit(task, wait_status); });
}
void SyscallPath::detach(Task& task) {
    for_each_hook([&](Hook& hook) { hook.on_detach(task); });
}

void SyscallPath::call_suspended(Task& task) {
    for_each_hook([&](Hook& hook) { hook.on_call_suspended(task); });
}
void SyscallPath::call_resumed(Task& task) {
    for_each_hook([&](Hook& hook) { hook.on_call_resumed(task); });
}
void SyscallPath::image_end() {
    for_each_hook([&](Hook& hook) { hook.on_image_end(); });
}

void SyscallPath::process_copied(Task& self) {
    for_each_hook([&](Hook& hook) { hook.on_process_copy(self); });
}

}  // namespace lstar
