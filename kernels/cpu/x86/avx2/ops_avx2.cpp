// AVX2 + FMA + F16C paths for kernels/ops.h: 8 floats per vector, the ragged tail handled with
// maskload / maskstore so it goes through the same arithmetic as the body. Compiled with
// HEARTH_FLAGS_AVX2.
#include <immintrin.h>

#include <cstdint>

#include "kernels/cpu/ops_variants.h"
#include "kernels/cpu/x86/avx2/ops_math_avx2.h"

namespace hearth::kernels::avx2 {
namespace {

// out = op(x) over n floats.
template <typename Op>
void map_unary(const float* x, float* out, int64_t n, Op op) {
    int64_t idx = 0;
    for (; idx + kLanes <= n; idx += kLanes) {
        _mm256_storeu_ps(out + idx, op(_mm256_loadu_ps(x + idx)));
    }
    if (idx < n) {
        const __m256i mask = tail_mask(n - idx);
        _mm256_maskstore_ps(out + idx, mask, op(_mm256_maskload_ps(x + idx, mask)));
    }
}

// out = op(a, b) over n floats.
template <typename Op>
void map_binary(const float* a, const float* b, float* out, int64_t n, Op op) {
    int64_t idx = 0;
    for (; idx + kLanes <= n; idx += kLanes) {
        _mm256_storeu_ps(out + idx, op(_mm256_loadu_ps(a + idx), _mm256_loadu_ps(b + idx)));
    }
    if (idx < n) {
        const __m256i mask = tail_mask(n - idx);
        const __m256 a_tail = _mm256_maskload_ps(a + idx, mask);
        const __m256 b_tail = _mm256_maskload_ps(b + idx, mask);
        _mm256_maskstore_ps(out + idx, mask, op(a_tail, b_tail));
    }
}

// sum(a[i] * b[i]) with four independent accumulators (FMA latency).
float dot(const float* a, const float* b, int64_t n) {
    __m256 sums[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                      _mm256_setzero_ps()};
    int64_t idx = 0;
    for (; idx + 4 * kLanes <= n; idx += 4 * kLanes) {
        for (int acc_idx = 0; acc_idx < 4; ++acc_idx) {
            const int64_t offset = idx + acc_idx * kLanes;
            sums[acc_idx] = _mm256_fmadd_ps(_mm256_loadu_ps(a + offset),
                                            _mm256_loadu_ps(b + offset), sums[acc_idx]);
        }
    }
    for (; idx + kLanes <= n; idx += kLanes) {
        sums[0] = _mm256_fmadd_ps(_mm256_loadu_ps(a + idx), _mm256_loadu_ps(b + idx), sums[0]);
    }
    if (idx < n) {
        const __m256i mask = tail_mask(n - idx);
        sums[1] = _mm256_fmadd_ps(_mm256_maskload_ps(a + idx, mask),
                                  _mm256_maskload_ps(b + idx, mask), sums[1]);
    }
    return hsum(_mm256_add_ps(_mm256_add_ps(sums[0], sums[1]), _mm256_add_ps(sums[2], sums[3])));
}

void rms_norm(const float* x, const float* weight, float* out, int64_t n, float eps) {
    if (n <= 0) return;
    const float mean_square = dot(x, x, n) / static_cast<float>(n);
    const float inv_rms = 1.0f / _mm_cvtss_f32(_mm_sqrt_ss(_mm_set_ss(mean_square + eps)));
    const __m256 inv_rms_v = _mm256_set1_ps(inv_rms);
    if (weight) {
        map_binary(x, weight, out, n, [inv_rms_v](__m256 value, __m256 gain) {
            return _mm256_mul_ps(_mm256_mul_ps(value, inv_rms_v), gain);
        });
    } else {
        map_unary(x, out, n, [inv_rms_v](__m256 value) { return _mm256_mul_ps(value, inv_rms_v); });
    }
}

void softmax(float* x, int64_t n) {
    if (n <= 0) return;
    const __m256 neg_inf = _mm256_set1_ps(-__builtin_inff());
    __m256 maxes = neg_inf;
    int64_t idx = 0;
    for (; idx + kLanes <= n; idx += kLanes) maxes = _mm256_max_ps(maxes, _mm256_loadu_ps(x + idx));
    if (idx < n) {
        const __m256i mask = tail_mask(n - idx);
        const __m256 tail =
            _mm256_blendv_ps(neg_inf, _mm256_maskload_ps(x + idx, mask), _mm256_castsi256_ps(mask));
        maxes = _mm256_max_ps(maxes, tail);
    }
    const float max_value = hmax(maxes);
    if (max_value == -__builtin_inff()) {  // every entry masked: no distribution, all zeros
        map_unary(x, x, n, [](__m256) { return _mm256_setzero_ps(); });
        return;
    }

    const __m256 max_v = _mm256_set1_ps(max_value);
    __m256 sums = _mm256_setzero_ps();
    idx = 0;
    for (; idx + kLanes <= n; idx += kLanes) {
        const __m256 e = exp_ps(_mm256_sub_ps(_mm256_loadu_ps(x + idx), max_v));
        _mm256_storeu_ps(x + idx, e);
        sums = _mm256_add_ps(sums, e);
    }
    if (idx < n) {
        const __m256i mask = tail_mask(n - idx);
        const __m256 e =
            _mm256_and_ps(_mm256_castsi256_ps(mask),
                          exp_ps(_mm256_sub_ps(_mm256_maskload_ps(x + idx, mask), max_v)));
        _mm256_maskstore_ps(x + idx, mask, e);
        sums = _mm256_add_ps(sums, e);
    }
    const __m256 inv_sum = _mm256_set1_ps(1.0f / hsum(sums));
    map_unary(x, x, n, [inv_sum](__m256 value) { return _mm256_mul_ps(value, inv_sum); });
}

void swiglu(const float* gate, const float* up, float* out, int64_t n) {
    map_binary(gate, up, out, n, [](__m256 g, __m256 u) { return _mm256_mul_ps(silu_ps(g), u); });
}

void geglu(const float* gate, const float* up, float* out, int64_t n) {
    map_binary(gate, up, out, n, [](__m256 g, __m256 u) { return _mm256_mul_ps(gelu_ps(g), u); });
}

void silu(const float* x, float* out, int64_t n) {
    map_unary(x, out, n, [](__m256 value) { return silu_ps(value); });
}

void gelu(const float* x, float* out, int64_t n) {
    map_unary(x, out, n, [](__m256 value) { return gelu_ps(value); });
}

void add(const float* a, const float* b, float* out, int64_t n) {
    map_binary(a, b, out, n, [](__m256 lhs, __m256 rhs) { return _mm256_add_ps(lhs, rhs); });
}

void mul(const float* a, const float* b, float* out, int64_t n) {
    map_binary(a, b, out, n, [](__m256 lhs, __m256 rhs) { return _mm256_mul_ps(lhs, rhs); });
}

void scale(float* x, float factor, int64_t n) {
    const __m256 factor_v = _mm256_set1_ps(factor);
    map_unary(x, x, n, [factor_v](__m256 value) { return _mm256_mul_ps(value, factor_v); });
}

void axpy(float a, const float* x, float* y, int64_t n) {
    const __m256 a_v = _mm256_set1_ps(a);
    map_binary(x, y, y, n,
               [a_v](__m256 x_v, __m256 y_v) { return _mm256_fmadd_ps(a_v, x_v, y_v); });
}

void f32_to_f16(const float* x, uint16_t* out, int64_t n) {
    constexpr int kRound = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
    int64_t idx = 0;
    for (; idx + kLanes <= n; idx += kLanes) {
        const __m128i halves = _mm256_cvtps_ph(_mm256_loadu_ps(x + idx), kRound);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out + idx), halves);
    }
    if (idx < n) {  // F16C has no masked 16-bit store: convert the tail through a local vector
        const __m256i mask = tail_mask(n - idx);
        alignas(16) uint16_t tail[kLanes];
        _mm_store_si128(reinterpret_cast<__m128i*>(tail),
                        _mm256_cvtps_ph(_mm256_maskload_ps(x + idx, mask), kRound));
        for (int64_t tail_idx = 0; idx + tail_idx < n; ++tail_idx) {
            out[idx + tail_idx] = tail[tail_idx];
        }
    }
}

void f16_to_f32(const uint16_t* x, float* out, int64_t n) {
    int64_t idx = 0;
    for (; idx + kLanes <= n; idx += kLanes) {
        const __m128i halves = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x + idx));
        _mm256_storeu_ps(out + idx, _mm256_cvtph_ps(halves));
    }
    if (idx < n) {
        alignas(16) uint16_t tail[kLanes] = {};
        for (int64_t tail_idx = 0; idx + tail_idx < n; ++tail_idx) {
            tail[tail_idx] = x[idx + tail_idx];
        }
        const __m256 values =
            _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(tail)));
        _mm256_maskstore_ps(out + idx, tail_mask(n - idx), values);
    }
}

constexpr OpsTable kAvx2Table = {
    IsaLevel::kAvx2, &rms_norm, &softmax, &swiglu,     &geglu,      &silu, &gelu, &add, &mul,
    &scale,          &dot,      &axpy,    &f32_to_f16, &f16_to_f32,
};

}  // namespace
}  // namespace hearth::kernels::avx2

namespace hearth::kernels {

const OpsTable& ops_table_avx2() {
    return avx2::kAvx2Table;
}

}  // namespace hearth::kernels
