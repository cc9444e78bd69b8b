// The continuous-batching engine: whatever runs beside a request, and however often it is
// preempted or served from the prefix cache, its greedy tokens are the ones it gets alone.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "arch/llm_model.h"
#include "engine/llm/engine.h"
#include "engine/llm/session.h"
#include "tests/util/process.h"

namespace hearth::engine {
namespace {

class CollectingSink final : public GenerationSink {
public:
    explicit CollectingSink(int n_choices = 1) : tokens_(static_cast<size_t>(n_choices)), reasons_(static_cast<size_t>(n_choices)) {}
    void on_token(const TokenEvent& event) override {
        std::lock_guard<std::mutex> lock(mutex_);
        tokens_[static_cast<size_t>(event.choice)].push_back(event.token);
        text_ += event.text;
        if (first_token_order_ == 0) first_token_order_ = ++global_order_;
    }
    void on_finish(const FinishEvent& event) override {
        std::lock_guard<std::mutex> lock(mutex_);
        reasons_[static_cast<size_t>(event.choice)] = event.reason;
        usage_ = event.usage;
        ++finished_;
        done_.notify_all();
    }
    void on_error(const Error& error) override {
        std::lock_guard<std::mutex> lock(mutex_);
        error_ = error;
        finished_ = static_cast<int>(tokens_.size());
        done_.notify_all();
    }
    void wait() {
        std::unique_lock<std::mutex> lock(mutex_);
        ASSERT_TRUE(done_.wait_for(lock, std::chrono::seconds(60), [&] { return finished_ == static_cast<int>(tokens_.size()); }));
    }
    std::vector<int32_t> tokens(int choice = 0) {
        std::lock_guard<std::mutex> lock(mutex_);
        return tokens_[static_cast<size_t>(choice)];
    }
    FinishReason reason(int choice = 0) {
        std::lock_guard<std::mutex> lock(mutex_);
        return reasons_[static_cast<size_t>(choice)];
    }
    Usage usage() {
        std::lock_guard<std::mutex> lock(mutex_);
        return usage_;
    }
    std::optional<Error> error() {
        std::lock_guard<std::mutex> lock(mutex_);
        return error_;
    }
    int first_token_order() {
        std::lock_guard<std::mutex> lock(mutex_);
        return first_token_order_;
    }
    static inline std::atomic<int> global_order_{0};

private:
    std::mutex mutex_;
    std::condition_variable done_;
    std::vector<std::vector<int32_t>> tokens_;
    std::vector<FinishReason> reasons_;
    std::string text_;
    Usage usage_;
    std::optional<Error> error_;
    int finished_ = 0;
    int first_token_order_ = 0;
};

class LlmEngineTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new test::TempDir();
        const std::string path = dir_->file("llama.gguf");
        ASSERT_EQ(test::generate_model(path, "--arch llama --ctx 512 --n-layer 2"), "");
        auto model = arch::LlmModel::load(path);
        ASSERT_TRUE(model.ok()) << model.error().message;
        model_ = std::move(model).value().release();
        pool_ = new ThreadPool(2);
    }
    static void TearDownTestSuite() {
        delete pool_;
        delete model_;
        delete dir_;
    }
    static std::vector<int32_t> prompt(int seed, int length) {
        std::vector<int32_t> tokens = {1};
        for (int idx = 1; idx < length; ++idx) tokens.push_back(3 + (seed * 131 + idx * 17) % 390);
        return tokens;
    }
    static GenerationParams greedy_params(std::vector<int32_t> tokens, int n) {
        GenerationParams params;
        params.prompt = std::move(tokens);
        params.max_tokens = n;
        params.sampling.temperature = 0;
        params.ignore_eos = true;
        return params;
    }
    static inline test::TempDir* dir_ = nullptr;
    static inline arch::LlmModel* model_ = nullptr;
    static inline ThreadPool* pool_ = nullptr;
};

void wait_idle(LlmEngine& engine) {
    for (int spin = 0; spin < 2000 && !engine.idle(); ++spin) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ASSERT_TRUE(engine.idle());
}

// Greedy tokens from an engine running one request alone.
std::vector<int32_t> run_alone(LlmEngine& engine, GenerationParams params) {
    auto sink = std::make_shared<CollectingSink>();
    EXPECT_TRUE(engine.submit(std::move(params), sink).ok());
    sink->wait();
    return sink->tokens();
}

