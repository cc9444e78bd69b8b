// kernels/attention.h on every ISA this CPU has and both KV types, against a naive reference:
// scores materialised in double, a full softmax, then the weighted sum of values.
//
// The cache is built the hard way: blocks in shuffled physical order, padding between heads and
// between blocks, and every byte the sequence does not own (padding, unused blocks, slots past
// the last position) filled with NaN, so reading the wrong place shows up in the output.
#include "kernels/attention.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <numeric>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "base/aligned_buffer.h"
#include "tensor/half.h"

namespace hearth::kernels {
namespace {

constexpr float kNan = std::numeric_limits<float>::quiet_NaN();
constexpr float kUntouched = 12345.0f;

struct Shape {
    int n_head;
    int n_head_kv;
    int head_dim;
    int block_size;
};

// A paged cache for one layer, holding one sequence of n_positions tokens.
class PagedCache {
  public:
    PagedCache(const Shape& shape, DType kv_type, int n_positions, uint32_t seed)
        : shape_(shape), kv_type_(kv_type) {
        const int64_t elem_size = kv_type == DType::kF16 ? 2 : 4;
        head_stride_bytes_ = shape.block_size * shape.head_dim * elem_size + 64;
        block_stride_bytes_ = shape.n_head_kv * head_stride_bytes_ + 192;
        const int n_blocks_used = (n_positions + shape.block_size - 1) / shape.block_size;
        const int n_blocks_pool = n_blocks_used + 3;
        k_bytes_.assign(static_cast<size_t>(n_blocks_pool * block_stride_bytes_), 0xff);  // NaN
        v_bytes_ = k_bytes_;

        std::mt19937 rng(seed);
        std::vector<int32_t> physical(static_cast<size_t>(n_blocks_pool));
        std::iota(physical.begin(), physical.end(), 0);
        std::shuffle(physical.begin(), physical.end(), rng);
        block_table_.assign(physical.begin(), physical.begin() + n_blocks_used);

        // Logical copies, as the kernel will see them: (pos, kv head, dim).
        std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
        const size_t n_values = static_cast<size_t>(n_positions) * shape.n_head_kv * shape.head_dim;
        keys_.resize(n_values);
        values_.resize(n_values);
        for (int pos = 0; pos < n_positions; ++pos) {
            for (int kv_head = 0; kv_head < shape.n_head_kv; ++kv_head) {
                for (int dim_idx = 0; dim_idx < shape.head_dim; ++dim_idx) {
                    keys_[index(pos, kv_head, dim_idx)] =
                        store(k_bytes_, pos, kv_head, dim_idx, dist(rng));
                    values_[index(pos, kv_head, dim_idx)] =
                        store(v_bytes_, pos, kv_head, dim_idx, dist(rng));
                }
            }
        }
    }

    KvLayout layout() const {
        KvLayout layout;
        layout.kv_type = kv_type_;
        layout.block_size = shape_.block_size;
        layout.n_head_kv = shape_.n_head_kv;
        layout.head_dim = shape_.head_dim;
        layout.head_stride_bytes = head_stride_bytes_;
        layout.block_stride_bytes = block_stride_bytes_;
        layout.k_base = k_bytes_.data();
        layout.v_base = v_bytes_.data();
        return layout;
    }
    const int32_t* block_table() const { return block_table_.data(); }
    float key(int pos, int kv_head, int dim_idx) const {
        return keys_[index(pos, kv_head, dim_idx)];
    }
    float value(int pos, int kv_head, int dim_idx) const {
        return values_[index(pos, kv_head, dim_idx)];
    }

  private:
    size_t index(int pos, int kv_head, int dim_idx) const {
        return (static_cast<size_t>(pos) * shape_.n_head_kv + kv_head) * shape_.head_dim + dim_idx;
    }

    // Writes `value` at its paged address; returns it as the kernel will read it back.
    float store(std::vector<uint8_t>& bytes, int pos, int kv_head, int dim_idx, float value) {
        const int64_t block = block_table_[pos / shape_.block_size];
        const int64_t slot = pos % shape_.block_size;
        const int64_t elem = slot * shape_.head_dim + dim_idx;
        uint8_t* head = bytes.data() + block * block_stride_bytes_ + kv_head * head_stride_bytes_;
        if (kv_type_ == DType::kF16) {
            const uint16_t half = fp32_to_fp16(value);
            std::memcpy(head + elem * 2, &half, 2);
            return fp16_to_fp32(half);
        }
        std::memcpy(head + elem * 4, &value, 4);
        return value;
    }

