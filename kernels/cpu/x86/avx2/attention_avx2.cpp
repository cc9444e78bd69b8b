// AVX2 kernels for paged attention (kernels/cpu/attention_driver.h); head_dim % 8 == 0.
// Compiled with HEARTH_FLAGS_AVX2.
//
// Scores: one query row against 8 staged keys at a time, 8 accumulators of 8 lanes along
// head_dim, folded by hsum8 into one vector of 8 scores (no per-key horizontal sum).
// Values: up to 4 query rows x 2 vectors (16 dims) of acc in registers while the block's value
// rows stream past, each value vector loaded (and converted from F16) once per 4 rows.
#include <immintrin.h>

#include <cstdint>

#include "kernels/cpu/attention_driver.h"
#include "kernels/cpu/attention_variants.h"
#include "kernels/cpu/x86/avx2/ops_math_avx2.h"

namespace hearth::kernels::avx2 {
namespace {

constexpr int kTileRows = 4;     // query rows per accumulate tile
constexpr int kTileVectors = 2;  // acc vectors per row per accumulate tile (16 dims)

int min_int(int a, int b) {
    return a < b ? a : b;
}

// Value vector `offset` (in elements) of a block's value rows, as f32.
struct LoadF16 {
    static __m256 load(const uint8_t* v_src, int64_t offset) {
        const auto* halves = reinterpret_cast<const uint16_t*>(v_src) + offset;
        return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(halves)));
    }
};
struct LoadF32 {
    static __m256 load(const uint8_t* v_src, int64_t offset) {
        return _mm256_loadu_ps(reinterpret_cast<const float*>(v_src) + offset);
    }
};

// acc[r][dims] = alphas[r] acc[r][dims] + sum_key probs[r][key] v[key][dims] for kRows rows and
// the kVectors * 8 dims from dim_base.
template <typename Load, int kRows, int kVectors>
void accumulate_tile(float* acc, int64_t acc_stride, const float* alphas, const float* probs,
                     int64_t probs_stride, const uint8_t* v_src, int n_keys, int head_dim,
                     int dim_base) {
    __m256 sums[kRows][kVectors];
    for (int row_idx = 0; row_idx < kRows; ++row_idx) {
        const __m256 alpha = _mm256_set1_ps(alphas[row_idx]);
        for (int vec_idx = 0; vec_idx < kVectors; ++vec_idx) {
            const float* acc_vec = acc + row_idx * acc_stride + dim_base + vec_idx * kLanes;
            sums[row_idx][vec_idx] = _mm256_mul_ps(_mm256_loadu_ps(acc_vec), alpha);
        }
    }
    for (int key_idx = 0; key_idx < n_keys; ++key_idx) {
        __m256 values[kVectors];
        const int64_t row_offset = static_cast<int64_t>(key_idx) * head_dim + dim_base;
        for (int vec_idx = 0; vec_idx < kVectors; ++vec_idx) {
            values[vec_idx] = Load::load(v_src, row_offset + vec_idx * kLanes);
        }
        for (int row_idx = 0; row_idx < kRows; ++row_idx) {
            const __m256 prob = _mm256_set1_ps(probs[row_idx * probs_stride + key_idx]);
            for (int vec_idx = 0; vec_idx < kVectors; ++vec_idx) {
                sums[row_idx][vec_idx] =
                    _mm256_fmadd_ps(prob, values[vec_idx], sums[row_idx][vec_idx]);
            }
        }
    }
    for (int row_idx = 0; row_idx < kRows; ++row_idx) {
        for (int vec_idx = 0; vec_idx < kVectors; ++vec_idx) {
            float* acc_vec = acc + row_idx * acc_stride + dim_base + vec_idx * kLanes;
            _mm256_storeu_ps(acc_vec, sums[row_idx][vec_idx]);
        }
    }
}

// accumulate_tile over all of head_dim for kRows rows.
template <typename Load, int kRows>
void accumulate_rows(float* acc, int64_t acc_stride, const float* alphas, const float* probs,
                     int64_t probs_stride, const uint8_t* v_src, int n_keys, int head_dim) {
    int dim_base = 0;
    for (; dim_base + kTileVectors * kLanes <= head_dim; dim_base += kTileVectors * kLanes) {
        accumulate_tile<Load, kRows, kTileVectors>(acc, acc_stride, alphas, probs, probs_stride,
                                                   v_src, n_keys, head_dim, dim_base);
    }
    if (dim_base < head_dim) {  // one vector left
        accumulate_tile<Load, kRows, 1>(acc, acc_stride, alphas, probs, probs_stride, v_src, n_keys,
                                        head_dim, dim_base);
    }
}

// accumulate_rows over all rows, kTileRows at a time.
template <typename Load>
void accumulate_all(float* acc, int64_t acc_stride, const float* alphas, const float* probs,
                    int64_t probs_stride, int n_rows, const uint8_t* v_src, int n_keys,
                    int head_dim) {
    int row_base = 0;
    for (; row_base + kTileRows <= n_rows; row_base += kTileRows) {
        accumulate_rows<Load, kTileRows>(acc + row_base * acc_stride, acc_stride, alphas + row_base,
                                         probs + row_base * probs_stride, probs_stride, v_src,
                                         n_keys, head_dim);
    }
    float* acc_rest = acc + row_base * acc_stride;
    const float* alphas_rest = alphas + row_base;
    const float* probs_rest = probs + row_base * probs_stride;
    switch (n_rows - row_base) {
        case 1:
            accumulate_rows<Load, 1>(acc_rest, acc_stride, alphas_rest, probs_rest, probs_stride,
                                     v_src, n_keys, head_dim);
            break;
        case 2:
            accumulate_rows<Load, 2>(acc_rest, acc_stride, alphas_rest, probs_rest, probs_stride,
                                     v_src, n_keys, head_dim);
            break;
        case 3:
            accumulate_rows<Load, 3>(acc_rest, acc_stride, alphas_rest, probs_rest, probs_stride,
                                     v_src, n_keys, head_dim);
            break;
        default:
            break;
    }
}

