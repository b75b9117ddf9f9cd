// Struct printers, one per `printer` struct of tbl/structs.tbl, grouped by
// family in trace/structs/*.cpp, each defined as structs::print::<name>
// (declared by the generated trace/struct_printers.hpp). Each prints the
// struct at a readable address; the dispatcher (structs.cpp) prints NULL or
// the address otherwise.
#pragma once

#include "trace/decode_ctx.hpp"
#include "trace/struct_printers.hpp"

namespace lstar::structs {

// Prints the struct at addr (not NULL); false when it could not be read.
using Printer = bool (*)(DecodeCtx& ctx, std::uint64_t addr);

// The printer of each StructId, nullptr for the structs tbl/structs.tbl does not
// mark `printer` (generated: trace/struct_printers.cpp).
extern const Printer kPrinters[];

// Shared by several families.
// tv_sec signed, the fraction unsigned (zero-extended from its field), as strace.
void print_timespec_value(DecodeCtx& ctx, std::int64_t sec, std::uint64_t nsec);
void print_timeval_value(DecodeCtx& ctx, std::int64_t sec, std::uint64_t usec);

}  // namespace lstar::structs