    Shape shape_;
    DType kv_type_;
    int64_t head_stride_bytes_ = 0;
    int64_t block_stride_bytes_ = 0;
    std::vector<uint8_t> k_bytes_, v_bytes_;
    std::vector<int32_t> block_table_;
    std::vector<float> keys_, values_;
};

// out[t][h] = softmax(scale q[t][h] . K[0..q_pos[t]]) . V[0..q_pos[t]], all in double.
std::vector<double> naive_attention(const PagedCache& cache, const Shape& shape,
                                    const std::vector<float>& q, int64_t q_token_stride,
                                    const std::vector<int32_t>& q_pos, float scale) {
    const int group_size = shape.n_head / shape.n_head_kv;
    const int n_q = static_cast<int>(q_pos.size());
    std::vector<double> out(static_cast<size_t>(n_q) * shape.n_head * shape.head_dim);
    for (int token_idx = 0; token_idx < n_q; ++token_idx) {
        const int n_keys = q_pos[token_idx] + 1;
        for (int head_idx = 0; head_idx < shape.n_head; ++head_idx) {
            const int kv_head = head_idx / group_size;
            const float* q_row = q.data() + token_idx * q_token_stride + head_idx * shape.head_dim;
            std::vector<double> scores(static_cast<size_t>(n_keys));
            double max_score = -std::numeric_limits<double>::infinity();
            for (int pos = 0; pos < n_keys; ++pos) {
                double sum = 0.0;
                for (int dim_idx = 0; dim_idx < shape.head_dim; ++dim_idx) {
                    sum += static_cast<double>(q_row[dim_idx]) * cache.key(pos, kv_head, dim_idx);
                }
                scores[pos] = sum * scale;
                max_score = std::max(max_score, scores[pos]);
            }
            double total = 0.0;
            for (double& score : scores) total += score = std::exp(score - max_score);
            double* out_row =
                out.data() +
                (static_cast<size_t>(token_idx) * shape.n_head + head_idx) * shape.head_dim;
            for (int pos = 0; pos < n_keys; ++pos) {
                for (int dim_idx = 0; dim_idx < shape.head_dim; ++dim_idx) {
                    out_row[dim_idx] += scores[pos] / total * cache.value(pos, kv_head, dim_idx);
                }
            }
        }
    }
    return out;
}

struct Scenario {
    std::string name;
    std::vector<int32_t> q_pos;
    float q_magnitude;  // larger: peakier softmax, more rescaling of the running max
};

std::vector<Scenario> scenarios() {
    std::vector<Scenario> list;
    list.push_back({"decode mid-block", {76}, 1.0f});
    list.push_back({"decode first token", {0}, 1.0f});
    list.push_back({"decode peaky", {70}, 12.0f});
    std::vector<int32_t> chunk(5);
    std::iota(chunk.begin(), chunk.end(), 40);  // a prefill chunk continuing a sequence
    list.push_back({"prefill chunk 40..44", chunk, 1.0f});
    std::vector<int32_t> full(19);
    std::iota(full.begin(), full.end(), 0);  // a whole prompt from position 0
    list.push_back({"prefill 0..18", full, 3.0f});
    list.push_back({"gaps and repeats", {5, 5, 33, 47}, 2.0f});
    return list;
}

struct AttentionParam {
    IsaLevel isa;
    DType kv_type;
};

void PrintTo(const AttentionParam& param, std::ostream* os) {
    *os << isa_name(param.isa) << (param.kv_type == DType::kF16 ? " f16" : " f32");
}

class AttentionTest : public ::testing::TestWithParam<AttentionParam> {
  protected:
    void SetUp() override {
        if (GetParam().isa > detected_isa()) {
            GTEST_SKIP() << isa_name(GetParam().isa) << " not available on this CPU";
        }
    }

