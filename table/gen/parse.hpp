// Readers of lstar-gen's inputs. Each reports every problem it finds to the
// Diag as `path:line: what is wrong` and carries on, so one run lists them all.
#pragma once

#include <string>
#include <vector>

#include "table/gen/model.hpp"

namespace lstar::gen {

enum class TblFile { x86_64, i386 };

// syscall_64.tbl (abi common, 64, x32) or syscall_32.tbl (abi i386).
std::vector<TblRow> parse_tbl(const std::string& path, TblFile which, Diag& diag);

// signatures.tbl: one entry point per line (see tbl/signatures.tbl's header).
std::map<std::string, Signature> parse_signatures(const std::string& path, Diag& diag);

// xlat/<set>.xlat (see xlat/README.md).
XlatSet parse_xlat(const std::string& path, Diag& diag);

// tbl/structs.tbl (see its header), sorted by name.
std::vector<StructLine> parse_structs(const std::string& path, Diag& diag);

// Cross-file checks: every entry point a table names has a signature, and
// every [flags:<set>] and [enum:<set>] names an xlat set.
void check_entry_points(const Inputs& in, Diag& diag);
void check_xlat_refs(const Inputs& in, Diag& diag);
// Every [struct_*:NAME] of signatures.tbl is in structs.tbl, and a printer
// shared with another struct names one that has its own printer.
void check_struct_refs(const Inputs& in, Diag& diag);

// The index of a set in Inputs::xlat (its xlat::Set), of a struct in
// Inputs::structs (its StructId); -1 when absent.
int xlat_index(const Inputs& in, std::string_view set);
int struct_index(const Inputs& in, std::string_view name);

}  // namespace lstar::gen
