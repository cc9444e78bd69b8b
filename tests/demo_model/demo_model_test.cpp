// The built-in demo model (models/fortune-teller.gguf) in Hearth agrees with the script that
// trained it (tools/demo_model): the figures come from models/fortune-teller.expected.json,
// which tools/demo_model/evaluate.py writes from the PyTorch model rebuilt from the same file.
//
// The files under test can be replaced through the environment (evaluate.py runs this test on
// the F32 export too): HEARTH_DEMO_MODEL, HEARTH_DEMO_EXPECTED, HEARTH_DEMO_HELDOUT.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <regex>

#include "arch/llm_model.h"
#include "engine/llm/session.h"
#include "formats/gguf.h"
#include "tests/util/process.h"

namespace hearth {
namespace {

std::string from_env_or(const char* name, const std::string& fallback) {
    const char* value = std::getenv(name);
    return value != nullptr && *value != '\0' ? std::string(value) : fallback;
}

const std::string kModelsDir = std::string(HEARTH_SOURCE_DIR) + "/models";

class DemoModelTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        model_path_ = from_env_or("HEARTH_DEMO_MODEL", kModelsDir + "/fortune-teller.gguf");
        heldout_path_ = from_env_or("HEARTH_DEMO_HELDOUT", kModelsDir + "/fortune-teller.heldout.txt");
        std::ifstream in(from_env_or("HEARTH_DEMO_EXPECTED", kModelsDir + "/fortune-teller.expected.json"));
        // A failure here would only skip the tests (ctest counts a failed set-up as skipped):
        // each test fails in SetUp() instead.
        if (in) expected_ = new nlohmann::json(nlohmann::json::parse(in, nullptr, false));
    }
    static void TearDownTestSuite() { delete expected_; }
    void SetUp() override {
        ASSERT_NE(expected_, nullptr) << "cannot read the expected figures (models/fortune-teller.expected.json)";
        ASSERT_FALSE(expected_->is_discarded()) << "the expected figures are not JSON";
    }
    static test::CommandResult hearth(const std::string& args) {
        return test::run_command(std::string(HEARTH_BINARY_DIR) + "/bin/hearth " + args);
    }
    static const nlohmann::json& expected() { return *expected_; }

    static inline std::string model_path_;
    static inline std::string heldout_path_;
    static inline nlohmann::json* expected_ = nullptr;
};

TEST_F(DemoModelTest, ReadersValidateTheFile) {
    auto file = gguf::File::open(model_path_);
    ASSERT_TRUE(file.ok()) << file.error().message;
    EXPECT_EQ(*file->get_string("general.architecture"), "llama");
    auto python = test::run_command(std::string(test::kPython) + " " + HEARTH_SOURCE_DIR +
                                    "/tools/hearth_gguf.py " + model_path_);
    EXPECT_EQ(python.exit_code, 0) << python.output;
}

TEST_F(DemoModelTest, InfoDescribesTheModel) {
    auto info = hearth("info " + model_path_);
    ASSERT_EQ(info.exit_code, 0) << info.output;
    EXPECT_NE(info.output.find("architecture:  llama"), std::string::npos) << info.output;
    EXPECT_NE(info.output.find("Hearth Fortune Teller"), std::string::npos);
    EXPECT_NE(info.output.find("tokenizer.chat_template"), std::string::npos);
    EXPECT_NE(info.output.find("blk.0.attn_q.weight"), std::string::npos);
}

TEST_F(DemoModelTest, PerplexityMatchesTheTrainingScript) {
    const int ctx = expected()["ppl_ctx"];
    auto result = hearth("perplexity -m " + model_path_ + " -f " + heldout_path_ + " --ctx " + std::to_string(ctx));
    ASSERT_EQ(result.exit_code, 0) << result.output;
    // The same tokens: Hearth's SentencePiece tokenizer against python3-sentencepiece.
    const int tokens = expected()["heldout_tokens"];
    EXPECT_NE(result.output.find("perplexity: " + std::to_string(tokens) + " tokens"), std::string::npos)
        << result.output;
    std::smatch match;
    ASSERT_TRUE(std::regex_search(result.output, match, std::regex(R"(Final estimate: PPL = ([0-9.]+))")));
    const double ppl = std::stod(match[1]);
    const double script_ppl = expected()["script_ppl"];
    const double unigram_ppl = expected()["unigram_ppl"];
    EXPECT_NEAR(ppl / script_ppl, 1.0, 0.01) << "hearth " << ppl << ", training script " << script_ppl;
    // "Far below" a unigram model on the same tokens: at least 4 times lower.
    EXPECT_LT(ppl * 4, unigram_ppl) << "hearth " << ppl << ", unigram " << unigram_ppl;
}

// Greedy decoding with the engine's forward pass, step by step: the argmax of each step's
// logits (the lowest id among equal maxima, as torch.argmax) is fed back.
struct GreedyStep {
    int32_t best = -1;
    int32_t runner_up = -1;  // the second highest logit
    float margin = 0.0f;     // best's logit minus runner_up's
};

