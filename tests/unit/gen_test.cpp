// lstar-gen on small input sets: a good one generates, and each kind of
// mistake stops it with `path:line: what is wrong` and exit status 1.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <sstream>

#include "tests/support/run.hpp"

namespace {

using lstar::test::Output;

// File name -> text. Line numbers in the tests below refer to these texts.
const std::map<std::string, std::string> kGoodInputs = {
    {"syscall_64.tbl",
     "# number abi name entry\n"                  // 1
     "0\tcommon\tread\tsys_read\n"                // 2
     "1\tcommon\twrite\tsys_write\n"              // 3
     "2\t64\tni_row\n"                            // 4
     "512\tx32\tx32call\tcompat_sys_x32call\n"},  // 5
    {"syscall_32.tbl",
     "0\ti386\tread\tsys_read\tcompat_sys_read32\n"  // 1
     "1\ti386\texit\tsys_exit\t-\tnoreturn\n"},      // 2
    {"signatures.tbl",
     "# entry classes flags signature\n"                                                                    // 1
     "sys_ni_syscall - - (void)\n"                                                                          // 2
     "sys_read %desc - (unsigned int fd [fd], char __user * buf [out_buf:count], size_t count [size])\n"    // 3
     "sys_write %desc - (unsigned int fd [fd], const char __user * buf [in_buf:count], size_t count)\n"     // 4
     "compat_sys_x32call - - (compat_ulong_t a [hex], unsigned long b [flags:sample], const void __user * p)\n"  // 5
     "compat_sys_read32 %desc - (unsigned int fd [fd], char __user * buf [out_buf:count], compat_size_t count)\n"  // 6
     "sys_exit %process noreturn (int error_code [dec])\n"                                                   // 7
     "sys_stat %stat - (const char __user * name [path], struct stat __user * buf [struct_out:stat])\n"},   // 8
    {"structs.tbl",
     "# name shown detail\n"                    // 1
     "stat printer\n"                            // 2
     "compat_stat printer stat\n"                // 3
     "statfs address_only not decoded yet\n"     // 4
     "fd_set decoder select,pselect6\n"},        // 5
    {"sample.xlat",
     "# a set\n"                      // 1
     "#kind flags\n"                  // 2
     "A 0x1\n"                        // 3
     "B 2 the message\n"              // 4
     "#header fcntl.h\n"              // 5
     "#unchecked B the reason\n"},    // 6
};

std::string replace_line(const std::string& text, int line, const std::string& with) {
    std::istringstream in(text);
    std::string out, current;
    for (int n = 1; std::getline(in, current); ++n) out += (n == line ? with : current) + "\n";
    return out;
}

class Gen : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = lstar::test::make_temp_dir();
        inputs_ = kGoodInputs;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    void set_line(const std::string& file, int line, const std::string& text) {
        inputs_[file] = replace_line(inputs_[file], line, text);
    }

    Output generate() {
        for (const auto& [name, text] : inputs_) lstar::test::write_file(path(name), text);
        return lstar::test::run(std::string(LSTAR_GEN) + " --tbl64 " + path("syscall_64.tbl") + " --tbl32 " +
                                path("syscall_32.tbl") + " --signatures " + path("signatures.tbl") + " --structs " +
                                path("structs.tbl") + " --prelude " +
                                LSTAR_PRELUDE + " --out " + path("out") + " " + path("sample.xlat"));
    }

    // Expects the run to fail with an error at file:line saying `what`.
    void expect_error(const std::string& file, int line, const std::string& what) {
        Output r = generate();
        EXPECT_EQ(r.status, 1) << r.err;
        std::string where = path(file) + ":" + std::to_string(line) + ": ";
        EXPECT_NE(r.err.find(where), std::string::npos) << "expected '" << where << "' in:\n" << r.err;
        EXPECT_NE(r.err.find(what), std::string::npos) << "expected '" << what << "' in:\n" << r.err;
        EXPECT_FALSE(std::filesystem::exists(path("out"))) << "nothing is written on errors";
    }

    std::string path(const std::string& name) const { return dir_ + "/" + name; }
    std::string output(const std::string& name) const { return lstar::test::read_file(path("out/" + name)); }

    std::string dir_;
    std::map<std::string, std::string> inputs_;
};

