// The per-minute token bucket: exact counts, continuous refill, debt, and extreme values.
#include <gtest/gtest.h>

#include "access/token_bucket.h"

namespace hearth::access {
namespace {

constexpr int64_t kSecond = 1'000'000;

TEST(TokenBucket, StartsFullAndRefusesPastItsLimit) {
    TokenBucket bucket;
    bucket.refill(5, 0);
    EXPECT_EQ(bucket.available(), 5);
    for (int idx = 0; idx < 5; ++idx) EXPECT_TRUE(bucket.try_take(1)) << idx;
    EXPECT_FALSE(bucket.try_take(1));
    EXPECT_EQ(bucket.available(), 0);
    EXPECT_EQ(bucket.seconds_until(1), 12);  // 5 per minute: one every 12 s
    EXPECT_EQ(bucket.seconds_until_full(), 60);
}

TEST(TokenBucket, RefillsContinuouslyAndExactly) {
    TokenBucket bucket;
    bucket.refill(60, 0);
    ASSERT_TRUE(bucket.try_take(60));
    bucket.refill(60, kSecond - 1);
    EXPECT_EQ(bucket.available(), 0);  // one microsecond short of a token
    bucket.refill(60, kSecond);
    EXPECT_EQ(bucket.available(), 1);
    bucket.refill(60, 30 * kSecond);
    EXPECT_EQ(bucket.available(), 30);
    bucket.refill(60, 3600 * kSecond);
    EXPECT_EQ(bucket.available(), 60);  // never above the limit
    EXPECT_EQ(bucket.seconds_until_full(), 0);
}

TEST(TokenBucket, TimeGoingBackwardsAddsNothing) {
    TokenBucket bucket;
    bucket.refill(60, 100 * kSecond);
    ASSERT_TRUE(bucket.try_take(60));
    bucket.refill(60, 50 * kSecond);
    EXPECT_EQ(bucket.available(), 0);
    bucket.refill(60, 101 * kSecond);
    EXPECT_EQ(bucket.available(), 1);  // counted from the latest time seen
}

TEST(TokenBucket, DebtIsRepaidBeforeAnythingIsAvailable) {
    TokenBucket bucket;
    bucket.refill(100, 0);
    bucket.take(250);  // 150 tokens of debt
    EXPECT_EQ(bucket.available(), 0);
    EXPECT_FALSE(bucket.try_take(1));
    EXPECT_EQ(bucket.seconds_until(1), 91);  // 151 tokens at 100 per minute: 90.6 s
    bucket.refill(100, 90 * kSecond);
    EXPECT_EQ(bucket.available(), 0);
    bucket.refill(100, 91 * kSecond);
    EXPECT_EQ(bucket.available(), 1);
}

TEST(TokenBucket, DebtIsBounded) {
    TokenBucket bucket;
    bucket.refill(10, 0);
    bucket.take(int64_t{1} << 60);  // absurd usage: at most kMaxDebtMinutes of debt
    const int64_t minutes = TokenBucket::kMaxDebtMinutes + 1;
    EXPECT_EQ(bucket.seconds_until(1), minutes * 60 - 60 + 6);  // 10 minutes of debt, then 6 s
    bucket.refill(10, minutes * 60 * kSecond);
    EXPECT_EQ(bucket.available(), 10);
}

TEST(TokenBucket, GiveBackStopsAtFull) {
    TokenBucket bucket;
    bucket.refill(10, 0);
    ASSERT_TRUE(bucket.try_take(4));
    bucket.give_back(100);
    EXPECT_EQ(bucket.available(), 10);
}

TEST(TokenBucket, ARequestLargerThanTheBucketNeedsItFull) {
    TokenBucket bucket;
    bucket.refill(10, 0);
    ASSERT_TRUE(bucket.try_take(1));
    EXPECT_FALSE(bucket.try_take(1000));
    EXPECT_EQ(bucket.seconds_until(1000), 6);
    bucket.refill(10, 6 * kSecond);
    EXPECT_TRUE(bucket.try_take(1000));
    EXPECT_EQ(bucket.available(), 0);
}

TEST(TokenBucket, AChangedLimitKeepsTheLevelWithinTheNewSize) {
    TokenBucket bucket;
    bucket.refill(100, 0);
    ASSERT_TRUE(bucket.try_take(40));
    bucket.refill(30, 0);
    EXPECT_EQ(bucket.available(), 30);
    bucket.refill(1000, 0);
    EXPECT_EQ(bucket.available(), 30);
    EXPECT_EQ(bucket.limit(), 1000);
}

TEST(TokenBucket, LargestLimitsDoNotOverflow) {
    TokenBucket bucket;
    bucket.refill(TokenBucket::kMaxPerMinute * 10, 0);  // clamped
    EXPECT_EQ(bucket.limit(), TokenBucket::kMaxPerMinute);
    EXPECT_EQ(bucket.available(), TokenBucket::kMaxPerMinute);
    bucket.take(int64_t{1} << 62);
    bucket.refill(TokenBucket::kMaxPerMinute, int64_t{1} << 62);  // far future
    EXPECT_EQ(bucket.available(), TokenBucket::kMaxPerMinute);
    bucket.take(TokenBucket::kMaxPerMinute * 5);
    EXPECT_EQ(bucket.available(), 0);
    EXPECT_GT(bucket.seconds_until(1), 0);
}

}  // namespace
}  // namespace hearth::access
