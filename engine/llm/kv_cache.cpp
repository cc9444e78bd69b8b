#include "engine/llm/kv_cache.h"

#include <cassert>
#include <cstring>

#include "kernels/ops.h"

namespace hearth::engine {

uint64_t KvCache::bytes_for(const arch::LlmHParams& hp, const KvCacheConfig& config) {
    const uint64_t elem = config.type == DType::kF32 ? 4 : 2;
    return 2ull * static_cast<uint64_t>(hp.n_layer) * static_cast<uint64_t>(config.n_blocks) *
           static_cast<uint64_t>(config.block_size) * static_cast<uint64_t>(hp.n_head_kv) *
           static_cast<uint64_t>(hp.head_dim) * elem;
}

KvCache::KvCache(const arch::LlmHParams& hp, const KvCacheConfig& config)
    : config_(config), n_head_kv_(hp.n_head_kv), head_dim_(hp.head_dim) {
    assert(config.type == DType::kF16 || config.type == DType::kF32);
    elem_bytes_ = config.type == DType::kF32 ? 4 : 2;
    head_stride_ = config.block_size * head_dim_ * elem_bytes_;
    block_stride_ = n_head_kv_ * head_stride_;
    layer_stride_ = config.n_blocks * block_stride_;
    bytes_ = bytes_for(hp, config);
    storage_.resize(bytes_ ? bytes_ : 64);
    // Untouched slots are never read (attention stops at each query's position); zeroing still
    // makes the first access deterministic and commits the pages the budget already counts.
    std::memset(storage_.data(), 0, bytes_);
}

kernels::KvLayout KvCache::layout(int64_t layer_idx) const {
    kernels::KvLayout layout;
    layout.kv_type = config_.type;
    layout.block_size = config_.block_size;
    layout.n_head_kv = static_cast<int>(n_head_kv_);
    layout.head_dim = static_cast<int>(head_dim_);
    layout.head_stride_bytes = head_stride_;
    layout.block_stride_bytes = block_stride_;
    const uint8_t* base = storage_.as<uint8_t>() + 2 * layer_idx * layer_stride_;
    layout.k_base = base;
    layout.v_base = base + layer_stride_;
    return layout;
}

void KvCache::store(int64_t layer_idx, int32_t block, int32_t slot, const float* k_row, const float* v_row) {
    uint8_t* base = storage_.as<uint8_t>() + 2 * layer_idx * layer_stride_;
    const kernels::OpsTable& ops = kernels::ops();
    for (int64_t head_idx = 0; head_idx < n_head_kv_; ++head_idx) {
        const int64_t offset = block * block_stride_ + head_idx * head_stride_ + slot * head_dim_ * elem_bytes_;
        const float* k_src = k_row + head_idx * head_dim_;
        const float* v_src = v_row + head_idx * head_dim_;
        if (config_.type == DType::kF32) {
            std::memcpy(base + offset, k_src, static_cast<size_t>(head_dim_) * 4);
            std::memcpy(base + layer_stride_ + offset, v_src, static_cast<size_t>(head_dim_) * 4);
        } else {
            ops.f32_to_f16(k_src, reinterpret_cast<uint16_t*>(base + offset), head_dim_);
            ops.f32_to_f16(v_src, reinterpret_cast<uint16_t*>(base + layer_stride_ + offset), head_dim_);
        }
    }
}

}  // namespace hearth::engine