struct Avx2Kernels {
    static void stage_rows(const uint8_t* src, DType type, int n_rows, int n_rows_padded,
                           int head_dim, float* dst) {
        const int64_t n_values = static_cast<int64_t>(n_rows) * head_dim;
        int64_t value_idx = 0;
        if (type == DType::kF16) {
            const auto* halves = reinterpret_cast<const uint16_t*>(src);
            for (; value_idx < n_values; value_idx += kLanes) {
                const __m128i packed =
                    _mm_loadu_si128(reinterpret_cast<const __m128i*>(halves + value_idx));
                _mm256_storeu_ps(dst + value_idx, _mm256_cvtph_ps(packed));
            }
        } else {
            const auto* floats = reinterpret_cast<const float*>(src);
            for (; value_idx < n_values; value_idx += kLanes) {
                _mm256_storeu_ps(dst + value_idx, _mm256_loadu_ps(floats + value_idx));
            }
        }
        const int64_t n_padded = static_cast<int64_t>(n_rows_padded) * head_dim;
        for (; value_idx < n_padded; value_idx += kLanes) {
            _mm256_storeu_ps(dst + value_idx, _mm256_setzero_ps());
        }
    }

    // Scores for keys [0, n_keys rounded up to 8); staged rows past n_keys are real or zero.
    static void scores(const float* q_row, const float* k_block, int n_keys, int head_dim,
                       float* out) {
        for (int key_base = 0; key_base < n_keys; key_base += kLanes) {
            const float* k_group = k_block + static_cast<int64_t>(key_base) * head_dim;
            __m256 sums[kLanes];
            for (auto& sum : sums) sum = _mm256_setzero_ps();
            for (int dim_idx = 0; dim_idx < head_dim; dim_idx += kLanes) {
                const __m256 q = _mm256_loadu_ps(q_row + dim_idx);
#pragma GCC unroll 8
                for (int key_idx = 0; key_idx < kLanes; ++key_idx) {
                    const float* k_row = k_group + static_cast<int64_t>(key_idx) * head_dim;
                    sums[key_idx] =
                        _mm256_fmadd_ps(q, _mm256_loadu_ps(k_row + dim_idx), sums[key_idx]);
                }
            }
            _mm256_storeu_ps(out + key_base, hsum8(sums));
        }
    }

    static float softmax_update(float* scores, int n_visible, int n_keys, float* row_max,
                                float* row_sum) {
        const __m256 neg_inf = _mm256_set1_ps(-__builtin_inff());
        __m256 maxes = neg_inf;
        for (int key_base = 0; key_base < n_visible; key_base += kLanes) {
            const __m256 lanes =
                _mm256_castsi256_ps(tail_mask(min_int(n_visible - key_base, kLanes)));
            maxes = _mm256_max_ps(
                maxes, _mm256_blendv_ps(neg_inf, _mm256_loadu_ps(scores + key_base), lanes));
        }
        const float block_max = hmax(maxes);
        const float new_max = block_max > *row_max ? block_max : *row_max;
        const __m256 new_max_v = _mm256_set1_ps(new_max);
        // alpha = e^(old max - new max); 0 on the first block, where the old max is -inf.
        const float alpha =
            _mm256_cvtss_f32(exp_ps(_mm256_sub_ps(_mm256_set1_ps(*row_max), new_max_v)));
        __m256 sums = _mm256_setzero_ps();
        for (int key_base = 0; key_base < n_keys; key_base += kLanes) {
            const int n_lanes = n_visible - key_base;
            const __m256 lanes =
                _mm256_castsi256_ps(tail_mask(n_lanes < 0 ? 0 : min_int(n_lanes, kLanes)));
            const __m256 probs = _mm256_and_ps(
                lanes, exp_ps(_mm256_sub_ps(_mm256_loadu_ps(scores + key_base), new_max_v)));
            _mm256_storeu_ps(scores + key_base, probs);
            sums = _mm256_add_ps(sums, probs);
        }
        *row_sum = *row_sum * alpha + hsum(sums);
        *row_max = new_max;
        return alpha;
    }

    static void accumulate(float* acc, int64_t acc_stride, const float* alphas, const float* probs,
                           int64_t probs_stride, int n_rows, const uint8_t* v_src, DType type,
                           int n_keys, int head_dim) {
        if (type == DType::kF16) {
            accumulate_all<LoadF16>(acc, acc_stride, alphas, probs, probs_stride, n_rows, v_src,
                                    n_keys, head_dim);
        } else {
            accumulate_all<LoadF32>(acc, acc_stride, alphas, probs, probs_stride, n_rows, v_src,
                                    n_keys, head_dim);
        }
    }

    static void finish(const float* acc, float inv_sum, float* out, int head_dim) {
        const __m256 inv_sum_v = _mm256_set1_ps(inv_sum);
        for (int dim_idx = 0; dim_idx < head_dim; dim_idx += kLanes) {
            _mm256_storeu_ps(out + dim_idx,
                             _mm256_mul_ps(_mm256_loadu_ps(acc + dim_idx), inv_sum_v));
        }
    }
};

}  // namespace
}  // namespace hearth::kernels::avx2

namespace hearth::kernels {

void attention_avx2(const AttentionArgs& args) {
    if (args.kv.head_dim % avx2::kLanes != 0) {
        attention_ref(args);
        return;
    }
    attention_driver<avx2::Avx2Kernels>(args);
}

}  // namespace hearth::kernels
