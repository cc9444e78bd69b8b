#include "engine/llm/block_pool.h"

#include <gtest/gtest.h>

#include <set>

namespace hearth::engine {
namespace {

TEST(BlockPool, AllocatesEveryBlockOnceThenRefuses) {
    BlockPool pool(4);
    std::set<int32_t> taken;
    for (int idx = 0; idx < 4; ++idx) {
        auto block = pool.allocate();
        ASSERT_TRUE(block.ok());
        EXPECT_TRUE(taken.insert(*block).second);
    }
    EXPECT_EQ(pool.n_free(), 0);
    auto none = pool.allocate();
    ASSERT_FALSE(none.ok());
    EXPECT_EQ(none.error().code, Errc::kResourceExhausted);
}

TEST(BlockPool, ReferenceCountsKeepSharedBlocks) {
    BlockPool pool(2);
    const int32_t block = *pool.allocate();
    pool.retain(block);
    EXPECT_EQ(pool.ref_count(block), 2);
    pool.release(block);
    EXPECT_EQ(pool.n_free(), 1);  // still held once
    pool.release(block);
    EXPECT_EQ(pool.n_free(), 2);
    EXPECT_EQ(*pool.allocate(), block);  // the most recently freed block comes back first
}

}  // namespace
}  // namespace hearth::engine