TEST_F(LlmEngineTest, ConcurrentRequestsMatchIsolatedRuns) {
    LlmEngineConfig config;
    config.n_ctx = 256;
    config.n_parallel = 8;
    LlmEngine engine(*model_, *pool_, config);
    std::vector<std::vector<int32_t>> expected;
    for (int idx = 0; idx < 8; ++idx) expected.push_back(run_alone(engine, greedy_params(prompt(idx, 10 + 7 * idx), 24)));
    std::vector<std::shared_ptr<CollectingSink>> sinks;
    for (int idx = 0; idx < 8; ++idx) {
        sinks.push_back(std::make_shared<CollectingSink>());
        ASSERT_TRUE(engine.submit(greedy_params(prompt(idx, 10 + 7 * idx), 24), sinks.back()).ok());
    }
    for (int idx = 0; idx < 8; ++idx) {
        sinks[static_cast<size_t>(idx)]->wait();
        EXPECT_EQ(sinks[static_cast<size_t>(idx)]->tokens(), expected[static_cast<size_t>(idx)]) << "request " << idx;
        EXPECT_EQ(sinks[static_cast<size_t>(idx)]->reason(), FinishReason::kLength);
    }
    wait_idle(engine);
    EXPECT_EQ(engine.stats().kv_blocks_in_use, 0);
}

TEST_F(LlmEngineTest, PreemptionKeepsResultsExact) {
    LlmEngineConfig config;
    config.n_ctx = 128;
    config.n_parallel = 4;
    config.n_kv_tokens = 128;  // room for one full context: four growing sequences must take turns
    config.block_size = 16;
    LlmEngine engine(*model_, *pool_, config);
    std::vector<std::vector<int32_t>> expected;
    for (int idx = 0; idx < 4; ++idx) expected.push_back(run_alone(engine, greedy_params(prompt(idx + 20, 40), 40)));
    std::vector<std::shared_ptr<CollectingSink>> sinks;
    for (int idx = 0; idx < 4; ++idx) {
        sinks.push_back(std::make_shared<CollectingSink>());
        GenerationParams params = greedy_params(prompt(idx + 20, 40), 40);
        params.priority = idx % 2 == 0 ? 1 : 3;
        ASSERT_TRUE(engine.submit(std::move(params), sinks.back()).ok());
    }
    for (int idx = 0; idx < 4; ++idx) {
        sinks[static_cast<size_t>(idx)]->wait();
        EXPECT_EQ(sinks[static_cast<size_t>(idx)]->tokens(), expected[static_cast<size_t>(idx)]) << "request " << idx;
    }
    wait_idle(engine);
    EXPECT_GT(engine.stats().preemptions, 0);
    EXPECT_EQ(engine.stats().kv_blocks_in_use, 0);
}

TEST_F(LlmEngineTest, PrefixCacheReusesAConversationsHistory) {
    LlmEngineConfig config;
    config.n_ctx = 256;
    config.n_parallel = 2;
    LlmEngine engine(*model_, *pool_, config);
    const std::vector<int32_t> history = prompt(7, 100);
    auto first = std::make_shared<CollectingSink>();
    ASSERT_TRUE(engine.submit(greedy_params(history, 8), first).ok());
    first->wait();
    EXPECT_EQ(first->usage().cached_prompt_tokens, 0);

    std::vector<int32_t> next_turn = history;
    for (int32_t token : first->tokens()) next_turn.push_back(token);
    for (int32_t token : {5, 6, 7, 8}) next_turn.push_back(token);
    const std::vector<int32_t> expected = run_alone(engine, greedy_params(next_turn, 8));  // also cached
    auto second = std::make_shared<CollectingSink>();
    ASSERT_TRUE(engine.submit(greedy_params(next_turn, 8), second).ok());
    second->wait();
    // 100 + 8 + 4 = 112 tokens: 6 full blocks of 16 are reusable (the last block is recomputed).
    EXPECT_GE(second->usage().cached_prompt_tokens, 96);
    EXPECT_EQ(second->tokens(), expected);
    EXPECT_GT(engine.stats().prefix_hits, 0);
}

TEST_F(LlmEngineTest, CancellationFreesEverything) {
    LlmEngineConfig config;
    config.n_ctx = 512;
    config.n_parallel = 2;
    LlmEngine engine(*model_, *pool_, config);
    auto sink = std::make_shared<CollectingSink>();
    auto id = engine.submit(greedy_params(prompt(3, 20), 400), sink);
    ASSERT_TRUE(id.ok());
    while (sink->tokens().size() < 3) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    EXPECT_TRUE(engine.cancel(*id));
    sink->wait();
    EXPECT_EQ(sink->reason(), FinishReason::kCancelled);
    EXPECT_LT(sink->tokens().size(), 400u);
    wait_idle(engine);
    EXPECT_EQ(engine.stats().kv_blocks_in_use, 0);
    EXPECT_FALSE(engine.cancel(*id));  // already gone
}

