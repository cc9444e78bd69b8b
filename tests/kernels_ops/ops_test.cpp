// kernels/ops.h on every ISA this CPU has: against double-precision truth where the math is
// simple, against the scalar reference (C library expf) for the exp-based activations, and
// bit-exact against tensor/half.h for the f16 conversions.
#include "kernels/ops.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <numbers>
#include <random>
#include <vector>

#include "tensor/half.h"

namespace hearth::kernels {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// Sizes around every vector width and unroll factor, so bodies and masked tails both run.
const std::vector<int64_t> kSizes = {1,  2,  3,  7,  8,  9,   15,  16,  17,   31,
                                     32, 33, 63, 64, 65, 100, 127, 129, 4096, 4099};

std::vector<float> random_floats(int64_t n, float lo, float hi, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(lo, hi);
    std::vector<float> values(static_cast<size_t>(n));
    for (float& value : values) value = dist(rng);
    return values;
}

double relative_error(double actual, double expected) {
    if (actual == expected) return 0.0;
    return std::fabs(actual - expected) / std::fabs(expected);
}

class OpsTest : public ::testing::TestWithParam<IsaLevel> {
  protected:
    void SetUp() override {
        if (GetParam() > detected_isa()) {
            GTEST_SKIP() << isa_name(GetParam()) << " not available on this CPU";
        }
    }
    const OpsTable& table() const { return ops(GetParam()); }
    const OpsTable& reference() const { return ops(IsaLevel::kScalar); }
};

TEST_P(OpsTest, DispatchGivesTheRequestedLevel) {
    EXPECT_EQ(table().isa, GetParam());
    EXPECT_LE(ops(IsaLevel::kAvx512).isa, detected_isa());
    EXPECT_EQ(ops(IsaLevel::kScalar).isa, IsaLevel::kScalar);
}

TEST_P(OpsTest, RmsNormMatchesDoublePrecision) {
    for (int64_t n : kSizes) {
        SCOPED_TRACE(n);
        const std::vector<float> x = random_floats(n, -3.0f, 3.0f, 1);
        const std::vector<float> weight = random_floats(n, 0.5f, 1.5f, 2);
        const float eps = 1e-5f;
        double sum_squares = 0.0;
        for (float value : x) sum_squares += static_cast<double>(value) * value;
        const double inv_rms = 1.0 / std::sqrt(sum_squares / static_cast<double>(n) + eps);

        std::vector<float> out(static_cast<size_t>(n));
        table().rms_norm(x.data(), weight.data(), out.data(), n, eps);
        for (int64_t idx = 0; idx < n; ++idx) {
            const double expected = x[idx] * inv_rms * weight[idx];
            EXPECT_LE(relative_error(out[idx], expected), 4e-6) << "at " << idx;
        }
        table().rms_norm(x.data(), nullptr, out.data(), n, eps);
        for (int64_t idx = 0; idx < n; ++idx) {
            EXPECT_LE(relative_error(out[idx], x[idx] * inv_rms), 4e-6) << "at " << idx;
        }
    }
}

TEST_P(OpsTest, RmsNormInPlaceAndEps) {
    std::vector<float> x = {3.0f, 4.0f, 0.0f, 0.0f, 0.0f};
    // mean square = 25 / 5 = 5; eps = 4 gives rms 3.
    table().rms_norm(x.data(), nullptr, x.data(), 5, 4.0f);
    EXPECT_FLOAT_EQ(x[0], 1.0f);
    EXPECT_FLOAT_EQ(x[1], 4.0f / 3.0f);
    EXPECT_EQ(x[2], 0.0f);
}

TEST_P(OpsTest, SoftmaxMatchesDoublePrecision) {
    for (int64_t n : kSizes) {
        SCOPED_TRACE(n);
        const std::vector<float> x_in = random_floats(n, -20.0f, 20.0f, 3);
        std::vector<float> x = x_in;
        double max_value = -kInf;
        for (float value : x) max_value = value > max_value ? value : max_value;
        std::vector<double> expected(static_cast<size_t>(n));
        double sum = 0.0;
        for (int64_t idx = 0; idx < n; ++idx) sum += expected[idx] = std::exp(x[idx] - max_value);
        table().softmax(x.data(), n);
        double total = 0.0;
        for (int64_t idx = 0; idx < n; ++idx) {
            // x - max rounds in float before the exp: up to half an ulp of |x - max| absolute.
            const double tolerance = 2e-6 + 6e-8 * std::fabs(x_in[idx] - max_value);
            EXPECT_LE(relative_error(x[idx], expected[idx] / sum), tolerance) << "at " << idx;
            total += x[idx];
        }
        EXPECT_NEAR(total, 1.0, 1e-5);
    }
}

TEST_P(OpsTest, SoftmaxMaskedEntriesGetZero) {
    for (int64_t n : kSizes) {
        SCOPED_TRACE(n);
        std::vector<float> x = random_floats(n, -5.0f, 5.0f, 4);
        for (int64_t idx = 1; idx < n; idx += 3) x[idx] = -kInf;
        std::vector<float> expected = x;
        reference().softmax(expected.data(), n);
        table().softmax(x.data(), n);
        for (int64_t idx = 0; idx < n; ++idx) {
            if (idx % 3 == 1) {
                EXPECT_EQ(x[idx], 0.0f) << "at " << idx;
            } else {
                EXPECT_LE(relative_error(x[idx], expected[idx]), 2e-6) << "at " << idx;
            }
        }
    }
}

TEST_P(OpsTest, SoftmaxAllEqualIsUniform) {
    for (int64_t n : kSizes) {
        SCOPED_TRACE(n);
        std::vector<float> x(static_cast<size_t>(n), 7.25f);
        table().softmax(x.data(), n);
        for (int64_t idx = 0; idx < n; ++idx) {
            EXPECT_LE(relative_error(x[idx], 1.0 / static_cast<double>(n)), 1e-6) << "at " << idx;
        }
    }
}

TEST_P(OpsTest, SoftmaxAllMaskedGivesZeros) {
    for (int64_t n : kSizes) {
        std::vector<float> x(static_cast<size_t>(n), -kInf);
        table().softmax(x.data(), n);
        for (int64_t idx = 0; idx < n; ++idx) ASSERT_EQ(x[idx], 0.0f) << n << " at " << idx;
    }
}

TEST_P(OpsTest, SoftmaxLargeMagnitudesDoNotOverflow) {
    std::vector<float> x = {30000.0f, 29999.0f, -30000.0f, 29990.0f, 30000.0f};
    table().softmax(x.data(), 5);
    const double e1 = std::exp(-1.0), e10 = std::exp(-10.0);
    const double sum = 2.0 + e1 + e10;
    EXPECT_LE(relative_error(x[0], 1.0 / sum), 2e-6);
    EXPECT_LE(relative_error(x[1], e1 / sum), 2e-6);
    EXPECT_EQ(x[2], 0.0f);
    EXPECT_LE(relative_error(x[3], e10 / sum), 2e-6);
    EXPECT_EQ(x[0], x[4]);
}

// A dense sweep over [-100, 100] plus the edges where e^x leaves the float range. (silu(-inf)
// is NaN on every path, as in ggml: -inf / inf.)
std::vector<float> activation_inputs() {
    std::vector<float> x;
    for (int step = -200000; step <= 200000; ++step) x.push_back(static_cast<float>(step) * 5e-4f);
    const std::vector<float> edges = {0.0f,  -0.0f,  1e-30f, -1e-30f, 1e-8f,  -1e-8f,
                                      87.0f, -87.0f, 88.7f,  -88.7f,  88.73f, -88.73f,
                                      89.0f, -89.0f, 104.0f, -104.0f, 1e4f,   -1e4f};
    x.insert(x.end(), edges.begin(), edges.end());
    return x;
}

// Max relative error of `actual` against `expected` where expected is a normal float; where it is
// below the normal range (the result underflowed) both must be tiny.
double max_relative_error(const std::vector<float>& actual, const std::vector<float>& expected,
                          const std::vector<float>& x) {
    double worst = 0.0;
    for (size_t idx = 0; idx < actual.size(); ++idx) {
        if (std::fabs(expected[idx]) < 1e-30f) {
            EXPECT_LE(std::fabs(actual[idx]), 1e-30f) << "x = " << x[idx];
            continue;
        }
        const double error = relative_error(actual[idx], expected[idx]);
        EXPECT_LE(error, 2e-6) << "x = " << x[idx] << " got " << actual[idx] << " want "
                               << expected[idx];
        worst = error > worst ? error : worst;
    }
    return worst;
}

TEST_P(OpsTest, ActivationsMatchTheScalarReference) {
    const std::vector<float> x = activation_inputs();
    const int64_t n = static_cast<int64_t>(x.size());
    std::vector<float> up(x.size(), 1.0f);
    for (size_t idx = 0; idx < up.size(); idx += 2) up[idx] = -1.5f;
    std::vector<float> actual(x.size()), expected(x.size());

    table().silu(x.data(), actual.data(), n);
    reference().silu(x.data(), expected.data(), n);
    const double silu_error = max_relative_error(actual, expected, x);
    table().gelu(x.data(), actual.data(), n);
    reference().gelu(x.data(), expected.data(), n);
    const double gelu_error = max_relative_error(actual, expected, x);
    table().swiglu(x.data(), up.data(), actual.data(), n);
    reference().swiglu(x.data(), up.data(), expected.data(), n);
    const double swiglu_error = max_relative_error(actual, expected, x);
    table().geglu(x.data(), up.data(), actual.data(), n);
    reference().geglu(x.data(), up.data(), expected.data(), n);
    const double geglu_error = max_relative_error(actual, expected, x);
    std::printf(
        "[ %s ] max relative error vs scalar expf: silu %.3g gelu %.3g swiglu %.3g "
        "geglu %.3g\n",
        isa_name(GetParam()), silu_error, gelu_error, swiglu_error, geglu_error);
}

TEST_P(OpsTest, ActivationsMatchDoublePrecision) {
    // Where the float evaluation of the argument itself is well conditioned (|2u| small), every
    // path is within a few ulp of the exact function.
    const double sqrt_2_over_pi = std::sqrt(2.0 / std::numbers::pi);
    std::vector<float> x;
    for (int step = -40000; step <= 80000; ++step) x.push_back(static_cast<float>(step) * 1e-4f);
    const int64_t n = static_cast<int64_t>(x.size());
    std::vector<float> silu_out(x.size()), gelu_out(x.size());
    table().silu(x.data(), silu_out.data(), n);
    table().gelu(x.data(), gelu_out.data(), n);
    double silu_worst = 0.0, gelu_worst = 0.0;
    for (size_t idx = 0; idx < x.size(); ++idx) {
        const double v = x[idx];
        if (v == 0.0) continue;
        const double silu_true = v / (1.0 + std::exp(-v));
        const double gelu_true =
            0.5 * v * (1.0 + std::tanh(sqrt_2_over_pi * (v + 0.044715 * v * v * v)));
        silu_worst = std::fmax(silu_worst, relative_error(silu_out[idx], silu_true));
        gelu_worst = std::fmax(gelu_worst, relative_error(gelu_out[idx], gelu_true));
    }
    EXPECT_LE(silu_worst, 2e-6);
    EXPECT_LE(gelu_worst, 2e-6);
    std::printf("[ %s ] max relative error vs double on [-4, 8]: silu %.3g gelu %.3g\n",
                isa_name(GetParam()), silu_worst, gelu_worst);
}

TEST_P(OpsTest, ActivationsInPlace) {
    std::vector<float> x = random_floats(37, -6.0f, 6.0f, 5);
    std::vector<float> expected(x.size());
    table().silu(x.data(), expected.data(), 37);
    table().silu(x.data(), x.data(), 37);
    EXPECT_EQ(x, expected);
}

TEST_P(OpsTest, ElementwiseArithmetic) {
    for (int64_t n : kSizes) {
        SCOPED_TRACE(n);
        const std::vector<float> a = random_floats(n, -10.0f, 10.0f, 6);
        const std::vector<float> b = random_floats(n, -10.0f, 10.0f, 7);
        std::vector<float> out(static_cast<size_t>(n));
        table().add(a.data(), b.data(), out.data(), n);
        for (int64_t idx = 0; idx < n; ++idx) ASSERT_EQ(out[idx], a[idx] + b[idx]);
        table().mul(a.data(), b.data(), out.data(), n);
        for (int64_t idx = 0; idx < n; ++idx) ASSERT_EQ(out[idx], a[idx] * b[idx]);
        out = a;
        table().scale(out.data(), -0.37f, n);
        for (int64_t idx = 0; idx < n; ++idx) ASSERT_EQ(out[idx], a[idx] * -0.37f);
        out = b;
        table().axpy(1.75f, a.data(), out.data(), n);
        for (int64_t idx = 0; idx < n; ++idx) {
            const double expected = 1.75 * a[idx] + static_cast<double>(b[idx]);
            // FMA paths round once, the scalar path twice.
            ASSERT_NEAR(out[idx], expected,
                        1.2e-7 * (std::fabs(1.75 * a[idx]) + std::fabs(b[idx])));
        }
        double expected_dot = 0.0, magnitude = 0.0;
        for (int64_t idx = 0; idx < n; ++idx) {
            expected_dot += static_cast<double>(a[idx]) * b[idx];
            magnitude += std::fabs(static_cast<double>(a[idx]) * b[idx]);
        }
        EXPECT_NEAR(table().dot(a.data(), b.data(), n), expected_dot, 1e-6 * magnitude + 1e-6);
    }
}

TEST_P(OpsTest, HalfToFloatIsExactForEveryHalf) {
    std::vector<uint16_t> halves(65536);
    for (uint32_t bits = 0; bits < 65536; ++bits) halves[bits] = static_cast<uint16_t>(bits);
    std::vector<float> out(halves.size());
    table().f16_to_f32(halves.data(), out.data(), static_cast<int64_t>(halves.size()));
    for (uint32_t bits = 0; bits < 65536; ++bits) {
        const float expected = fp16_to_fp32(static_cast<uint16_t>(bits));
        if (std::isnan(expected)) {
            ASSERT_TRUE(std::isnan(out[bits])) << bits;
        } else {
            ASSERT_EQ(float_to_bits(out[bits]), float_to_bits(expected)) << bits;
        }
    }
    // Every tail length.
    for (int64_t n = 1; n <= 40; ++n) {
        std::vector<float> tail(static_cast<size_t>(n) + 1, -7.0f);
        table().f16_to_f32(halves.data() + 15360, tail.data(), n);  // 0x3c00 = 1.0 onwards
        for (int64_t idx = 0; idx < n; ++idx) {
            ASSERT_EQ(tail[idx], fp16_to_fp32(halves[15360 + idx]));
        }
        ASSERT_EQ(tail[n], -7.0f) << "wrote past n = " << n;
    }
}

TEST_P(OpsTest, FloatToHalfRoundsToNearestEven) {
    std::vector<float> x;
    // Every finite half, the midpoints between neighbours (ties) and points just either side.
    for (uint32_t bits = 0; bits < 0x7c00; ++bits) {
        const float value = fp16_to_fp32(static_cast<uint16_t>(bits));
        const float next = fp16_to_fp32(static_cast<uint16_t>(bits + 1));
        const float midpoint = 0.5f * (value + next);
        for (float candidate :
             {value, midpoint, std::nextafter(midpoint, 0.0f), std::nextafter(midpoint, kInf)}) {
            x.push_back(candidate);
            x.push_back(-candidate);
        }
    }
    for (float edge : {65504.0f, 65519.99f, 65520.0f, 1e6f, kInf, 1e-8f, 3e-8f, 1e-40f}) {
        x.push_back(edge);
        x.push_back(-edge);
    }
    const std::vector<float> random = random_floats(1000, -70000.0f, 70000.0f, 8);
    x.insert(x.end(), random.begin(), random.end());
    x.push_back(std::numeric_limits<float>::quiet_NaN());

    std::vector<uint16_t> out(x.size());
    table().f32_to_f16(x.data(), out.data(), static_cast<int64_t>(x.size()));
    for (size_t idx = 0; idx < x.size(); ++idx) {
        const uint16_t expected = fp32_to_fp16(x[idx]);
        if (std::isnan(x[idx])) {
            ASSERT_TRUE(std::isnan(fp16_to_fp32(out[idx])));
        } else {
            ASSERT_EQ(out[idx], expected) << "x = " << x[idx];
        }
    }
    for (int64_t n = 1; n <= 40; ++n) {
        std::vector<uint16_t> tail(static_cast<size_t>(n) + 1, 0xbeef);
        table().f32_to_f16(x.data(), tail.data(), n);
        for (int64_t idx = 0; idx < n; ++idx) ASSERT_EQ(tail[idx], fp32_to_fp16(x[idx]));
        ASSERT_EQ(tail[n], 0xbeef) << "wrote past n = " << n;
    }
}

TEST_P(OpsTest, EmptyInputsAreNoOps) {
    float value = 3.0f;
    table().rms_norm(&value, nullptr, &value, 0, 1e-5f);
    table().softmax(&value, 0);
    table().silu(&value, &value, 0);
    EXPECT_EQ(value, 3.0f);
    EXPECT_EQ(table().dot(&value, &value, 0), 0.0f);
}

INSTANTIATE_TEST_SUITE_P(Isa, OpsTest,
                         ::testing::Values(IsaLevel::kScalar, IsaLevel::kAvx2, IsaLevel::kAvx512),
                         [](const ::testing::TestParamInfo<IsaLevel>& info) {
                             return std::string(isa_name(info.param));
                         });

}  // namespace
}  // namespace hearth::kernels
