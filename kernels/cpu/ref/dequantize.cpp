// Reference decoders for every storage type. Each follows its format's formula in
// tensor/blocks.h with the arithmetic in the order GGUF's reference decoder uses (scale products
// first, one multiply and one subtract per element, no fused multiply-add), so the floats come
// out bit for bit the same as llama.cpp's.
#include <cstring>

#include "kernels/cpu/ref/block_bits.h"
#include "kernels/cpu/ref/quant_ref.h"
#include "tensor/half.h"

namespace hearth::kernels::ref {

void dequantize_f32(const void* src, float* dst, int64_t n_elements) {
    std::memcpy(dst, src, static_cast<size_t>(n_elements) * sizeof(float));
}

void dequantize_f16(const void* src, float* dst, int64_t n_elements) {
    const auto* bytes = static_cast<const uint8_t*>(src);
    for (int64_t elem_idx = 0; elem_idx < n_elements; ++elem_idx) {
        uint16_t half;
        std::memcpy(&half, bytes + 2 * elem_idx, sizeof(half));
        dst[elem_idx] = fp16_to_fp32(half);
    }
}

void dequantize_bf16(const void* src, float* dst, int64_t n_elements) {
    const auto* bytes = static_cast<const uint8_t*>(src);
    for (int64_t elem_idx = 0; elem_idx < n_elements; ++elem_idx) {
        uint16_t half;
        std::memcpy(&half, bytes + 2 * elem_idx, sizeof(half));
        dst[elem_idx] = bf16_to_fp32(half);
    }
}

// ---- 32-element blocks. Byte qs[lane] holds element lane (low nibble) and lane + 16 (high).

void dequantize_q4_0(const void* src, float* dst, int64_t n_blocks) {
    for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
        const auto block = load_block<BlockQ4_0>(src, block_idx);
        const float d = fp16_to_fp32(block.d);
        float* out = dst + block_idx * kQK4_0;
        for (int lane = 0; lane < 16; ++lane) {
            out[lane] = static_cast<float>((block.qs[lane] & 0xf) - 8) * d;
            out[lane + 16] = static_cast<float>((block.qs[lane] >> 4) - 8) * d;
        }
    }
}

void dequantize_q4_1(const void* src, float* dst, int64_t n_blocks) {
    for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
        const auto block = load_block<BlockQ4_1>(src, block_idx);
        const float d = fp16_to_fp32(block.d);
        const float m = fp16_to_fp32(block.m);
        float* out = dst + block_idx * kQK4_0;
        for (int lane = 0; lane < 16; ++lane) {
            out[lane] = static_cast<float>(block.qs[lane] & 0xf) * d + m;
            out[lane + 16] = static_cast<float>(block.qs[lane] >> 4) * d + m;
        }
    }
}

namespace {

// Q5: the fifth bit of element e is bit e of the little-endian 32-bit qh.
uint32_t load_qh(const uint8_t* qh) {
    uint32_t bits;
    std::memcpy(&bits, qh, sizeof(bits));
    return bits;
}

int fifth_bit(uint32_t qh, int elem_idx) {
    return static_cast<int>((qh >> elem_idx) & 1) << 4;
}

}  // namespace

void dequantize_q5_0(const void* src, float* dst, int64_t n_blocks) {
    for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
        const auto block = load_block<BlockQ5_0>(src, block_idx);
        const float d = fp16_to_fp32(block.d);
        const uint32_t qh = load_qh(block.qh);
        float* out = dst + block_idx * kQK4_0;
        for (int lane = 0; lane < 16; ++lane) {
            const int q_low = (block.qs[lane] & 0xf) | fifth_bit(qh, lane);
            const int q_high = (block.qs[lane] >> 4) | fifth_bit(qh, lane + 16);
            out[lane] = static_cast<float>(q_low - 16) * d;
            out[lane + 16] = static_cast<float>(q_high - 16) * d;
        }
    }
}

