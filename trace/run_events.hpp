// Reading back a run that --json wrote (docs/json-schema.md): one object per
// line, for the pictures made from it (timeline.hpp, report.hpp). Both schema
// versions are read. A line that is not an object of either (cut short by a
// process that died while writing it) is counted and skipped.
#pragma once

#include <cstdint>
#include <functional>
#include <istream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "table/syscall_table.hpp"

namespace lstar {

struct RunReadStats {
    std::uint64_t objects = 0;
    std::uint64_t skipped = 0;  // lines that were not objects of schema 1 or 2
};

// Calls `f` with each object of the run, in file order.
RunReadStats for_each_run_object(std::istream& in, const std::function<void(const nlohmann::json&)>& f);

// The row a syscall object names ("abi" and "nr"), nullptr when it has none.
const SyscallDesc* run_object_row(const nlohmann::json& call);

// A string field, or `fallback` when it is absent or not a string.
std::string_view json_str(const nlohmann::json& j, std::string_view key, std::string_view fallback = {});
// An integer field, or `fallback` when absent or null.
std::int64_t json_int(const nlohmann::json& j, std::string_view key, std::int64_t fallback = 0);

// Argument i of a syscall object as strace shows it: version 1 carries the text,
// version 2's JSON value is written back in strace's notation (names bare,
// strings quoted, flags joined by |). Empty when the call has no argument i.
std::string decoded_text(const nlohmann::json& call, std::size_t i);
// A version 2 value (an argument, a siginfo) in strace's notation.
std::string value_text(const nlohmann::json& value);
// The result after "= " as strace shows it ("3", "-1 ENOENT (No such file or directory)").
std::string result_text(const nlohmann::json& call);

// The command name the kernel gives a process that execs `decoded_path` (strace's
// quoted string, as in "decoded"): its last component, at most 15 bytes.
std::string comm_of_exec_path(std::string_view decoded_path);

// What a successful call does to the run's tasks, by its entry point: makes a
// task (its result is the new id) or replaces the process's image.
enum class TaskEffect : std::uint8_t { none, new_task, new_image };
TaskEffect task_effect(const SyscallDesc& row);
// Whether a call that made a task made a thread of the caller's process
// (CLONE_THREAD among its decoded arguments).
bool made_thread(const nlohmann::json& call);

// The class names of a row, without the leading '%' ("file,desc"); "" for none.
std::string class_list(const SyscallDesc& row);

}  // namespace lstar
