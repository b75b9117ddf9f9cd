// Per-call decoders: only for calls whose arguments a generic kind can't show
// (they depend on another argument, a command, or strace names them), keyed by
// the row name strace prints.
#pragma once

#include <span>
#include <string_view>

#include "trace/decode_ctx.hpp"

namespace lstar {

struct CallDecoder {
    std::string_view name;
    // How many arguments are shown; nullptr: the declared count.
    int (*shown_args)(DecodeCtx&) = nullptr;
    // Prints argument i; false leaves it to the generic decoder of its kind.
    bool (*arg)(DecodeCtx&, int i) = nullptr;
    // Prints the result (at exit, success only); false leaves it to the generic one.
    bool (*result)(DecodeCtx&) = nullptr;
    // The first argument shown at exit; -1: from the kinds.
    int first_exit_arg = -1;
    // The same when it depends on the arguments (an ioctl or prctl command); nullptr: the above.
    int (*exit_from)(DecodeCtx&) = nullptr;
};

const CallDecoder* find_call_decoder(std::string_view name);

// The decoders of each family (trace/decoders/*.cpp).
std::span<const CallDecoder> io_decoders();    // select, epoll, ioctl, name_to_handle_at, io_uring_setup
std::span<const CallDecoder> net_decoders();   // socket options, socketcall
std::span<const CallDecoder> proc_decoders();  // prctl, restart_syscall
std::span<const CallDecoder> ipc_decoders();   // System V IPC, i386's ipc multiplexer

// In/out scalars shown at exit: "[112 => 16]" when the call changed the value
// read at entry, "[16]" when not (or the entry value when the call failed).
void print_inout_int(DecodeCtx& ctx, int i);

}  // namespace lstar
