// The paged KV cache storage: a pool of fixed-size blocks of token slots, for every layer.
//
// Layout (the contract of kernels/attention.h): for layer l, block b, kv head h, slot s,
//   K at k_base(l) + b * block_stride + h * head_stride + s * head_dim * elem   (head_dim elements)
//   V at v_base(l) + (same offset)
// Which blocks a sequence owns is BlockPool's business (block_pool.h); this class only stores.
// Threads: store() for distinct (layer, block, slot) may run concurrently; layout() is const.
#pragma once

#include <cstdint>

#include "arch/llm_hparams.h"
#include "base/aligned_buffer.h"
#include "kernels/attention.h"
#include "tensor/dtype.h"

namespace hearth::engine {

struct KvCacheConfig {
    int32_t block_size = 16;   // token slots per block
    int32_t n_blocks = 0;      // blocks in the pool
    DType type = DType::kF16;  // kF16 (default) or kF32
};

class KvCache {
public:
    KvCache(const arch::LlmHParams& hparams, const KvCacheConfig& config);

    const KvCacheConfig& config() const { return config_; }
    int32_t block_size() const { return config_.block_size; }
    int32_t n_blocks() const { return config_.n_blocks; }
    uint64_t bytes() const { return bytes_; }
    static uint64_t bytes_for(const arch::LlmHParams& hparams, const KvCacheConfig& config);

    kernels::KvLayout layout(int64_t layer_idx) const;

    // Writes one token's K and V (n_head_kv * head_dim floats each, head-major) for `layer_idx`
    // into slot `slot` of block `block`, converting to the cache type.
    void store(int64_t layer_idx, int32_t block, int32_t slot, const float* k_row, const float* v_row);

private:
    KvCacheConfig config_;
    int64_t n_head_kv_ = 0;
    int64_t head_dim_ = 0;
    int64_t elem_bytes_ = 0;
    int64_t head_stride_ = 0;   // bytes: block_size * head_dim * elem
    int64_t block_stride_ = 0;  // bytes: n_head_kv * head_stride
    int64_t layer_stride_ = 0;  // bytes: n_blocks * block_stride (one of K or V)
    uint64_t bytes_ = 0;
    AlignedBuffer storage_;     // [layer][K|V][block][kv_head][slot][head_dim]
};

}  // namespace hearth::engine
