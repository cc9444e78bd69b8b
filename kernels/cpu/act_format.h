// The activation formats of the matrix-product kernels (internal to the kernels layer).
//
// MatmulKernel::prepare converts a float activation row into one of these once per token; every
// weight row then reads it. Each weight type has one format, shared by its scalar, AVX2 and
// AVX-512 kernels (their prepare functions write the same bytes), so every ISA path computes the
// same integer dot products and results differ only by float summation order.
//
//   weight type                      activation format
//   F32, F16                         float row, copied as is              (4 k bytes)
//   BF16                             bf16 row, rounded to nearest even    (2 k bytes)
//   Q4_0, Q4_1, Q5_0, Q5_1, Q8_0     Q8x32: 8-bit blocks of 32            (320 bytes per 256)
//   Q2_K, Q3_K, Q4_K, Q5_K, Q6_K     Q8x256: 8-bit super-blocks of 256    (324 bytes per 256)
//
// Both 8-bit formats quantize symmetrically: for a block with largest magnitude amax,
//   d = amax / 127,  q = round_to_nearest_even(x * (127 / amax)),  q in [-127, 127]
// (d = 0 and q = 0 for an all-zero block), and carry the block sums d * sum(q) as floats for the
// weight types with offsets or minimums (x_w = d_w * q_w + m_w needs sum(x) next to dot(q_w, x)).
//
// The quants are stored interleaved so a 4-byte integer dot (vpdpbusd, or vpmaddubsw+vpmaddwd)
// over one vector row lands each block's partial sum in its own 32-bit lane:
//
// Q8x32 group: 8 consecutive blocks of 32 (elements 256 g .. 256 g + 255), 320 bytes:
//   offset   0  int8  qs[8][32]   qs[q][4 b + i] = quant of element 4 q + i of block b
//   offset 256  float d[8]        d of block b
//   offset 288  float dsum[8]     d * sum of block b's quants
//   A row of k elements (k a multiple of 32) is ceil(k / 256) groups; blocks past k / 32 in the
//   last group are padding: quants, d and dsum all zero.
//
// Q8x256 super-block: 256 elements as 16 sub-blocks of 16, 324 bytes:
//   offset   0  int8  qs[4][64]   qs[q][4 p + i] = quant of element 16 s + 4 q + i, where
//                                 s = kSubOfPos[p] is the sub-block at lane position p
//   offset 256  float dsum[16]    d * sum of the quants of sub-block kSubOfPos[p], by position p
//   offset 320  float d
//   Lane position p holds sub-block s = 4 (p % 4) + p / 4 (a 4x4 transpose of the sub-block
//   index): the order that 4x4 dword transposes of naturally decoded 32-element chunks produce.
//
// Prepared rows need no particular alignment; kernels load them with unaligned loads or memcpy.
#pragma once

#include <cstdint>

namespace hearth::kernels::cpu {

constexpr int64_t kQ8x32Block = 32;       // elements per block
constexpr int64_t kQ8x32GroupBlocks = 8;  // blocks per group
constexpr int64_t kQ8x32GroupElems = 256;
constexpr int64_t kQ8x32GroupBytes = 320;
constexpr int64_t kQ8x32DOffset = 256;
constexpr int64_t kQ8x32DsumOffset = 288;

constexpr int64_t kQ8x256Block = 256;    // elements per super-block
constexpr int64_t kQ8x256SubBlock = 16;  // elements per sub-block
constexpr int64_t kQ8x256BlockBytes = 324;
constexpr int64_t kQ8x256DsumOffset = 256;
constexpr int64_t kQ8x256DOffset = 320;

// Sub-block stored at lane position p (and, the map being its own inverse, the position of
// sub-block s).
constexpr int kSubOfPos[16] = {0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15};

// The helpers below have internal linkage: each translation unit, whatever its ISA flags, keeps
// its own copy (an inline function shared between an AVX-512 unit and a scalar one could be
// linked to the AVX-512 copy).
namespace {

constexpr int64_t q8x32_n_groups(int64_t k) {
    return (k / kQ8x32Block + kQ8x32GroupBlocks - 1) / kQ8x32GroupBlocks;
}
constexpr int64_t q8x32_row_bytes(int64_t k) {
    return q8x32_n_groups(k) * kQ8x32GroupBytes;
}
constexpr int64_t q8x256_row_bytes(int64_t k) {
    return k / kQ8x256Block * kQ8x256BlockBytes;
}

// Byte offset, inside a prepared Q8x32 row, of the quant of element `elem_idx`.
constexpr int64_t q8x32_quant_offset(int64_t elem_idx) {
    const int64_t block_idx = elem_idx / kQ8x32Block;
    const int64_t in_block = elem_idx % kQ8x32Block;
    return block_idx / kQ8x32GroupBlocks * kQ8x32GroupBytes + 32 * (in_block / 4) +
           4 * (block_idx % kQ8x32GroupBlocks) + in_block % 4;
}

// Byte offset, inside a prepared Q8x256 row, of the quant of element `elem_idx`.
constexpr int64_t q8x256_quant_offset(int64_t elem_idx) {
    const int64_t in_block = elem_idx % kQ8x256Block;
    const int64_t sub_idx = in_block / kQ8x256SubBlock;
    const int64_t in_sub = in_block % kQ8x256SubBlock;
    return elem_idx / kQ8x256Block * kQ8x256BlockBytes + 64 * (in_sub / 4) +
           4 * kSubOfPos[sub_idx] + in_sub % 4;
}

}  // namespace

}  // namespace hearth::kernels::cpu
