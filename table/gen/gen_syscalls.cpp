// lstar-gen: turns tbl/syscall_64.tbl, tbl/syscall_32.tbl, tbl/signatures.tbl,
// tbl/structs.tbl and xlat/*.xlat into C++ tables and headers, the way the kernel's
// scripts/syscalltbl.sh and syscallhdr.sh turn its tables into headers.
// Every problem in the inputs is printed as `path:line: what is wrong`, and
// then nothing is written and the exit status is 1.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "table/gen/emit.hpp"
#include "table/gen/parse.hpp"

namespace fs = std::filesystem;
using namespace lstar::gen;

namespace {

struct Options {
    std::string tbl64, tbl32, signatures, structs, prelude, out;
    std::vector<std::string> xlat;
};

std::string read_file(const std::string& path, Diag& diag) {
    std::ifstream in(path);
    if (!in) diag.error({path, 0}, "cannot read the file");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Writes only when the text differs, so unchanged outputs don't rebuild their users.
void write_if_changed(const fs::path& path, const std::string& text) {
    std::ifstream old(path, std::ios::binary);
    std::ostringstream current;
    current << old.rdbuf();
    if (old && current.str() == text) return;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
}

Inputs read_inputs(const Options& opt, Diag& diag) {
    Inputs in;
    in.rows64 = parse_tbl(opt.tbl64, TblFile::x86_64, diag);
    in.rows32 = parse_tbl(opt.tbl32, TblFile::i386, diag);
    in.signatures = parse_signatures(opt.signatures, diag);
    in.structs = parse_structs(opt.structs, diag);
    for (const std::string& path : opt.xlat) in.xlat.push_back(parse_xlat(path, diag));
    std::sort(in.xlat.begin(), in.xlat.end(), [](const XlatSet& a, const XlatSet& b) { return a.name < b.name; });
    for (std::size_t i = 1; i < in.xlat.size(); ++i)
        if (in.xlat[i].name == in.xlat[i - 1].name) diag.error({opt.xlat[i], 0}, "duplicate set " + in.xlat[i].name);
    check_entry_points(in, diag);
    check_xlat_refs(in, diag);
    check_struct_refs(in, diag);
    return in;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"lstar-gen: generates lstar's system call tables, headers and constant sets"};
    Options opt;
    app.add_option("--tbl64", opt.tbl64, "syscall_64.tbl")->required();
    app.add_option("--tbl32", opt.tbl32, "syscall_32.tbl")->required();
    app.add_option("--signatures", opt.signatures, "signatures.tbl")->required();
    app.add_option("--structs", opt.structs, "structs.tbl")->required();
    app.add_option("--prelude", opt.prelude, "table/gen/sys_prelude.hpp")->required();
    app.add_option("--out", opt.out, "output directory (the build's generated/)")->required();
    app.add_option("xlat", opt.xlat, "xlat/*.xlat constant sets");
    CLI11_PARSE(app, argc, argv);

    Diag diag;
    Inputs in = read_inputs(opt, diag);
    std::string prelude = read_file(opt.prelude, diag);
    if (diag.errors()) {
        std::cerr << "lstar-gen: " << diag.errors() << " error(s); nothing written\n";
        return 1;
    }
    Tables tables = build_tables(in);
    fs::path out = opt.out;
    write_if_changed(out / "table/syscall_table_data.cpp", emit_table_data(in, tables));
    write_if_changed(out / "table/syscall_nr.hpp", emit_nr_header(tables));
    write_if_changed(out / "table/entry_meta.hpp", emit_entry_meta(in));
    write_if_changed(out / "table/xlat_data.hpp", emit_xlat_header(in));
    write_if_changed(out / "table/xlat_ids.hpp", emit_xlat_ids(in));
    write_if_changed(out / "table/struct_ids.hpp", emit_struct_ids(in));
    write_if_changed(out / "trace/struct_printers.hpp", emit_struct_printers_header(in));
    write_if_changed(out / "trace/struct_printers.cpp", emit_struct_printers_table(in));
    for (const XlatSet& set : in.xlat) write_if_changed(out / "xlat_check" / (set.name + ".c"), emit_xlat_check(set));
    write_if_changed(out / "lstar/sys.hpp", emit_sys_header(in, tables, prelude));
    std::ofstream(out / "table/lstar-gen.stamp") << "generated\n";  // always new: the build's timestamp
    return 0;
}
