// The path's tasks: one Task per traced thread, by tid. Backends add a task
// when they first see it and remove it once its end (exit, detach) has been
// reported through the path; stages find their per-task state in the Task.
#pragma once

#include <sys/types.h>

#include <memory>
#include <unordered_map>

#include "kernel/task.hpp"

namespace lstar {

class TaskRegistry {
public:
    // The task with this id, made (with this tgid) if there is none yet.
    Task& add(pid_t tid, pid_t tgid) {
        std::unique_ptr<Task>& slot = tasks_[tid];
        if (!slot) {
            slot = std::make_unique<Task>();
            slot->tid = tid;
            slot->tgid = tgid;
        }
        return *slot;
    }
    Task* find(pid_t tid) const {
        auto it = tasks_.find(tid);
        return it == tasks_.end() ? nullptr : it->second.get();
    }
    void remove(pid_t tid) { tasks_.erase(tid); }
    // A thread that is not the leader ran execve: it takes over the leader's id, and
    // the old leader's Task is gone (its state with it).
    void take_over(pid_t former_tid, pid_t leader) {
        auto it = tasks_.find(former_tid);
        if (it == tasks_.end() || former_tid == leader) return;
        std::unique_ptr<Task> task = std::move(it->second);
        tasks_.erase(it);
        task->tid = task->tgid = leader;
        tasks_[leader] = std::move(task);
    }
    void clear() { tasks_.clear(); }
    bool empty() const { return tasks_.empty(); }
    std::size_t size() const { return tasks_.size(); }

    // Every task (in no particular order); the registry must not change meanwhile.
    template <class F>
    void for_each(F&& f) const {
        for (const auto& [tid, task] : tasks_) f(*task);
    }

private:
    std::unordered_map<pid_t, std::unique_ptr<Task>> tasks_;
};

}  // namespace lstar
