// Per-key concurrency slots: refusal at the limit, release on destruction, and the limit holding
// under many threads.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "access/concurrency_limiter.h"

namespace hearth::access {
namespace {

TEST(ConcurrencyLimiter, RefusesPastTheLimitAndReleasesOnDestruction) {
    ConcurrencyLimiter limiter;
    auto first = limiter.enter(1, 2);
    auto second = limiter.enter(1, 2);
    ASSERT_TRUE(first.ok());
    ASSERT_TRUE(second.ok());
    EXPECT_EQ(limiter.in_flight(1), 2);
    auto third = limiter.enter(1, 2);
    ASSERT_FALSE(third.ok());
    EXPECT_EQ(third.error().code, Errc::kResourceExhausted);
    EXPECT_NE(third.error().message.find("2 requests in flight"), std::string::npos);
    EXPECT_EQ(limiter.in_flight(1), 2);     // a refusal is not counted
    EXPECT_TRUE(limiter.enter(2, 2).ok());  // another key
    { ConcurrencySlot gone = std::move(first).value(); }
    EXPECT_EQ(limiter.in_flight(1), 1);
    EXPECT_TRUE(limiter.enter(1, 2).ok());  // entered and released at once (a temporary)
    EXPECT_EQ(limiter.in_flight(1), 1);
}

TEST(ConcurrencyLimiter, SlotsMoveAndReleaseOnce) {
    ConcurrencyLimiter limiter;
    ConcurrencySlot slot = limiter.enter(1, 1).value();
    EXPECT_TRUE(slot.holds());
    ConcurrencySlot moved = std::move(slot);
    EXPECT_TRUE(moved.holds());
    EXPECT_EQ(limiter.in_flight(1), 1);
    moved.release();
    moved.release();  // idempotent
    EXPECT_FALSE(moved.holds());
    EXPECT_EQ(limiter.in_flight(1), 0);
    ConcurrencySlot other = limiter.enter(1, 1).value();
    other = limiter.enter(2, 1).value();  // assignment releases what it held
    EXPECT_EQ(limiter.in_flight(1), 0);
    EXPECT_EQ(limiter.in_flight(2), 1);
}

TEST(ConcurrencyLimiter, ZeroMeansUnlimitedButCounted) {
    ConcurrencyLimiter limiter;
    std::vector<ConcurrencySlot> slots;
    for (int idx = 0; idx < 100; ++idx) slots.push_back(limiter.enter(1, 0).value());
    EXPECT_EQ(limiter.in_flight(1), 100);
    slots.clear();
    EXPECT_EQ(limiter.in_flight(1), 0);
}

TEST(ConcurrencyLimiter, TheLimitHoldsUnderManyThreads) {
    ConcurrencyLimiter limiter;
    constexpr int kLimit = 3;
    constexpr int kThreads = 8;
    std::atomic<int> inside{0};
    std::atomic<int> most_inside{0};
    std::atomic<int> admitted{0};
    std::vector<std::thread> threads;
    for (int thread_idx = 0; thread_idx < kThreads; ++thread_idx)
        threads.emplace_back([&] {
            for (int idx = 0; idx < 2000; ++idx) {
                auto slot = limiter.enter(1, kLimit);
                if (!slot.ok()) continue;
                ++admitted;
                const int now = ++inside;
                int seen = most_inside.load();
                while (now > seen && !most_inside.compare_exchange_weak(seen, now)) {
                }
                std::this_thread::yield();
                --inside;
                // The slot is released here, after `inside` went down.
            }
        });
    for (auto& thread : threads) thread.join();
    EXPECT_LE(most_inside.load(), kLimit);
    EXPECT_GT(admitted.load(), 0);
    EXPECT_EQ(limiter.in_flight(1), 0);
}

TEST(ConcurrencyLimiter, ASlotMayBeReleasedOnAnotherThread) {
    ConcurrencyLimiter limiter;
    ConcurrencySlot slot = limiter.enter(1, 1).value();
    std::thread other([slot = std::move(slot)]() mutable { slot.release(); });
    other.join();
    EXPECT_EQ(limiter.in_flight(1), 0);
}

}  // namespace
}  // namespace hearth::access
