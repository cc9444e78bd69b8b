// Every SIMD matmul kernel against the scalar reference, for every weight type: random valid
// weights, random activations, token counts around the tile sizes, k from one block to several
// k-chunks (odd block counts, partial groups), unaligned row ranges, y_stride > n_rows and
// padded activation rows. Also: prepare() writes the reference's bytes on every ISA path, the
// registry's choices, and integer extremes (all codes at their maximum) where a saturating
// instruction would go wrong.
//
// Tolerance: |y_simd - y_ref| <= 2e-6 * S with S = sum_e |w_e| * |x_e| (w decoded by the test's
// own decoder, matmul_test_util.h). Both sides compute the same integer block dots; only the
// order and grouping of float operations differ (the SIMD kernels also fold offsets and minimums
// through the activation's block sums), which costs a few eps (6e-8) of S: the largest error
// seen is about 2e-7 * S. A wrong element, scale or sign moves y by about S / k or more.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/matmul.h"
#include "tests/kernels_matmul/matmul_test_util.h"

namespace hearth::kernels::test {
namespace {

constexpr double kRelTolerance = 2e-6;

std::string type_name(const testing::TestParamInfo<DType>& info) {
    return std::string(dtype_name(info.param));
}

// k values for a type: one block, odd block counts, partial Q8x32 groups, several k-chunks.
std::vector<int64_t> k_values(DType type) {
    const int64_t block = block_elems(type);
    if (block == 1) return {1, 7, 16, 33, 100, 257, 1100};
    if (block == 32) return {32, 96, 256, 288, 800, 2400};
    return {256, 768, 1280, 2304};
}

class MatmulKernelTest : public testing::TestWithParam<DType> {};

// Compares every kernel of the type with the reference on one problem shape.
void expect_kernels_match_reference(DType type, int64_t n_rows, int64_t k, int64_t n_tokens,
                                    int64_t row_begin, int64_t row_end, std::mt19937& rng) {
    const Problem problem =
        make_problem(type, n_rows, k, n_tokens, row_begin, row_end, n_rows + 3, 13, rng);
    const std::vector<const MatmulKernel*> kernels = all_matmul_kernels(type);
    ASSERT_FALSE(kernels.empty());
    const std::vector<float> y_ref = run_kernel(*kernels[0], problem);
    std::vector<double> scales(y_ref.size(), 0.0);
    for (int64_t token_idx = 0; token_idx < n_tokens; ++token_idx)
        for (int64_t row_idx = row_begin; row_idx < row_end; ++row_idx)
            scales[token_idx * problem.y_stride + row_idx] =
                error_scale(problem, token_idx, row_idx);

    for (size_t kernel_idx = 1; kernel_idx < kernels.size(); ++kernel_idx) {
        const MatmulKernel& kernel = *kernels[kernel_idx];
        const std::vector<float> y = run_kernel(kernel, problem);
        for (int64_t token_idx = 0; token_idx < n_tokens; ++token_idx) {
            for (int64_t row_idx = 0; row_idx < problem.y_stride; ++row_idx) {
                const size_t at = static_cast<size_t>(token_idx * problem.y_stride + row_idx);
                if (row_idx < row_begin || row_idx >= row_end) {
                    ASSERT_TRUE(std::isnan(y[at]))
                        << isa_name(kernel.isa) << " wrote outside its rows: token " << token_idx
                        << " row " << row_idx;
                    continue;
                }
                ASSERT_TRUE(std::isfinite(y_ref[at]));
                ASSERT_LE(std::fabs(static_cast<double>(y[at]) - y_ref[at]),
                          kRelTolerance * scales[at] + 1e-30)
                    << dtype_name(type) << " " << isa_name(kernel.isa) << " k=" << k
                    << " n_tokens=" << n_tokens << " token " << token_idx << " row " << row_idx
                    << ": " << y[at] << " vs reference " << y_ref[at];
            }
        }
    }
}

TEST_P(MatmulKernelTest, SimdMatchesReference) {
    const DType type = GetParam();
    std::mt19937 rng(1234 + static_cast<uint32_t>(type));
    for (int64_t n_tokens : {1, 2, 3, 4, 5, 8, 13}) {
        for (int64_t k : k_values(type)) {
            SCOPED_TRACE(testing::Message() << "k=" << k << " n_tokens=" << n_tokens);
            expect_kernels_match_reference(type, 11, k, n_tokens, 2, 9, rng);
            if (HasFatalFailure()) return;
        }
    }
}

// Enough rows that the tiled loop walks more than one block of rows (384 KiB of weights each).
TEST_P(MatmulKernelTest, ManyRowsMatchReference) {
    const DType type = GetParam();
    std::mt19937 rng(99 + static_cast<uint32_t>(type));
    const int64_t k = block_elems(type) == 1 ? 1100 : 2304;
    const int64_t row_bytes = row_bytes_unchecked(type, k);
    const int64_t n_rows = 384 * 1024 / row_bytes + 5;
    expect_kernels_match_reference(type, n_rows, k, 10, 1, n_rows - 1, rng);
}

// Splitting the rows between calls (as threads do) gives the very same floats.
TEST_P(MatmulKernelTest, RowSplitsAreBitIdentical) {
    const DType type = GetParam();
    std::mt19937 rng(7 + static_cast<uint32_t>(type));
    const int64_t k = block_elems(type) == 1 ? 300 : 2304;
    for (const MatmulKernel* kernel : all_matmul_kernels(type)) {
        for (int64_t n_tokens : {1, 9}) {
            Problem whole = make_problem(type, 20, k, n_tokens, 0, 20, 20, 0, rng);
            const std::vector<float> y_whole = run_kernel(*kernel, whole);
            Problem part = whole;
            std::vector<float> y_parts(y_whole.size());
            for (auto [begin, end] : {std::pair<int64_t, int64_t>{0, 7}, {7, 8}, {8, 20}}) {
                part.row_begin = begin;
                part.row_end = end;
                const std::vector<float> y = run_kernel(*kernel, part);
                for (int64_t token_idx = 0; token_idx < n_tokens; ++token_idx)
                    for (int64_t row_idx = begin; row_idx < end; ++row_idx)
                        y_parts[token_idx * 20 + row_idx] = y[token_idx * 20 + row_idx];
            }
            EXPECT_EQ(0, std::memcmp(y_whole.data(), y_parts.data(), y_whole.size() * 4))
                << isa_name(kernel->isa) << " n_tokens=" << n_tokens;
        }
    }
}

// Every ISA's prepare writes the reference's bytes, including for zero blocks, exact rounding
// ties (x * 127 / amax = n + 0.5), mixed magnitudes and, for bf16, NaN, infinities and subnormals.
TEST_P(MatmulKernelTest, PrepareIsBitIdentical) {
    const DType type = GetParam();
    std::mt19937 rng(42 + static_cast<uint32_t>(type));
    const std::vector<const MatmulKernel*> kernels = all_matmul_kernels(type);
    const int64_t block = block_elems(type) == 256 ? 256 : 32;
    for (int64_t k : {block, 3 * block, 9 * block, 33 * block}) {
        std::vector<float> x = random_floats(k, rng);
        for (int64_t elem_idx = 0; elem_idx < block && elem_idx < k; ++elem_idx) x[elem_idx] = 0.0f;
        if (k >= 2 * block) {
            // amax 127: inv_d = 1, so halves are exact ties.
            for (int64_t elem_idx = 0; elem_idx < block; ++elem_idx)
                x[block + elem_idx] = static_cast<float>(elem_idx % 9) - 4.5f;
            x[block] = 127.0f;
            x[block + 1] = -0.0f;
        }
        if (k >= 3 * block) {
            for (int64_t elem_idx = 0; elem_idx < block; ++elem_idx)
                x[2 * block + elem_idx] *= elem_idx % 2 ? 1e-3f : 1e3f;
        }
        if (type == DType::kBF16) {
            x[0] = std::numeric_limits<float>::quiet_NaN();
            x[1] = std::numeric_limits<float>::infinity();
            x[2] = -std::numeric_limits<float>::infinity();
            x[3] = 1e-40f;
            x[4] = 3.3961776e38f;  // rounds up to infinity
        }
        const std::vector<uint8_t> expected = prepare_rows(*kernels[0], x.data(), 1, k);
        for (size_t kernel_idx = 1; kernel_idx < kernels.size(); ++kernel_idx) {
            const std::vector<uint8_t> got = prepare_rows(*kernels[kernel_idx], x.data(), 1, k);
            ASSERT_EQ(expected.size(), got.size());
            EXPECT_EQ(0, std::memcmp(expected.data(), got.data(), got.size()))
                << isa_name(kernels[kernel_idx]->isa) << " k=" << k;
        }
    }
}

// All quant bits set (largest codes, largest scales) against activations at +-127: the int16
// pair sums of vpmaddubsw are at their largest; a kernel that let them saturate would be off by
// far more than the tolerance. Q8_0 is also tried with every quant at -128.
class MatmulQuantKernelTest : public testing::TestWithParam<DType> {};

TEST_P(MatmulQuantKernelTest, ExtremeCodesMatchReference) {
    const DType type = GetParam();
    std::mt19937 rng(5);
    const int64_t k = block_elems(type) == 256 ? 1024 : 512;
    const int64_t block_bytes = dtype_info(type).block_bytes;
    const std::vector<int64_t> halves = half_offsets(type);
    const std::vector<const MatmulKernel*> kernels = all_matmul_kernels(type);
    for (uint8_t fill : {uint8_t{0xff}, uint8_t{0x80}}) {
        for (float sign : {1.0f, -1.0f}) {
            Problem problem = make_problem(type, 4, k, 3, 0, 4, 4, 0, rng);
            for (size_t start = 0; start < problem.w.size(); start += block_bytes) {
                for (int64_t offset = 0; offset < block_bytes; ++offset) {
                    bool in_half = false;
                    for (int64_t half : halves) in_half |= offset == half || offset == half + 1;
                    if (!in_half) problem.w[start + offset] = fill;
                }
            }
            for (size_t elem_idx = 0; elem_idx < problem.x.size(); ++elem_idx)
                problem.x[elem_idx] = sign * (elem_idx % 5 == 4 ? -1.0f : 1.0f);
            const std::vector<float> y_ref = run_kernel(*kernels[0], problem);
            for (size_t kernel_idx = 1; kernel_idx < kernels.size(); ++kernel_idx) {
                const std::vector<float> y = run_kernel(*kernels[kernel_idx], problem);
                for (int64_t token_idx = 0; token_idx < 3; ++token_idx) {
                    for (int64_t row_idx = 0; row_idx < 4; ++row_idx) {
                        const size_t at = static_cast<size_t>(token_idx * 4 + row_idx);
                        EXPECT_LE(std::fabs(static_cast<double>(y[at]) - y_ref[at]),
                                  kRelTolerance * error_scale(problem, token_idx, row_idx))
                            << isa_name(kernels[kernel_idx]->isa) << " fill " << int{fill};
                    }
                }
            }
        }
    }
}

INSTANTIATE_TEST_SUITE_P(AllTypes, MatmulKernelTest, testing::ValuesIn(matmul_types()), type_name);
INSTANTIATE_TEST_SUITE_P(QuantizedTypes, MatmulQuantKernelTest,
                         testing::Values(DType::kQ4_0, DType::kQ4_1, DType::kQ5_0, DType::kQ5_1,
                                         DType::kQ8_0, DType::kQ2_K, DType::kQ3_K, DType::kQ4_K,
                                         DType::kQ5_K, DType::kQ6_K),
                         type_name);

TEST(MatmulRegistry, FindsTheBestKernelAtOrBelowTheLevel) {
    for (DType type : matmul_types()) {
        const MatmulKernel* scalar = find_matmul_kernel(type, IsaLevel::kScalar);
        ASSERT_NE(scalar, nullptr) << dtype_name(type);
        EXPECT_EQ(scalar->isa, IsaLevel::kScalar);
        EXPECT_EQ(scalar->weight_type, type);
        const std::vector<const MatmulKernel*> kernels = all_matmul_kernels(type);
        ASSERT_FALSE(kernels.empty());
        EXPECT_EQ(kernels.front(), scalar) << "the reference comes first";
        for (size_t kernel_idx = 1; kernel_idx < kernels.size(); ++kernel_idx) {
            EXPECT_LT(kernels[kernel_idx - 1]->isa, kernels[kernel_idx]->isa);
            EXPECT_LE(kernels[kernel_idx]->isa, detected_isa());
            EXPECT_EQ(kernels[kernel_idx]->act_row_bytes(4096), scalar->act_row_bytes(4096))
                << "one activation format per weight type";
        }
        EXPECT_EQ(find_matmul_kernel(type, IsaLevel::kAvx512), kernels.back());
        const MatmulKernel* avx2 = find_matmul_kernel(type, IsaLevel::kAvx2);
        ASSERT_NE(avx2, nullptr);
        EXPECT_LE(avx2->isa, IsaLevel::kAvx2);
        if (detected_isa() >= IsaLevel::kAvx2) {
            EXPECT_EQ(avx2->isa, IsaLevel::kAvx2);
        }
        EXPECT_EQ(find_matmul_kernel(type), find_matmul_kernel(type, active_isa()));
    }
}

TEST(MatmulRegistry, NoKernelForTypesItCannotCompute) {
    for (DType type : {DType::kQ8_1, DType::kQ8_K, DType::kIQ2_XXS, DType::kIQ4_NL, DType::kI8,
                       DType::kF64, DType::kTQ1_0}) {
        EXPECT_EQ(find_matmul_kernel(type, IsaLevel::kAvx512), nullptr) << dtype_name(type);
        EXPECT_TRUE(all_matmul_kernels(type).empty()) << dtype_name(type);
    }
}

}  // namespace
}  // namespace hearth::kernels::test
