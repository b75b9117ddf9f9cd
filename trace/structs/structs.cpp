// Dispatch of struct printers by name.
#include "trace/structs/structs.hpp"

#include <string>
#include <unordered_map>

namespace lstar {

namespace {

const std::unordered_map<std::string_view, structs::Printer>& printers() {
    static const auto map = [] {
        std::unordered_map<std::string_view, structs::Printer> m;
        for (auto family : {structs::fs_printers(), structs::time_printers(), structs::signal_printers(),
                            structs::net_printers(), structs::sys_printers(),
                            structs::io_printers()})
            for (const structs::Entry& e : family) m.emplace(e.name, e.print);
        return m;
    }();
    return map;
}

}  // namespace

bool has_struct_printer(std::string_view name) { return printers().contains(name); }

void print_struct(DecodeCtx& ctx, std::string_view name, std::uint64_t addr) {
    if (!addr) return ctx.addr(addr);
    auto it = printers().find(name);
    // Printed into a scratch string so that a failed read leaves only the address.
    std::string text;
    DecodeCtx sub{ctx.task, ctx.opt, text, ctx.exiting};
    if (it == printers().end() || !it->second(sub, addr)) return ctx.addr(addr);
    ctx.out += text;
}

}  // namespace lstar