void dequantize_q5_1(const void* src, float* dst, int64_t n_blocks) {
    for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
        const auto block = load_block<BlockQ5_1>(src, block_idx);
        const float d = fp16_to_fp32(block.d);
        const float m = fp16_to_fp32(block.m);
        const uint32_t qh = load_qh(block.qh);
        float* out = dst + block_idx * kQK4_0;
        for (int lane = 0; lane < 16; ++lane) {
            const int q_low = (block.qs[lane] & 0xf) | fifth_bit(qh, lane);
            const int q_high = (block.qs[lane] >> 4) | fifth_bit(qh, lane + 16);
            out[lane] = static_cast<float>(q_low) * d + m;
            out[lane + 16] = static_cast<float>(q_high) * d + m;
        }
    }
}

void dequantize_q8_0(const void* src, float* dst, int64_t n_blocks) {
    for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
        const auto block = load_block<BlockQ8_0>(src, block_idx);
        const float d = fp16_to_fp32(block.d);
        float* out = dst + block_idx * kQK8_0;
        for (int lane = 0; lane < kQK8_0; ++lane)
            out[lane] = static_cast<float>(block.qs[lane]) * d;
    }
}

// ---- 256-element super-blocks.

namespace {

// Q2_K / Q3_K share the 2-bit layout: each half of 128 elements uses 32 bytes of qs; element
// 128 * half + 32 * plane + lane is bits 2 * plane .. +1 of qs[32 * half + lane].
int two_bit_quant(const uint8_t* qs, int elem_idx) {
    const int half_idx = elem_idx / 128;
    const int plane_idx = (elem_idx % 128) / 32;
    const int lane = elem_idx % 32;
    return (qs[32 * half_idx + lane] >> (2 * plane_idx)) & 3;
}

}  // namespace

void dequantize_q2_k(const void* src, float* dst, int64_t n_blocks) {
    for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
        const auto block = load_block<BlockQ2_K>(src, block_idx);
        const float d = fp16_to_fp32(block.d);
        const float dmin = fp16_to_fp32(block.dmin);
        float* out = dst + block_idx * kQK;
        for (int sub_idx = 0; sub_idx < 16; ++sub_idx) {
            // Sub-block scale in the low nibble, min in the high nibble.
            const float scale = d * static_cast<float>(block.scales[sub_idx] & 0xf);
            const float min = dmin * static_cast<float>(block.scales[sub_idx] >> 4);
            for (int elem_idx = 16 * sub_idx; elem_idx < 16 * sub_idx + 16; ++elem_idx)
                out[elem_idx] = scale * static_cast<float>(two_bit_quant(block.qs, elem_idx)) - min;
        }
    }
}

void dequantize_q3_k(const void* src, float* dst, int64_t n_blocks) {
    for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
        const auto block = load_block<BlockQ3_K>(src, block_idx);
        const float d = fp16_to_fp32(block.d);
        float* out = dst + block_idx * kQK;
        for (int sub_idx = 0; sub_idx < 16; ++sub_idx) {
            const float scale = d * static_cast<float>(unpack_q3_k_scale(block.scales, sub_idx));
            for (int elem_idx = 16 * sub_idx; elem_idx < 16 * sub_idx + 16; ++elem_idx) {
                // The high bit of element e is bit e / 32 of hmask[e % 32]; a clear bit means the
                // 2-bit value is offset by -4.
                const bool high = (block.hmask[elem_idx % 32] >> (elem_idx / 32)) & 1;
                const int q = two_bit_quant(block.qs, elem_idx) - (high ? 0 : 4);
                out[elem_idx] = scale * static_cast<float>(q);
            }
        }
    }
}

namespace {

// Q4_K / Q5_K: chunk c of 64 elements uses qs[32 * c .. +31]; its first 32 elements (sub-block
// 2c) are the low nibbles, the next 32 (sub-block 2c + 1) the high nibbles.
int four_bit_quant(const uint8_t* qs, int elem_idx) {
    const int chunk_idx = elem_idx / 64;
    const int lane = elem_idx % 32;
    const uint8_t byte = qs[32 * chunk_idx + lane];
    return (elem_idx % 64) < 32 ? byte & 0xf : byte >> 4;
}

}  // namespace

