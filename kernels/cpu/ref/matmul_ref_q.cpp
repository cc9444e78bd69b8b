// Reference kernels for the 32-element block types (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0) against Q8x32
// activations. Per block b, with integer weight quants q_w, activation quants q_x and scale d_x:
//   Q4_0, Q5_0, Q8_0 (x_w = d_w * q_w):      d_w * d_x * sum(q_w * q_x)
//   Q4_1, Q5_1       (x_w = d_w * q_w + m):  d_w * d_x * sum(q_w * q_x) + m * dsum_x
// where dsum_x = d_x * sum(q_x) is the activation block's sum.
#include <cstddef>

#include "kernels/cpu/act_format.h"
#include "kernels/cpu/ref/matmul_ref.h"
#include "tensor/blocks.h"
#include "tensor/half.h"

namespace hearth::kernels::cpu::ref {
namespace {

// One prepared Q8x32 row.
struct Q8x32Row {
    const uint8_t* bytes;

    int32_t quant(int64_t elem_idx) const {
        return static_cast<int8_t>(bytes[q8x32_quant_offset(elem_idx)]);
    }
    const uint8_t* group(int64_t block_idx) const {
        return bytes + block_idx / kQ8x32GroupBlocks * kQ8x32GroupBytes;
    }
    float d(int64_t block_idx) const {
        return load_f32(group(block_idx) + kQ8x32DOffset + 4 * (block_idx % kQ8x32GroupBlocks));
    }
    float dsum(int64_t block_idx) const {
        return load_f32(group(block_idx) + kQ8x32DsumOffset + 4 * (block_idx % kQ8x32GroupBlocks));
    }
};

// 4-bit quant of element `elem_idx` (0..31) of a Q4_0/Q4_1/Q5_0/Q5_1 block: qs[j] holds element
// j in its low nibble and element j + 16 in its high nibble.
int32_t low4(const uint8_t* qs, int elem_idx) {
    return elem_idx < 16 ? qs[elem_idx] & 0x0f : qs[elem_idx - 16] >> 4;
}

// Fifth bit of element `elem_idx`: bit elem_idx of the little-endian 32-bit qh.
int32_t high1(const uint8_t* qh, int elem_idx) {
    return (load_u32(qh) >> elem_idx) & 1;
}

// sum over blocks of d_w * d_x * sum(q_w * q_x) [+ m * dsum_x], with the block decoded by
// `decode(block, elem_idx) -> q_w`, `d_of(block)` and `m_of(block)` (nullptr: no offset term).
template <typename Decode, typename MinOf>
float dot_q32(const uint8_t* w_row, const uint8_t* x_row, int64_t k, int64_t block_bytes,
              Decode decode, MinOf min_of) {
    const Q8x32Row x{x_row};
    float sum = 0.0f;
    for (int64_t block_idx = 0; block_idx < k / kQ8x32Block; ++block_idx) {
        const uint8_t* block = w_row + block_idx * block_bytes;
        int32_t int_dot = 0;
        for (int in_block = 0; in_block < kQ8x32Block; ++in_block)
            int_dot += decode(block, in_block) * x.quant(block_idx * kQ8x32Block + in_block);
        const float d_w = fp16_to_fp32(load_u16(block));
        sum +=
            d_w * x.d(block_idx) * static_cast<float>(int_dot) + min_of(block) * x.dsum(block_idx);
    }
    return sum;
}

float no_min(const uint8_t*) {
    return 0.0f;
}
// Q4_1 and Q5_1 store m right after d.
float min_at_2(const uint8_t* block) {
    return fp16_to_fp32(load_u16(block + 2));
}

}  // namespace

void matmul_q4_0(const MatmulArgs& args) {
    for_each_row_and_token(args, [](const uint8_t* w_row, const uint8_t* x_row, int64_t k) {
        return dot_q32(
            w_row, x_row, k, sizeof(BlockQ4_0),
            [](const uint8_t* block, int elem_idx) {
                return low4(block + offsetof(BlockQ4_0, qs), elem_idx) - 8;
            },
            no_min);
    });
}

void matmul_q4_1(const MatmulArgs& args) {
    for_each_row_and_token(args, [](const uint8_t* w_row, const uint8_t* x_row, int64_t k) {
        return dot_q32(
            w_row, x_row, k, sizeof(BlockQ4_1),
            [](const uint8_t* block, int elem_idx) {
                return low4(block + offsetof(BlockQ4_1, qs), elem_idx);
            },
            min_at_2);
    });
}

void matmul_q5_0(const MatmulArgs& args) {
    for_each_row_and_token(args, [](const uint8_t* w_row, const uint8_t* x_row, int64_t k) {
        return dot_q32(
            w_row, x_row, k, sizeof(BlockQ5_0),
            [](const uint8_t* block, int elem_idx) {
                return (low4(block + offsetof(BlockQ5_0, qs), elem_idx) |
                        high1(block + offsetof(BlockQ5_0, qh), elem_idx) << 4) -
                       16;
            },
            no_min);
    });
}

void matmul_q5_1(const MatmulArgs& args) {
    for_each_row_and_token(args, [](const uint8_t* w_row, const uint8_t* x_row, int64_t k) {
        return dot_q32(
            w_row, x_row, k, sizeof(BlockQ5_1),
            [](const uint8_t* block, int elem_idx) {
                return low4(block + offsetof(BlockQ5_1, qs), elem_idx) |
                       high1(block + offsetof(BlockQ5_1, qh), elem_idx) << 4;
            },
            min_at_2);
    });
}

void matmul_q8_0(const MatmulArgs& args) {
    for_each_row_and_token(args, [](const uint8_t* w_row, const uint8_t* x_row, int64_t k) {
        return dot_q32(
            w_row, x_row, k, sizeof(BlockQ8_0),
            [](const uint8_t* block, int elem_idx) {
                return static_cast<int32_t>(
                    static_cast<int8_t>(block[offsetof(BlockQ8_0, qs) + elem_idx]));
            },
            no_min);
    });
}

}  // namespace hearth::kernels::cpu::ref
