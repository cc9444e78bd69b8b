// Matrix products against weights in any storage type:  Y[t][r] = sum_k W[r][k] * X[t][k].
//
// W is a GGUF weight tensor used in place: n_rows rows of k elements, each row w_row_bytes long
// (row_bytes(type, k)). X holds n_tokens activation rows of k floats. Work is done in two phases
// so each activation row is converted once and reused by every weight row:
//   1. kernel.prepare(x_row, xq_row, k) converts one float row into the kernel's activation
//      format (for integer kernels: 8-bit blocks with a scale and block sums, GGUF-style), taking
//      kernel.act_row_bytes(k) bytes. Rows may be prepared by different threads.
//   2. kernel.matmul(args) computes Y for weight rows [row_begin, row_end) and all tokens.
//      Threads split the rows; each writes only its own rows of Y.
// A kernel is a pure function of its arguments: no allocation, no locks, no global state, so it
// may run on any thread. Every ISA path is tested against the scalar reference (same activation
// format, so results agree up to float summation order).
#pragma once

#include <cstdint>
#include <vector>

#include "base/cpu_features.h"
#include "tensor/dtype.h"

namespace hearth::kernels {

struct MatmulArgs {
    const void* w = nullptr;      // weight rows
    int64_t w_row_bytes = 0;
    int64_t k = 0;                // elements per row (a multiple of the type's block size)
    const void* x = nullptr;      // prepared activation rows
    int64_t x_row_bytes = 0;      // stride between prepared rows (>= act_row_bytes(k))
    int64_t n_tokens = 0;
    float* y = nullptr;           // y[t * y_stride + r]
    int64_t y_stride = 0;         // in floats
    int64_t row_begin = 0;
    int64_t row_end = 0;
};

struct MatmulKernel {
    DType weight_type;
    IsaLevel isa;
    int64_t (*act_row_bytes)(int64_t k);
    void (*prepare)(const float* x, void* xq, int64_t k);
    void (*matmul)(const MatmulArgs& args);
};

// The fastest kernel for `weight_type` at or below `isa`; nullptr if the type is not computable.
const MatmulKernel* find_matmul_kernel(DType weight_type, IsaLevel isa = active_isa());

// Every kernel there is for `weight_type` (the scalar reference first), for tests and benchmarks.
std::vector<const MatmulKernel*> all_matmul_kernels(DType weight_type);

}  // namespace hearth::kernels
