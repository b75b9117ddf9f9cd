// Struct printers, one per struct name of tbl/signatures.tbl, grouped by family
// in trace/structs/*.cpp. Each prints the struct at a readable address; the
// dispatcher (structs.cpp) prints NULL or the address otherwise.
#pragma once

#include <span>
#include <string_view>

#include "trace/decode_ctx.hpp"

namespace lstar::structs {

// Prints the struct at addr (not NULL); false when it could not be read.
using Printer = bool (*)(DecodeCtx& ctx, std::uint64_t addr);

struct Entry {
    std::string_view name;
    Printer print;
};

std::span<const Entry> fs_printers();
std::span<const Entry> time_printers();
std::span<const Entry> signal_printers();
std::span<const Entry> net_printers();
std::span<const Entry> sys_printers();
std::span<const Entry> io_printers();

// Shared by several families.
void print_timespec_value(DecodeCtx& ctx, std::int64_t sec, std::int64_t nsec);
void print_timeval_value(DecodeCtx& ctx, std::int64_t sec, std::int64_t usec);

}  // namespace lstar::structs
