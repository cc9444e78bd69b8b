// The engine against the independent NumPy reference (tools/reference/forward.py) on tiny
// random models of every architecture, in every weight type.
//
// Each case: tools/gen_model.py writes a model; `hearth quantize` converts it when the case names
// a type; forward.py computes the logits of a fixed token sequence on the (dequantized) weights;
// the engine computes the same sequence in one prefill step. Error is measured relative to the
// logits' scale: max |engine - reference| / max |reference|.
//   F32/F16 weights, F32 KV cache: <= 1e-4 (float accumulation order only)
//   BF16 weights: <= 1.5e-2 (the BF16 kernel rounds activations to bf16 for vdpbf16ps)
//   F16 KV cache vs the reference rounding K/V to f16: <= 2e-3
//   quantized weights: the engine also quantizes activations to 8 bits (as GGUF's formats are
//   designed for); bounds per type below, and the top token must agree wherever the reference's
//   top-2 gap exceeds the error.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "arch/llm_model.h"
#include "engine/llm/session.h"
#include "tests/util/npy.h"
#include "tests/util/process.h"

namespace hearth {
namespace {

struct GoldenCase {
    std::string name;
    std::string gen_args;   // extra arguments for gen_model.py
    std::string quant;      // "" or a type for `hearth quantize`
    bool kv_f16 = false;
    double tolerance = 1e-4;
};

std::ostream& operator<<(std::ostream& out, const GoldenCase& c) { return out << c.name; }

const std::vector<int32_t> kTokens = {1, 17, 250, 3, 99, 42, 7, 300, 12, 5, 77, 150, 33, 8, 61, 2,
                                      18, 200, 45, 9, 120, 64, 31, 10, 256, 6, 88, 19, 27, 390, 14, 4,
                                      222, 71, 36, 52, 11, 160, 29, 13};

std::string join_tokens() {
    std::string text;
    for (int32_t token : kTokens) text += (text.empty() ? "" : ",") + std::to_string(token);
    return text;
}

class GoldenTest : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(GoldenTest, MatchesReference) {
    const GoldenCase& c = GetParam();
    test::TempDir dir;
    const std::string source_dir = HEARTH_SOURCE_DIR;
    const std::string base_model = dir.file("model.gguf");
    auto gen = test::run_command(std::string(test::kPython) + " " + source_dir + "/tools/gen_model.py " +
                                 base_model + " " + c.gen_args);
    ASSERT_EQ(gen.exit_code, 0) << gen.output;

    std::string model_path = base_model;
    if (!c.quant.empty()) {
        model_path = dir.file("model-" + c.quant + ".gguf");
        auto quant = test::run_command(std::string(HEARTH_BINARY_DIR) + "/bin/hearth quantize --pure " + base_model +
                                       " " + model_path + " " + c.quant);
        ASSERT_EQ(quant.exit_code, 0) << quant.output;
    }
    const std::string ref_path = dir.file("ref.npy");
    auto ref_run = test::run_command(std::string(test::kPython) + " " + source_dir + "/tools/reference/forward.py " +
                                     model_path + " --tokens " + join_tokens() + " --out " + ref_path +
                                     (c.kv_f16 ? " --kv-f16" : ""));
    ASSERT_EQ(ref_run.exit_code, 0) << ref_run.output;
    auto reference = test::read_npy(ref_path);
    ASSERT_TRUE(reference.ok()) << reference.error().message;

    auto model = arch::LlmModel::load(model_path);
    ASSERT_TRUE(model.ok()) << model.error().message;
    const int64_t n_vocab = (*model)->hparams().n_vocab;
    ASSERT_EQ(reference->shape, (std::vector<int64_t>{static_cast<int64_t>(kTokens.size()), n_vocab}));

    engine::SessionConfig config;
    config.n_ctx = 128;
    config.n_threads = 2;
    config.kv_type = c.kv_f16 ? DType::kF16 : DType::kF32;
    config.max_output_rows = static_cast<int32_t>(kTokens.size());
    auto session = engine::LlmSession::create(**model, config);
    ASSERT_TRUE(session.ok()) << session.error().message;
    ASSERT_TRUE((*session)->feed(kTokens, engine::OutputRows::kAll).ok());

