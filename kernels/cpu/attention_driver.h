// The loop structure of paged grouped-query attention (kernels/attention.h), shared by every ISA.
//
//   gather the group's query rows, pre-scaled:       q_rows[t*G + g] = scale * q[t][kv_head*G + g]
//   for each block of the sequence up to the last query position (n_staged keys of it):
//       stage its K rows as f32 (F16 converted), once for all query rows
//       for each query token t that sees the block, for each head g of the group (row r):
//           s        = q_rows[r] . K^T             over the n_visible keys t sees (q_pos causal)
//           m'       = max(m, max s)
//           alpha[r] = exp(m - m');   p[r] = exp(s - m') (0 past n_visible)
//           l        = alpha[r] l + sum p[r];   m = m'
//       for all rows that see the block, a few rows at a time (V read from the cache, not staged):
//           acc[r]   = alpha[r] acc[r] + p[r] . V[0 .. n_staged)
//   out[t][kv_head*G + g] = acc / l
//
// Each ISA's translation unit supplies the kernels as a struct of static functions:
//   stage_rows(src, type, n_rows, n_rows_padded, head_dim, dst)  rows [n_rows, n_rows_padded) = 0
//   scores(q_row, k_block, n_keys, head_dim, out)       may compute up to n_keys rounded up to 16
//   softmax_update(scores, n_visible, n_keys, &row_max, &row_sum) -> alpha
//       scores [0, n_visible) become probabilities, [n_visible, n_keys) become 0
//   accumulate(acc, acc_stride, alphas, probs, probs_stride, n_rows, v_src, type, n_keys, head_dim)
//       acc[r] = alphas[r] acc[r] + probs[r][0 .. n_keys) . V rows at v_src, for r < n_rows
//   finish(acc, inv_sum, out, head_dim)                          out = acc * inv_sum
// and instantiates attention_driver<Kernels>. Everything here has internal linkage (anonymous
// namespace) on purpose: each translation unit compiles its own copy with its own ISA flags, so
// the linker can never hand the scalar path a copy built for AVX-512.
#pragma once

#include <cstdint>

#include "kernels/attention.h"

