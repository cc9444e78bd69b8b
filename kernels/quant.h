// Conversions between floats and every storage type (GGUF block layouts, tensor/blocks.h).
// Reference implementations: plain C++, the same on every CPU. Thread-safe (no shared state).
#pragma once

#include <cstdint>

#include "base/result.h"
#include "tensor/dtype.h"

namespace hearth::kernels {

// Decodes `n` elements (a multiple of the type's block size) of `type` at `src` into `dst`.
// Precondition: dtype_info(type).computable, or type is Q8_K. Unaligned `src` is fine.
void dequantize_row(DType type, const void* src, float* dst, int64_t n);

// True when quantize_row can produce `type`: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K,
// Q3_K, Q4_K, Q5_K, Q6_K, Q8_K.
bool can_quantize(DType type);

// Encodes `n` floats (a multiple of the block size) as `type` into `dst`
// (row_bytes(type, n) bytes). Non-finite inputs are an error (kInvalidArgument): a quantized
// block cannot represent them. Results are deterministic (same input, same bytes).
Status quantize_row(DType type, const float* src, void* dst, int64_t n);

}  // namespace hearth::kernels
