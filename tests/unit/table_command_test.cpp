// `lstar table`, run as a program.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "table/syscall_table.hpp"
#include "tests/support/run.hpp"

namespace {

using lstar::test::Output;

Output lstar_table(const std::string& args) { return lstar::test::run(std::string(LSTAR_BIN) + " table " + args); }

nlohmann::json table_json(const std::string& args) {
    Output r = lstar_table("--json " + args);
    EXPECT_EQ(r.status, 0) << r.err;
    return nlohmann::json::parse(r.out);
}

std::size_t named_rows(lstar::Abi abi) {
    std::size_t n = 0;
    for (const auto& row : lstar::syscall_table(abi)) n += !row.name.empty();
    return n;
}

TEST(TableCommand, JsonHasEveryRow) {
    nlohmann::json rows = table_json("");
    ASSERT_TRUE(rows.is_array());
    EXPECT_EQ(rows.size(), named_rows(lstar::Abi::x86_64));
    EXPECT_GT(rows.size(), 350u);
    nlohmann::json all = table_json("--abi all");
    EXPECT_EQ(all.size(), named_rows(lstar::Abi::x86_64) + named_rows(lstar::Abi::x32) +
                              named_rows(lstar::Abi::i386));
}

TEST(TableCommand, JsonWrite) {
    nlohmann::json rows = table_json("write");
    ASSERT_EQ(rows.size(), 1u);
    const nlohmann::json& write = rows[0];
    EXPECT_EQ(write["abi"], "x86_64");
    EXPECT_EQ(write["nr"], 1);
    EXPECT_EQ(write["name"], "write");
    EXPECT_EQ(write["entry"], "sys_write");
    EXPECT_TRUE(write["compat_entry"].is_null());
    ASSERT_EQ(write["args"].size(), 3u);
    EXPECT_EQ(write["args"][1]["type"], "const char __user *");
    EXPECT_EQ(write["args"][1]["name"], "buf");
    EXPECT_EQ(write["args"][1]["kind"], "in_buf");
    EXPECT_EQ(write["args"][1]["param"], "count");
    EXPECT_FALSE(write["args"][0].contains("param"));
    EXPECT_EQ(write["classes"], nlohmann::json::array({"%desc"}));
    EXPECT_EQ(write["flags"], nlohmann::json::array());
}

// Struct arguments say whether lstar trace decodes them (tbl/structs.tbl).
TEST(TableCommand, JsonSaysWhetherAStructIsDecoded) {
    nlohmann::json fstat = table_json("fstat")[0];
    EXPECT_EQ(fstat["args"][1]["shown"], "decoded");
    EXPECT_FALSE(fstat["args"][1].contains("why"));
    EXPECT_FALSE(fstat["args"][0].contains("shown")) << "only struct kinds";
    nlohmann::json bpf = table_json("bpf")[0];
    EXPECT_EQ(bpf["args"][1]["shown"], "address_only");
    EXPECT_EQ(bpf["args"][1]["why"], "not decoded yet (decoded per bpf command)");
    EXPECT_EQ(table_json("poll")[0]["args"][0]["shown"], "decoded") << "by poll's own decoder";
    EXPECT_EQ(table_json("ppoll")[0]["args"][0]["why"], "decoded only for poll");
}

TEST(TableCommand, X32AndI386) {
    nlohmann::json x32 = table_json("--abi x32 write");
    ASSERT_EQ(x32.size(), 1u);
    EXPECT_EQ(x32[0]["nr"], 0x40000001);
    EXPECT_EQ(table_json("--abi x32 1")[0]["name"], "write") << "a number without bit 30 means the x32 row";
    nlohmann::json open = table_json("--abi i386 5");
    ASSERT_EQ(open.size(), 1u);
    EXPECT_EQ(open[0]["name"], "open");
    EXPECT_EQ(open[0]["compat_entry"], "compat_sys_open");
    EXPECT_EQ(table_json("exit")[0]["flags"], nlohmann::json::array({"noreturn"}));
}

TEST(TableCommand, ClassFilter) {
    nlohmann::json rows = table_json("--class %network");
    ASSERT_FALSE(rows.empty());
    for (const auto& row : rows) {
        bool network = false;
        for (const auto& c : row["classes"]) network |= c == "%network";
        EXPECT_TRUE(network) << row["name"];
    }
    EXPECT_LT(rows.size(), named_rows(lstar::Abi::x86_64));
}

TEST(TableCommand, ListAndDetail) {
    Output list = lstar_table("");
    ASSERT_EQ(list.status, 0) << list.err;
    EXPECT_NE(list.out.find("write(unsigned int fd, const char __user *buf, size_t count)"), std::string::npos);
    Output one = lstar_table("1");
    ASSERT_EQ(one.status, 0) << one.err;
    EXPECT_NE(one.out.find("sys_write"), std::string::npos);
    EXPECT_NE(one.out.find("0x1"), std::string::npos);
    EXPECT_NE(one.out.find("in_buf:count"), std::string::npos);
}

TEST(TableCommand, UnknownNameSuggests) {
    Output r = lstar_table("wrtie");
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "lstar: unknown system call 'wrtie' (did you mean write, writev?)\n");
}

TEST(TableCommand, UnknownNumberAbiOrClass) {
    Output nr = lstar_table("9999");
    EXPECT_EQ(nr.status, 2);
    EXPECT_EQ(nr.err, "lstar: unknown system call '9999'\n");
    Output abi = lstar_table("--abi arm64");
    EXPECT_EQ(abi.status, 2);
    EXPECT_NE(abi.err.find("unknown abi 'arm64'"), std::string::npos);
    Output outside = lstar_table("--class %network write");
    EXPECT_EQ(outside.status, 2);
    EXPECT_EQ(outside.err, "lstar: system call 'write' is not in the selected classes\n");
    Output cls = lstar_table("--class %nope");
    EXPECT_EQ(cls.status, 2);
    EXPECT_NE(cls.err.find("unknown class '%nope'"), std::string::npos);
}

TEST(TableCommand, HelpAndVersion) {
    Output version = lstar::test::run(std::string(LSTAR_BIN) + " --version");
    EXPECT_EQ(version.status, 0);
    EXPECT_EQ(version.out.rfind("lstar ", 0), 0u);
    Output help = lstar::test::run(std::string(LSTAR_BIN) + " --help");
    EXPECT_EQ(help.status, 0);
    EXPECT_NE(help.out.find("table"), std::string::npos);
}

}  // namespace
