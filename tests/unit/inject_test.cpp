// inject/: the data of the systematic mode (tbl/fault_errors.tbl) and the
// argument conditions fault injection and the policy share (table/arg_condition).
#include <cerrno>

#include <gtest/gtest.h>

#include "inject/systematic.hpp"
#include "table/arg_condition.hpp"

using namespace lstar;

TEST(FaultErrors, TableNamesOnlyRealCallsAndErrnos) {
    Status s = check_fault_errors();
    EXPECT_TRUE(s) << (s ? "" : s.error().message);
}

TEST(FaultErrors, EachCallGetsAnErrorItsManualLists) {
    auto err = [](const char* name) { return systematic_errno(*find_syscall(Abi::x86_64, std::string_view(name))); };
    EXPECT_EQ(err("openat"), ENOENT);
    EXPECT_EQ(err("newfstatat"), ENOENT);
    EXPECT_EQ(err("read"), EIO);
    EXPECT_EQ(err("write"), ENOSPC);
    EXPECT_EQ(err("mmap"), ENOMEM);
    EXPECT_EQ(err("clone"), EAGAIN);
    EXPECT_EQ(err("socket"), EMFILE);
    EXPECT_EQ(err("connect"), ECONNREFUSED);
    EXPECT_EQ(err("fcntl"), EBADF);
    EXPECT_EQ(systematic_errno(*find_syscall(Abi::i386, std::string_view("mmap2"))), ENOMEM);
}

TEST(FaultErrors, CallsThatCannotFailAreNotCounted) {
    for (const char* name : {"getpid", "exit_group", "rt_sigreturn"})
        EXPECT_FALSE(can_fail(*find_syscall(Abi::x86_64, std::string_view(name)))) << name;
    for (const char* name : {"openat", "read", "brk"}) EXPECT_TRUE(can_fail(*find_syscall(Abi::x86_64, std::string_view(name)))) << name;
}

TEST(ArgConditions, NamesKindsAndPositions) {
    const SyscallDesc& openat = *find_syscall(Abi::x86_64, std::string_view("openat"));
    Result<ArgCondition> glob = parse_condition("path ~ /etc/*");
    ASSERT_TRUE(glob);
    EXPECT_EQ(glob->op, CmpOp::glob);
    EXPECT_EQ(glob->value, "/etc/*");
    EXPECT_EQ(condition_arg_index(*glob, openat).value(), 1);  // by kind: the path argument
    Result<ArgCondition> flags = parse_condition("openat.flags & O_CREAT");
    ASSERT_TRUE(flags);
    EXPECT_EQ(condition_arg_index(*flags, openat).value(), 2);  // by name
    Result<ArgCondition> third = parse_condition("arg3 == 0644");
    ASSERT_TRUE(third);
    EXPECT_EQ(third->index, 3);
    EXPECT_EQ(condition_arg_index(*third, openat).value(), 3);
    Result<ArgCondition> none = parse_condition("nosuch == 1");
    ASSERT_TRUE(none);
    Result<int> missing = condition_arg_index(*none, openat);
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("its arguments: dfd, filename, flags, mode"), std::string::npos);
    EXPECT_FALSE(parse_condition("flags"));
    EXPECT_EQ(resolve_value("O_CREAT|O_EXCL", openat.effective().args[2]).value(), 0300u);
}
