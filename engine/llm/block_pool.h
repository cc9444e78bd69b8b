// Ownership of KV cache blocks: a pool of block ids with reference counts and a free list.
// (vLLM's BlockPool discipline: a block with refcount 0 sits on the free list until reused.)
// Not thread-safe: one owner (the engine's step loop) calls it.
#pragma once

#include <cstdint>
#include <vector>

#include "base/result.h"

namespace hearth::engine {

class BlockPool {
public:
    explicit BlockPool(int32_t n_blocks);

    int32_t n_blocks() const { return static_cast<int32_t>(ref_counts_.size()); }
    int32_t n_free() const { return static_cast<int32_t>(free_.size()); }

    // Takes one free block (refcount 1); kResourceExhausted when none is free.
    Result<int32_t> allocate();
    // Adds a reference to a block already in use.
    void retain(int32_t block);
    // Drops one reference; at zero the block returns to the free list.
    void release(int32_t block);
    int32_t ref_count(int32_t block) const { return ref_counts_[static_cast<size_t>(block)]; }

private:
    std::vector<int32_t> ref_counts_;
    std::vector<int32_t> free_;  // stack: the most recently freed block is reused first
};

}  // namespace hearth::engine
