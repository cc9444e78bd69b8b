// Reference prepare functions: float activation rows into the formats of act_format.h.
#include <cmath>
#include <cstring>

#include "kernels/cpu/act_format.h"
#include "kernels/cpu/ref/matmul_ref.h"
#include "tensor/half.h"

namespace hearth::kernels::cpu::ref {
namespace {

// Quantizes n values symmetrically to [-127, 127]: returns d, writes the quants and their sum.
// Every ISA's prepare does exactly these float operations (one division for d, one for the
// inverse, one multiply and a round-to-nearest-even per value), so the bytes agree.
float quantize_symmetric(const float* x, int n, int8_t* quants, int32_t* sum) {
    float amax = 0.0f;
    for (int idx = 0; idx < n; ++idx) amax = std::fmax(amax, std::fabs(x[idx]));
    const float d = amax / 127.0f;
    const float inv_d = amax != 0.0f ? 127.0f / amax : 0.0f;
    int32_t total = 0;
    for (int idx = 0; idx < n; ++idx) {
        const int quant = static_cast<int>(std::nearbyint(x[idx] * inv_d));
        quants[idx] = static_cast<int8_t>(quant);
        total += quant;
    }
    *sum = total;
    return d;
}

void store_f32(uint8_t* bytes, float value) {
    std::memcpy(bytes, &value, sizeof(value));
}

}  // namespace

int64_t act_row_bytes_f32(int64_t k) {
    return k * 4;
}
int64_t act_row_bytes_bf16(int64_t k) {
    return k * 2;
}
int64_t act_row_bytes_q8x32(int64_t k) {
    return q8x32_row_bytes(k);
}
int64_t act_row_bytes_q8x256(int64_t k) {
    return q8x256_row_bytes(k);
}

void prepare_f32(const float* x, void* xq, int64_t k) {
    std::memcpy(xq, x, static_cast<size_t>(k) * sizeof(float));
}

void prepare_bf16(const float* x, void* xq, int64_t k) {
    auto* out = static_cast<uint8_t*>(xq);
    for (int64_t elem_idx = 0; elem_idx < k; ++elem_idx) {
        const uint16_t bits = fp32_to_bf16(x[elem_idx]);
        std::memcpy(out + 2 * elem_idx, &bits, sizeof(bits));
    }
}

void prepare_q8x32(const float* x, void* xq, int64_t k) {
    auto* out = static_cast<uint8_t*>(xq);
    // Zero everything first: the padding blocks of the last group stay zero.
    std::memset(out, 0, static_cast<size_t>(q8x32_row_bytes(k)));
    const int64_t n_blocks = k / kQ8x32Block;
    for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
        int8_t quants[kQ8x32Block];
        int32_t sum = 0;
        const float d = quantize_symmetric(x + block_idx * kQ8x32Block, kQ8x32Block, quants, &sum);
        for (int64_t in_block = 0; in_block < kQ8x32Block; ++in_block) {
            const int64_t offset = q8x32_quant_offset(block_idx * kQ8x32Block + in_block);
            out[offset] = static_cast<uint8_t>(quants[in_block]);
        }
        uint8_t* group = out + block_idx / kQ8x32GroupBlocks * kQ8x32GroupBytes;
        const int64_t lane_idx = block_idx % kQ8x32GroupBlocks;
        store_f32(group + kQ8x32DOffset + 4 * lane_idx, d);
        store_f32(group + kQ8x32DsumOffset + 4 * lane_idx, d * static_cast<float>(sum));
    }
}

void prepare_q8x256(const float* x, void* xq, int64_t k) {
    auto* out = static_cast<uint8_t*>(xq);
    const int64_t n_blocks = k / kQ8x256Block;
    for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
        int8_t quants[kQ8x256Block];
        int32_t sum = 0;
        const float d =
            quantize_symmetric(x + block_idx * kQ8x256Block, kQ8x256Block, quants, &sum);
        uint8_t* block = out + block_idx * kQ8x256BlockBytes;
        for (int64_t in_block = 0; in_block < kQ8x256Block; ++in_block) {
            const int64_t offset = q8x256_quant_offset(block_idx * kQ8x256Block + in_block);
            out[offset] = static_cast<uint8_t>(quants[in_block]);
        }
        for (int sub_idx = 0; sub_idx < 16; ++sub_idx) {
            int32_t sub_sum = 0;
            for (int in_sub = 0; in_sub < kQ8x256SubBlock; ++in_sub)
                sub_sum += quants[sub_idx * kQ8x256SubBlock + in_sub];
            store_f32(block + kQ8x256DsumOffset + 4 * kSubOfPos[sub_idx],
                      d * static_cast<float>(sub_sum));
        }
        store_f32(block + kQ8x256DOffset, d);
    }
}

}  // namespace hearth::kernels::cpu::ref
