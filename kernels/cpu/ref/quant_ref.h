// Scalar reference conversions between floats and GGUF blocks (tensor/blocks.h), one function per
// storage type. Internal to the kernels layer: kernels/quant.cpp checks the arguments (block
// multiples, finite inputs) and dispatches here, so these functions assume them.
//
// Pointers to blocks may be unaligned: blocks are copied through memcpy, never dereferenced in
// place. All functions are pure (no shared state) and deterministic.
#pragma once

#include <cstdint>

#include "base/result.h"

namespace hearth::kernels::ref {

// Every function takes a count of whole blocks; the float types have blocks of one element.

// ---- Decoding: `n_blocks` blocks at `src` into n_blocks * block_size floats at `dst`.

void dequantize_f32(const void* src, float* dst, int64_t n_elements);
void dequantize_f16(const void* src, float* dst, int64_t n_elements);
void dequantize_bf16(const void* src, float* dst, int64_t n_elements);
void dequantize_q4_0(const void* src, float* dst, int64_t n_blocks);
void dequantize_q4_1(const void* src, float* dst, int64_t n_blocks);
void dequantize_q5_0(const void* src, float* dst, int64_t n_blocks);
void dequantize_q5_1(const void* src, float* dst, int64_t n_blocks);
void dequantize_q8_0(const void* src, float* dst, int64_t n_blocks);
void dequantize_q2_k(const void* src, float* dst, int64_t n_blocks);
void dequantize_q3_k(const void* src, float* dst, int64_t n_blocks);
void dequantize_q4_k(const void* src, float* dst, int64_t n_blocks);
void dequantize_q5_k(const void* src, float* dst, int64_t n_blocks);
void dequantize_q6_k(const void* src, float* dst, int64_t n_blocks);
void dequantize_q8_k(const void* src, float* dst, int64_t n_blocks);

// ---- Encoding: `n_blocks` blocks from finite floats. The only failure left is a value too large
// for the type (its fp16 scale would overflow, or an f16/bf16 element would become infinite);
// the error names the element or block.

Status quantize_f32(const float* src, void* dst, int64_t n_elements);
Status quantize_f16(const float* src, void* dst, int64_t n_elements);
Status quantize_bf16(const float* src, void* dst, int64_t n_elements);
Status quantize_q4_0(const float* src, void* dst, int64_t n_blocks);
Status quantize_q4_1(const float* src, void* dst, int64_t n_blocks);
Status quantize_q5_0(const float* src, void* dst, int64_t n_blocks);
Status quantize_q5_1(const float* src, void* dst, int64_t n_blocks);
Status quantize_q8_0(const float* src, void* dst, int64_t n_blocks);
Status quantize_q2_k(const float* src, void* dst, int64_t n_blocks);
Status quantize_q3_k(const float* src, void* dst, int64_t n_blocks);
Status quantize_q4_k(const float* src, void* dst, int64_t n_blocks);
Status quantize_q5_k(const float* src, void* dst, int64_t n_blocks);
Status quantize_q6_k(const float* src, void* dst, int64_t n_blocks);
Status quantize_q8_k(const float* src, void* dst, int64_t n_blocks);

}  // namespace hearth::kernels::ref
