#include "engine/llm/block_pool.h"

#include <cassert>

namespace hearth::engine {

BlockHash hash_block(BlockHash parent, std::span<const int32_t> tokens) {
    // FNV-1a over the parent hash and the tokens, finished with a 64-bit mix (splitmix64).
    uint64_t hash = 0xcbf29ce484222325ull ^ parent;
    auto mix_in = [&hash](uint64_t value) {
        for (int byte = 0; byte < 8; ++byte) {
            hash ^= (value >> (8 * byte)) & 0xffu;
            hash *= 0x100000001b3ull;
        }
    };
    mix_in(parent);
    for (int32_t token : tokens) mix_in(static_cast<uint32_t>(token));
    hash ^= hash >> 30;
    hash *= 0xbf58476d1ce4e5b9ull;
    hash ^= hash >> 27;
    hash *= 0x94d049bb133111ebull;
    hash ^= hash >> 31;
    return hash;
}

BlockPool::BlockPool(int32_t n_blocks) : blocks_(static_cast<size_t>(n_blocks)) {
    free_.reserve(static_cast<size_t>(n_blocks));
    for (int32_t block = n_blocks - 1; block >= 0; --block) free_.push_back(block);
}

void BlockPool::unregister(int32_t block) {
    Block& info = blocks_[static_cast<size_t>(block)];
    if (!info.registered) return;
    auto it = by_hash_.find(info.hash);
    if (it != by_hash_.end() && it->second == block) by_hash_.erase(it);
    info.registered = false;
}

Result<int32_t> BlockPool::allocate() {
    int32_t block;
    if (!free_.empty()) {
        block = free_.back();
        free_.pop_back();
    } else if (!evictable_.empty()) {
        block = evictable_.front();
        evictable_.pop_front();
        unregister(block);
    } else {
        return Error::make(Errc::kResourceExhausted, "the KV cache is full ({} blocks in use)", n_blocks());
    }
    blocks_[static_cast<size_t>(block)].ref_count = 1;
    return block;
}

void BlockPool::retain(int32_t block) {
    Block& info = blocks_[static_cast<size_t>(block)];
    if (info.ref_count == 0) {
        assert(info.registered);
        evictable_.erase(info.lru);
    }
    ++info.ref_count;
}

void BlockPool::release(int32_t block) {
    Block& info = blocks_[static_cast<size_t>(block)];
    assert(info.ref_count > 0);
    if (--info.ref_count > 0) return;
    if (info.registered) {
        evictable_.push_back(block);
        info.lru = std::prev(evictable_.end());
    } else {
        free_.push_back(block);
    }
}

void BlockPool::register_block(int32_t block, BlockHash hash) {
    Block& info = blocks_[static_cast<size_t>(block)];
    assert(info.ref_count > 0);
    if (info.registered) return;
    if (by_hash_.count(hash)) return;  // another block already holds this prefix
    by_hash_.emplace(hash, block);
    info.registered = true;
    info.hash = hash;
}

int32_t BlockPool::lookup(BlockHash hash) {
    auto it = by_hash_.find(hash);
    if (it == by_hash_.end()) {
        ++misses_;
        return -1;
    }
    ++hits_;
    retain(it->second);
    return it->second;
}

int32_t BlockPool::drop_cached() {
    int32_t dropped = 0;
    while (!evictable_.empty()) {
        const int32_t block = evictable_.front();
        evictable_.pop_front();
        unregister(block);
        free_.push_back(block);
        ++dropped;
    }
    return dropped;
}

}  // namespace hearth::engine
