// Per-call decoders: only for calls whose arguments a generic kind can't show
// (they depend on another argument, a command, or strace names them), keyed by
// the row name strace prints.
#pragma once

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
};

const CallDecoder* find_call_decoder(std::string_view name);

}  // namespace lstar
