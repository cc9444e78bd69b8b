// Ownership of KV cache blocks, with prefix caching (vLLM's BlockPool discipline).
//
// Every block is in exactly one of three states:
//   in use     ref_count > 0: one or more sequences hold it
//   cached     ref_count == 0 but it holds a full block of known tokens, registered under a hash
//              of those tokens chained with the previous block's hash; it sits on the evictable
//              list in least-recently-released order and can be revived by lookup()
//   free       ref_count == 0 and no content worth keeping
// allocate() takes a free block first, then evicts the least recently used cached block.
// A full block's hash identifies its whole prefix, so a new sequence reuses every cached block of
// its longest matching prefix: the next turn of a conversation computes only its new tokens.
//
// Not thread-safe: one owner (an engine's step loop) calls it.
#pragma once

#include <cstdint>
#include <list>
#include <span>
#include <unordered_map>
#include <vector>

#include "base/result.h"

namespace hearth::engine {

using BlockHash = uint64_t;

// Hash of one full block of tokens chained with the hash of the blocks before it (0 for the first).
BlockHash hash_block(BlockHash parent, std::span<const int32_t> tokens);

class BlockPool {
public:
    explicit BlockPool(int32_t n_blocks);

    int32_t n_blocks() const { return static_cast<int32_t>(blocks_.size()); }
    int32_t n_free() const { return static_cast<int32_t>(free_.size()); }
    int32_t n_cached() const { return static_cast<int32_t>(evictable_.size()); }
    // Blocks allocate() can hand out (free + evictable cached).
    int32_t n_available() const { return n_free() + n_cached(); }
    int32_t n_in_use() const { return n_blocks() - n_available(); }

    // Takes a block (refcount 1), preferring free ones, else evicting the least recently used
    // cached block. kResourceExhausted when every block is in use.
    Result<int32_t> allocate();
    void retain(int32_t block);
    // Drops one reference; at zero the block becomes cached (if registered) or free.
    void release(int32_t block);
    int32_t ref_count(int32_t block) const { return blocks_[static_cast<size_t>(block)].ref_count; }

    // Records that an in-use block now holds a full block of tokens with this chained hash. A
    // second block with the same hash is not registered (the first stays the canonical copy).
    void register_block(int32_t block, BlockHash hash);
    bool is_registered(int32_t block) const { return blocks_[static_cast<size_t>(block)].registered; }
    // The cached or in-use block holding this prefix hash, retained for the caller; -1 if none.
    int32_t lookup(BlockHash hash);

    // Forgets every cached block (they become free). Returns how many were dropped.
    int32_t drop_cached();

    // Counters since construction.
    int64_t hits() const { return hits_; }
    int64_t misses() const { return misses_; }

private:
    struct Block {
        int32_t ref_count = 0;
        bool registered = false;
        BlockHash hash = 0;
        std::list<int32_t>::iterator lru;  // valid while cached (on evictable_)
    };
    void unregister(int32_t block);

    std::vector<Block> blocks_;
    std::vector<int32_t> free_;          // stack
    std::list<int32_t> evictable_;       // cached blocks, least recently released first
    std::unordered_map<BlockHash, int32_t> by_hash_;
    int64_t hits_ = 0;
    int64_t misses_ = 0;
};

}  // namespace hearth::engine
