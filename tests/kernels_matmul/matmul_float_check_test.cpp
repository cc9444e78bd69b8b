// The reference kernels against plain float arithmetic: weights decoded by this test's own
// decoder (matmul_test_util.h, written from the format definitions) dotted in double with the
// original float activations. The reference must agree within the error its activation format
// introduces (none for F32/F16, bf16 rounding for BF16, 8-bit quantization for the others) plus
// float summation error. Every type is checked, the simplest (F32, F16, BF16, Q8_0, Q4_0) as well
// as the K-quants.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/matmul.h"
#include "tensor/half.h"
#include "tests/kernels_matmul/matmul_test_util.h"

namespace hearth::kernels::test {
namespace {

constexpr double kUnitRoundoff = 1.0 / (1 << 24);

// Largest |x - x_seen| over the elements of the activation block starting at x_block, where
// x_seen is what the reference's activation format holds.
double activation_error(DType type, const float* x_block, int64_t block) {
    if (type == DType::kF32 || type == DType::kF16) return 0.0;  // float activations
    float amax = 0.0f;
    for (int64_t elem_idx = 0; elem_idx < block; ++elem_idx)
        amax = std::fmax(amax, std::fabs(x_block[elem_idx]));
    if (type == DType::kBF16) return amax / 256.0;  // bf16: 8 significant bits, half an ulp
    return amax / 127.0 * 0.5 * (1.0 + 1e-6);       // 8-bit quants: half a step of d
}

class MatmulFloatCheckTest : public testing::TestWithParam<DType> {};

TEST_P(MatmulFloatCheckTest, ReferenceMatchesFloatDot) {
    const DType type = GetParam();
    const MatmulKernel& ref = *find_matmul_kernel(type, IsaLevel::kScalar);
    // The activation block: one element for float formats, 32 for Q8x32, 256 for Q8x256.
    const int64_t act_block = type == DType::kF32 || type == DType::kF16 ? 1
                              : block_elems(type) == 256                 ? 256
                                                                         : 32;
    std::mt19937 rng(2024 + static_cast<uint32_t>(type));
    for (int64_t k : {256, 768, 2304}) {
        const int64_t n_rows = 6, n_tokens = 3;
        const Problem problem = make_problem(type, n_rows, k, n_tokens, 0, n_rows, n_rows, 0, rng);
        const std::vector<float> y = run_kernel(ref, problem);
        const int64_t row_bytes = row_bytes_unchecked(type, k);
        const int64_t n_terms = block_elems(type) == 1 ? k : k / block_elems(type) * 16;
        for (int64_t token_idx = 0; token_idx < n_tokens; ++token_idx) {
            const float* x = problem.x.data() + token_idx * k;
            for (int64_t row_idx = 0; row_idx < n_rows; ++row_idx) {
                const std::vector<float> w =
                    decode_row(type, problem.w.data() + row_idx * row_bytes, k);
                double exact = 0.0, magnitude = 0.0, quantization = 0.0;
                for (int64_t elem_idx = 0; elem_idx < k; ++elem_idx) {
                    exact += static_cast<double>(w[elem_idx]) * x[elem_idx];
                    magnitude += std::fabs(static_cast<double>(w[elem_idx]) * x[elem_idx]);
                    quantization +=
                        std::fabs(w[elem_idx]) *
                        activation_error(type, x + elem_idx / act_block * act_block, act_block);
                }
                // The activation error, plus float rounding: at most n_terms sequential additions
                // of terms bounded by the products' magnitudes (8x slack for the format's split
                // into scale and minimum terms).
                const double bound = quantization + 8.0 * static_cast<double>(n_terms + 4) *
                                                        kUnitRoundoff * (magnitude + quantization);
                EXPECT_LE(std::fabs(y[token_idx * n_rows + row_idx] - exact), bound)
                    << dtype_name(type) << " k=" << k << " token " << token_idx << " row "
                    << row_idx;
                // The bound is far from vacuous: well below the sum of the terms' sizes.
                EXPECT_LT(bound, 0.05 * magnitude);
            }
        }
    }
}

INSTANTIATE_TEST_SUITE_P(AllTypes, MatmulFloatCheckTest, testing::ValuesIn(matmul_types()),
                         [](const testing::TestParamInfo<DType>& info) {
                             return std::string(dtype_name(info.param));
                         });

}  // namespace
}  // namespace hearth::kernels::test
