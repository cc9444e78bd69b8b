// AVX-512 row kernels for paged attention (kernels/cpu/attention_driver.h); head_dim % 16 == 0.
// Compiled with HEARTH_FLAGS_AVX512.
//
// Scores: one query row against 16 staged keys at a time, 16 accumulators of 16 lanes along
// head_dim, folded by hsum16 into one vector of 16 scores (no per-key horizontal sum).
// Values: acc = alpha acc + sum_s p_s v_s with up to 8 vectors (128 dims) of acc in registers
// while the keys stream past.
#include <immintrin.h>

#include <cstdint>

#include "kernels/cpu/attention_driver.h"
#include "kernels/cpu/attention_variants.h"
#include "kernels/cpu/x86/avx512/ops_math_avx512.h"

namespace hearth::kernels::avx512 {
namespace {

constexpr int kMaxTileVectors = 8;  // acc vectors held in registers by accumulate_tile

template <int kVectors>
void accumulate_tile(float* acc, __m512 alpha, const float* probs, const float* v_block, int n_keys,
                     int head_dim) {
    __m512 sums[kVectors];
    for (int vec_idx = 0; vec_idx < kVectors; ++vec_idx) {
        sums[vec_idx] = _mm512_mul_ps(_mm512_loadu_ps(acc + vec_idx * kLanes), alpha);
    }
    for (int key_idx = 0; key_idx < n_keys; ++key_idx) {
        const __m512 prob = _mm512_set1_ps(probs[key_idx]);
        const float* v_row = v_block + static_cast<int64_t>(key_idx) * head_dim;
        for (int vec_idx = 0; vec_idx < kVectors; ++vec_idx) {
            sums[vec_idx] =
                _mm512_fmadd_ps(prob, _mm512_loadu_ps(v_row + vec_idx * kLanes), sums[vec_idx]);
        }
    }
    for (int vec_idx = 0; vec_idx < kVectors; ++vec_idx) {
        _mm512_storeu_ps(acc + vec_idx * kLanes, sums[vec_idx]);
    }
}

// accumulate_tile for 1 .. kMaxTileVectors vectors, by count.
using AccumulateTileFn = void (*)(float*, __m512, const float*, const float*, int, int);
constexpr AccumulateTileFn kAccumulateTiles[kMaxTileVectors + 1] = {
    nullptr,
    &accumulate_tile<1>,
    &accumulate_tile<2>,
    &accumulate_tile<3>,
    &accumulate_tile<4>,
    &accumulate_tile<5>,
    &accumulate_tile<6>,
    &accumulate_tile<7>,
    &accumulate_tile<8>,
};

int min_int(int a, int b) {
    return a < b ? a : b;
}

struct Avx512Kernels {
    static void stage_rows(const uint8_t* src, DType type, int n_rows, int n_rows_padded,
                           int head_dim, float* dst) {
        const int64_t n_values = static_cast<int64_t>(n_rows) * head_dim;
        int64_t value_idx = 0;
        if (type == DType::kF16) {
            const auto* halves = reinterpret_cast<const uint16_t*>(src);
            for (; value_idx < n_values; value_idx += kLanes) {
                const __m256i packed =
                    _mm256_loadu_si256(reinterpret_cast<const __m256i*>(halves + value_idx));
                _mm512_storeu_ps(dst + value_idx, _mm512_cvtph_ps(packed));
            }
        } else {
            const auto* floats = reinterpret_cast<const float*>(src);
            for (; value_idx < n_values; value_idx += kLanes) {
                _mm512_storeu_ps(dst + value_idx, _mm512_loadu_ps(floats + value_idx));
            }
        }
        const int64_t n_padded = static_cast<int64_t>(n_rows_padded) * head_dim;
        for (; value_idx < n_padded; value_idx += kLanes) {
            _mm512_storeu_ps(dst + value_idx, _mm512_setzero_ps());
        }
    }