std::vector<int32_t> greedy(const arch::LlmModel& model, const std::vector<int32_t>& prompt, size_t max_tokens,
                            std::vector<GreedyStep>* steps) {
    engine::SessionConfig config;
    config.n_ctx = static_cast<int32_t>(model.hparams().n_ctx_train);
    auto session = engine::LlmSession::create(model, config);
    EXPECT_TRUE(session.ok());
    if (!session.ok()) return {};
    std::vector<int32_t> out;
    std::vector<int32_t> next = prompt;
    const auto n_vocab = static_cast<size_t>(model.hparams().n_vocab);
    while (out.size() < max_tokens && (*session)->n_past() + next.size() < static_cast<size_t>(config.n_ctx)) {
        EXPECT_TRUE((*session)->feed(next).ok());
        const float* logits = (*session)->logits(0);
        const auto best = static_cast<int32_t>(std::max_element(logits, logits + n_vocab) - logits);
        GreedyStep step{best, -1, 0.0f};
        for (size_t idx = 0; idx < n_vocab; ++idx)
            if (static_cast<int32_t>(idx) != best && (step.runner_up < 0 || logits[idx] > logits[step.runner_up]))
                step.runner_up = static_cast<int32_t>(idx);
        step.margin = logits[best] - logits[step.runner_up];
        steps->push_back(step);
        out.push_back(best);
        if (model.tokenizer().is_end_of_generation(best)) break;
        next = {best};
    }
    return out;
}

// Hearth's quantized dot products round differently from the script's float arithmetic, so two
// candidates whose logits are nearly equal may come out in either order. The ids must agree up
// to the end, or up to a step where Hearth's top two logits are within kTieMargin and the script
// chose Hearth's runner-up (after which the texts differ and cannot be compared); at least one
// case must agree to the end.
constexpr float kTieMargin = 0.01f;

TEST_F(DemoModelTest, GreedyTokensMatchTheTrainingScript) {
    auto model = arch::LlmModel::load(model_path_);
    ASSERT_TRUE(model.ok()) << model.error().message;
    ASSERT_FALSE(expected()["greedy"].empty());
    int n_whole = 0;
    for (const auto& item : expected()["greedy"]) {
        SCOPED_TRACE(item["name"].get<std::string>());
        const std::vector<int32_t> want_prompt = item["prompt_ids"];
        const std::vector<int32_t> want = item["output_ids"];
        const std::string prompt = item["prompt_text"];
        // The prompt as `hearth run -p` tokenizes it (a chat prompt is the template's rendering).
        const std::vector<int32_t> prompt_ids = (*model)->tokenizer().encode(prompt, true, true);
        ASSERT_EQ(prompt_ids, want_prompt);
        std::vector<GreedyStep> steps;
        const std::vector<int32_t> got = greedy(**model, prompt_ids, want.size(), &steps);
        const auto mismatch = std::mismatch(got.begin(), got.end(), want.begin(), want.end());
        const auto at = static_cast<size_t>(mismatch.first - got.begin());
        if (got == want) {
            ++n_whole;
            continue;
        }
        ASSERT_LT(at, std::min(got.size(), want.size())) << "one output is a prefix of the other";
        EXPECT_TRUE(steps[at].margin < kTieMargin && steps[at].runner_up == want[at])
            << "first difference at output token " << at << ": hearth " << got[at] << ", script " << want[at]
            << ", hearth's runner-up " << steps[at].runner_up << " at a top-2 logit margin of " << steps[at].margin;
    }
    EXPECT_GE(n_whole, 1) << "no greedy case agrees to the end";
}

TEST_F(DemoModelTest, ChatAnswersEndWithTheEndOfTurnToken) {
    auto model = arch::LlmModel::load(model_path_);
    ASSERT_TRUE(model.ok()) << model.error().message;
    const auto end = (*model)->tokenizer().find_token("<|end|>");
    ASSERT_TRUE(end.has_value());
    EXPECT_TRUE((*model)->tokenizer().is_end_of_generation(*end));
    EXPECT_TRUE((*model)->tokenizer().is_control(*end));
    EXPECT_NE((*model)->chat_template().find("<|assistant|>"), std::string::npos);
    for (const auto& item : expected()["greedy"]) {
        if (item["kind"] != "chat") continue;
        const std::vector<int32_t> ids = item["output_ids"];
        ASSERT_FALSE(ids.empty());
        EXPECT_EQ(ids.back(), *end) << item["name"] << ": the answer does not stop";
    }
}

TEST_F(DemoModelTest, RunWithoutAModelUsesTheBuiltinModel) {
    // The compiled-in path (the committed models/fortune-teller.gguf), whatever is under test.
    auto result = test::run_command("env -u HEARTH_BUILTIN_MODEL " + std::string(HEARTH_BINARY_DIR) +
                                    "/bin/hearth run -p 'You will' -n 24 --temp 0");
    ASSERT_EQ(result.exit_code, 0) << result.output;
    EXPECT_NE(result.output.find("built-in model 'fortune-teller'"), std::string::npos) << result.output;
    const size_t echoed = result.output.find("You will");
    ASSERT_NE(echoed, std::string::npos) << result.output;
    EXPECT_GT(result.output.size(), echoed + std::string("You will").size() + 4) << result.output;

    auto missing = test::run_command("HEARTH_BUILTIN_MODEL=/nonexistent/demo.gguf " + std::string(HEARTH_BINARY_DIR) +
                                     "/bin/hearth run -p 'You will' -n 4");
    EXPECT_NE(missing.exit_code, 0);
    EXPECT_NE(missing.output.find("HEARTH_BUILTIN_MODEL"), std::string::npos) << missing.output;
}

}  // namespace
}  // namespace hearth
