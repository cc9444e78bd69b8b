// Reference kernels for the K-quants (Q2_K, Q3_K, Q4_K, Q5_K, Q6_K) against Q8x256 activations.
// Per super-block, with sub-block scales sc_j, minimums m_j, integer weight quants q_w,
// activation quants q_x, scale d_x and sub-block sums dsum_j = d_x * sum_{e in j}(q_x):
//   Q2_K, Q4_K, Q5_K (x_w = d * sc_j * q_w - dmin * m_j):
//       d * d_x * sum_j sc_j * sum_{e in j}(q_w * q_x)  -  dmin * sum_j m_j * dsum_j
//   Q3_K, Q6_K       (x_w = d * sc_j * q_w, q_w signed):
//       d * d_x * sum_j sc_j * sum_{e in j}(q_w * q_x)
// Element e of a super-block is decoded with the formulas of tensor/blocks.h, written out per
// element (llama.cpp's dequantize loops produce the same order).
#include <cstddef>

#include "kernels/cpu/act_format.h"
#include "kernels/cpu/ref/matmul_ref.h"
#include "tensor/blocks.h"
#include "tensor/half.h"

namespace hearth::kernels::cpu::ref {
namespace {

// One prepared Q8x256 super-block.
struct Q8x256Block {
    const uint8_t* bytes;

