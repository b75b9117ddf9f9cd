// lstar-gen's view of its inputs: table rows, entry point signatures and
// constant sets, plus the error sink every parser reports to.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "table/gen/ctype.hpp"

namespace lstar::gen {

struct Loc {
    std::string path;
    int line = 0;
};

// Prints `path:line: what is wrong` lines on stderr; the generator fails if any.
class Diag {
public:
    void error(const Loc& loc, const std::string& what);
    int errors() const { return errors_; }

private:
    int errors_ = 0;
};

// One line of syscall_64.tbl / syscall_32.tbl.
struct TblRow {
    Loc loc;
    std::uint64_t nr = 0;
    std::string abi;     // common, 64, x32, i386
    std::string name;
    std::string entry;   // sys_ni_syscall when the line has none
    std::string compat;  // empty when absent or "-"
    bool noreturn = false;
};

struct SigArg {
    std::string type;   // as declared, whitespace normalised: "const char __user *"
    std::string name;
    std::string kind;   // a kArgKindNames spelling
    std::string param;  // constant set, struct name or related argument; may be empty
    std::string time;   // [time:<use>]: a kTimeUseNames spelling; may be empty
    int related = -1;   // index of the argument `param` names, kNoLen, kLenIsReturn
    CType ctype;
};

// The metadata of one entry point, from tbl/signatures.tbl.
struct Signature {
    Loc loc;
    std::string entry;
    std::vector<SigArg> args;
    std::uint32_t classes = 0;
    std::uint16_t flags = 0;  // EntryFlag
};

struct XlatValue {
    Loc loc;
    std::string name;
    std::uint64_t value = 0;
    std::string msg;
};

// One xlat/<name>.xlat file.
struct XlatSet {
    std::string name;
    std::string path;
    std::string kind;  // flags or enum
    std::vector<XlatValue> values;
    // `#header <h>` lines: the system headers that define these names, which the
    // build compares the values with; `#unchecked NAME reason`: names left out.
    std::vector<std::string> headers;
    std::map<std::string, std::string> unchecked;
};

// One line of tbl/structs.tbl: how a struct is shown.
struct StructLine {
    Loc loc;
    std::string name;
    std::string shown;   // printer, decoder or address_only
    std::string detail;  // printer: the struct whose printer it shares (may be empty);
                         // decoder: the calls, comma-separated; address_only: the reason
};

struct Inputs {
    std::vector<TblRow> rows64;
    std::vector<TblRow> rows32;
    std::map<std::string, Signature> signatures;  // by entry point
    std::vector<XlatSet> xlat;                     // sorted by name
    std::vector<StructLine> structs;               // sorted by name
};

}  // namespace lstar::gen
