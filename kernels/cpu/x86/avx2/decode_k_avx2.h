// AVX2 decoders for the K-quants (Q2_K, Q3_K, Q4_K, Q5_K, Q6_K): one 256-element super-block of one
// weight row becomes unsigned codes in natural element order plus per-sub-block integers, such
// that with sub-blocks j of 16 elements
//
//   dot(super-block, x) = sum_j d * scales[j] * d_x * sum_{e in j} code[e] * q_x[e]
//                       + sum_j dmin * mins[j] * dsum_x[j]
//
//   type   code                    scales[j]        mins[j]        d      dmin
//   Q2_K   q (0..3)                sc_j & 15        sc_j >> 4      d      -dmin
//   Q3_K   q + 4 hbit (0..7)       sc6_j - 32       sc6_j - 32     d      -4 d   (q_w = code - 4)
//   Q4_K   q (0..15)               sc6_{j/2}        m6_{j/2}       d      -dmin
//   Q5_K   q + 16 hbit (0..31)     sc6_{j/2}        m6_{j/2}       d      -dmin
//   Q6_K   q (0..63)               sc_j (int8)      sc_j           d      -32 d  (q_w = code - 32)
//
// Every type decodes into 8 chunks of 32 consecutive elements (one 256-bit vector each); the
// AVX2 kernel transposes those into the Q8x256 lane order (act_format.h). (The AVX-512 kernel
// decodes straight into that order with dword permutes: avx512/decode_k_avx512.h.) Internal
// linkage (see simd_x86.h).
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "kernels/cpu/x86/simd_x86.h"

