// AVX-512 decoders for the K-quants: one 256-element super-block of one weight row straight into
// the Q8x256 lane order (act_format.h), with one dword permute (vpermd / vpermt2d) per vector of
// quant bits instead of a decode-then-transpose.
//
// Row q, lane p of the decoded super-block holds the codes of elements 4q..4q+3 of sub-block
// s = 4c + a, where a = p / 4 (the 128-bit lane) and c = p % 4: elements e = 64c + 16a + 4q + i.
// Each format's bits for those elements sit in one dword of its packed arrays (written below
// per format), so a permute with a per-lane index gathers them and a per-lane shift aligns them.
//
//   dot(super-block, x) = sum_p d * scales[p] * d_x * lanes[p] + dmin * mins[p] * dsum_x[p]
//
//   type   code                    scales[p] (sub-block s)   mins[p]        dmin
//   Q2_K   q (0..3)                sc_s & 15                 sc_s >> 4      -dmin
//   Q3_K   q + 4 hbit (0..7)       sc6_s - 32                sc6_s - 32     -4 d   (q_w = code - 4)
//   Q4_K   q (0..15)               sc6_{s/2}                 m6_{s/2}       -dmin
//   Q5_K   q + 16 hbit (0..31)     sc6_{s/2}                 m6_{s/2}       -dmin
//   Q6_K   q (0..63)               sc_s (int8)               sc_s           -32 d  (q_w = code -
//   32)
//
// Internal linkage: included by AVX-512 translation units only.
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "kernels/cpu/x86/simd_x86.h"

namespace hearth::kernels::cpu::avx512 {
namespace {

struct KBlock {
    __m512i rows[4];  // rows[q] dword p: codes of elements 4q..4q+3 of the sub-block at p
    __m512 scale;     // d * scales[p]
    __m512 bias;      // dmin * mins[p]
};

// A vector of 16 dwords, lane p = value(a = p / 4, c = p % 4) (constant-folded).
template <typename Value>
inline __m512i lanes_of(Value value) {
    return _mm512_setr_epi32(value(0, 0), value(0, 1), value(0, 2), value(0, 3), value(1, 0),
                             value(1, 1), value(1, 2), value(1, 3), value(2, 0), value(2, 1),
                             value(2, 2), value(2, 3), value(3, 0), value(3, 1), value(3, 2),
                             value(3, 3));
}

inline __m512i load_512(const uint8_t* bytes) {
    return _mm512_loadu_si512(bytes);
}

inline __m512i load_256_as_512(const uint8_t* bytes) {
    return _mm512_zextsi256_si512(x86::loadu_256(bytes));
}

// 16 int8 values in natural sub-block order times `factor`, as floats by lane position
// (lane p takes sub-block 4 (p % 4) + p / 4).
inline __m512 by_position(__m128i values, float factor) {
    const __m128i ordered = _mm_shuffle_epi8(
        values, _mm_setr_epi8(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15));
    return _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(ordered)), _mm512_set1_ps(factor));
}

// Adds `amount` to the code bytes whose bit is set: dword (4 (a % 2) + q) of the 32-byte `bits`
// array, bit 2c + a / 2 of each byte (the hmask of Q3_K and the qh of Q5_K: bit m of byte l is
// element 32 m + l).
inline void add_high_bits(const uint8_t* bits, char amount, KBlock* block) {
    const __m512i packed = load_256_as_512(bits);
    const __m512i bit =
        lanes_of([](int a, int c) { return static_cast<int>(0x01010101u << (2 * c + a / 2)); });
    const __m512i add = _mm512_set1_epi8(amount);
    for (int quad_idx = 0; quad_idx < 4; ++quad_idx) {
        const __m512i index = lanes_of([quad_idx](int a, int c) { return 4 * (a % 2) + quad_idx; });
        const __mmask64 set = _mm512_test_epi8_mask(_mm512_permutexvar_epi32(index, packed), bit);
        block->rows[quad_idx] =
            _mm512_mask_add_epi8(block->rows[quad_idx], set, block->rows[quad_idx], add);
    }
}

// The 2-bit fields of Q2_K/Q3_K (64 bytes): element e in byte 32 (e / 128) + e % 32, bits
// 2 ((e % 128) / 32): dword 8 (c / 2) + 4 (a % 2) + q, shift 2 (2 (c % 2) + a / 2).
inline void decode_2bit(const uint8_t* qs, KBlock* block) {
    const __m512i packed = load_512(qs);
    const __m512i shift = lanes_of([](int a, int c) { return 2 * (2 * (c % 2) + a / 2); });
    const __m512i three = _mm512_set1_epi8(3);
    for (int quad_idx = 0; quad_idx < 4; ++quad_idx) {
        const __m512i index =
            lanes_of([quad_idx](int a, int c) { return 8 * (c / 2) + 4 * (a % 2) + quad_idx; });
        block->rows[quad_idx] = _mm512_and_si512(
            _mm512_srlv_epi32(_mm512_permutexvar_epi32(index, packed), shift), three);
    }
}

