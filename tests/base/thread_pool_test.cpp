#include "base/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

namespace hearth {
namespace {

TEST(SplitRange, CoversEverythingOnceAligned) {
    for (int64_t n : {0, 1, 7, 16, 100, 1023}) {
        for (int parts : {1, 2, 3, 8}) {
            for (int64_t align : {1, 4, 16}) {
                int64_t expected_begin = 0;
                for (int idx = 0; idx < parts; ++idx) {
                    Range range = split_range(n, parts, idx, align);
                    EXPECT_EQ(range.begin, expected_begin);
                    EXPECT_LE(range.begin, range.end);
                    if (range.end != n) EXPECT_EQ(range.end % align, 0);
                    expected_begin = range.end;
                }
                EXPECT_EQ(expected_begin, n);
            }
        }
    }
}

TEST(ThreadPool, EveryThreadRunsOncePerRun) {
    ThreadPool pool(4);
    for (int run_idx = 0; run_idx < 200; ++run_idx) {
        std::vector<std::atomic<int>> hits(4);
        pool.run([&](const ThreadCtx& ctx) {
            EXPECT_EQ(ctx.n_threads, 4);
            hits[ctx.thread_idx].fetch_add(1);
        });
        for (auto& hit : hits) EXPECT_EQ(hit.load(), 1);
    }
}

TEST(ThreadPool, BarrierOrdersPhases) {
    ThreadPool pool(3);
    std::vector<int> phase1(3000, 0);
    std::vector<int> phase2(3000, 0);
    pool.run([&](const ThreadCtx& ctx) {
        for (int step = 0; step < 50; ++step) {
            Range mine = ctx.split(3000);
            for (int64_t idx = mine.begin; idx < mine.end; ++idx) phase1[idx] = step;
            ctx.sync();
            // Read what other threads wrote in phase 1 of this step.
            Range other = split_range(3000, 3, (ctx.thread_idx + 1) % 3);
            for (int64_t idx = other.begin; idx < other.end; ++idx) phase2[idx] = phase1[idx];
            ctx.sync();
            for (int64_t idx = other.begin; idx < other.end; ++idx) ASSERT_EQ(phase2[idx], step);
            ctx.sync();
        }
    });
}

TEST(ThreadPool, SingleThreadRunsInline) {
    ThreadPool pool(1);
    int calls = 0;
    pool.run([&](const ThreadCtx& ctx) {
        ctx.sync();  // no-op with one thread
        ++calls;
    });
    EXPECT_EQ(calls, 1);
}

TEST(ThreadPool, SleepsAndWakesAgain) {
    ThreadPool pool(2);
    std::atomic<int> total{0};
    for (int idx = 0; idx < 3; ++idx) {
        pool.run([&](const ThreadCtx&) { total.fetch_add(1); });
        std::this_thread::sleep_for(std::chrono::milliseconds(5));  // past the spin window
    }
    EXPECT_EQ(total.load(), 6);
}

TEST(ThreadPool, DefaultThreadCountIsPositive) { EXPECT_GE(default_thread_count(), 1); }

}  // namespace
}  // namespace hearth
