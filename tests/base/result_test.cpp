#include "base/result.h"

#include <gtest/gtest.h>

#include <memory>

namespace hearth {
namespace {

Result<int> parse_positive(int value) {
    if (value <= 0) return Error::make(Errc::kInvalidArgument, "{} is not positive", value);
    return value;
}

Result<int> doubled(int value) {
    HEARTH_ASSIGN_OR_RETURN(int parsed, parse_positive(value));
    return parsed * 2;
}

Status check(int value) {
    HEARTH_TRY(parse_positive(value));
    return {};
}

TEST(Result, CarriesValueOrError) {
    auto good = parse_positive(3);
    ASSERT_TRUE(good.ok());
    EXPECT_EQ(*good, 3);
    auto bad = parse_positive(-1);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, Errc::kInvalidArgument);
    EXPECT_EQ(bad.error().message, "-1 is not positive");
}

TEST(Result, MacrosPropagate) {
    EXPECT_EQ(*doubled(4), 8);
    EXPECT_EQ(doubled(0).error().message, "0 is not positive");
    EXPECT_TRUE(check(1).ok());
    EXPECT_FALSE(check(0).ok());
}

TEST(Result, MoveOnlyValues) {
    Result<std::unique_ptr<int>> holder = std::make_unique<int>(7);
    ASSERT_TRUE(holder.ok());
    std::unique_ptr<int> taken = std::move(holder).value();
    EXPECT_EQ(*taken, 7);
}

TEST(Result, WrapAddsContext) {
    Error error = Error::make(Errc::kCorrupt, "bad magic");
    Error wrapped = error.wrap("loading {}", "x.gguf");
    EXPECT_EQ(wrapped.message, "loading x.gguf: bad magic");
    EXPECT_EQ(wrapped.code, Errc::kCorrupt);
    EXPECT_STREQ(errc_name(Errc::kCorrupt), "corrupt");
}

}  // namespace
}  // namespace hearth
