// Where a path a task named really is: resolved against its cwd or the
// directory descriptor it gave, with symlinks followed as far as the path
// exists (the reporter and the learner name files as Landlock sees them).
#pragma once

#include <cstdint>
#include <string>

#include "kernel/task.hpp"

namespace lstar::policy {

std::string resolve_task_path(const Task& task, std::int64_t dirfd, const std::string& name);

}  // namespace lstar::policy