    int32_t quant(int elem_idx) const {
        return static_cast<int8_t>(bytes[q8x256_quant_offset(elem_idx)]);
    }
    float d() const { return load_f32(bytes + kQ8x256DOffset); }
    float dsum(int sub_idx) const {
        return load_f32(bytes + kQ8x256DsumOffset + 4 * kSubOfPos[sub_idx]);
    }
};

// sum_{e in sub-block}(q_w * q_x) for the 16 sub-blocks of 16, q_w = decode(elem_idx).
template <typename Decode>
void sub_block_dots(const Q8x256Block& x, Decode decode, int32_t dots[16]) {
    for (int sub_idx = 0; sub_idx < 16; ++sub_idx) {
        int32_t dot = 0;
        for (int in_sub = 0; in_sub < kQ8x256SubBlock; ++in_sub) {
            const int elem_idx = sub_idx * kQ8x256SubBlock + in_sub;
            dot += decode(elem_idx) * x.quant(elem_idx);
        }
        dots[sub_idx] = dot;
    }
}

// 2-bit field of element e in a 64-byte qs of the Q2_K/Q3_K layout: for each half of 128
// elements, byte l of its 32 bytes holds elements l, l+32, l+64, l+96 in bits 0-1, 2-3, 4-5, 6-7.
int32_t low2(const uint8_t* qs, int elem_idx) {
    return (qs[32 * (elem_idx / 128) + elem_idx % 32] >> (2 * (elem_idx % 128 / 32))) & 3;
}

// 4-bit field of element e in the 128-byte qs of Q4_K/Q5_K: for each chunk of 64 elements, byte
// l of its 32 bytes holds element l in the low nibble and element l + 32 in the high nibble.
int32_t low4(const uint8_t* qs, int elem_idx) {
    const uint8_t byte = qs[32 * (elem_idx / 64) + elem_idx % 32];
    return elem_idx % 64 < 32 ? byte & 0x0f : byte >> 4;
}

// The 6-bit scales and minimums of Q4_K/Q5_K packed in 12 bytes: sub-blocks 0-3 in the low 6
// bits of bytes 0-3 (scales) and 4-7 (minimums); sub-blocks 4-7 in the nibbles of bytes 8-11
// with their top 2 bits in the top bits of bytes 0-3 (scales) and 4-7 (minimums).
void unpack_scales_k4(const uint8_t* packed, int32_t scales[8], int32_t mins[8]) {
    for (int sub_idx = 0; sub_idx < 4; ++sub_idx) {
        scales[sub_idx] = packed[sub_idx] & 63;
        mins[sub_idx] = packed[sub_idx + 4] & 63;
        scales[sub_idx + 4] = (packed[sub_idx + 8] & 0x0f) | (packed[sub_idx] >> 6) << 4;
        mins[sub_idx + 4] = (packed[sub_idx + 8] >> 4) | (packed[sub_idx + 4] >> 6) << 4;
    }
}

// The 6-bit scales of Q3_K packed in 12 bytes, minus 32: the low 4 bits of sub-block j are the
// low (j < 8) or high (j >= 8) nibble of byte j % 8; the top 2 bits are bits 2 (j / 4) of byte
// 8 + j % 4.
int32_t scale_q3_k(const uint8_t* packed, int sub_idx) {
    const int32_t low = sub_idx < 8 ? packed[sub_idx] & 0x0f : packed[sub_idx - 8] >> 4;
    const int32_t high = (packed[8 + sub_idx % 4] >> (2 * (sub_idx / 4))) & 3;
    return (low | high << 4) - 32;
}

template <typename BlockDot>
float dot_k(const uint8_t* w_row, const uint8_t* x_row, int64_t k, int64_t block_bytes,
            BlockDot block_dot) {
    float sum = 0.0f;
    for (int64_t block_idx = 0; block_idx < k / kQ8x256Block; ++block_idx) {
        sum += block_dot(w_row + block_idx * block_bytes,
                         Q8x256Block{x_row + block_idx * kQ8x256BlockBytes});
    }
    return sum;
}

float block_dot_q2_k(const uint8_t* block, const Q8x256Block& x) {
    const uint8_t* scales = block + offsetof(BlockQ2_K, scales);
    const uint8_t* qs = block + offsetof(BlockQ2_K, qs);
    int32_t dots[16];
    sub_block_dots(
        x, [qs](int elem_idx) { return low2(qs, elem_idx); }, dots);
    int32_t scaled = 0;
    float mins = 0.0f;
    for (int sub_idx = 0; sub_idx < 16; ++sub_idx) {
        scaled += (scales[sub_idx] & 0x0f) * dots[sub_idx];
        mins += static_cast<float>(scales[sub_idx] >> 4) * x.dsum(sub_idx);
    }
    const float d = fp16_to_fp32(load_u16(block + offsetof(BlockQ2_K, d)));
    const float dmin = fp16_to_fp32(load_u16(block + offsetof(BlockQ2_K, dmin)));
    return d * x.d() * static_cast<float>(scaled) - dmin * mins;
}

float block_dot_q3_k(const uint8_t* block, const Q8x256Block& x) {
    const uint8_t* hmask = block + offsetof(BlockQ3_K, hmask);
    const uint8_t* qs = block + offsetof(BlockQ3_K, qs);
    int32_t dots[16];
    // q = low 2 bits - 4 where the hmask bit is clear; bit e / 32 of hmask[e % 32].
    sub_block_dots(
        x,
        [hmask, qs](int elem_idx) {
            const int32_t high = (hmask[elem_idx % 32] >> (elem_idx / 32)) & 1;
            return low2(qs, elem_idx) - (high ? 0 : 4);
        },
        dots);
    int32_t scaled = 0;
    for (int sub_idx = 0; sub_idx < 16; ++sub_idx)
        scaled += scale_q3_k(block + offsetof(BlockQ3_K, scales), sub_idx) * dots[sub_idx];
    const float d = fp16_to_fp32(load_u16(block + offsetof(BlockQ3_K, d)));
    return d * x.d() * static_cast<float>(scaled);
}

// Q4_K and Q5_K share everything but the fifth bit (qh == nullptr for Q4_K).
float block_dot_q45_k(const uint8_t* block, const uint8_t* scales_packed, const uint8_t* qh,
                      const uint8_t* qs, const Q8x256Block& x) {
    int32_t dots[16];
    sub_block_dots(
        x,
        [qh, qs](int elem_idx) {
            const int32_t high = qh ? (qh[elem_idx % 32] >> (elem_idx / 32)) & 1 : 0;
            return low4(qs, elem_idx) | high << 4;
        },
        dots);
    int32_t scales[8], mins[8];
    unpack_scales_k4(scales_packed, scales, mins);
    int32_t scaled = 0;
    float min_sum = 0.0f;
    for (int sub_idx = 0; sub_idx < 8; ++sub_idx) {
        scaled += scales[sub_idx] * (dots[2 * sub_idx] + dots[2 * sub_idx + 1]);
        min_sum +=
            static_cast<float>(mins[sub_idx]) * (x.dsum(2 * sub_idx) + x.dsum(2 * sub_idx + 1));
    }
    const float d = fp16_to_fp32(load_u16(block));  // d and dmin lead both layouts
    const float dmin = fp16_to_fp32(load_u16(block + 2));
    return d * x.d() * static_cast<float>(scaled) - dmin * min_sum;
}

float block_dot_q4_k(const uint8_t* block, const Q8x256Block& x) {
    return block_dot_q45_k(block, block + offsetof(BlockQ4_K, scales), nullptr,
                           block + offsetof(BlockQ4_K, qs), x);
}

float block_dot_q5_k(const uint8_t* block, const Q8x256Block& x) {
    return block_dot_q45_k(block, block + offsetof(BlockQ5_K, scales),
                           block + offsetof(BlockQ5_K, qh), block + offsetof(BlockQ5_K, qs), x);
}

float block_dot_q6_k(const uint8_t* block, const Q8x256Block& x) {
    const uint8_t* ql = block + offsetof(BlockQ6_K, ql);
    const uint8_t* qh = block + offsetof(BlockQ6_K, qh);
    int32_t dots[16];
    // For each half of 128 elements (64 bytes of ql, 32 of qh), element 32 g + l (g = 0..3) takes
    // nibble g / 2 of ql[l + 32 (g % 2)] and bits 2 g, 2 g + 1 of qh[l]; q = that 6-bit value - 32.
    sub_block_dots(
        x,
        [ql, qh](int elem_idx) {
            const int half = elem_idx / 128, quarter = elem_idx % 128 / 32, lane = elem_idx % 32;
            const int32_t low =
                (ql[64 * half + 32 * (quarter % 2) + lane] >> (4 * (quarter / 2))) & 15;
            const int32_t high = (qh[32 * half + lane] >> (2 * quarter)) & 3;
            return (low | high << 4) - 32;
        },
        dots);
    const auto* scales = reinterpret_cast<const int8_t*>(block + offsetof(BlockQ6_K, scales));
    int32_t scaled = 0;
    for (int sub_idx = 0; sub_idx < 16; ++sub_idx) scaled += scales[sub_idx] * dots[sub_idx];
    const float d = fp16_to_fp32(load_u16(block + offsetof(BlockQ6_K, d)));
    return d * x.d() * static_cast<float>(scaled);
}

}  // namespace

void matmul_q2_k(const MatmulArgs& args) {
    for_each_row_and_token(args, [](const uint8_t* w_row, const uint8_t* x_row, int64_t k) {
        return dot_k(w_row, x_row, k, sizeof(BlockQ2_K), block_dot_q2_k);
    });
}

void matmul_q3_k(const MatmulArgs& args) {
    for_each_row_and_token(args, [](const uint8_t* w_row, const uint8_t* x_row, int64_t k) {
        return dot_k(w_row, x_row, k, sizeof(BlockQ3_K), block_dot_q3_k);
    });
}

void matmul_q4_k(const MatmulArgs& args) {
    for_each_row_and_token(args, [](const uint8_t* w_row, const uint8_t* x_row, int64_t k) {
        return dot_k(w_row, x_row, k, sizeof(BlockQ4_K), block_dot_q4_k);
    });
}

void matmul_q5_k(const MatmulArgs& args) {
    for_each_row_and_token(args, [](const uint8_t* w_row, const uint8_t* x_row, int64_t k) {
        return dot_k(w_row, x_row, k, sizeof(BlockQ5_K), block_dot_q5_k);
    });
}

void matmul_q6_k(const MatmulArgs& args) {
    for_each_row_and_token(args, [](const uint8_t* w_row, const uint8_t* x_row, int64_t k) {
        return dot_k(w_row, x_row, k, sizeof(BlockQ6_K), block_dot_q6_k);
    });
}

}  // namespace hearth::kernels::cpu::ref
