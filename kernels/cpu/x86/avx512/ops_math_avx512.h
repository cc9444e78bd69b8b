// Vector math for the AVX-512 translation units of the ops part: exp, silu, gelu, tail masks,
// horizontal sums. Include only from translation units compiled with HEARTH_FLAGS_AVX512.
// Everything sits in an anonymous namespace on purpose: each including unit gets its own copy,
// so the linker never merges these with copies built for another ISA.
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace hearth::kernels::avx512 {
namespace {

constexpr int64_t kLanes = 16;

// Lanes [0, remaining) set; remaining in [0, 16].
inline __mmask16 tail_mask(int64_t remaining) {
    return static_cast<__mmask16>((1u << remaining) - 1u);
}

// e^x for every lane. Checked exhaustively over every float x with a normal result: max relative
// error 9.1e-8 against exact e^x (1.2e-7 against glibc's expf); subnormal results within 0.75 of
// 2^-149. e^-inf = 0, e^x = inf past 88.7228, NaN stays NaN. The AVX2 exp_ps gives the same bits.
//   x = n ln2 + r, n = round(x / ln2), |r| <= ln2 / 2   (Cody-Waite: ln2 = hi + lo, exact with FMA)
//   e^r = 1 + r + r^2 q(r), q a degree-4 near-minimax fit of (e^r - 1 - r) / r^2 (error < 1e-8)
//   e^x = 2^n e^r                                       (vscalefps: one rounding, no overflow trap)
inline __m512 exp_ps(__m512 x) {
    const __m512 kMin = _mm512_set1_ps(-104.0f);  // e^-104 < half the smallest subnormal
    const __m512 kMax = _mm512_set1_ps(89.0f);    // e^89 > FLT_MAX
    const __m512 kLog2e = _mm512_set1_ps(1.44269504088896341f);
    const __m512 kLn2Hi = _mm512_set1_ps(6.931471825e-01f);
    const __m512 kLn2Lo = _mm512_set1_ps(-1.904654212e-09f);
    const __m512 kC2 = _mm512_set1_ps(5.000000000e-01f);
    const __m512 kC3 = _mm512_set1_ps(1.666657776e-01f);
    const __m512 kC4 = _mm512_set1_ps(4.166655615e-02f);
    const __m512 kC5 = _mm512_set1_ps(8.363173343e-03f);
    const __m512 kC6 = _mm512_set1_ps(1.392617589e-03f);
    // max/min return their second operand when either is NaN: a NaN x passes through.
    x = _mm512_min_ps(kMax, _mm512_max_ps(kMin, x));
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, kLog2e),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, kLn2Hi, x);
    r = _mm512_fnmadd_ps(n, kLn2Lo, r);
    __m512 q = _mm512_fmadd_ps(kC6, r, kC5);
    q = _mm512_fmadd_ps(q, r, kC4);
    q = _mm512_fmadd_ps(q, r, kC3);
    q = _mm512_fmadd_ps(q, r, kC2);
    const __m512 r_squared = _mm512_mul_ps(r, r);
    const __m512 exp_r = _mm512_add_ps(_mm512_fmadd_ps(q, r_squared, r), _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(exp_r, n);
}

// silu(v) = v / (1 + e^-v)
inline __m512 silu_ps(__m512 x) {
    const __m512 exp_neg = exp_ps(_mm512_sub_ps(_mm512_setzero_ps(), x));
    return _mm512_div_ps(x, _mm512_add_ps(_mm512_set1_ps(1.0f), exp_neg));
}

// gelu(v) = 0.5 v (1 + tanh(u)) = v / (1 + e^-2u), u = sqrt(2/pi) v (1 + 0.044715 v^2): the
// operations and their order match the scalar reference (kernels/cpu/ref/ops_ref.cpp).
inline __m512 gelu_ps(__m512 x) {
    const __m512 kCoef = _mm512_set1_ps(0.044715f);
    const __m512 kSqrt2OverPi = _mm512_set1_ps(0.79788456080286535588f);
    const __m512 one = _mm512_set1_ps(1.0f);
    const __m512 cubic = _mm512_add_ps(one, _mm512_mul_ps(kCoef, _mm512_mul_ps(x, x)));
    const __m512 inner = _mm512_mul_ps(_mm512_mul_ps(x, cubic), kSqrt2OverPi);
    const __m512 exp_neg = exp_ps(_mm512_mul_ps(_mm512_set1_ps(-2.0f), inner));
    return _mm512_div_ps(x, _mm512_add_ps(one, exp_neg));
}

// Horizontal sum and max. (Not _mm512_reduce_add_ps / _mm512_reduce_max_ps: g++ 12 warns about
// the undefined upper halves those use.)
inline float hsum(__m512 v) {
    v = _mm512_add_ps(v, _mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(1, 0, 3, 2)));
    v = _mm512_add_ps(v, _mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(2, 3, 0, 1)));
    __m128 sum = _mm512_castps512_ps128(v);
    sum = _mm_add_ps(sum, _mm_movehl_ps(sum, sum));
    sum = _mm_add_ss(sum, _mm_movehdup_ps(sum));
    return _mm_cvtss_f32(sum);
}