TEST_F(LlmEngineTest, HigherPriorityStartsFirst) {
    LlmEngineConfig config;
    config.n_ctx = 256;
    config.n_parallel = 1;
    config.aging = std::chrono::milliseconds(60000);
    LlmEngine engine(*model_, *pool_, config);
    auto blocker = std::make_shared<CollectingSink>();
    ASSERT_TRUE(engine.submit(greedy_params(prompt(1, 10), 30), blocker).ok());
    while (blocker->tokens().empty()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    auto low = std::make_shared<CollectingSink>();
    auto urgent = std::make_shared<CollectingSink>();
    GenerationParams low_params = greedy_params(prompt(2, 10), 4);
    low_params.priority = 3;
    GenerationParams urgent_params = greedy_params(prompt(3, 10), 4);
    urgent_params.priority = 0;
    ASSERT_TRUE(engine.submit(std::move(low_params), low).ok());
    ASSERT_TRUE(engine.submit(std::move(urgent_params), urgent).ok());
    low->wait();
    urgent->wait();
    EXPECT_LT(urgent->first_token_order(), low->first_token_order());
}

TEST_F(LlmEngineTest, SeveralChoicesShareThePrompt) {
    LlmEngineConfig config;
    config.n_ctx = 256;
    config.n_parallel = 4;
    LlmEngine engine(*model_, *pool_, config);
    GenerationParams params = greedy_params(prompt(9, 50), 12);
    params.n_choices = 3;
    params.sampling.temperature = 1.0f;
    params.sampling.seed = 42;
    auto sink = std::make_shared<CollectingSink>(3);
    ASSERT_TRUE(engine.submit(params, sink).ok());
    sink->wait();
    EXPECT_NE(sink->tokens(0), sink->tokens(1));
    auto again = std::make_shared<CollectingSink>(3);
    ASSERT_TRUE(engine.submit(params, again).ok());
    again->wait();
    for (int choice = 0; choice < 3; ++choice) EXPECT_EQ(again->tokens(choice), sink->tokens(choice));
}

TEST_F(LlmEngineTest, EmbeddingIsTheMeanFinalHiddenState) {
    LlmEngineConfig config;
    config.n_ctx = 256;
    config.max_step_tokens = 32;  // a 70-token input takes three steps
    LlmEngine engine(*model_, *pool_, config);
    const std::vector<int32_t> tokens = prompt(11, 70);
    auto pooled = engine.embed(tokens);
    ASSERT_TRUE(pooled.ok()) << pooled.error().message;

    SessionConfig session_config;
    session_config.n_ctx = 256;
    session_config.n_batch = 256;
    session_config.max_output_rows = 70;
    session_config.n_threads = 2;
    auto session = LlmSession::create(*model_, session_config);
    ASSERT_TRUE((*session)->feed(tokens, OutputRows::kAll).ok());
    const int64_t n_embd = model_->hparams().n_embd;
    for (int64_t dim = 0; dim < n_embd; ++dim) {
        double mean = 0;
        for (int32_t row = 0; row < 70; ++row) mean += (*session)->hidden(row)[dim];
        mean /= 70;
        EXPECT_NEAR((*pooled)[static_cast<size_t>(dim)], mean, 2e-3) << "dimension " << dim;
    }
}

TEST_F(LlmEngineTest, RefusesWhatCannotFit) {
    LlmEngineConfig config;
    config.n_ctx = 64;
    LlmEngine engine(*model_, *pool_, config);
    auto sink = std::make_shared<CollectingSink>();
    auto too_long = engine.submit(greedy_params(prompt(1, 64), 1), sink);
    ASSERT_FALSE(too_long.ok());
    EXPECT_EQ(too_long.error().code, Errc::kOutOfRange);
    auto too_many = engine.submit(greedy_params(prompt(1, 30), 40), sink);
    ASSERT_FALSE(too_many.ok());
    EXPECT_NE(too_many.error().message.find("exceeds the context of 64"), std::string::npos);
    GenerationParams bad_token = greedy_params({1, 999999}, 1);
    EXPECT_FALSE(engine.submit(bad_token, sink).ok());
}

TEST_F(LlmEngineTest, DeadlinePassedWhileQueuedIsATimeout) {
    LlmEngineConfig config;
    config.n_ctx = 256;
    config.n_parallel = 1;
    LlmEngine engine(*model_, *pool_, config);
    auto blocker = std::make_shared<CollectingSink>();
    ASSERT_TRUE(engine.submit(greedy_params(prompt(1, 10), 40), blocker).ok());
    auto late = std::make_shared<CollectingSink>();
    GenerationParams params = greedy_params(prompt(2, 10), 4);
    params.deadline = std::chrono::steady_clock::now();
    ASSERT_TRUE(engine.submit(std::move(params), late).ok());
    late->wait();
    ASSERT_TRUE(late->error().has_value());
    EXPECT_EQ(late->error()->code, Errc::kTimeout);
    blocker->wait();
}

}  // namespace
}  // namespace hearth::engine