TEST_F(Gen, GoodInputGeneratesEveryFile) {
    Output r = generate();
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(output("table/syscall_nr.hpp").find("inline constexpr long write = 0x1;"), std::string::npos);
    EXPECT_NE(output("table/syscall_nr.hpp").find("inline constexpr long x32call = 0x40000200;"), std::string::npos);
    // Compat entry points see 4-byte longs and pointers; native ones 8.
    std::string meta = output("table/entry_meta.hpp");
    EXPECT_NE(meta.find("struct compat_sys_x32call {"), std::string::npos);
    EXPECT_NE(meta.find("std::array<std::uint8_t, 3> size{{4, 4, 4}}"), std::string::npos) << meta;
    EXPECT_NE(meta.find("std::array<std::uint8_t, 3> size{{4, 8, 8}}"), std::string::npos) << meta;
    std::string sys = output("lstar/sys.hpp");
    EXPECT_NE(sys.find("inline result<long> write(unsigned int fd, const char* buf, size_t count)"), std::string::npos);
    EXPECT_NE(sys.find("skipped ni_row: no entry point (sys_ni_syscall)"), std::string::npos);
    EXPECT_NE(output("table/xlat_data.hpp").find("{\"B\", 0x2, \"the message\"}"), std::string::npos);
    EXPECT_NE(output("table/syscall_table_data.cpp").find("kRows_i386"), std::string::npos);
    // Sets and structs have symbols; a printer is declared for each struct that has its own.
    EXPECT_NE(output("table/xlat_ids.hpp").find("    sample,\n"), std::string::npos);
    std::string ids = output("table/struct_ids.hpp");
    EXPECT_NE(ids.find("{\"statfs\", StructShown::address_only, \"not decoded yet\"}"), std::string::npos) << ids;
    std::string decls = output("trace/struct_printers.hpp");
    EXPECT_NE(decls.find("bool stat(DecodeCtx& ctx, std::uint64_t addr);"), std::string::npos) << decls;
    EXPECT_EQ(decls.find("bool compat_stat("), std::string::npos) << "it shares stat's printer";
    EXPECT_NE(output("trace/struct_printers.cpp").find("&print::stat,  // compat_stat"), std::string::npos);
}

TEST_F(Gen, XlatValuesAreComparedWithTheirHeaders) {
    Output r = generate();
    ASSERT_EQ(r.status, 0) << r.err;
    std::string check = output("xlat_check/sample.c");
    EXPECT_NE(check.find("#include <fcntl.h>"), std::string::npos) << check;
    EXPECT_NE(check.find("#ifdef A\n_Static_assert(LSTAR_SAME(A, 0x1ULL), \"xlat/sample.xlat:3: A is 0x1 here"),
              std::string::npos) << check;
    EXPECT_NE(check.find("/* B: unchecked, the reason */"), std::string::npos) << check;
}

TEST_F(Gen, XlatUncheckedNameMustBeInTheSet) {
    set_line("sample.xlat", 6, "#unchecked C the reason");
    Output r = generate();
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("#unchecked C: no such name in the set"), std::string::npos) << r.err;
}

TEST_F(Gen, StructWithoutAWordInStructsTbl) {
    set_line("structs.tbl", 2, "# stat is gone");
    expect_error("signatures.tbl", 8, "struct 'stat' is not in tbl/structs.tbl");
}

TEST_F(Gen, AddressOnlyNeedsAReason) {
    set_line("structs.tbl", 4, "statfs address_only");
    expect_error("structs.tbl", 4, "'address_only' needs a reason");
}

TEST_F(Gen, SharedPrinterMustExist) {
    set_line("structs.tbl", 3, "compat_stat printer statfs");
    expect_error("structs.tbl", 3, "'statfs' is not a struct with a printer of its own");
}

TEST_F(Gen, UnknownStructShown) {
    set_line("structs.tbl", 4, "statfs hex");
    expect_error("structs.tbl", 4, "expected 'printer', 'decoder' or 'address_only'");
}

TEST_F(Gen, BadNumber) {
    set_line("syscall_64.tbl", 3, "x1\tcommon\twrite\tsys_write");
    expect_error("syscall_64.tbl", 3, "bad system call number 'x1'");
}

TEST_F(Gen, MalformedTableLine) {
    set_line("syscall_64.tbl", 3, "1\tcommon");
    expect_error("syscall_64.tbl", 3, "expected '<number> <abi> <name>");
}

TEST_F(Gen, UnsortedNumbers) {
    set_line("syscall_64.tbl", 2, "1\tcommon\twrite\tsys_write");
    set_line("syscall_64.tbl", 3, "0\tcommon\tread\tsys_read");
    expect_error("syscall_64.tbl", 3, "number 0 is not sorted");
}

TEST_F(Gen, DuplicateNumber) {
    set_line("syscall_64.tbl", 3, "0\tcommon\twrite\tsys_write");
    expect_error("syscall_64.tbl", 3, "duplicate number 0 in x86_64");
}

TEST_F(Gen, DuplicateName) {
    set_line("syscall_64.tbl", 3, "1\tcommon\tread\tsys_write");
    expect_error("syscall_64.tbl", 3, "duplicate name 'read' in x86_64");
}