void dequantize_q4_k(const void* src, float* dst, int64_t n_blocks) {
    for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
        const auto block = load_block<BlockQ4_K>(src, block_idx);
        const float d = fp16_to_fp32(block.d);
        const float dmin = fp16_to_fp32(block.dmin);
        float* out = dst + block_idx * kQK;
        for (int sub_idx = 0; sub_idx < 8; ++sub_idx) {
            int scale_code, min_code;
            unpack_k4_scale_min(block.scales, sub_idx, &scale_code, &min_code);
            const float scale = d * static_cast<float>(scale_code);
            const float min = dmin * static_cast<float>(min_code);
            for (int elem_idx = 32 * sub_idx; elem_idx < 32 * sub_idx + 32; ++elem_idx)
                out[elem_idx] =
                    scale * static_cast<float>(four_bit_quant(block.qs, elem_idx)) - min;
        }
    }
}

void dequantize_q5_k(const void* src, float* dst, int64_t n_blocks) {
    for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
        const auto block = load_block<BlockQ5_K>(src, block_idx);
        const float d = fp16_to_fp32(block.d);
        const float dmin = fp16_to_fp32(block.dmin);
        float* out = dst + block_idx * kQK;
        for (int sub_idx = 0; sub_idx < 8; ++sub_idx) {
            int scale_code, min_code;
            unpack_k4_scale_min(block.scales, sub_idx, &scale_code, &min_code);
            const float scale = d * static_cast<float>(scale_code);
            const float min = dmin * static_cast<float>(min_code);
            for (int elem_idx = 32 * sub_idx; elem_idx < 32 * sub_idx + 32; ++elem_idx) {
                // The fifth bit of element e is bit e / 32 (its sub-block) of qh[e % 32].
                const int high = (block.qh[elem_idx % 32] >> sub_idx) & 1;
                const int q = four_bit_quant(block.qs, elem_idx) + 16 * high;
                out[elem_idx] = scale * static_cast<float>(q) - min;
            }
        }
    }
}

void dequantize_q6_k(const void* src, float* dst, int64_t n_blocks) {
    for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
        const auto block = load_block<BlockQ6_K>(src, block_idx);
        const float d = fp16_to_fp32(block.d);
        float* out = dst + block_idx * kQK;
        for (int elem_idx = 0; elem_idx < kQK; ++elem_idx) {
            // Each half of 128 elements uses 64 bytes of ql and 32 of qh. Within a half, quarter
            // r (32 elements) takes its low 4 bits from ql[lane + 32 * (r % 2)] (low nibble for
            // r < 2, high nibble otherwise) and its top 2 bits from bits 2r .. 2r+1 of qh[lane].
            const int half_idx = elem_idx / 128;
            const int quarter_idx = (elem_idx % 128) / 32;
            const int lane = elem_idx % 32;
            const uint8_t low_byte = block.ql[64 * half_idx + 32 * (quarter_idx % 2) + lane];
            const int low = quarter_idx < 2 ? low_byte & 0xf : low_byte >> 4;
            const int high = (block.qh[32 * half_idx + lane] >> (2 * quarter_idx)) & 3;
            const int q = (low | (high << 4)) - 32;
            out[elem_idx] =
                d * static_cast<float>(block.scales[elem_idx / 16]) * static_cast<float>(q);
        }
    }
}

void dequantize_q8_k(const void* src, float* dst, int64_t n_blocks) {
    for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
        const auto block = load_block<BlockQ8_K>(src, block_idx);
        float* out = dst + block_idx * kQK;
        for (int elem_idx = 0; elem_idx < kQK; ++elem_idx)
            out[elem_idx] = block.d * static_cast<float>(block.qs[elem_idx]);
    }
}

}  // namespace hearth::kernels::ref
