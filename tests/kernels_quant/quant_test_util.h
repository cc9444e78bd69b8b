// Helpers shared by the quantize / dequantize tests: deterministic data and error measures.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <vector>

#include "kernels/quant.h"
#include "tensor/dtype.h"

namespace hearth::kernels::test {

// N(0, 1) samples by Box-Muller on mt19937, whose output the standard fixes, so every standard
// library gives the same data.
inline std::vector<float> gaussian(size_t n, uint32_t seed) {
    std::mt19937 engine(seed);
    auto uniform = [&engine] { return (static_cast<double>(engine()) + 0.5) / 4294967296.0; };
    std::vector<float> values(n);
    for (size_t idx = 0; idx < n; idx += 2) {
        const double radius = std::sqrt(-2.0 * std::log(uniform()));
        const double angle = 2.0 * std::numbers::pi * uniform();
        values[idx] = static_cast<float>(radius * std::cos(angle));
        if (idx + 1 < n) values[idx + 1] = static_cast<float>(radius * std::sin(angle));
    }
    return values;
}

// sqrt(sum (y - x)^2 / sum x^2).
inline double relative_rmse(const std::vector<float>& x, const std::vector<float>& y) {
    double error = 0, energy = 0;
    for (size_t idx = 0; idx < x.size(); ++idx) {
        error += (static_cast<double>(y[idx]) - x[idx]) * (static_cast<double>(y[idx]) - x[idx]);
        energy += static_cast<double>(x[idx]) * x[idx];
    }
    return std::sqrt(error / energy);
}

inline std::vector<uint8_t> quantize(DType type, const std::vector<float>& x) {
    std::vector<uint8_t> bytes(static_cast<size_t>(row_bytes_unchecked(type, std::ssize(x))));
    const Status status = quantize_row(type, x.data(), bytes.data(), std::ssize(x));
    EXPECT_TRUE(status.ok()) << status.error().message;
    return bytes;
}

inline std::vector<float> dequantize(DType type, const std::vector<uint8_t>& bytes, int64_t n) {
    std::vector<float> values(static_cast<size_t>(n));
    dequantize_row(type, bytes.data(), values.data(), n);
    return values;
}

inline std::vector<float> round_trip(DType type, const std::vector<float>& x) {
    return dequantize(type, quantize(type, x), std::ssize(x));
}

// Every type quantize_row can produce.
inline const std::vector<DType>& quantizable_types() {
    static const std::vector<DType> types = {DType::kF32,  DType::kF16,  DType::kBF16, DType::kQ4_0,
                                             DType::kQ4_1, DType::kQ5_0, DType::kQ5_1, DType::kQ8_0,
                                             DType::kQ2_K, DType::kQ3_K, DType::kQ4_K, DType::kQ5_K,
                                             DType::kQ6_K, DType::kQ8_K};
    return types;
}

}  // namespace hearth::kernels::test
