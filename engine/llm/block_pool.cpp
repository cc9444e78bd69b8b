#include "engine/llm/block_pool.h"

#include <cassert>

namespace hearth::engine {

BlockPool::BlockPool(int32_t n_blocks) : ref_counts_(static_cast<size_t>(n_blocks), 0) {
    free_.reserve(static_cast<size_t>(n_blocks));
    for (int32_t block = n_blocks - 1; block >= 0; --block) free_.push_back(block);
}

Result<int32_t> BlockPool::allocate() {
    if (free_.empty())
        return Error::make(Errc::kResourceExhausted, "the KV cache is full ({} blocks in use)", n_blocks());
    const int32_t block = free_.back();
    free_.pop_back();
    ref_counts_[static_cast<size_t>(block)] = 1;
    return block;
}

void BlockPool::retain(int32_t block) {
    assert(ref_counts_[static_cast<size_t>(block)] > 0);
    ++ref_counts_[static_cast<size_t>(block)];
}

void BlockPool::release(int32_t block) {
    int32_t& count = ref_counts_[static_cast<size_t>(block)];
    assert(count > 0);
    if (--count == 0) free_.push_back(block);
}

}  // namespace hearth::engine
