// Per-key rate limits with a manual clock: exact 429 counts, refill, route classes, tokens per
// minute with reservations and debt, and exact counts under concurrent callers.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "access/rate_limiter.h"

namespace hearth::access {
namespace {

class RateLimiterTest : public ::testing::Test {
  protected:
    ManualClock clock_;
    RateLimiter limiter_{clock_};
};

TEST_F(RateLimiterTest, ABurstPastTheLimitGetsExactlyTheExpected429s) {
    const KeyLimits limits{10, 0, 0};
    int allowed = 0;
    int refused = 0;
    for (int idx = 0; idx < 25; ++idx) {
        const RateDecision decision = limiter_.acquire(1, limits, RouteClass::kInference);
        EXPECT_EQ(decision.requests.limit, 10);
        if (decision.allowed) {
            ++allowed;
            EXPECT_EQ(decision.requests.remaining, 10 - allowed);
            EXPECT_EQ(decision.requests.reset_seconds, 6 * allowed);  // 6 s per request
        } else {
            ++refused;
            EXPECT_EQ(decision.refused_by, "requests");
            EXPECT_EQ(decision.retry_after_seconds, 6);
            EXPECT_EQ(decision.requests.remaining, 0);
            EXPECT_EQ(decision.requests.reset_seconds, 60);
        }
    }
    EXPECT_EQ(allowed, 10);
    EXPECT_EQ(refused, 15);
}

TEST_F(RateLimiterTest, TheBucketRefills) {
    const KeyLimits limits{10, 0, 0};
    for (int idx = 0; idx < 10; ++idx)
        ASSERT_TRUE(limiter_.acquire(1, limits, RouteClass::kInference).allowed);
    ASSERT_FALSE(limiter_.acquire(1, limits, RouteClass::kInference).allowed);
    clock_.advance_seconds(5.999);
    EXPECT_FALSE(limiter_.acquire(1, limits, RouteClass::kInference).allowed);
    clock_.advance_seconds(0.001);
    EXPECT_TRUE(limiter_.acquire(1, limits, RouteClass::kInference).allowed);
    EXPECT_FALSE(limiter_.acquire(1, limits, RouteClass::kInference).allowed);
    clock_.advance_seconds(600);  // long idle: full, not more
    int allowed = 0;
    for (int idx = 0; idx < 20; ++idx)
        allowed += limiter_.acquire(1, limits, RouteClass::kInference).allowed ? 1 : 0;
    EXPECT_EQ(allowed, 10);
}

TEST_F(RateLimiterTest, KeysHaveTheirOwnBuckets) {
    const KeyLimits limits{2, 0, 0};
    EXPECT_TRUE(limiter_.acquire(1, limits, RouteClass::kInference).allowed);
    EXPECT_TRUE(limiter_.acquire(1, limits, RouteClass::kInference).allowed);
    EXPECT_FALSE(limiter_.acquire(1, limits, RouteClass::kInference).allowed);
    EXPECT_TRUE(limiter_.acquire(2, limits, RouteClass::kInference).allowed);
    limiter_.forget(1);  // a revoked and re-created id starts full
    EXPECT_TRUE(limiter_.acquire(1, limits, RouteClass::kInference).allowed);
}

TEST_F(RateLimiterTest, RouteClassesHaveSeparateBucketsFromTheConfig) {
    const KeyLimits limits{10, 0, 0};
    for (int idx = 0; idx < 10; ++idx)
        ASSERT_TRUE(limiter_.acquire(1, limits, RouteClass::kInference).allowed);
    EXPECT_FALSE(limiter_.acquire(1, limits, RouteClass::kInference).allowed);
    // Admin has its own bucket of the key's rpm.
    EXPECT_TRUE(limiter_.acquire(1, limits, RouteClass::kAdmin).allowed);
    // Batch gets a fifth: 2 per minute.
    const RateDecision batch = limiter_.acquire(1, limits, RouteClass::kBatch);
    EXPECT_TRUE(batch.allowed);
    EXPECT_EQ(batch.requests.limit, 2);
    EXPECT_TRUE(limiter_.acquire(1, limits, RouteClass::kBatch).allowed);
    EXPECT_FALSE(limiter_.acquire(1, limits, RouteClass::kBatch).allowed);
    // Status is not limited: no bucket, no headers.
    for (int idx = 0; idx < 100; ++idx) {
        const RateDecision status = limiter_.acquire(1, limits, RouteClass::kStatus);
        ASSERT_TRUE(status.allowed);
        EXPECT_EQ(status.requests.limit, 0);
    }
}

TEST_F(RateLimiterTest, ConfiguredPoliciesApply) {
    RateLimitConfig config;
    config.classes[static_cast<size_t>(RouteClass::kStatus)] = {true, 3.0, false};
    config.classes[static_cast<size_t>(RouteClass::kInference)] = {false, 1.0, true};
    RateLimiter limiter(clock_, config);
    const KeyLimits limits{2, 100, 0};
    int allowed = 0;
    for (int idx = 0; idx < 10; ++idx)
        allowed += limiter.acquire(1, limits, RouteClass::kStatus).allowed ? 1 : 0;
    EXPECT_EQ(allowed, 6);
    for (int idx = 0; idx < 10; ++idx)  // unlimited, tokens included
        EXPECT_TRUE(limiter.acquire(1, limits, RouteClass::kInference, 1000).allowed);
    EXPECT_EQ(parse_route_class("batch"), RouteClass::kBatch);
    EXPECT_EQ(parse_route_class("Batch"), std::nullopt);
    EXPECT_STREQ(route_class_name(RouteClass::kStatus), "status");
}

TEST_F(RateLimiterTest, ZeroMeansUnlimited) {
    const KeyLimits limits{0, 0, 0};
    for (int idx = 0; idx < 1000; ++idx) {
        const RateDecision decision = limiter_.acquire(1, limits, RouteClass::kInference, 10'000);
        ASSERT_TRUE(decision.allowed);
        EXPECT_EQ(decision.requests.limit, 0);
        EXPECT_EQ(decision.tokens.limit, 0);
    }
}

TEST_F(RateLimiterTest, TokenReservationsAreSettledWithTheRealCount) {
    const KeyLimits limits{0, 1000, 0};
    RateDecision first = limiter_.acquire(1, limits, RouteClass::kInference, 600);
    ASSERT_TRUE(first.allowed);
    EXPECT_EQ(first.tokens.limit, 1000);
    EXPECT_EQ(first.tokens.remaining, 400);
    RateDecision second = limiter_.acquire(1, limits, RouteClass::kInference, 600);
    ASSERT_FALSE(second.allowed);
    EXPECT_EQ(second.refused_by, "tokens");
    EXPECT_EQ(second.retry_after_seconds, 12);  // 200 more tokens at 1000 per minute
    // The first request used only 100 of its 600: 500 come back.
    limiter_.settle_tokens(1, limits, 600, 100);
    second = limiter_.acquire(1, limits, RouteClass::kInference, 600);
    ASSERT_TRUE(second.allowed);
    EXPECT_EQ(second.tokens.remaining, 300);
}

TEST_F(RateLimiterTest, ALongGenerationPutsTheKeyInDebt) {
    const KeyLimits limits{0, 1000, 0};
    ASSERT_TRUE(limiter_.acquire(1, limits, RouteClass::kInference).allowed);  // no estimate
    limiter_.settle_tokens(1, limits, 0, 3000);  // used three minutes' worth
    const RateDecision refused = limiter_.acquire(1, limits, RouteClass::kInference);
    ASSERT_FALSE(refused.allowed);
    EXPECT_EQ(refused.refused_by, "tokens");
    EXPECT_EQ(refused.retry_after_seconds, 121);  // 2001 tokens at 1000 per minute: 120.06 s
    clock_.advance_seconds(121);
    EXPECT_TRUE(limiter_.acquire(1, limits, RouteClass::kInference).allowed);
    // Admin routes do not count tokens: a key in debt can still manage things.
    limiter_.settle_tokens(1, limits, 0, 5000);
    EXPECT_FALSE(limiter_.acquire(1, limits, RouteClass::kInference).allowed);
    EXPECT_TRUE(limiter_.acquire(1, limits, RouteClass::kAdmin).allowed);
}

TEST_F(RateLimiterTest, ARefusedRequestTakesNothing) {
    const KeyLimits limits{3, 100, 0};
    ASSERT_TRUE(limiter_.acquire(1, limits, RouteClass::kInference, 90).allowed);
    // Refused for tokens: its request is not counted either.
    for (int idx = 0; idx < 5; ++idx)
        ASSERT_FALSE(limiter_.acquire(1, limits, RouteClass::kInference, 50).allowed);
    const RateDecision small = limiter_.acquire(1, limits, RouteClass::kInference, 5);
    ASSERT_TRUE(small.allowed);
    EXPECT_EQ(small.requests.remaining, 1);
    EXPECT_EQ(small.tokens.remaining, 5);
}

TEST_F(RateLimiterTest, ConcurrentCallersGetExactlyTheLimit) {
    const KeyLimits limits{1000, 0, 0};
    constexpr int kThreads = 8;
    constexpr int kAttemptsEach = 400;
    std::atomic<int> allowed{0};
    std::atomic<int> other_key_allowed{0};
    std::vector<std::thread> threads;
    for (int thread_idx = 0; thread_idx < kThreads; ++thread_idx)
        threads.emplace_back([&, thread_idx] {
            for (int idx = 0; idx < kAttemptsEach; ++idx) {
                if (limiter_.acquire(7, limits, RouteClass::kInference).allowed) ++allowed;
                // Other keys (and shards) at the same time.
                if (limiter_.acquire(100 + thread_idx, limits, RouteClass::kInference).allowed)
                    ++other_key_allowed;
            }
        });
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(allowed.load(), 1000);  // 3200 attempts, a frozen clock: exactly the bucket
    EXPECT_EQ(other_key_allowed.load(), kThreads * kAttemptsEach);  // 400 each, under 1000
}

TEST_F(RateLimiterTest, ConcurrentCallersWhileTimeMoves) {
    const KeyLimits limits{600, 6000, 0};  // 10 requests and 100 tokens per second
    constexpr int kThreads = 4;
    std::atomic<bool> stop{false};
    std::atomic<int> allowed{0};
    std::vector<std::thread> threads;
    for (int thread_idx = 0; thread_idx < kThreads; ++thread_idx)
        threads.emplace_back([&] {
            while (!stop.load()) {
                const RateDecision decision =
                    limiter_.acquire(1, limits, RouteClass::kInference, 10);
                if (decision.allowed) {
                    ++allowed;
                    limiter_.settle_tokens(1, limits, 10, 10);
                }
            }
        });
    // Let the callers drain the initial burst, then let time move.
    for (int waited_ms = 0; allowed.load() < 600 && waited_ms < 10'000; ++waited_ms)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    for (int step = 0; step < 100; ++step) {  // 10 simulated seconds
        clock_.advance_us(100'000);
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    stop.store(true);
    for (auto& thread : threads) thread.join();
    // The burst (600 requests, but 6000 tokens / 10 = 600 too) plus 10 s of refill (100).
    EXPECT_LE(allowed.load(), 700);
    EXPECT_GE(allowed.load(), 600);
}

}  // namespace
}  // namespace hearth::access
