// AVX-512 paths for kernels/ops.h: 16 floats per vector, the ragged tail handled with masks so it
// goes through the same arithmetic as the body. Compiled with HEARTH_FLAGS_AVX512.
#include <immintrin.h>

#include <cstdint>

#include "kernels/cpu/ops_variants.h"
#include "kernels/cpu/x86/avx512/ops_math_avx512.h"

namespace hearth::kernels::avx512 {
namespace {

// out = op(x) over n floats.
template <typename Op>
void map_unary(const float* x, float* out, int64_t n, Op op) {
    int64_t idx = 0;
    for (; idx + kLanes <= n; idx += kLanes) {
        _mm512_storeu_ps(out + idx, op(_mm512_loadu_ps(x + idx)));
    }
    if (idx < n) {
        const __mmask16 mask = tail_mask(n - idx);
        _mm512_mask_storeu_ps(out + idx, mask, op(_mm512_maskz_loadu_ps(mask, x + idx)));
    }
}

// out = op(a, b) over n floats.
template <typename Op>
void map_binary(const float* a, const float* b, float* out, int64_t n, Op op) {
    int64_t idx = 0;
    for (; idx + kLanes <= n; idx += kLanes) {
        _mm512_storeu_ps(out + idx, op(_mm512_loadu_ps(a + idx), _mm512_loadu_ps(b + idx)));
    }
    if (idx < n) {
        const __mmask16 mask = tail_mask(n - idx);
        const __m512 a_tail = _mm512_maskz_loadu_ps(mask, a + idx);
        const __m512 b_tail = _mm512_maskz_loadu_ps(mask, b + idx);
        _mm512_mask_storeu_ps(out + idx, mask, op(a_tail, b_tail));
    }
}

// sum(a[i] * b[i]) with four independent accumulators (FMA latency).
float dot(const float* a, const float* b, int64_t n) {
    __m512 sums[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(),
                      _mm512_setzero_ps()};
    int64_t idx = 0;
    for (; idx + 4 * kLanes <= n; idx += 4 * kLanes) {
        for (int acc_idx = 0; acc_idx < 4; ++acc_idx) {
            const int64_t offset = idx + acc_idx * kLanes;
            sums[acc_idx] = _mm512_fmadd_ps(_mm512_loadu_ps(a + offset),
                                            _mm512_loadu_ps(b + offset), sums[acc_idx]);
        }
    }
    for (; idx + kLanes <= n; idx += kLanes) {
        sums[0] = _mm512_fmadd_ps(_mm512_loadu_ps(a + idx), _mm512_loadu_ps(b + idx), sums[0]);
    }
    if (idx < n) {
        const __mmask16 mask = tail_mask(n - idx);
        sums[1] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, a + idx),
                                  _mm512_maskz_loadu_ps(mask, b + idx), sums[1]);
    }
    return hsum(_mm512_add_ps(_mm512_add_ps(sums[0], sums[1]), _mm512_add_ps(sums[2], sums[3])));
}

void rms_norm(const float* x, const float* weight, float* out, int64_t n, float eps) {
    if (n <= 0) return;
    const float mean_square = dot(x, x, n) / static_cast<float>(n);
    const float inv_rms = 1.0f / _mm_cvtss_f32(_mm_sqrt_ss(_mm_set_ss(mean_square + eps)));
    const __m512 inv_rms_v = _mm512_set1_ps(inv_rms);
    if (weight) {
        map_binary(x, weight, out, n, [inv_rms_v](__m512 value, __m512 gain) {
            return _mm512_mul_ps(_mm512_mul_ps(value, inv_rms_v), gain);
        });
    } else {
        map_unary(x, out, n, [inv_rms_v](__m512 value) { return _mm512_mul_ps(value, inv_rms_v); });
    }
}