    double max_ref = 0.0, max_diff = 0.0;
    int n_top_checked = 0, n_top_agree = 0;
    for (size_t row = 0; row < kTokens.size(); ++row) {
        const float* engine_row = (*session)->logits(static_cast<int32_t>(row));
        const float* ref_row = reference->values.data() + row * static_cast<size_t>(n_vocab);
        for (int64_t id = 0; id < n_vocab; ++id) {
            max_ref = std::max(max_ref, std::fabs(static_cast<double>(ref_row[id])));
            max_diff = std::max(max_diff, std::fabs(static_cast<double>(engine_row[id]) - ref_row[id]));
        }
    }
    const double relative = max_diff / max_ref;
    for (size_t row = 0; row < kTokens.size(); ++row) {
        const float* engine_row = (*session)->logits(static_cast<int32_t>(row));
        const float* ref_row = reference->values.data() + row * static_cast<size_t>(n_vocab);
        std::vector<int64_t> order(static_cast<size_t>(n_vocab));
        std::iota(order.begin(), order.end(), 0);
        std::partial_sort(order.begin(), order.begin() + 2, order.end(),
                          [&](int64_t a, int64_t b) { return ref_row[a] > ref_row[b]; });
        if (ref_row[order[0]] - ref_row[order[1]] <= 2 * max_diff) continue;
        ++n_top_checked;
        const int64_t engine_top = std::max_element(engine_row, engine_row + n_vocab) - engine_row;
        n_top_agree += engine_top == order[0];
    }
    RecordProperty("relative_error", std::to_string(relative));
    std::printf("[ %-28s ] max |ref| %.3f, max diff %.2e, relative %.2e (bound %.0e); top-1 %d/%d\n",
                c.name.c_str(), max_ref, max_diff, relative, c.tolerance, n_top_agree, n_top_checked);
    EXPECT_LE(relative, c.tolerance);
    EXPECT_EQ(n_top_agree, n_top_checked);
}

std::vector<GoldenCase> golden_cases() {
    std::vector<GoldenCase> cases = {
        {"llama_f32", "--arch llama", "", false, 1e-4},
        {"llama_f32_tied", "--arch llama --tied --n-layer 3", "", false, 1e-4},
        {"llama_f16", "--arch llama --dtype f16", "", false, 1e-4},
        {"llama_bf16", "--arch llama --dtype bf16", "", false, 1.5e-2},
        {"llama_linear_rope", "--arch llama --rope-scaling linear", "", false, 1e-4},
        {"llama_yarn", "--arch llama --rope-scaling yarn", "", false, 1e-4},
        {"llama3_rope_freqs", "--arch llama --rope-scaling llama3 --tokenizer gpt2 --pre llama-bpe", "", false, 1e-4},
        {"llama_mha", "--arch llama --n-head 4 --n-head-kv 4", "", false, 1e-4},
        {"llama_kv_f16", "--arch llama", "", true, 2e-3},
        {"qwen2_f32", "--arch qwen2", "", false, 1e-4},
        {"qwen2_f16", "--arch qwen2 --dtype f16 --tied", "", false, 1e-4},
        {"qwen3_f32", "--arch qwen3", "", false, 1e-4},
        {"qwen3_head_dim", "--arch qwen3 --n-head 8 --n-head-kv 2 --head-dim 64", "", false, 1e-4},
        {"qwen3_yarn_kv_f16", "--arch qwen3 --rope-scaling yarn", "", true, 2e-3},
    };
    // Quantized weights: the bound is the activation quantization's error plus the weights'.
    const std::vector<std::pair<std::string, double>> quant_types = {
        // Measured 2-3.9e-2; the K-quants' 256-element activation blocks quantize coarser than
        // the 32-element blocks of the others, so even Q6_K sits near Q4_K.
        {"Q8_0", 0.04}, {"Q4_0", 0.05}, {"Q4_1", 0.05}, {"Q5_0", 0.05}, {"Q5_1", 0.05},
        {"Q2_K", 0.06}, {"Q3_K", 0.06}, {"Q4_K", 0.06}, {"Q5_K", 0.06}, {"Q6_K", 0.06},
    };
    for (const auto& [type, tolerance] : quant_types) {
        cases.push_back({"llama_" + type, "--arch llama", type, false, tolerance});
        cases.push_back({"qwen2_" + type, "--arch qwen2", type, false, tolerance});
        cases.push_back({"qwen3_" + type, "--arch qwen3", type, false, tolerance});
    }
    return cases;
}

INSTANTIATE_TEST_SUITE_P(Models, GoldenTest, ::testing::ValuesIn(golden_cases()),
                         [](const ::testing::TestParamInfo<GoldenCase>& info) { return info.param.name; });

}  // namespace
}  // namespace hearth
