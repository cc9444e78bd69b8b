// GGUF's quantized block layouts, byte for byte (the file format: a GGUF from any converter
// loads as is). Halves are stored as raw IEEE binary16 bits. Element k of a tensor row lives in
// block k / block_size; the comments give each format's decoding formula.
#pragma once

#include <cstdint>

namespace hearth {

constexpr int kQK = 256;      // K-quant super-block
constexpr int kQK4_0 = 32;
constexpr int kQK8_0 = 32;
constexpr int kKScaleBytes = 12;

// x = d * (q - 8), q in 0..15. qs[j] holds element j (low nibble) and j+16 (high nibble).
struct BlockQ4_0 {
    uint16_t d;
    uint8_t qs[16];
};
// x = d * q + m, q in 0..15, same nibble order as Q4_0.
struct BlockQ4_1 {
    uint16_t d;
    uint16_t m;
    uint8_t qs[16];
};
// x = d * (q - 16), q = nibble | (bit j of qh) << 4 (element j) / bit j+16 for element j+16.
struct BlockQ5_0 {
    uint16_t d;
    uint8_t qh[4];
    uint8_t qs[16];
};
// x = d * q + m, 5-bit q as in Q5_0.
struct BlockQ5_1 {
    uint16_t d;
    uint16_t m;
    uint8_t qh[4];
    uint8_t qs[16];
};
// x = d * q.
struct BlockQ8_0 {
    uint16_t d;
    int8_t qs[32];
};
// x = d * q; s = d * sum(q) (an activation format in llama.cpp; listed for completeness).
struct BlockQ8_1 {
    uint16_t d;
    uint16_t s;
    int8_t qs[32];
};
// 16 sub-blocks of 16: x = d * (scales[j] & 15) * q - dmin * (scales[j] >> 4), q 2-bit.
struct BlockQ2_K {
    uint8_t scales[16];
    uint8_t qs[64];
    uint16_t d;
    uint16_t dmin;
};
// 16 sub-blocks of 16: x = d * (scale6[j] - 32) * (q - (hmask bit ? 0 : 4)), q 2 low bits.
struct BlockQ3_K {
    uint8_t hmask[32];
    uint8_t qs[64];
    uint8_t scales[12];
    uint16_t d;
};
// 8 sub-blocks of 32: x = d * sc[j] * q - dmin * mn[j], 6-bit sc/mn packed in scales[12].
struct BlockQ4_K {
    uint16_t d;
    uint16_t dmin;
    uint8_t scales[kKScaleBytes];
    uint8_t qs[128];
};
// As Q4_K with a fifth bit per element in qh.
struct BlockQ5_K {
    uint16_t d;
    uint16_t dmin;
    uint8_t scales[kKScaleBytes];
    uint8_t qh[32];
    uint8_t qs[128];
};
// 16 sub-blocks of 16: x = d * scales[j] * (q - 32), q = 4 bits of ql | 2 bits of qh << 4.
struct BlockQ6_K {
    uint8_t ql[128];
    uint8_t qh[64];
    int8_t scales[16];
    uint16_t d;
};
// Activation format for K-quant dot products: x = d * q, bsums = sums of 16 consecutive q.
struct BlockQ8_K {
    float d;
    int8_t qs[256];
    int16_t bsums[16];
};

static_assert(sizeof(BlockQ4_0) == 18);
static_assert(sizeof(BlockQ4_1) == 20);
static_assert(sizeof(BlockQ5_0) == 22);
static_assert(sizeof(BlockQ5_1) == 24);
static_assert(sizeof(BlockQ8_0) == 34);
static_assert(sizeof(BlockQ8_1) == 36);
static_assert(sizeof(BlockQ2_K) == 84);
static_assert(sizeof(BlockQ3_K) == 110);
static_assert(sizeof(BlockQ4_K) == 144);
static_assert(sizeof(BlockQ5_K) == 176);
static_assert(sizeof(BlockQ6_K) == 210);
static_assert(sizeof(BlockQ8_K) == 292);

}  // namespace hearth
