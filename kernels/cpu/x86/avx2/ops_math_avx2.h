// Vector math for the AVX2 translation units of the ops part: exp, silu, gelu, tail masks,
// horizontal sums. Include only from translation units compiled with HEARTH_FLAGS_AVX2.
// Everything sits in an anonymous namespace on purpose: each including unit gets its own copy,
// so the linker never merges these with copies built for another ISA.
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace hearth::kernels::avx2 {
namespace {

constexpr int64_t kLanes = 8;

// All ones in lanes [0, remaining), for maskload / maskstore; remaining in [0, 8].
inline __m256i tail_mask(int64_t remaining) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(remaining)),
                              _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// e^x for every lane; the same reduction and polynomial as the AVX-512 exp_ps
// (kernels/cpu/x86/avx512/ops_math_avx512.h). AVX2 has no vscalefps, so 2^n is applied as
// 2^(n/2) * 2^(n - n/2): both factors stay normal for n in [-150, 128], the first product is
// exact and only the second rounds (subnormal results round once, overflow gives inf).
inline __m256 exp_ps(__m256 x) {
    const __m256 kMin = _mm256_set1_ps(-104.0f);  // e^-104 < half the smallest subnormal
    const __m256 kMax = _mm256_set1_ps(89.0f);    // e^89 > FLT_MAX
    const __m256 kLog2e = _mm256_set1_ps(1.44269504088896341f);
    const __m256 kLn2Hi = _mm256_set1_ps(6.931471825e-01f);
    const __m256 kLn2Lo = _mm256_set1_ps(-1.904654212e-09f);
    const __m256 kC2 = _mm256_set1_ps(5.000000000e-01f);
    const __m256 kC3 = _mm256_set1_ps(1.666657776e-01f);
    const __m256 kC4 = _mm256_set1_ps(4.166655615e-02f);
    const __m256 kC5 = _mm256_set1_ps(8.363173343e-03f);
    const __m256 kC6 = _mm256_set1_ps(1.392617589e-03f);
    // max/min return their second operand when either is NaN: a NaN x passes through.
    x = _mm256_min_ps(kMax, _mm256_max_ps(kMin, x));
    const __m256 n =
        _mm256_round_ps(_mm256_mul_ps(x, kLog2e), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, kLn2Hi, x);
    r = _mm256_fnmadd_ps(n, kLn2Lo, r);
    __m256 q = _mm256_fmadd_ps(kC6, r, kC5);
    q = _mm256_fmadd_ps(q, r, kC4);
    q = _mm256_fmadd_ps(q, r, kC3);
    q = _mm256_fmadd_ps(q, r, kC2);
    const __m256 r_squared = _mm256_mul_ps(r, r);
    const __m256 exp_r = _mm256_add_ps(_mm256_fmadd_ps(q, r_squared, r), _mm256_set1_ps(1.0f));

    const __m256i n_int = _mm256_cvtps_epi32(n);
    const __m256i n_first = _mm256_srai_epi32(n_int, 1);
    const __m256i n_second = _mm256_sub_epi32(n_int, n_first);
    const __m256i bias = _mm256_set1_epi32(127);
    const __m256 scale_first =
        _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n_first, bias), 23));
    const __m256 scale_second =
        _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n_second, bias), 23));
    return _mm256_mul_ps(_mm256_mul_ps(exp_r, scale_first), scale_second);
}

// silu(v) = v / (1 + e^-v)
inline __m256 silu_ps(__m256 x) {
    const __m256 exp_neg = exp_ps(_mm256_sub_ps(_mm256_setzero_ps(), x));
    return _mm256_div_ps(x, _mm256_add_ps(_mm256_set1_ps(1.0f), exp_neg));
}

// gelu(v) = 0.5 v (1 + tanh(u)) = v / (1 + e^-2u), u = sqrt(2/pi) v (1 + 0.044715 v^2): the
// operations and their order match the scalar reference (kernels/cpu/ref/ops_ref.cpp).
inline __m256 gelu_ps(__m256 x) {
    const __m256 kCoef = _mm256_set1_ps(0.044715f);
    const __m256 kSqrt2OverPi = _mm256_set1_ps(0.79788456080286535588f);
    const __m256 one = _mm256_set1_ps(1.0f);
    const __m256 cubic = _mm256_add_ps(one, _mm256_mul_ps(kCoef, _mm256_mul_ps(x, x)));
    const __m256 inner = _mm256_mul_ps(_mm256_mul_ps(x, cubic), kSqrt2OverPi);
    const __m256 exp_neg = exp_ps(_mm256_mul_ps(_mm256_set1_ps(-2.0f), inner));
    return _mm256_div_ps(x, _mm256_add_ps(one, exp_neg));
}

inline float hsum(__m256 v) {
    __m128 sum = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    sum = _mm_add_ps(sum, _mm_movehl_ps(sum, sum));
    sum = _mm_add_ss(sum, _mm_movehdup_ps(sum));
    return _mm_cvtss_f32(sum);
}

inline float hmax(__m256 v) {
    __m128 result = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    result = _mm_max_ps(result, _mm_movehl_ps(result, result));
    result = _mm_max_ss(result, _mm_movehdup_ps(result));
    return _mm_cvtss_f32(result);
}

// Sums each of 8 vectors: lane k of the result is the sum of the lanes of sums[k].
inline __m256 hsum8(const __m256 sums[8]) {
    // hadd twice leaves, per 128-bit half, the partial sums of vectors 0-3 and of 4-7.
    const __m256 sums01 = _mm256_hadd_ps(sums[0], sums[1]);
    const __m256 sums23 = _mm256_hadd_ps(sums[2], sums[3]);
    const __m256 sums45 = _mm256_hadd_ps(sums[4], sums[5]);
    const __m256 sums67 = _mm256_hadd_ps(sums[6], sums[7]);
    const __m256 sums0123 = _mm256_hadd_ps(sums01, sums23);  // [0 1 2 3 | 0 1 2 3]
    const __m256 sums4567 = _mm256_hadd_ps(sums45, sums67);  // [4 5 6 7 | 4 5 6 7]
    return _mm256_add_ps(_mm256_permute2f128_ps(sums0123, sums4567, 0x20),
                         _mm256_permute2f128_ps(sums0123, sums4567, 0x31));
}

}  // namespace
}  // namespace hearth::kernels::avx2