// The nibbles of Q4_K/Q5_K (128 bytes): element e in byte 32 (e / 64) + e % 32, high nibble
// when e % 64 >= 32: dword 8c + 4 (a % 2) + q, shift 4 (a / 2).
inline void decode_4bit(const uint8_t* qs, KBlock* block) {
    const __m512i low = load_512(qs);
    const __m512i high = load_512(qs + 64);
    const __m512i shift = lanes_of([](int a, int) { return 4 * (a / 2); });
    const __m512i nibble = _mm512_set1_epi8(0x0f);
    for (int quad_idx = 0; quad_idx < 4; ++quad_idx) {
        const __m512i index =
            lanes_of([quad_idx](int a, int c) { return 8 * c + 4 * (a % 2) + quad_idx; });
        block->rows[quad_idx] = _mm512_and_si512(
            _mm512_srlv_epi32(_mm512_permutex2var_epi32(low, index, high), shift), nibble);
    }
}

// The same fields left in place: lane p keeps its field's bits where they sit in the byte (a
// mask instead of a shift), so its codes are the field times 4^(its position) for 2-bit fields
// and 16^(a / 2) for nibbles. vpdpbusd cannot overflow on them and the kernel takes the factor
// back through the lane's float scale (in_place_2bit_scale / in_place_4bit_scale), exact as a
// power of two. Only for formats with no further bits on top (Q2_K, Q4_K).
inline void decode_2bit_in_place(const uint8_t* qs, KBlock* block) {
    const __m512i packed = load_512(qs);
    const __m512i mask = lanes_of(
        [](int a, int c) { return static_cast<int>(0x03030303u << (2 * (2 * (c % 2) + a / 2))); });
    for (int quad_idx = 0; quad_idx < 4; ++quad_idx) {
        const __m512i index =
            lanes_of([quad_idx](int a, int c) { return 8 * (c / 2) + 4 * (a % 2) + quad_idx; });
        block->rows[quad_idx] = _mm512_and_si512(_mm512_permutexvar_epi32(index, packed), mask);
    }
}

inline __m512 in_place_2bit_scale() {
    const __m512i exponent = lanes_of([](int a, int c) { return 127 - 2 * (2 * (c % 2) + a / 2); });
    return _mm512_castsi512_ps(_mm512_slli_epi32(exponent, 23));  // 4^-shift as a float
}

inline void decode_4bit_in_place(const uint8_t* qs, KBlock* block) {
    const __m512i low = load_512(qs);
    const __m512i high = load_512(qs + 64);
    const __m512i mask =
        lanes_of([](int a, int) { return static_cast<int>(a / 2 ? 0xf0f0f0f0u : 0x0f0f0f0fu); });
    for (int quad_idx = 0; quad_idx < 4; ++quad_idx) {
        const __m512i index =
            lanes_of([quad_idx](int a, int c) { return 8 * c + 4 * (a % 2) + quad_idx; });
        block->rows[quad_idx] = _mm512_and_si512(_mm512_permutex2var_epi32(low, index, high), mask);
    }
}

inline __m512 in_place_4bit_scale() {
    const __m512i exponent = lanes_of([](int a, int) { return 127 - 4 * (a / 2); });
    return _mm512_castsi512_ps(_mm512_slli_epi32(exponent, 23));  // 16^-(a / 2) as a float
}

// Q4_K/Q5_K's 6-bit scales and minimums (12 bytes), one per sub-block of 32 (s / 2), as int8 in
// natural sub-block-of-16 order.
inline void unpack_scales_k4(const uint8_t* packed, __m128i* scales, __m128i* mins) {
    const uint32_t word0 = x86::load_u32(packed);
    const uint32_t word1 = x86::load_u32(packed + 4);
    const uint32_t word2 = x86::load_u32(packed + 8);
    const uint32_t scales_low = word0 & 0x3f3f3f3fu;  // sub-blocks of 32: 0-3
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
    static void decode(const uint8_t* block, KBlock* out) {
        decode_2bit_in_place(block + 16, out);
        const __m128i packed = x86::loadu_128(block);
        const __m128i low_nibble = _mm_set1_epi8(0x0f);
        out->scale = _mm512_mul_ps(
            by_position(_mm_and_si128(packed, low_nibble), x86::half_to_float(block + 80)),
            in_place_2bit_scale());
        out->bias = by_position(_mm_and_si128(_mm_srli_epi16(packed, 4), low_nibble),
                                -x86::half_to_float(block + 82));
    }
};