    // Scores for keys [0, n_keys rounded up to 16); staged rows past n_keys are real or zero.
    static void scores(const float* q_row, const float* k_block, int n_keys, int head_dim,
                       float* out) {
        for (int key_base = 0; key_base < n_keys; key_base += kLanes) {
            const float* k_group = k_block + static_cast<int64_t>(key_base) * head_dim;
            __m512 sums[kLanes];
            for (auto& sum : sums) sum = _mm512_setzero_ps();
            for (int dim_idx = 0; dim_idx < head_dim; dim_idx += kLanes) {
                const __m512 q = _mm512_loadu_ps(q_row + dim_idx);
#pragma GCC unroll 16
                for (int key_idx = 0; key_idx < kLanes; ++key_idx) {
                    const float* k_row = k_group + static_cast<int64_t>(key_idx) * head_dim;
                    sums[key_idx] =
                        _mm512_fmadd_ps(q, _mm512_loadu_ps(k_row + dim_idx), sums[key_idx]);
                }
            }
            _mm512_storeu_ps(out + key_base, hsum16(sums));
        }
    }

    static float softmax_update(float* scores, int n_keys, float* row_max, float* row_sum) {
        const __m512 neg_inf = _mm512_set1_ps(-__builtin_inff());
        __m512 maxes = neg_inf;
        for (int key_base = 0; key_base < n_keys; key_base += kLanes) {
            const __mmask16 mask = tail_mask(min_int(n_keys - key_base, kLanes));
            maxes = _mm512_max_ps(maxes, _mm512_mask_loadu_ps(neg_inf, mask, scores + key_base));
        }
        const float block_max = hmax(maxes);
        const float new_max = block_max > *row_max ? block_max : *row_max;
        const __m512 new_max_v = _mm512_set1_ps(new_max);
        // alpha = e^(old max - new max); 0 on the first block, where the old max is -inf.
        const float alpha =
            _mm512_cvtss_f32(exp_ps(_mm512_sub_ps(_mm512_set1_ps(*row_max), new_max_v)));
        __m512 sums = _mm512_setzero_ps();
        for (int key_base = 0; key_base < n_keys; key_base += kLanes) {
            const __mmask16 mask = tail_mask(min_int(n_keys - key_base, kLanes));
            const __m512 probs = _mm512_maskz_mov_ps(
                mask, exp_ps(_mm512_sub_ps(_mm512_loadu_ps(scores + key_base), new_max_v)));
            _mm512_storeu_ps(scores + key_base, probs);
            sums = _mm512_add_ps(sums, probs);
        }
        *row_sum = *row_sum * alpha + hsum(sums);
        *row_max = new_max;
        return alpha;
    }

    static void accumulate(float* acc, float alpha, const float* probs, const float* v_block,
                           int n_keys, int head_dim) {
        const __m512 alpha_v = _mm512_set1_ps(alpha);
        for (int dim_base = 0; dim_base < head_dim; dim_base += kMaxTileVectors * kLanes) {
            const int vectors_left = (head_dim - dim_base) / kLanes;
            float* acc_tile = acc + dim_base;
            const float* v_tile = v_block + dim_base;
            kAccumulateTiles[min_int(vectors_left, kMaxTileVectors)](acc_tile, alpha_v, probs,
                                                                     v_tile, n_keys, head_dim);
        }
    }

    static void finish(const float* acc, float inv_sum, float* out, int head_dim) {
        const __m512 inv_sum_v = _mm512_set1_ps(inv_sum);
        for (int dim_idx = 0; dim_idx < head_dim; dim_idx += kLanes) {
            _mm512_storeu_ps(out + dim_idx,
                             _mm512_mul_ps(_mm512_loadu_ps(acc + dim_idx), inv_sum_v));
        }
    }
};

}  // namespace
}  // namespace hearth::kernels::avx512

namespace hearth::kernels {

void attention_avx512(const AttentionArgs& args) {
    if (args.kv.head_dim % avx512::kLanes != 0) {
        attention_ref(args);
        return;
    }
    attention_driver<avx512::Avx512Kernels>(args);
}

}  // namespace hearth::kernels
