// Element types, numbered exactly as GGUF numbers them (ggml_type), with their block geometry.
// Every type a GGUF file can name is listed so a file can be validated and described; `computable`
// says whether Hearth's kernels can run it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/result.h"

namespace hearth {

enum class DType : uint32_t {
    kF32 = 0,
    kF16 = 1,
    kQ4_0 = 2,
    kQ4_1 = 3,
    kQ5_0 = 6,
    kQ5_1 = 7,
    kQ8_0 = 8,
    kQ8_1 = 9,
    kQ2_K = 10,
    kQ3_K = 11,
    kQ4_K = 12,
    kQ5_K = 13,
    kQ6_K = 14,
    kQ8_K = 15,
    kIQ2_XXS = 16,
    kIQ2_XS = 17,
    kIQ3_XXS = 18,
    kIQ1_S = 19,
    kIQ4_NL = 20,
    kIQ3_S = 21,
    kIQ2_S = 22,
    kIQ4_XS = 23,
    kI8 = 24,
    kI16 = 25,
    kI32 = 26,
    kI64 = 27,
    kF64 = 28,
    kIQ1_M = 29,
    kBF16 = 30,
    kTQ1_0 = 34,
    kTQ2_0 = 35,
};

struct DTypeInfo {
    DType type;
    std::string_view name;   // as llama.cpp prints it: "f32", "q4_0", "q4_K"
    int64_t block_size;      // elements per block
    int64_t block_bytes;     // bytes per block
    bool quantized;
    bool computable;         // Hearth has dequantize + matmul kernels for it
};

// nullptr when `raw` is not a type GGUF defines.
const DTypeInfo* dtype_info(uint32_t raw);
const DTypeInfo& dtype_info(DType type);
std::string_view dtype_name(DType type);
// Parses a name as printed by dtype_name (case-insensitive): "Q4_K", "f16".
Result<DType> parse_dtype(std::string_view name);

// Bytes of a row of `n_elements`; an error if n_elements is not a multiple of the block size.
Result<int64_t> row_bytes(DType type, int64_t n_elements);
inline int64_t row_bytes_unchecked(DType type, int64_t n_elements) {
    const DTypeInfo& info = dtype_info(type);
    return n_elements / info.block_size * info.block_bytes;
}

}  // namespace hearth