    // Runs every kv head group of one call and checks all heads of all query tokens.
    void check(const Shape& shape, const Scenario& scenario, uint32_t seed) {
        const int n_q = static_cast<int>(scenario.q_pos.size());
        const int n_positions = scenario.q_pos.back() + 1;
        const PagedCache cache(shape, GetParam().kv_type, n_positions, seed);

        // Query and output rows with spare columns that must stay untouched.
        const int64_t token_stride = static_cast<int64_t>(shape.n_head) * shape.head_dim + 24;
        std::mt19937 rng(seed + 1);
        std::uniform_real_distribution<float> dist(-scenario.q_magnitude, scenario.q_magnitude);
        std::vector<float> q(static_cast<size_t>(n_q * token_stride));
        for (float& value : q) value = dist(rng);
        std::vector<float> out(q.size(), kUntouched);

        const int64_t scratch_floats = attention_scratch_floats(n_q, shape.n_head, shape.n_head_kv,
                                                                shape.head_dim, shape.block_size);
        AlignedBuffer scratch(static_cast<size_t>(scratch_floats) * sizeof(float));
        std::fill_n(scratch.as<float>(), scratch_floats, kNan);  // nothing may rely on zeroes

        AttentionArgs args;
        args.q = q.data();
        args.q_token_stride = token_stride;
        args.q_pos = scenario.q_pos.data();
        args.n_q = n_q;
        args.n_head = shape.n_head;
        args.scale = 1.0f / std::sqrt(static_cast<float>(shape.head_dim));
        args.block_table = cache.block_table();
        args.kv = cache.layout();
        args.out = out.data();
        args.out_token_stride = token_stride;
        args.scratch = scratch.as<float>();
        const AttentionKernel& kernel = attention_kernel(GetParam().isa);
        ASSERT_EQ(kernel.isa, GetParam().isa);
        for (int kv_head = 0; kv_head < shape.n_head_kv; ++kv_head) {
            args.kv_head = kv_head;
            kernel.run(args);
        }

        const std::vector<double> expected =
            naive_attention(cache, shape, q, token_stride, scenario.q_pos, args.scale);
        double worst = 0.0;
        for (int token_idx = 0; token_idx < n_q; ++token_idx) {
            const float* out_row = out.data() + token_idx * token_stride;
            for (int col_idx = 0; col_idx < shape.n_head * shape.head_dim; ++col_idx) {
                const double want =
                    expected[static_cast<size_t>(token_idx) * shape.n_head * shape.head_dim +
                             col_idx];
                const double error = std::fabs(out_row[col_idx] - want);
                worst = error > worst || std::isnan(error) ? error : worst;
            }
            for (int64_t col_idx = shape.n_head * shape.head_dim; col_idx < token_stride;
                 ++col_idx) {
                ASSERT_EQ(out_row[col_idx], kUntouched)
                    << "wrote past the heads, token " << token_idx;
            }
        }
        // Values are in [-1, 1]; float accumulation over <= 128 dims and <= 77 keys.
        EXPECT_LE(worst, 2e-5) << scenario.name << ": worst absolute error";
        EXPECT_FALSE(std::isnan(worst)) << scenario.name;
        worst_error_ = worst > worst_error_ ? worst : worst_error_;
    }

    double worst_error_ = 0.0;
};

TEST_P(AttentionTest, MatchesNaiveReference) {
    const std::vector<std::pair<int, int>> head_counts = {{4, 4}, {8, 2}, {6, 1}};
    // 64/80/96/128/256 run the SIMD paths; 72 runs AVX2 but falls back to scalar on AVX-512;
    // 20 falls back everywhere.
    const std::vector<int> head_dims = {64, 80, 96, 128, 256, 72, 20};
    const std::vector<int> block_sizes = {16, 32, 20};
    uint32_t seed = 100;
    for (const auto& [n_head, n_head_kv] : head_counts) {
        for (int head_dim : head_dims) {
            for (int block_size : block_sizes) {
                for (const Scenario& scenario : scenarios()) {
                    const Shape shape{n_head, n_head_kv, head_dim, block_size};
                    SCOPED_TRACE(::testing::Message() << "heads " << n_head << "/" << n_head_kv
                                                      << " head_dim " << head_dim << " block_size "
                                                      << block_size << " " << scenario.name);
                    check(shape, scenario, ++seed);
                    if (HasFatalFailure()) return;
                }
            }
        }
    }
    std::printf("[ %s ] worst absolute error vs the naive double reference: %.3g\n",
                ::testing::PrintToString(GetParam()).c_str(), worst_error_);
}

TEST(AttentionScratch, GrowsWithQueryRowsAndBlockSize) {
    const int64_t decode = attention_scratch_floats(1, 32, 8, 128, 32);
    EXPECT_GT(attention_scratch_floats(8, 32, 8, 128, 32), decode);
    EXPECT_GT(attention_scratch_floats(1, 32, 8, 128, 64), decode);
    EXPECT_GT(attention_scratch_floats(1, 32, 4, 128, 32), decode);  // G = 8 heads per group
    EXPECT_EQ(decode % 16, 0);
}

INSTANTIATE_TEST_SUITE_P(IsaAndKvType, AttentionTest,
                         ::testing::Values(AttentionParam{IsaLevel::kScalar, DType::kF32},
                                           AttentionParam{IsaLevel::kScalar, DType::kF16},
                                           AttentionParam{IsaLevel::kAvx2, DType::kF32},
                                           AttentionParam{IsaLevel::kAvx2, DType::kF16},
                                           AttentionParam{IsaLevel::kAvx512, DType::kF32},
                                           AttentionParam{IsaLevel::kAvx512, DType::kF16}),
                         [](const ::testing::TestParamInfo<AttentionParam>& info) {
                             return std::string(isa_name(info.param.isa)) +
                                    (info.param.kv_type == DType::kF16 ? "_f16" : "_f32");
                         });

}  // namespace
}  // namespace hearth::kernels
