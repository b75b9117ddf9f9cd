// table/result.hpp: what a Result holds, and how LSTAR_TRY passes an error up.
#include "table/result.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <memory>
#include <string>

namespace lstar {
namespace {

Result<int> half(int n) {
    if (n % 2) return error("half: " + std::to_string(n) + " is odd", EINVAL);
    return n / 2;
}

// Two halvings, the first failure returned as it is.
Result<int> quarter(int n) {
    Result<int> h = half(n);
    if (!h) return h.error();
    return half(*h);
}

Status check_even(int n) {
    LSTAR_TRY(half(n));  // a Result<int> through a Status: only its error is kept
    return {};
}

Status check_both(int a, int b, int* checked) {
    LSTAR_TRY(check_even(a));
    ++*checked;
    LSTAR_TRY(check_even(b));
    ++*checked;
    return {};
}

TEST(Result, HoldsAValueOrAnError) {
    Result<int> ok = half(8);
    ASSERT_TRUE(ok.ok());
    EXPECT_TRUE(static_cast<bool>(ok));
    EXPECT_EQ(ok.value(), 4);
    EXPECT_EQ(*ok, 4);

    Result<int> bad = half(7);
    ASSERT_FALSE(bad.ok());
    EXPECT_FALSE(static_cast<bool>(bad));
    EXPECT_EQ(bad.error().err, EINVAL);
    EXPECT_EQ(bad.error().message, "half: 7 is odd");
}

TEST(Result, ErrorWithoutErrno) {
    Error e = error("no errno here");
    EXPECT_EQ(e.err, 0);
    EXPECT_EQ(e.message, "no errno here");
}

TEST(Result, MoveOnlyValues) {
    Result<std::unique_ptr<std::string>> r = std::make_unique<std::string>("moved");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->get()->size(), 5u);
    std::unique_ptr<std::string> taken = std::move(r).value();
    EXPECT_EQ(*taken, "moved");
}

TEST(Result, ErrorsPassUpUnchanged) {
    EXPECT_EQ(quarter(12).value(), 3);
    Result<int> r = quarter(6);  // 6 → 3, which is odd
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "half: 3 is odd");
    EXPECT_EQ(r.error().err, EINVAL);
}

TEST(Status, DefaultIsSuccess) {
    Status s;
    EXPECT_TRUE(s.ok());
    Status failed = error("failed", ENOENT);
    EXPECT_FALSE(failed.ok());
    EXPECT_EQ(failed.error().err, ENOENT);
    EXPECT_EQ(failed.error().message, "failed");
}

TEST(LstarTry, ReturnsTheFirstErrorAndStopsThere) {
    int checked = 0;
    EXPECT_TRUE(check_both(2, 4, &checked).ok());
    EXPECT_EQ(checked, 2);

    checked = 0;
    Status s = check_both(2, 5, &checked);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().message, "half: 5 is odd");
    EXPECT_EQ(checked, 1);

    checked = 0;
    s = check_both(3, 5, &checked);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().message, "half: 3 is odd");  // the first failure, not the last
    EXPECT_EQ(checked, 0);
}

TEST(LstarTry, EvaluatesItsExpressionOnce) {
    int calls = 0;
    auto counted = [&]() -> Status {
        LSTAR_TRY([&]() -> Status { ++calls; return {}; }());
        return {};
    };
    EXPECT_TRUE(counted().ok());
    EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace lstar
