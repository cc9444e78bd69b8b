// Decoders for the 32-element block types (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0): 8 consecutive blocks
// of one weight row (one Q8x32 group, 256 elements) become integer codes in the activation's
// interleaved order, plus per-block float factors:
//
//   dot(row, x) over the group = sum_b  scale[b] * d_x[b] * sum_e code[b][e] * q_x[b][e]
//                                     + bias[b] * dsum_x[b]
//
//   type   code               scale   bias
//   Q4_0   q (0..15)          d       -8 d      (x_w = d (q - 8))
//   Q4_1   q (0..15)          d       m         (x_w = d q + m)
//   Q5_0   q (0..31)          d       -16 d
//   Q5_1   q (0..31)          d       m
//   Q8_0   q (-128..127)      d       0         (signed codes: the kernel picks its own trick)
//
// Raw block bytes are gathered 16 at a time into 128-bit lanes (block b low, block b + 4 high)
// and transposed as 4x4 dword matrices, which yields rows[q] = dwords q of blocks 0..7 with no
// cross-lane shuffles. AVX2 intrinsics throughout; AVX-512 units get their masked forms where
// noted. Internal linkage: see simd_x86.h.
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "kernels/cpu/x86/simd_x86.h"

namespace hearth::kernels::cpu::x86 {
namespace {

struct QGroup {
    __m256i rows[8];  // rows[q] byte 4 b + i: code of element 4 q + i of block b
    __m256 scale;     // per block b
    __m256 bias;      // per block b
};

// rows[0..7] from the 16 bytes of nibbles at `qs` of each block (block b at qs + b * stride):
// nibble layout of Q4/Q5: byte j holds element j (low nibble) and element j + 16 (high).
// With high_in_place, rows 4..7 keep the high nibbles where they are (code * 16, one shift fewer
// per row): for kernels whose integer dot cannot saturate on them (vpdpbusd), which divide
// those rows' sums by 16 instead.
inline void decode_nibbles(const uint8_t* qs, int64_t stride, QGroup* group,
                           bool high_in_place = false) {
    __m256i raw[4];
    for (int block_idx = 0; block_idx < 4; ++block_idx)
        raw[block_idx] = load_lanes(qs + block_idx * stride, qs + (block_idx + 4) * stride);
    transpose_4x4_epi32(raw[0], raw[1], raw[2], raw[3]);  // raw[q]: bytes 4q..4q+3 per block
    const __m256i low_nibble = _mm256_set1_epi8(0x0f);
    const __m256i high_nibble = _mm256_set1_epi8(static_cast<char>(0xf0));
    for (int quad_idx = 0; quad_idx < 4; ++quad_idx) {
        group->rows[quad_idx] = _mm256_and_si256(raw[quad_idx], low_nibble);
        group->rows[quad_idx + 4] =
            high_in_place ? _mm256_and_si256(raw[quad_idx], high_nibble)
                          : _mm256_and_si256(_mm256_srli_epi16(raw[quad_idx], 4), low_nibble);
    }
}

// Adds 16 to the code of every element whose bit is set in its block's 32-bit qh (bit e for
// element e); block b's qh at qh + b * stride. Row r covers elements 4 r' + i with bits 4 r + i
// (rows 4..7 are elements 16 + 4 (r - 4) + i: the same formula), i.e. nibble r % 2 of byte r / 2.
inline void add_fifth_bits(const uint8_t* qh, int64_t stride, QGroup* group) {
    const __m256i high_bits = load_dwords_x8(qh, stride);
    const __m256i sixteen = _mm256_set1_epi8(16);
    for (int row_idx = 0; row_idx < 8; ++row_idx) {
        // Byte row_idx / 2 of each dword, copied into all four of its bytes.
        const char byte_idx = static_cast<char>(row_idx / 2);
        const __m256i spread = _mm256_setr_epi8(
            byte_idx, byte_idx, byte_idx, byte_idx, byte_idx + 4, byte_idx + 4, byte_idx + 4,
            byte_idx + 4, byte_idx + 8, byte_idx + 8, byte_idx + 8, byte_idx + 8, byte_idx + 12,
            byte_idx + 12, byte_idx + 12, byte_idx + 12, byte_idx, byte_idx, byte_idx, byte_idx,
            byte_idx + 4, byte_idx + 4, byte_idx + 4, byte_idx + 4, byte_idx + 8, byte_idx + 8,
            byte_idx + 8, byte_idx + 8, byte_idx + 12, byte_idx + 12, byte_idx + 12, byte_idx + 12);
        const __m256i bytes = _mm256_shuffle_epi8(high_bits, spread);
        // Byte i of each dword tests bit i of the nibble.
        const int shift = 4 * (row_idx % 2);
        const __m256i bit = _mm256_set1_epi32(static_cast<int32_t>(0x08040201u << shift));
#if defined(__AVX512BW__) && defined(__AVX512VL__)
        const __mmask32 set = _mm256_test_epi8_mask(bytes, bit);
        group->rows[row_idx] =
            _mm256_mask_add_epi8(group->rows[row_idx], set, group->rows[row_idx], sixteen);
#else
        const __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(bytes, bit), bit);
        group->rows[row_idx] =
            _mm256_or_si256(group->rows[row_idx], _mm256_and_si256(set, sixteen));
#endif
    }
}

struct DecodeQ4_0 {
    static constexpr int64_t kBlockBytes = 18;  // d, qs[16]
    static void decode(const uint8_t* blocks, QGroup* group) {
        decode_nibbles(blocks + 2, kBlockBytes, group);
        group->scale = load_halves_x8(blocks, kBlockBytes);
        group->bias = _mm256_mul_ps(group->scale, _mm256_set1_ps(-8.0f));
    }
};

struct DecodeQ4_1 {
    static constexpr int64_t kBlockBytes = 20;  // d, m, qs[16]
    static void decode(const uint8_t* blocks, QGroup* group) {
        decode_nibbles(blocks + 4, kBlockBytes, group);
        group->scale = load_halves_x8(blocks, kBlockBytes);
        group->bias = load_halves_x8(blocks + 2, kBlockBytes);
    }
};

struct DecodeQ5_0 {
    static constexpr int64_t kBlockBytes = 22;  // d, qh[4], qs[16]
    static void decode(const uint8_t* blocks, QGroup* group) {
        decode_nibbles(blocks + 6, kBlockBytes, group);
        add_fifth_bits(blocks + 2, kBlockBytes, group);
        group->scale = load_halves_x8(blocks, kBlockBytes);
        group->bias = _mm256_mul_ps(group->scale, _mm256_set1_ps(-16.0f));
    }
};

struct DecodeQ5_1 {
    static constexpr int64_t kBlockBytes = 24;  // d, m, qh[4], qs[16]
    static void decode(const uint8_t* blocks, QGroup* group) {
        decode_nibbles(blocks + 8, kBlockBytes, group);
        add_fifth_bits(blocks + 4, kBlockBytes, group);
        group->scale = load_halves_x8(blocks, kBlockBytes);
        group->bias = load_halves_x8(blocks + 2, kBlockBytes);
    }
};

// Signed codes; bias 0.
struct DecodeQ8_0 {
    static constexpr int64_t kBlockBytes = 34;  // d, qs[32]
    static void decode(const uint8_t* blocks, QGroup* group) {
        const uint8_t* qs = blocks + 2;
        __m256i* rows = group->rows;
        for (int block_idx = 0; block_idx < 4; ++block_idx) {
            const uint8_t* low = qs + block_idx * kBlockBytes;
            const uint8_t* high = qs + (block_idx + 4) * kBlockBytes;
            rows[block_idx] = load_lanes(low, high);                // dwords 0..3
            rows[block_idx + 4] = load_lanes(low + 16, high + 16);  // dwords 4..7
        }
        transpose_4x4_epi32(rows[0], rows[1], rows[2], rows[3]);
        transpose_4x4_epi32(rows[4], rows[5], rows[6], rows[7]);
        group->scale = load_halves_x8(blocks, kBlockBytes);
        group->bias = _mm256_setzero_ps();
    }
};

// Decodes the first n_blocks (< 8) blocks at `blocks`, the rest as zero blocks (scale 0, so they
// add nothing; the activation's padding is zero too). For the last group of a row.
template <class Decode>
void decode_partial(const uint8_t* blocks, int64_t n_blocks, QGroup* group) {
    uint8_t padded[8 * Decode::kBlockBytes] = {};
    std::memcpy(padded, blocks, static_cast<size_t>(n_blocks * Decode::kBlockBytes));
    Decode::decode(padded, group);
}

}  // namespace
}  // namespace hearth::kernels::cpu::x86