struct DecodeQ3_K {
    static constexpr int64_t kBlockBytes = 110;  // hmask[32], qs[64], scales[12], d
    static void decode(const uint8_t* block, KBlock* out) {
        decode_2bit(block + 32, out);
        add_high_bits(block, 4, out);
        // 16 6-bit scales: low nibbles in bytes 0-7 (sub-blocks 0-7 low nibble, 8-15 high
        // nibble), top two bits in bytes 8-11 (sub-block 4 a + c: bits 2a of byte 8 + c).
        const uint8_t* packed = block + 96;
        const uint32_t word0 = x86::load_u32(packed);
        const uint32_t word1 = x86::load_u32(packed + 4);
        const uint32_t word2 = x86::load_u32(packed + 8);
        const uint32_t low_nibbles = 0x0f0f0f0fu, two_bits = 0x03030303u;
        const __m128i scales = _mm_sub_epi8(
            _mm_setr_epi32(
                static_cast<int32_t>((word0 & low_nibbles) | (word2 & two_bits) << 4),
                static_cast<int32_t>((word1 & low_nibbles) | ((word2 >> 2) & two_bits) << 4),
                static_cast<int32_t>(((word0 >> 4) & low_nibbles) | ((word2 >> 4) & two_bits) << 4),
                static_cast<int32_t>(((word1 >> 4) & low_nibbles) | ((word2 >> 6) & two_bits)
                                                                        << 4)),
            _mm_set1_epi8(32));
        const float d = x86::half_to_float(block + 108);
        out->scale = by_position(scales, d);
        out->bias = by_position(scales, -4.0f * d);
    }
};

struct DecodeQ4_K {
    static constexpr int64_t kBlockBytes = 144;  // d, dmin, scales[12], qs[128]
    static void decode(const uint8_t* block, KBlock* out) {
        decode_4bit_in_place(block + 16, out);
        __m128i scales, mins;
        unpack_scales_k4(block + 4, &scales, &mins);
        out->scale =
            _mm512_mul_ps(by_position(scales, x86::half_to_float(block)), in_place_4bit_scale());
        out->bias = by_position(mins, -x86::half_to_float(block + 2));
    }
};

struct DecodeQ5_K {
    static constexpr int64_t kBlockBytes = 176;  // d, dmin, scales[12], qh[32], qs[128]
    static void decode(const uint8_t* block, KBlock* out) {
        decode_4bit(block + 48, out);
        add_high_bits(block + 16, 16, out);
        __m128i scales, mins;
        unpack_scales_k4(block + 4, &scales, &mins);
        out->scale = by_position(scales, x86::half_to_float(block));
        out->bias = by_position(mins, -x86::half_to_float(block + 2));
    }
};

// Q6_K: element e = 128 n + 32 g + l takes nibble g / 2 of ql[64 n + 32 (g % 2) + l] and bits
// 2g, 2g+1 of qh[32 n + l]. With e = 64c + 16a + 4q + i: n = c / 2, g = 2 (c % 2) + a / 2, so
// the ql dword is 16 (c / 2) + 4a + q (nibble c % 2) and the qh dword 8 (c / 2) + 4 (a % 2) + q.
struct DecodeQ6_K {
    static constexpr int64_t kBlockBytes = 210;  // ql[128], qh[64], scales[16], d
    static void decode(const uint8_t* block, KBlock* out) {
        const __m512i ql_low = load_512(block);
        const __m512i ql_high = load_512(block + 64);
        const __m512i qh = load_512(block + 128);
        const __m512i nibble_shift = lanes_of([](int, int c) { return 4 * (c % 2); });
        const __m512i pair_shift = lanes_of([](int a, int c) { return 2 * (2 * (c % 2) + a / 2); });
        const __m512i nibble = _mm512_set1_epi8(0x0f);
        const __m512i three = _mm512_set1_epi8(3);
        for (int quad_idx = 0; quad_idx < 4; ++quad_idx) {
            const __m512i ql_index =
                lanes_of([quad_idx](int a, int c) { return 16 * (c / 2) + 4 * a + quad_idx; });
            const __m512i qh_index =
                lanes_of([quad_idx](int a, int c) { return 8 * (c / 2) + 4 * (a % 2) + quad_idx; });
            const __m512i low = _mm512_and_si512(
                _mm512_srlv_epi32(_mm512_permutex2var_epi32(ql_low, ql_index, ql_high),
                                  nibble_shift),
                nibble);
            const __m512i high = _mm512_and_si512(
                _mm512_srlv_epi32(_mm512_permutexvar_epi32(qh_index, qh), pair_shift), three);
            out->rows[quad_idx] = _mm512_or_si512(low, _mm512_slli_epi32(high, 4));
        }
        const __m128i scales = x86::loadu_128(block + 192);
        const float d = x86::half_to_float(block + 208);
        out->scale = by_position(scales, d);
        out->bias = by_position(scales, -32.0f * d);
    }
};

}  // namespace
}  // namespace hearth::kernels::cpu::avx512
