// Scalar kernels for paged attention (kernels/cpu/attention_driver.h): any head_dim, any
// block_size. The yardstick the SIMD paths are tested against, next to the tests' naive
// materialised-softmax reference.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "kernels/cpu/attention_driver.h"
#include "kernels/cpu/attention_variants.h"
#include "tensor/half.h"

namespace hearth::kernels {
namespace {

// values[0, n) = the n elements from `offset` of a block's F16 or F32 rows, as f32.
void load_values(const uint8_t* src, DType type, int64_t offset, int n, float* values) {
    if (type == DType::kF16) {
        const auto* halves = reinterpret_cast<const uint16_t*>(src) + offset;
        for (int value_idx = 0; value_idx < n; ++value_idx) {
            values[value_idx] = fp16_to_fp32(halves[value_idx]);
        }
    } else {
        std::memcpy(values, reinterpret_cast<const float*>(src) + offset,
                    static_cast<size_t>(n) * sizeof(float));
    }
}

struct RefKernels {
    static void stage_rows(const uint8_t* src, DType type, int n_rows, int n_rows_padded,
                           int head_dim, float* dst) {
        const int64_t n_values = static_cast<int64_t>(n_rows) * head_dim;
        load_values(src, type, 0, static_cast<int>(n_values), dst);
        const int64_t n_padded = static_cast<int64_t>(n_rows_padded) * head_dim;
        for (int64_t value_idx = n_values; value_idx < n_padded; ++value_idx) dst[value_idx] = 0.0f;
    }

    static void scores(const float* q_row, const float* k_block, int n_keys, int head_dim,
                       float* out) {
        for (int key_idx = 0; key_idx < n_keys; ++key_idx) {
            const float* k_row = k_block + static_cast<int64_t>(key_idx) * head_dim;
            float sum = 0.0f;
            for (int dim_idx = 0; dim_idx < head_dim; ++dim_idx) {
                sum += q_row[dim_idx] * k_row[dim_idx];
            }
            out[key_idx] = sum;
        }
    }

    static float softmax_update(float* scores, int n_visible, int n_keys, float* row_max,
                                float* row_sum) {
        float block_max = -INFINITY;
        for (int key_idx = 0; key_idx < n_visible; ++key_idx) {
            block_max = scores[key_idx] > block_max ? scores[key_idx] : block_max;
        }
        const float new_max = block_max > *row_max ? block_max : *row_max;
        const float alpha = std::exp(*row_max - new_max);  // 0 on the first block (max was -inf)
        float block_sum = 0.0f;
        for (int key_idx = 0; key_idx < n_visible; ++key_idx) {
            scores[key_idx] = std::exp(scores[key_idx] - new_max);
            block_sum += scores[key_idx];
        }
        for (int key_idx = n_visible; key_idx < n_keys; ++key_idx) scores[key_idx] = 0.0f;
        *row_sum = *row_sum * alpha + block_sum;
        *row_max = new_max;
        return alpha;
    }

    static void accumulate(float* acc, int64_t acc_stride, const float* alphas, const float* probs,
                           int64_t probs_stride, int n_rows, const uint8_t* v_src, DType type,
                           int n_keys, int head_dim) {
        for (int row_idx = 0; row_idx < n_rows; ++row_idx) {
            float* acc_row = acc + row_idx * acc_stride;
            for (int dim_idx = 0; dim_idx < head_dim; ++dim_idx) {
                acc_row[dim_idx] *= alphas[row_idx];
            }
        }
        // Each value row is converted once, kChunk dims at a time, then added into every row.
        constexpr int kChunk = 64;
        float values[kChunk];
        for (int key_idx = 0; key_idx < n_keys; ++key_idx) {
            const int64_t row_offset = static_cast<int64_t>(key_idx) * head_dim;
            for (int dim_base = 0; dim_base < head_dim; dim_base += kChunk) {
                const int n_dims = head_dim - dim_base < kChunk ? head_dim - dim_base : kChunk;
                load_values(v_src, type, row_offset + dim_base, n_dims, values);
                for (int row_idx = 0; row_idx < n_rows; ++row_idx) {
                    const float prob = probs[row_idx * probs_stride + key_idx];
                    float* acc_chunk = acc + row_idx * acc_stride + dim_base;
                    for (int dim_idx = 0; dim_idx < n_dims; ++dim_idx) {
                        acc_chunk[dim_idx] += prob * values[dim_idx];
                    }
                }
            }
        }
    }

    static void finish(const float* acc, float inv_sum, float* out, int head_dim) {
        for (int dim_idx = 0; dim_idx < head_dim; ++dim_idx) out[dim_idx] = acc[dim_idx] * inv_sum;
    }
};

}  // namespace

void attention_ref(const AttentionArgs& args) {
    attention_driver<RefKernels>(args);
}

}  // namespace hearth::kernels
