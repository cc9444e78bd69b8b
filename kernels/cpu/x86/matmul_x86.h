// Entry points of the x86 SIMD matrix-product kernels. Each namespace's functions live in
// translation units built for that instruction set: call them only when the CPU has it
// (kernels/matmul.cpp's registry does the checking). The activation formats are those of
// kernels/cpu/act_format.h; the prepare functions write bytes identical to the reference ones.
#pragma once

#include <cstdint>

#include "kernels/matmul.h"

namespace hearth::kernels::cpu {

// AVX2 + FMA + F16C.
namespace avx2 {
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
}  // namespace avx2

// AVX-512 F/BW/VL/DQ/VNNI (IsaLevel::kAvx512); matmul_bf16 also needs AVX512_BF16.
namespace avx512 {
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
}  // namespace avx512

}  // namespace hearth::kernels::cpu
