// Scalar reference for kernels/ops.h: plain loops and the C library's expf, the yardstick the
// SIMD paths are tested against. Row reductions (rms_norm, softmax) accumulate in double, as ggml
// does.
#include <cmath>
#include <cstdint>

#include "kernels/cpu/ops_variants.h"
#include "tensor/half.h"

namespace hearth::kernels {
namespace {

constexpr float kSqrt2OverPi = 0.79788456080286535588f;
constexpr float kGeluCoef = 0.044715f;

// silu(v) = v * sigmoid(v) = v / (1 + e^-v)
float silu_scalar(float value) {
    return value / (1.0f + std::exp(-value));
}

// gelu(v) = 0.5 v (1 + tanh(u)), u = sqrt(2/pi) (v + 0.044715 v^3).
// Since 0.5 (1 + tanh(u)) = 1 / (1 + e^-2u), this is v / (1 + e^-2u): the same function without
// the cancellation 1 + tanh(u) suffers for negative v. The SIMD paths evaluate u with the same
// operations in the same order.
float gelu_scalar(float value) {
    const float inner = value * (1.0f + kGeluCoef * (value * value)) * kSqrt2OverPi;
    return value / (1.0f + std::exp(-2.0f * inner));
}

void rms_norm(const float* x, const float* weight, float* out, int64_t n, float eps) {
    if (n <= 0) return;
    double sum_squares = 0.0;
    for (int64_t idx = 0; idx < n; ++idx) sum_squares += static_cast<double>(x[idx]) * x[idx];
    const float mean_square = static_cast<float>(sum_squares / static_cast<double>(n));
    const float inv_rms = 1.0f / std::sqrt(mean_square + eps);
    for (int64_t idx = 0; idx < n; ++idx) {
        const float normed = x[idx] * inv_rms;
        out[idx] = weight ? normed * weight[idx] : normed;
    }
}

void softmax(float* x, int64_t n) {
    if (n <= 0) return;
    float max_value = -INFINITY;
    for (int64_t idx = 0; idx < n; ++idx) max_value = x[idx] > max_value ? x[idx] : max_value;
    if (max_value == -INFINITY) {  // every entry masked: no distribution, all zeros
        for (int64_t idx = 0; idx < n; ++idx) x[idx] = 0.0f;
        return;
    }
    double sum = 0.0;
    for (int64_t idx = 0; idx < n; ++idx) {
        x[idx] = std::exp(x[idx] - max_value);  // exp(-inf) = 0
        sum += x[idx];
    }
    const float inv_sum = static_cast<float>(1.0 / sum);
    for (int64_t idx = 0; idx < n; ++idx) x[idx] *= inv_sum;
}

void swiglu(const float* gate, const float* up, float* out, int64_t n) {
    for (int64_t idx = 0; idx < n; ++idx) out[idx] = silu_scalar(gate[idx]) * up[idx];
}

void geglu(const float* gate, const float* up, float* out, int64_t n) {
    for (int64_t idx = 0; idx < n; ++idx) out[idx] = gelu_scalar(gate[idx]) * up[idx];
}

void silu(const float* x, float* out, int64_t n) {
    for (int64_t idx = 0; idx < n; ++idx) out[idx] = silu_scalar(x[idx]);
}

void gelu(const float* x, float* out, int64_t n) {
    for (int64_t idx = 0; idx < n; ++idx) out[idx] = gelu_scalar(x[idx]);
}

void add(const float* a, const float* b, float* out, int64_t n) {
    for (int64_t idx = 0; idx < n; ++idx) out[idx] = a[idx] + b[idx];
}

void mul(const float* a, const float* b, float* out, int64_t n) {
    for (int64_t idx = 0; idx < n; ++idx) out[idx] = a[idx] * b[idx];
}

void scale(float* x, float factor, int64_t n) {
    for (int64_t idx = 0; idx < n; ++idx) x[idx] *= factor;
}

float dot(const float* a, const float* b, int64_t n) {
    double sum = 0.0;
    for (int64_t idx = 0; idx < n; ++idx) sum += static_cast<double>(a[idx]) * b[idx];
    return static_cast<float>(sum);
}

void axpy(float a, const float* x, float* y, int64_t n) {
    for (int64_t idx = 0; idx < n; ++idx) y[idx] += a * x[idx];
}

void f32_to_f16(const float* x, uint16_t* out, int64_t n) {
    for (int64_t idx = 0; idx < n; ++idx) out[idx] = fp32_to_fp16(x[idx]);
}

void f16_to_f32(const uint16_t* x, float* out, int64_t n) {
    for (int64_t idx = 0; idx < n; ++idx) out[idx] = fp16_to_fp32(x[idx]);
}

constexpr OpsTable kRefTable = {
    IsaLevel::kScalar,
    &rms_norm,
    &softmax,
    &swiglu,
    &geglu,
    &silu,
    &gelu,
    &add,
    &mul,
    &scale,
    &dot,
    &axpy,
    &f32_to_f16,
    &f16_to_f32,
};

}  // namespace

const OpsTable& ops_table_ref() {
    return kRefTable;
}

}  // namespace hearth::kernels
