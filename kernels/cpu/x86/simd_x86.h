// Small AVX2-level helpers shared by the x86 kernels. Included only by translation units built
// with AVX2 (or AVX-512) flags; everything has internal linkage so each unit keeps its own copy,
// compiled for its own instruction set.
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>

namespace hearth::kernels::cpu::x86 {
namespace {

inline uint16_t load_u16(const uint8_t* bytes) {
    uint16_t value;
    std::memcpy(&value, bytes, sizeof(value));
    return value;
}

inline uint32_t load_u32(const uint8_t* bytes) {
    uint32_t value;
    std::memcpy(&value, bytes, sizeof(value));
    return value;
}

inline float load_f32(const uint8_t* bytes) {
    float value;
    std::memcpy(&value, bytes, sizeof(value));
    return value;
}

// One IEEE half at `bytes` as a float (F16C).
inline float half_to_float(const uint8_t* bytes) {
    return _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(load_u16(bytes))));
}

// The 8 halves at first + b * stride (b = 0..7) as floats. The halves are assembled in
// general-purpose registers (two 64-bit words), so only two moves reach the vector unit: an
// insert per half (vpinsrw) or a vpgatherdd costs far more vector-unit time on Zen 4.
inline __m256 load_halves_x8(const uint8_t* first, int64_t stride) {
    uint64_t words[2];
    for (int word_idx = 0; word_idx < 2; ++word_idx) {
        const uint8_t* at = first + 4 * word_idx * stride;
        words[word_idx] = static_cast<uint64_t>(load_u16(at)) |
                          static_cast<uint64_t>(load_u16(at + stride)) << 16 |
                          static_cast<uint64_t>(load_u16(at + 2 * stride)) << 32 |
                          static_cast<uint64_t>(load_u16(at + 3 * stride)) << 48;
    }
    return _mm256_cvtph_ps(
        _mm_set_epi64x(static_cast<int64_t>(words[1]), static_cast<int64_t>(words[0])));
}

// The 8 dwords at first + b * stride (b = 0..7), assembled the same way (four 64-bit words).
inline __m256i load_dwords_x8(const uint8_t* first, int64_t stride) {
    uint64_t words[4];
    for (int word_idx = 0; word_idx < 4; ++word_idx) {
        const uint8_t* at = first + 2 * word_idx * stride;
        words[word_idx] = static_cast<uint64_t>(load_u32(at)) |
                          static_cast<uint64_t>(load_u32(at + stride)) << 32;
    }
    return _mm256_set_epi64x(static_cast<int64_t>(words[3]), static_cast<int64_t>(words[2]),
                             static_cast<int64_t>(words[1]), static_cast<int64_t>(words[0]));
}

inline __m128i loadu_128(const uint8_t* bytes) {
    return _mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes));
}

inline __m256i loadu_256(const uint8_t* bytes) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bytes));
}

// 16 bytes at `low` in the low 128-bit lane, 16 bytes at `high` in the high lane.
inline __m256i load_lanes(const uint8_t* low, const uint8_t* high) {
    return _mm256_inserti128_si256(_mm256_castsi128_si256(loadu_128(low)), loadu_128(high), 1);
}

// Within each 128-bit lane, transposes the 4x4 matrix of dwords whose rows are r0..r3:
// afterwards r_q holds dword q of the old r0, r1, r2, r3.
inline void transpose_4x4_epi32(__m256i& r0, __m256i& r1, __m256i& r2, __m256i& r3) {
    const __m256i t0 = _mm256_unpacklo_epi32(r0, r1);  // a0 b0 a1 b1
    const __m256i t1 = _mm256_unpackhi_epi32(r0, r1);  // a2 b2 a3 b3
    const __m256i t2 = _mm256_unpacklo_epi32(r2, r3);  // c0 d0 c1 d1
    const __m256i t3 = _mm256_unpackhi_epi32(r2, r3);  // c2 d2 c3 d3
    r0 = _mm256_unpacklo_epi64(t0, t2);
    r1 = _mm256_unpackhi_epi64(t0, t2);
    r2 = _mm256_unpacklo_epi64(t1, t3);
    r3 = _mm256_unpackhi_epi64(t1, t3);
}

inline float hsum(__m256 v) {
    __m128 sum = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    sum = _mm_add_ps(sum, _mm_movehl_ps(sum, sum));
    sum = _mm_add_ss(sum, _mm_movehdup_ps(sum));
    return _mm_cvtss_f32(sum);
}

#ifdef __AVX512F__
// (_mm512_reduce_add_ps and _mm512_castps512_ps256 trip a false -Wuninitialized in GCC 12's
// headers; the zero-masking extract does not.)
inline float hsum(__m512 v) {
    const __mmask8 all = 0xff;
    return hsum(_mm256_add_ps(_mm512_maskz_extractf32x8_ps(all, v, 0),
                              _mm512_maskz_extractf32x8_ps(all, v, 1)));
}
#endif

inline int32_t hsum_epi32(__m256i v) {
    __m128i sum = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    sum = _mm_add_epi32(sum, _mm_unpackhi_epi64(sum, sum));
    sum = _mm_add_epi32(sum, _mm_shuffle_epi32(sum, 1));
    return _mm_cvtsi128_si32(sum);
}

}  // namespace
}  // namespace hearth::kernels::cpu::x86
