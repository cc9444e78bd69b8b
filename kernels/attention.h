// Causal attention over a paged KV cache, grouped-query heads.
//
// KV layout (per layer): the cache is a pool of blocks of `block_size` token slots. For block b,
// kv head h, slot s, the key vector (head_dim elements of kv_type F16 or F32) is at
//   k_base + b * block_stride_bytes + h * head_stride_bytes + s * head_dim * elem_size
// and the value vector at the same offset from v_base. A sequence's block_table lists its blocks
// in position order: position p lives in block block_table[p / block_size], slot p % block_size.
//
// For each query token t (position q_pos[t], seeing kv positions [0, q_pos[t]]) and each query
// head h of kv head group `kv_head` (heads kv_head*G .. kv_head*G+G-1, G = n_head / n_head_kv):
//   out[t][h] = softmax(scale * q[t][h] . K[0..q_pos[t]]) . V[0..q_pos[t]]
// computed in one pass per group (online softmax): each key and value row is read once for all
// G heads of the group and all query tokens handled in the call. (Keys are converted to f32 once
// per call; values are converted in registers once per 4 query rows, the first of which brings
// the block into L1: G <= 4 with n_q = 1, the decode case, touches every value exactly once.)
//
// Preconditions: n_q >= 1; n_head % n_head_kv == 0; 0 <= q_pos[0] <= ... <= q_pos[n_q-1];
// block_table has an entry for every block up to position q_pos[n_q-1]. Only positions
// 0..q_pos[n_q-1] of the sequence are read (slots past it, even in the last block, may hold
// anything). Only the G heads of `kv_head` are written in `out`. Any block_size >= 1 and any
// head_dim work; the SIMD paths cover head_dim % 8 == 0 (AVX2) and head_dim % 16 == 0 (AVX-512:
// 64, 80, 96, 128, 256 ...), other head dims run the scalar path. Pure: no allocation, no shared
// state; any thread, each with its own scratch.
#pragma once

#include <cstdint>

#include "base/cpu_features.h"
#include "tensor/dtype.h"

namespace hearth::kernels {

struct KvLayout {
    DType kv_type = DType::kF16;     // kF16 or kF32
    int block_size = 0;
    int n_head_kv = 0;
    int head_dim = 0;
    int64_t head_stride_bytes = 0;   // between kv heads inside a block
    int64_t block_stride_bytes = 0;  // between blocks
    const uint8_t* k_base = nullptr;
    const uint8_t* v_base = nullptr;
};

struct AttentionArgs {
    const float* q = nullptr;        // q[t * q_token_stride + h * head_dim + d]
    int64_t q_token_stride = 0;
    const int32_t* q_pos = nullptr;  // position of each query token (non-decreasing)
    int n_q = 0;                     // query tokens in this call
    int n_head = 0;
    int kv_head = 0;                 // the group to compute
    float scale = 0.0f;              // usually 1 / sqrt(head_dim)
    const int32_t* block_table = nullptr;
    KvLayout kv;
    float* out = nullptr;            // out[t * out_token_stride + h * head_dim + d]
    int64_t out_token_stride = 0;
    float* scratch = nullptr;        // attention_scratch_floats(...) floats, 64-byte aligned
};

// Scratch floats one call with n_q query tokens needs (per thread); about
// n_q * G * (2 * head_dim + block_size) + 2 * block_size * head_dim.
int64_t attention_scratch_floats(int n_q, int n_head, int n_head_kv, int head_dim, int block_size);

struct AttentionKernel {
    IsaLevel isa;
    void (*run)(const AttentionArgs& args);
};

// The kernel for `isa`, capped at what this CPU runs (detected_isa()).
const AttentionKernel& attention_kernel(IsaLevel isa = active_isa());

}  // namespace hearth::kernels
