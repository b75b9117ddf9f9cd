// Conditions on a call's arguments, named as the table names them: the policy
// compiles them to seccomp-bpf comparisons, fault injection checks them at a
// call's entry. One spelling for both: "family == AF_UNIX", "flags & O_CREAT",
// "flags & O_ACCMODE == O_WRONLY", "fd >= 3", and for injection only (it reads
// the task's memory, which seccomp cannot) "path ~ /etc/*".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "table/result.hpp"
#include "table/syscall_table.hpp"

namespace lstar {

enum class CmpOp : std::uint8_t { eq, ne, lt, le, gt, ge, masked_eq, glob };

struct ArgCondition {
    std::string arg;    // the table's argument name ("family"), or an argument kind ("path")
    int index = -1;     // or its position (OCI profiles and argN name arguments by index)
    CmpOp op = CmpOp::eq;
    std::string value;  // a number or constant names joined by '|'; for glob the pattern
    std::string mask;   // masked_eq: the mask (value is what the masked bits must equal)
    std::string text;   // as written, for messages
};

// Parses one condition; a call's name may qualify the argument ("socket.family ==
// AF_UNIX"), and "argN" names argument N (from 0, as the kernel's args[]).
Result<ArgCondition> parse_condition(std::string_view text);

// The index of the argument a condition names in this entry point: by name, then
// by kind (the first "path", "fd", "flags"... argument), then by position;
// an error that lists the call's arguments when it has none such.
Result<int> condition_arg_index(const ArgCondition& c, const SyscallDesc& row);

// A number (decimal, 0x hex, 0 octal, negative) or constant names joined by '|',
// looked up in the argument's constant set first, then in every set.
Result<std::uint64_t> resolve_value(std::string_view text, const ArgMeta& meta);

// The width the kernel reads an argument at: i386 arguments are 32 bits; an
// x86_64 argument the declared type's (the kernel ignores an int's upper half).
unsigned arg_width(const SyscallDesc& row, const ArgMeta& meta);

// " \t" trimmed from both ends.
std::string_view trim_blanks(std::string_view s);

}  // namespace lstar
