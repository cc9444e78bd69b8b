// Element-wise and row operations on float vectors, with a scalar reference and SIMD paths
// chosen at run time. All functions are pure: no allocation, no shared state, any thread.
// In-place use (out == x) is allowed wherever both are float*.
#pragma once

#include <cstdint>

#include "base/cpu_features.h"

namespace hearth::kernels {

struct OpsTable {
    IsaLevel isa;
    // out[i] = x[i] / sqrt(mean(x^2) + eps) * (weight ? weight[i] : 1)
    void (*rms_norm)(const float* x, const float* weight, float* out, int64_t n, float eps);
    // x = exp(x - max) / sum(exp(x - max)), in place. Entries of -inf get 0; a row of only -inf
    // (fully masked) becomes all zeros.
    void (*softmax)(float* x, int64_t n);
    // out = silu(gate) * up, silu(v) = v / (1 + exp(-v))
    void (*swiglu)(const float* gate, const float* up, float* out, int64_t n);
    // out = gelu(gate) * up, gelu with the tanh approximation (as GGUF models expect):
    // gelu(v) = 0.5 v (1 + tanh(u)), u = sqrt(2/pi) (v + 0.044715 v^3), evaluated as
    // v / (1 + exp(-2u)), the same function without the cancellation for negative v.
    void (*geglu)(const float* gate, const float* up, float* out, int64_t n);
    void (*silu)(const float* x, float* out, int64_t n);
    void (*gelu)(const float* x, float* out, int64_t n);
    void (*add)(const float* a, const float* b, float* out, int64_t n);  // out = a + b
    void (*mul)(const float* a, const float* b, float* out, int64_t n);  // out = a * b
    void (*scale)(float* x, float factor, int64_t n);                    // x *= factor
    float (*dot)(const float* a, const float* b, int64_t n);
    void (*axpy)(float a, const float* x, float* y, int64_t n);          // y += a * x
    void (*f32_to_f16)(const float* x, uint16_t* out, int64_t n);        // round to nearest even
    void (*f16_to_f32)(const uint16_t* x, float* out, int64_t n);
};

// The table for `isa`, capped at what this CPU runs (detected_isa()).
// Accuracy: the SIMD exp is within 9.1e-8 relative of exact e^x; silu, gelu, swiglu and geglu are
// within 3e-7 relative of the scalar table (C library expf), softmax within 2e-6 (its sums
// accumulate in float on the SIMD paths, in double on the scalar one, as do rms_norm and dot);
// f32_to_f16 / f16_to_f32 are bit-identical to tensor/half.h (NaN payloads aside).
const OpsTable& ops(IsaLevel isa = active_isa());

}  // namespace hearth::kernels