inline float hmax(__m512 v) {
    v = _mm512_max_ps(v, _mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(1, 0, 3, 2)));
    v = _mm512_max_ps(v, _mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(2, 3, 0, 1)));
    __m128 result = _mm512_castps512_ps128(v);
    result = _mm_max_ps(result, _mm_movehl_ps(result, result));
    result = _mm_max_ss(result, _mm_movehdup_ps(result));
    return _mm_cvtss_f32(result);
}

// Sums each of 16 vectors: lane k of the result is the sum of the lanes of sums[k].
// Pairs are folded with unpacks (within 128-bit lanes), then 128-bit lanes across vectors.
inline __m512 hsum16(const __m512 sums[16]) {
    __m512 pairs[8];  // per 128-bit lane: [a0+a2, b0+b2, a1+a3, b1+b3] of sums 2k, 2k+1
    for (int pair_idx = 0; pair_idx < 8; ++pair_idx) {
        const __m512 a = sums[2 * pair_idx];
        const __m512 b = sums[2 * pair_idx + 1];
        pairs[pair_idx] = _mm512_add_ps(_mm512_unpacklo_ps(a, b), _mm512_unpackhi_ps(a, b));
    }
    __m512 quads[4];  // per 128-bit lane: partial sums of vectors 4k .. 4k+3
    for (int quad_idx = 0; quad_idx < 4; ++quad_idx) {
        const __m512d ab = _mm512_castps_pd(pairs[2 * quad_idx]);
        const __m512d cd = _mm512_castps_pd(pairs[2 * quad_idx + 1]);
        quads[quad_idx] = _mm512_add_ps(_mm512_castpd_ps(_mm512_unpacklo_pd(ab, cd)),
                                        _mm512_castpd_ps(_mm512_unpackhi_pd(ab, cd)));
    }
    constexpr int kEven = _MM_SHUFFLE(2, 0, 2, 0);
    constexpr int kOdd = _MM_SHUFFLE(3, 1, 3, 1);
    const __m512 halves01 = _mm512_add_ps(_mm512_shuffle_f32x4(quads[0], quads[1], kEven),
                                          _mm512_shuffle_f32x4(quads[0], quads[1], kOdd));
    const __m512 halves23 = _mm512_add_ps(_mm512_shuffle_f32x4(quads[2], quads[3], kEven),
                                          _mm512_shuffle_f32x4(quads[2], quads[3], kOdd));
    return _mm512_add_ps(_mm512_shuffle_f32x4(halves01, halves23, kEven),
                         _mm512_shuffle_f32x4(halves01, halves23, kOdd));
}

}  // namespace
}  // namespace hearth::kernels::avx512