namespace hearth::kernels {
namespace {

// Keys per staged block are padded to whole 16-float vectors (the widest path's vector).
constexpr int64_t kAttentionKeyPad = 16;

inline int64_t attention_round_up(int64_t value, int64_t multiple) {
    return (value + multiple - 1) / multiple * multiple;
}

// Where each buffer lives in AttentionArgs::scratch, in floats. Every offset is a multiple of 16
// floats (64 bytes), so a 64-byte aligned scratch gives 64-byte aligned buffers.
struct AttentionScratchLayout {
    int64_t n_rows = 0;       // n_q * G query rows
    int64_t keys_padded = 0;  // block_size rounded up to 16
    int64_t q_rows = 0;       // (n_rows, head_dim)      scaled queries
    int64_t acc = 0;          // (n_rows, head_dim)      unnormalised outputs
    int64_t row_max = 0;      // (n_rows)                running max of the scores
    int64_t row_sum = 0;      // (n_rows)                running sum of exp(score - max)
    int64_t alphas = 0;       // (n_rows)                this block's rescale of acc
    int64_t probs = 0;        // (n_rows, keys_padded)   one block's scores, then probabilities
    int64_t k_block = 0;      // (keys_padded, head_dim) staged keys of one block
    int64_t total = 0;
};

inline AttentionScratchLayout attention_scratch_layout(int n_q, int group_size, int head_dim,
                                                       int block_size) {
    AttentionScratchLayout layout;
    layout.n_rows = static_cast<int64_t>(n_q) * group_size;
    layout.keys_padded = attention_round_up(block_size, kAttentionKeyPad);
    const int64_t row_floats = attention_round_up(head_dim, kAttentionKeyPad);
    const int64_t rows_rounded = attention_round_up(layout.n_rows, kAttentionKeyPad);
    int64_t offset = 0;
    layout.q_rows = offset;
    offset += layout.n_rows * row_floats;
    layout.acc = offset;
    offset += layout.n_rows * row_floats;
    layout.row_max = offset;
    offset += rows_rounded;
    layout.row_sum = offset;
    offset += rows_rounded;
    layout.alphas = offset;
    offset += rows_rounded;
    layout.probs = offset;
    offset += layout.n_rows * layout.keys_padded;
    layout.k_block = offset;
    offset += layout.keys_padded * row_floats;
    layout.total = offset;
    return layout;
}

template <typename Kernels>
void attention_driver(const AttentionArgs& args) {
    const KvLayout& kv = args.kv;
    const int group_size = args.n_head / kv.n_head_kv;
    const int head_dim = kv.head_dim;
    const int64_t block_size = kv.block_size;
    const AttentionScratchLayout layout =
        attention_scratch_layout(args.n_q, group_size, head_dim, kv.block_size);
    const int64_t row_floats = attention_round_up(head_dim, kAttentionKeyPad);
    float* q_rows = args.scratch + layout.q_rows;
    float* acc = args.scratch + layout.acc;
    float* row_max = args.scratch + layout.row_max;
    float* row_sum = args.scratch + layout.row_sum;
    float* alphas = args.scratch + layout.alphas;
    float* probs = args.scratch + layout.probs;
    float* k_block = args.scratch + layout.k_block;

    // The group's query rows, row = t * G + g, with the score scale folded in.
    for (int token_idx = 0; token_idx < args.n_q; ++token_idx) {
        for (int group_idx = 0; group_idx < group_size; ++group_idx) {
            const int64_t row_idx = static_cast<int64_t>(token_idx) * group_size + group_idx;
            const int64_t head_idx = static_cast<int64_t>(args.kv_head) * group_size + group_idx;
            const float* q_src = args.q + token_idx * args.q_token_stride + head_idx * head_dim;
            float* q_row = q_rows + row_idx * row_floats;
            float* acc_row = acc + row_idx * row_floats;
            for (int dim_idx = 0; dim_idx < head_dim; ++dim_idx) {
                q_row[dim_idx] = q_src[dim_idx] * args.scale;
                acc_row[dim_idx] = 0.0f;
            }
            row_max[row_idx] = -__builtin_inff();
            row_sum[row_idx] = 0.0f;
        }
    }

    const int64_t last_pos = args.q_pos[args.n_q - 1];
    const int64_t k_head_offset = static_cast<int64_t>(args.kv_head) * kv.head_stride_bytes;
    int first_token = 0;  // the first query token that sees the current block
    for (int64_t block_idx = 0; block_idx * block_size <= last_pos; ++block_idx) {
        const int64_t block_start = block_idx * block_size;
        const int64_t keys_left = last_pos - block_start + 1;
        const int n_staged = static_cast<int>(keys_left < block_size ? keys_left : block_size);
        const int64_t block_offset =
            static_cast<int64_t>(args.block_table[block_idx]) * kv.block_stride_bytes +
            k_head_offset;
        Kernels::stage_rows(kv.k_base + block_offset, kv.kv_type, n_staged,
                            static_cast<int>(layout.keys_padded), head_dim, k_block);

        while (args.q_pos[first_token] < block_start) ++first_token;
        const int64_t first_row = static_cast<int64_t>(first_token) * group_size;
        for (int token_idx = first_token; token_idx < args.n_q; ++token_idx) {
            const int64_t visible = args.q_pos[token_idx] - block_start + 1;
            const int n_visible = static_cast<int>(visible < block_size ? visible : block_size);
            for (int group_idx = 0; group_idx < group_size; ++group_idx) {
                const int64_t row_idx = static_cast<int64_t>(token_idx) * group_size + group_idx;
                float* scores = probs + row_idx * layout.keys_padded;
                Kernels::scores(q_rows + row_idx * row_floats, k_block, n_visible, head_dim,
                                scores);
                alphas[row_idx] = Kernels::softmax_update(scores, n_visible, n_staged,
                                                          &row_max[row_idx], &row_sum[row_idx]);
            }
        }
        Kernels::accumulate(acc + first_row * row_floats, row_floats, alphas + first_row,
                            probs + first_row * layout.keys_padded, layout.keys_padded,
                            static_cast<int>(layout.n_rows - first_row), kv.v_base + block_offset,
                            kv.kv_type, n_staged, head_dim);
    }

    for (int token_idx = 0; token_idx < args.n_q; ++token_idx) {
        for (int group_idx = 0; group_idx < group_size; ++group_idx) {
            const int64_t row_idx = static_cast<int64_t>(token_idx) * group_size + group_idx;
            const int64_t head_idx = static_cast<int64_t>(args.kv_head) * group_size + group_idx;
            float* out = args.out + token_idx * args.out_token_stride + head_idx * head_dim;
            Kernels::finish(acc + row_idx * row_floats, 1.0f / row_sum[row_idx], out, head_dim);
        }
    }
}

}  // namespace
}  // namespace hearth::kernels