void softmax(float* x, int64_t n) {
    if (n <= 0) return;
    const __m512 neg_inf = _mm512_set1_ps(-__builtin_inff());
    __m512 maxes = neg_inf;
    int64_t idx = 0;
    for (; idx + kLanes <= n; idx += kLanes) maxes = _mm512_max_ps(maxes, _mm512_loadu_ps(x + idx));
    if (idx < n) {
        maxes = _mm512_max_ps(maxes, _mm512_mask_loadu_ps(neg_inf, tail_mask(n - idx), x + idx));
    }
    const float max_value = hmax(maxes);
    if (max_value == -__builtin_inff()) {  // every entry masked: no distribution, all zeros
        map_unary(x, x, n, [](__m512) { return _mm512_setzero_ps(); });
        return;
    }

    const __m512 max_v = _mm512_set1_ps(max_value);
    __m512 sums = _mm512_setzero_ps();
    idx = 0;
    for (; idx + kLanes <= n; idx += kLanes) {
        const __m512 e = exp_ps(_mm512_sub_ps(_mm512_loadu_ps(x + idx), max_v));
        _mm512_storeu_ps(x + idx, e);
        sums = _mm512_add_ps(sums, e);
    }
    if (idx < n) {
        const __mmask16 mask = tail_mask(n - idx);
        const __m512 e = _mm512_maskz_mov_ps(
            mask, exp_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(mask, x + idx), max_v)));
        _mm512_mask_storeu_ps(x + idx, mask, e);
        sums = _mm512_add_ps(sums, e);
    }
    const __m512 inv_sum = _mm512_set1_ps(1.0f / hsum(sums));
    map_unary(x, x, n, [inv_sum](__m512 value) { return _mm512_mul_ps(value, inv_sum); });
}

void swiglu(const float* gate, const float* up, float* out, int64_t n) {
    map_binary(gate, up, out, n, [](__m512 g, __m512 u) { return _mm512_mul_ps(silu_ps(g), u); });
}

void geglu(const float* gate, const float* up, float* out, int64_t n) {
    map_binary(gate, up, out, n, [](__m512 g, __m512 u) { return _mm512_mul_ps(gelu_ps(g), u); });
}

void silu(const float* x, float* out, int64_t n) {
    map_unary(x, out, n, [](__m512 value) { return silu_ps(value); });
}

void gelu(const float* x, float* out, int64_t n) {
    map_unary(x, out, n, [](__m512 value) { return gelu_ps(value); });
}

void add(const float* a, const float* b, float* out, int64_t n) {
    map_binary(a, b, out, n, [](__m512 lhs, __m512 rhs) { return _mm512_add_ps(lhs, rhs); });
}

void mul(const float* a, const float* b, float* out, int64_t n) {
    map_binary(a, b, out, n, [](__m512 lhs, __m512 rhs) { return _mm512_mul_ps(lhs, rhs); });
}

void scale(float* x, float factor, int64_t n) {
    const __m512 factor_v = _mm512_set1_ps(factor);
    map_unary(x, x, n, [factor_v](__m512 value) { return _mm512_mul_ps(value, factor_v); });
}

void axpy(float a, const float* x, float* y, int64_t n) {
    const __m512 a_v = _mm512_set1_ps(a);
    map_binary(x, y, y, n,
               [a_v](__m512 x_v, __m512 y_v) { return _mm512_fmadd_ps(a_v, x_v, y_v); });
}

void f32_to_f16(const float* x, uint16_t* out, int64_t n) {
    constexpr int kRound = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
    int64_t idx = 0;
    for (; idx + kLanes <= n; idx += kLanes) {
        const __m256i halves = _mm512_cvtps_ph(_mm512_loadu_ps(x + idx), kRound);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + idx), halves);
    }
    if (idx < n) {
        const __mmask16 mask = tail_mask(n - idx);
        const __m256i halves = _mm512_cvtps_ph(_mm512_maskz_loadu_ps(mask, x + idx), kRound);
        _mm256_mask_storeu_epi16(out + idx, mask, halves);
    }
}

void f16_to_f32(const uint16_t* x, float* out, int64_t n) {
    int64_t idx = 0;
    for (; idx + kLanes <= n; idx += kLanes) {
        const __m256i halves = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + idx));
        _mm512_storeu_ps(out + idx, _mm512_cvtph_ps(halves));
    }
    if (idx < n) {
        const __mmask16 mask = tail_mask(n - idx);
        _mm512_mask_storeu_ps(out + idx, mask,
                              _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(mask, x + idx)));
    }
}

constexpr OpsTable kAvx512Table = {
    IsaLevel::kAvx512,
    &rms_norm,
    &softmax,
    &swiglu,
    &geglu,
    &silu,
    &gelu,
    &add,
    &mul,
    &scale,
    &dot,
    &axpy,
    &f32_to_f16,
    &f16_to_f32,
};

}  // namespace
}  // namespace hearth::kernels::avx512

namespace hearth::kernels {

const OpsTable& ops_table_avx512() {
    return avx512::kAvx512Table;
}

}  // namespace hearth::kernels