namespace hearth::kernels::cpu::avx2 {
namespace {

struct KChunks {
    __m256i chunks[8];  // chunks[m] byte l: code of element 32 m + l
    __m128i scales;     // int8 per sub-block j of 16, natural order
    __m128i mins;       // int8 per sub-block j
    float d;
    float dmin;
};

// (v >> shift) & mask per byte, for shifts that keep the masked bits inside their byte.
inline __m256i bits_at(__m256i v, int shift, __m256i mask) {
    return _mm256_and_si256(_mm256_srli_epi16(v, shift), mask);
}

// `bit` (0..7) of each byte moved to position `to` (0..7), everything else cleared.
inline __m256i move_bit(__m256i v, int bit, int to) {
    const __m256i mask = _mm256_set1_epi8(static_cast<char>(1 << to));
    if (bit > to) return _mm256_and_si256(_mm256_srli_epi16(v, bit - to), mask);
    if (bit < to) return _mm256_and_si256(_mm256_slli_epi16(v, to - bit), mask);
    return _mm256_and_si256(v, mask);
}

// The 2-bit fields of Q2_K/Q3_K: qs[32 n + l] holds elements 128 n + 32 s + l in bits 2s, 2s+1.
inline void decode_2bit(const uint8_t* qs, __m256i chunks[8]) {
    const __m256i three = _mm256_set1_epi8(3);
    for (int half_idx = 0; half_idx < 2; ++half_idx) {
        const __m256i packed = x86::loadu_256(qs + 32 * half_idx);
        for (int shift_idx = 0; shift_idx < 4; ++shift_idx)
            chunks[4 * half_idx + shift_idx] = bits_at(packed, 2 * shift_idx, three);
    }
}

// The nibbles of Q4_K/Q5_K: qs[32 c + l] holds element 64 c + l (low) and 64 c + 32 + l (high).
inline void decode_4bit(const uint8_t* qs, __m256i chunks[8]) {
    const __m256i low_nibble = _mm256_set1_epi8(0x0f);
    for (int chunk_idx = 0; chunk_idx < 4; ++chunk_idx) {
        const __m256i packed = x86::loadu_256(qs + 32 * chunk_idx);
        chunks[2 * chunk_idx] = _mm256_and_si256(packed, low_nibble);
        chunks[2 * chunk_idx + 1] = bits_at(packed, 4, low_nibble);
    }
}

// The 6-bit scales and minimums of Q4_K/Q5_K (12 bytes), one per sub-block of 32, each repeated
// for the two sub-blocks of 16 it covers.
inline void unpack_scales_k4(const uint8_t* packed, __m128i* scales, __m128i* mins) {
    const uint32_t word0 = x86::load_u32(packed);
    const uint32_t word1 = x86::load_u32(packed + 4);
    const uint32_t word2 = x86::load_u32(packed + 8);
    const uint32_t scales_low = word0 & 0x3f3f3f3fu;  // sub-blocks 0-3
    const uint32_t mins_low = word1 & 0x3f3f3f3fu;
    const uint32_t scales_high = (word2 & 0x0f0f0f0fu) | ((word0 >> 6) & 0x03030303u) << 4;
    const uint32_t mins_high = ((word2 >> 4) & 0x0f0f0f0fu) | ((word1 >> 6) & 0x03030303u) << 4;
    const __m128i all =
        _mm_setr_epi32(static_cast<int32_t>(scales_low), static_cast<int32_t>(scales_high),
                       static_cast<int32_t>(mins_low), static_cast<int32_t>(mins_high));
    *scales = _mm_shuffle_epi8(all, _mm_setr_epi8(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7));
    *mins = _mm_shuffle_epi8(
        all, _mm_setr_epi8(8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15));
}

struct DecodeQ2_K {
    static constexpr int64_t kBlockBytes = 84;  // scales[16], qs[64], d, dmin
    static void decode(const uint8_t* block, KChunks* out) {
        decode_2bit(block + 16, out->chunks);
        const __m128i packed = x86::loadu_128(block);
        const __m128i low_nibble = _mm_set1_epi8(0x0f);
        out->scales = _mm_and_si128(packed, low_nibble);
        out->mins = _mm_and_si128(_mm_srli_epi16(packed, 4), low_nibble);
        out->d = x86::half_to_float(block + 80);
        out->dmin = -x86::half_to_float(block + 82);
    }
};

struct DecodeQ3_K {
    static constexpr int64_t kBlockBytes = 110;  // hmask[32], qs[64], scales[12], d
    static void decode(const uint8_t* block, KChunks* out) {
        decode_2bit(block + 32, out->chunks);
        // Bit m of hmask[l] is the high bit of element 32 m + l: code = low + 4 * bit.
        const __m256i hmask = x86::loadu_256(block);
        for (int chunk_idx = 0; chunk_idx < 8; ++chunk_idx)
            out->chunks[chunk_idx] =
                _mm256_or_si256(out->chunks[chunk_idx], move_bit(hmask, chunk_idx, 2));
        // 16 6-bit scales: low nibbles in bytes 0-7 (sub-blocks 0-7 low nibble, 8-15 high
        // nibble), top two bits in bytes 8-11 (sub-block 4 a + c: bits 2a of byte 8 + c).
        const uint8_t* packed = block + 96;
        const uint32_t word0 = x86::load_u32(packed);
        const uint32_t word1 = x86::load_u32(packed + 4);
        const uint32_t word2 = x86::load_u32(packed + 8);
        const uint32_t low_nibbles = 0x0f0f0f0fu, two_bits = 0x03030303u;
        const __m128i scales = _mm_setr_epi32(
            static_cast<int32_t>((word0 & low_nibbles) | (word2 & two_bits) << 4),
            static_cast<int32_t>((word1 & low_nibbles) | ((word2 >> 2) & two_bits) << 4),
            static_cast<int32_t>(((word0 >> 4) & low_nibbles) | ((word2 >> 4) & two_bits) << 4),
            static_cast<int32_t>(((word1 >> 4) & low_nibbles) | ((word2 >> 6) & two_bits) << 4));
        out->scales = _mm_sub_epi8(scales, _mm_set1_epi8(32));
        out->mins = out->scales;
        out->d = x86::half_to_float(block + 108);
        out->dmin = -4.0f * out->d;
    }
};

struct DecodeQ4_K {
    static constexpr int64_t kBlockBytes = 144;  // d, dmin, scales[12], qs[128]
    static void decode(const uint8_t* block, KChunks* out) {
        decode_4bit(block + 16, out->chunks);
        unpack_scales_k4(block + 4, &out->scales, &out->mins);
        out->d = x86::half_to_float(block);
        out->dmin = -x86::half_to_float(block + 2);
    }
};

struct DecodeQ5_K {
    static constexpr int64_t kBlockBytes = 176;  // d, dmin, scales[12], qh[32], qs[128]
    static void decode(const uint8_t* block, KChunks* out) {
        decode_4bit(block + 48, out->chunks);
        // Bit m of qh[l] is the fifth bit of element 32 m + l.
        const __m256i qh = x86::loadu_256(block + 16);
        for (int chunk_idx = 0; chunk_idx < 8; ++chunk_idx)
            out->chunks[chunk_idx] =
                _mm256_or_si256(out->chunks[chunk_idx], move_bit(qh, chunk_idx, 4));
        unpack_scales_k4(block + 4, &out->scales, &out->mins);
        out->d = x86::half_to_float(block);
        out->dmin = -x86::half_to_float(block + 2);
    }
};

struct DecodeQ6_K {
    static constexpr int64_t kBlockBytes = 210;  // ql[128], qh[64], scales[16], d
    static void decode(const uint8_t* block, KChunks* out) {
        // Per half of 128 elements: element 32 g + l is nibble g / 2 of ql[l + 32 (g % 2)] with
        // bits 2g, 2g+1 of qh[l] on top.
        const __m256i low_nibble = _mm256_set1_epi8(0x0f);
        const __m256i top_bits = _mm256_set1_epi8(0x30);
        for (int half_idx = 0; half_idx < 2; ++half_idx) {
            const __m256i ql0 = x86::loadu_256(block + 64 * half_idx);
            const __m256i ql1 = x86::loadu_256(block + 64 * half_idx + 32);
            const __m256i qh = x86::loadu_256(block + 128 + 32 * half_idx);
            __m256i* chunks = out->chunks + 4 * half_idx;
            chunks[0] = _mm256_or_si256(_mm256_and_si256(ql0, low_nibble),
                                        _mm256_and_si256(_mm256_slli_epi16(qh, 4), top_bits));
            chunks[1] = _mm256_or_si256(_mm256_and_si256(ql1, low_nibble),
                                        _mm256_and_si256(_mm256_slli_epi16(qh, 2), top_bits));
            chunks[2] =
                _mm256_or_si256(bits_at(ql0, 4, low_nibble), _mm256_and_si256(qh, top_bits));
            chunks[3] = _mm256_or_si256(bits_at(ql1, 4, low_nibble), bits_at(qh, 2, top_bits));
        }
        out->scales = x86::loadu_128(block + 192);
        out->mins = out->scales;
        out->d = x86::half_to_float(block + 208);
        out->dmin = -32.0f * out->d;
    }
};

}  // namespace
}  // namespace hearth::kernels::cpu::avx2
