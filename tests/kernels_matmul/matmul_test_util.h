// Shared helpers of the matmul tests: random valid weight rows for every computable type, a
// runner that prepares activations and calls one kernel on a strided, row-ranged problem, and
// the per-output error scale the tolerances are relative to.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "kernels/matmul.h"
#include "tensor/dtype.h"

namespace hearth::kernels::test {

// Every weight type the matmul kernels cover.
const std::vector<DType>& matmul_types();

// Elements per block as the kernels see it (1 for the float types).
int64_t block_elems(DType type);

// Byte offsets of the half-precision fields (scales, minimums) inside one block of a quantized
// type; empty for the float types.
std::vector<int64_t> half_offsets(DType type);

// n_rows rows of k elements: random quant bytes (every bit pattern is a valid quant) with finite
// half scales and minimums of magnitude 0.002..0.02 and random sign; float types get N(0, 1)
// values rounded to the type.
std::vector<uint8_t> random_weights(DType type, int64_t n_rows, int64_t k, std::mt19937& rng);

// n values from N(0, 1).
std::vector<float> random_floats(int64_t n, std::mt19937& rng);

struct Problem {
    DType type = DType::kF32;
    int64_t n_rows = 0;
    int64_t k = 0;
    int64_t n_tokens = 0;
    int64_t row_begin = 0;
    int64_t row_end = 0;
    int64_t y_stride = 0;    // >= n_rows
    int64_t x_row_pad = 0;   // prepared rows are act_row_bytes + x_row_pad apart
    std::vector<uint8_t> w;  // n_rows rows of row_bytes(type, k)
    std::vector<float> x;    // n_tokens rows of k floats
};

// Fills in w and x at random for the given shape.
Problem make_problem(DType type, int64_t n_rows, int64_t k, int64_t n_tokens, int64_t row_begin,
                     int64_t row_end, int64_t y_stride, int64_t x_row_pad, std::mt19937& rng);

// Prepares every token with kernel.prepare (the padding between prepared rows is filled with
// 0x7f bytes, huge as floats, so a kernel that reads it shows) and runs kernel.matmul. Returns y
// (n_tokens * y_stride floats), NaN wherever the kernel was not to write.
std::vector<float> run_kernel(const MatmulKernel& kernel, const Problem& problem);

// Prepares `x` (n_tokens rows of k) with kernel.prepare into rows act_row_bytes apart.
std::vector<uint8_t> prepare_rows(const MatmulKernel& kernel, const float* x, int64_t n_tokens,
                                  int64_t k);

// Decodes one weight row of k elements to floats: this test's own decoder, written from the
// format definitions (tensor/blocks.h) with the loop structure of GGUF's dequantizers, kept
// independent of the kernels' code.
std::vector<float> decode_row(DType type, const uint8_t* row, int64_t k);

// For output (token_idx, row_idx): sum_e |w_e| * |x_e| with w decoded by decode_row. Float
// rounding errors of any summation order of the products are a small multiple of eps times this.
double error_scale(const Problem& problem, int64_t token_idx, int64_t row_idx);

}  // namespace hearth::kernels::test
