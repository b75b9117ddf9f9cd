// How each struct an argument points to is shown (tbl/structs.tbl): by a
// struct printer, by the decoder of the calls that take it, or as its address.
// The symbols are generated: StructId in table/struct_ids.hpp.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace lstar {

enum class StructShown : std::uint8_t {
    printer,       // trace/structs/ prints it wherever it appears
    decoder,       // the per-call decoders of `detail`'s calls print it
    address_only,  // its address, for the reason in `detail`
};

struct StructInfo {
    std::string_view name;    // as signatures.tbl spells it: "statfs64", "__kernel_timespec"
    StructShown shown;
    std::string_view detail;  // printer: the struct whose printer it shares (or empty);
                              // decoder: the calls, comma-separated; address_only: the reason
};

// Every struct of tbl/structs.tbl, sorted by name; the index is the StructId.
std::span<const StructInfo> struct_infos();
// nullptr when the name is not in tbl/structs.tbl.
const StructInfo* find_struct_info(std::string_view name);
// Whether a struct argument of the call `call` (the row name strace prints) is
// shown decoded rather than as its address.
bool struct_decoded(const StructInfo& info, std::string_view call);

}  // namespace lstar
