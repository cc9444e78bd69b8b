// Scalar reference matrix-product kernels: every weight type decoded straight from its format
// definition (tensor/blocks.h) into integers, dotted with the activation's integer quants, then
// scaled. Plain C++ that runs anywhere: the fallback on CPUs without AVX2 and the yardstick every
// SIMD kernel is tested against. Thread-safe (no state).
#pragma once

#include <cstdint>
#include <cstring>

#include "kernels/matmul.h"

namespace hearth::kernels::cpu::ref {

// Activation formats (kernels/cpu/act_format.h): bytes per prepared row, and prepare functions.
int64_t act_row_bytes_f32(int64_t k);
int64_t act_row_bytes_bf16(int64_t k);
int64_t act_row_bytes_q8x32(int64_t k);
int64_t act_row_bytes_q8x256(int64_t k);
void prepare_f32(const float* x, void* xq, int64_t k);
void prepare_bf16(const float* x, void* xq, int64_t k);
void prepare_q8x32(const float* x, void* xq, int64_t k);
void prepare_q8x256(const float* x, void* xq, int64_t k);

void matmul_f32(const MatmulArgs& args);
void matmul_f16(const MatmulArgs& args);
void matmul_bf16(const MatmulArgs& args);
void matmul_q4_0(const MatmulArgs& args);
void matmul_q4_1(const MatmulArgs& args);
void matmul_q5_0(const MatmulArgs& args);
void matmul_q5_1(const MatmulArgs& args);
void matmul_q8_0(const MatmulArgs& args);
void matmul_q2_k(const MatmulArgs& args);
void matmul_q3_k(const MatmulArgs& args);
void matmul_q4_k(const MatmulArgs& args);
void matmul_q5_k(const MatmulArgs& args);
void matmul_q6_k(const MatmulArgs& args);

// Unaligned little-endian loads (weight blocks and prepared rows have no alignment).
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

// Y[t][r] = dot(weight row r, prepared activation row t) for the rows and tokens of `args`.
template <typename RowDot>
void for_each_row_and_token(const MatmulArgs& args, RowDot row_dot) {
    const auto* w = static_cast<const uint8_t*>(args.w);
    const auto* x = static_cast<const uint8_t*>(args.x);
    for (int64_t row_idx = args.row_begin; row_idx < args.row_end; ++row_idx) {
        const uint8_t* w_row = w + row_idx * args.w_row_bytes;
        for (int64_t token_idx = 0; token_idx < args.n_tokens; ++token_idx) {
            args.y[token_idx * args.y_stride + row_idx] =
                row_dot(w_row, x + token_idx * args.x_row_bytes, args.k);
        }
    }
}

}  // namespace hearth::kernels::cpu::ref
