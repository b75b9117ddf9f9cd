// Dispatch of struct printers by StructId.
#include "trace/structs/structs.hpp"

#include <string>

namespace lstar {

void print_struct(DecodeCtx& ctx, StructId id, std::uint64_t addr) {
    if (!addr) return ctx.addr(addr);
    structs::Printer print = structs::kPrinters[static_cast<std::size_t>(id)];
    // Printed into a scratch string so that a failed read leaves only the address.
    std::string text;
    DecodeCtx sub = ctx.sub(text);
    if (!print || !print(sub, addr)) return ctx.addr(addr);
    ctx.append(sub);
}

}  // namespace lstar
