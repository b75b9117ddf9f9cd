// Dispatch of struct printers by StructId.
#include "trace/structs/structs.hpp"

#include <string>

namespace lstar {

void print_struct(DecodeCtx& ctx, StructId id, std::uint64_t addr) {
    if (!addr) return ctx.addr(addr);
    structs::Printer print = structs::kPrinters[static_cast<std::size_t>(id)];
    // Printed into a scratch string so that a failed read leaves only the address.
    std::string text;
    DecodeCtx sub{ctx.task, ctx.opt, text, ctx.exiting};
    if (!print || !print(sub, addr)) return ctx.addr(addr);
    ctx.out += text;
}

}  // namespace lstar