TEST_F(Gen, SameNameInDifferentAbisIsFine) {
    // A 64-only and an x32-only row may share a name, as the kernel's table does.
    set_line("syscall_64.tbl", 4, "2\t64\tx32call\tsys_write");
    Output r = generate();
    EXPECT_EQ(r.status, 0) << r.err;
}

TEST_F(Gen, UnknownAbi) {
    set_line("syscall_64.tbl", 4, "2\ti386\tni_row");
    expect_error("syscall_64.tbl", 4, "unknown abi 'i386'");
}

TEST_F(Gen, UnknownAbiIn32BitFile) {
    set_line("syscall_32.tbl", 2, "1\tcommon\texit\tsys_exit");
    expect_error("syscall_32.tbl", 2, "unknown abi 'common'");
}

TEST_F(Gen, EntryPointWithoutSignature) {
    set_line("syscall_64.tbl", 4, "2\t64\tmissing\tsys_missing");
    expect_error("syscall_64.tbl", 4, "entry point sys_missing has no signature");
}

TEST_F(Gen, CompatEntryPointWithoutSignature) {
    set_line("syscall_32.tbl", 1, "0\ti386\tread\tsys_read\tcompat_sys_gone");
    expect_error("syscall_32.tbl", 1, "entry point compat_sys_gone has no signature");
}

TEST_F(Gen, UnknownKind) {
    set_line("signatures.tbl", 7, "sys_exit %process noreturn (int error_code [bogus])");
    expect_error("signatures.tbl", 7, "unknown kind 'bogus'");
}

TEST_F(Gen, LengthNamesMissingArgument) {
    set_line("signatures.tbl", 4,
             "sys_write %desc - (unsigned int fd, const char __user * buf [in_buf:nosuch], size_t count)");
    expect_error("signatures.tbl", 4, "kind 'in_buf': length 'nosuch' is not an argument");
}

TEST_F(Gen, KindNeedsParameter) {
    set_line("signatures.tbl", 7, "sys_exit %process noreturn (int error_code [flags])");
    expect_error("signatures.tbl", 7, "kind 'flags' needs a parameter");
}

TEST_F(Gen, PlainKindTakesNoParameter) {
    set_line("signatures.tbl", 7, "sys_exit %process noreturn (int error_code [dec:sample])");
    expect_error("signatures.tbl", 7, "kind 'dec' takes no parameter");
}

TEST_F(Gen, UnknownConstantSet) {
    set_line("signatures.tbl", 5, "compat_sys_x32call - - (compat_ulong_t a, unsigned long b [enum:nosuch], void __user * p)");
    expect_error("signatures.tbl", 5, "no constant set 'nosuch'");
}

TEST_F(Gen, UnknownType) {
    set_line("signatures.tbl", 7, "sys_exit %process noreturn (frob_t error_code)");
    expect_error("signatures.tbl", 7, "unknown type 'frob_t'");
}

TEST_F(Gen, UnknownClass) {
    set_line("signatures.tbl", 7, "sys_exit %bogus noreturn (int error_code)");
    expect_error("signatures.tbl", 7, "unknown class '%bogus'");
}

TEST_F(Gen, UnknownFlag) {
    set_line("signatures.tbl", 7, "sys_exit %process sometimes (int error_code)");
    expect_error("signatures.tbl", 7, "unknown flag 'sometimes'");
}

TEST_F(Gen, MalformedSignatureLine) {
    set_line("signatures.tbl", 7, "sys_exit (int error_code)");
    expect_error("signatures.tbl", 7, "expected '<entry point> <classes> <flags>");
}

TEST_F(Gen, TooManyArguments) {
    set_line("signatures.tbl", 7, "sys_exit - - (int a, int b, int c, int d, int e, int f, int g)");
    expect_error("signatures.tbl", 7, "more than 6 arguments");
}

TEST_F(Gen, XlatBadValue) {
    set_line("sample.xlat", 3, "A 1<<3");
    expect_error("sample.xlat", 3, "expected 'NAME VALUE [message]'");
}

TEST_F(Gen, XlatMissingKind) {
    set_line("sample.xlat", 2, "# no kind");
    expect_error("sample.xlat", 1, "missing '#kind flags' or '#kind enum' header");
}

TEST_F(Gen, EveryErrorIsReportedOnItsOwnLine) {
    set_line("syscall_64.tbl", 3, "x1\tcommon\twrite\tsys_write");
    set_line("signatures.tbl", 7, "sys_exit %process noreturn (frob_t error_code)");
    Output r = generate();
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find(path("syscall_64.tbl") + ":3: "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(path("signatures.tbl") + ":7: "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("2 error(s)"), std::string::npos) << r.err;
}

}  // namespace
