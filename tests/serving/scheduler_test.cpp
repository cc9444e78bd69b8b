// The scheduler over real models: two generated models, a memory budget, the whole path from
// submit() to the sink.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "serving/scheduler.h"
#include "tests/util/process.h"

namespace hearth::serving {
namespace {

class Collector final : public GenerateSink {
public:
    void on_token(const TokenEvent& event) override {
        std::lock_guard<std::mutex> lock(mutex_);
        text_ += event.text;
        ++tokens_;
    }
    void on_finish(const FinishEvent& event) override {
        std::lock_guard<std::mutex> lock(mutex_);
        reason_ = event.reason;
        usage_ = event.usage;
        done_ = true;
        cv_.notify_all();
    }
    void on_error(const Error& error) override {
        std::lock_guard<std::mutex> lock(mutex_);
        error_ = error;
        done_ = true;
        cv_.notify_all();
    }
    bool wait(int seconds = 60) {
        std::unique_lock<std::mutex> lock(mutex_);
        return cv_.wait_for(lock, std::chrono::seconds(seconds), [&] { return done_; });
    }
    std::optional<Error> error() {
        std::lock_guard<std::mutex> lock(mutex_);
        return error_;
    }
    FinishReason reason() {
        std::lock_guard<std::mutex> lock(mutex_);
        return reason_;
    }
    int tokens() {
        std::lock_guard<std::mutex> lock(mutex_);
        return tokens_;
    }
    Usage usage() {
        std::lock_guard<std::mutex> lock(mutex_);
        return usage_;
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    std::string text_;
    int tokens_ = 0;
    FinishReason reason_ = FinishReason::kError;
    Usage usage_;
    std::optional<Error> error_;
    bool done_ = false;
};

class SchedulerTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new test::TempDir();
        ASSERT_EQ(test::generate_model(dir_->file("alpha.gguf"), "--arch llama --ctx 256"), "");
        ASSERT_EQ(test::generate_model(dir_->file("beta.gguf"), "--arch qwen2 --ctx 256"), "");
    }
    static void TearDownTestSuite() { delete dir_; }

    static std::unique_ptr<Service> service(uint64_t budget_bytes = 1ull << 30, int32_t max_queued = 64) {
        ServiceConfig config;
        EXPECT_TRUE(config.catalog.add_directory(dir_->path().string()).ok());
        config.manager.budget_bytes = budget_bytes;
        config.manager.n_threads = 2;
        config.manager.n_ctx = 256;
        config.manager.n_parallel = 2;
        config.max_queued = max_queued;
        return make_service(std::move(config));
    }
    static GenerateRequest completion(const std::string& model, int max_tokens = 8) {
        GenerateRequest request;
        request.model = model;
        request.prompt = "Once upon a time";
        request.max_tokens = max_tokens;
        request.sampling.temperature = 0;
        request.ignore_eos = true;
        return request;
    }
    static ModelInfo info(Service& service, const std::string& id) { return *service.model_info(id); }

    static inline test::TempDir* dir_ = nullptr;
};

TEST_F(SchedulerTest, CompletionAndChatStream) {
    auto svc = service();
    auto sink = std::make_shared<Collector>();
    ASSERT_TRUE(svc->submit(completion("alpha", 12), sink).ok());
    ASSERT_TRUE(sink->wait());
    EXPECT_FALSE(sink->error().has_value());
    EXPECT_EQ(sink->tokens(), 12);
    EXPECT_EQ(sink->reason(), FinishReason::kLength);
    EXPECT_GT(sink->usage().prompt_tokens, 1);

    GenerateRequest chat;
    chat.model = "beta";
    chat.messages = {{"system", "Be brief."}, {"user", "Hello"}};
    chat.max_tokens = 6;
    chat.ignore_eos = true;
    auto chat_sink = std::make_shared<Collector>();
    ASSERT_TRUE(svc->submit(chat, chat_sink).ok());
    ASSERT_TRUE(chat_sink->wait());
    EXPECT_FALSE(chat_sink->error().has_value());
    auto rendered = svc->apply_template("beta", chat.messages, true);
    ASSERT_TRUE(rendered.ok()) << rendered.error().message;
    EXPECT_NE(rendered->find("Be brief."), std::string::npos);
    EXPECT_EQ(info(*svc, "beta").state, ModelState::kLoaded);
}

TEST_F(SchedulerTest, UnknownModelAndBadRequestsFailAtOnce) {
    auto svc = service();
    auto sink = std::make_shared<Collector>();
    auto unknown = svc->submit(completion("gamma"), sink);
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().code, Errc::kNotFound);
    auto traversal = svc->submit(completion("../alpha"), sink);
    EXPECT_EQ(traversal.error().code, Errc::kNotFound);
    GenerateRequest neither = completion("alpha");
    neither.prompt.reset();
    EXPECT_EQ(svc->submit(neither, sink).error().code, Errc::kInvalidArgument);
    GenerateRequest too_long = completion("alpha", 10000);
    auto refused = std::make_shared<Collector>();
    ASSERT_TRUE(svc->submit(too_long, refused).ok());  // known only once the model is loaded
    ASSERT_TRUE(refused->wait());
    ASSERT_TRUE(refused->error().has_value());
    EXPECT_EQ(refused->error()->code, Errc::kOutOfRange);
}

TEST_F(SchedulerTest, TwoModelsThatFitStayLoaded) {
    auto svc = service();
    for (int round = 0; round < 3; ++round) {
        for (const char* model : {"alpha", "beta"}) {
            auto sink = std::make_shared<Collector>();
            ASSERT_TRUE(svc->submit(completion(model, 4), sink).ok());
            ASSERT_TRUE(sink->wait());
            EXPECT_FALSE(sink->error().has_value());
        }
    }
    EXPECT_EQ(info(*svc, "alpha").state, ModelState::kLoaded);
    EXPECT_EQ(info(*svc, "beta").state, ModelState::kLoaded);
}

TEST_F(SchedulerTest, BudgetForOneModelSwapsWithoutDroppingRequests) {
    // Measure one model's size, then give the service room for exactly one.
    uint64_t one_model = 0;
    {
        auto probe = service();
        ASSERT_TRUE(probe->load_model("alpha").ok());
        ASSERT_TRUE(probe->load_model("beta").ok());
        one_model = std::max(info(*probe, "alpha").bytes, info(*probe, "beta").bytes);
    }
    auto svc = service(one_model + one_model / 2);
    std::vector<std::shared_ptr<Collector>> sinks;
    for (int idx = 0; idx < 6; ++idx) {  // alternate: each request may need a swap
        sinks.push_back(std::make_shared<Collector>());
        ASSERT_TRUE(svc->submit(completion(idx % 2 ? "beta" : "alpha", 4), sinks.back()).ok());
        ASSERT_TRUE(sinks.back()->wait());
        EXPECT_FALSE(sinks.back()->error().has_value()) << sinks.back()->error()->message;
        const SystemStats stats = svc->system_stats();
        EXPECT_LE(stats.memory.used_bytes, stats.memory.budget_bytes);
    }
    // Both models were in use at some point, never together.
    const SystemStats stats = svc->system_stats();
    int loaded = 0;
    for (const ModelInfo& model : stats.models) loaded += model.state == ModelState::kLoaded;
    EXPECT_EQ(loaded, 1);
}

TEST_F(SchedulerTest, ModelLargerThanTheBudgetIsRefused) {
    auto svc = service(1 << 20);  // 1 MiB
    auto sink = std::make_shared<Collector>();
    ASSERT_TRUE(svc->submit(completion("alpha"), sink).ok());
    ASSERT_TRUE(sink->wait());
    ASSERT_TRUE(sink->error().has_value());
    EXPECT_EQ(sink->error()->code, Errc::kResourceExhausted);
    EXPECT_NE(sink->error()->message.find("more than the whole memory budget"), std::string::npos);
    EXPECT_EQ(info(*svc, "alpha").state, ModelState::kFailed);
}

TEST_F(SchedulerTest, CancelWhileQueuedAndWhileRunning) {
    auto svc = service();
    auto running = std::make_shared<Collector>();
    auto id = svc->submit(completion("alpha", 200), running);
    ASSERT_TRUE(id.ok());
    ASSERT_TRUE(svc->cancel(*id).ok());  // likely still waiting for the model to load
    ASSERT_TRUE(running->wait());
    EXPECT_EQ(running->reason(), FinishReason::kCancelled);
    auto second = std::make_shared<Collector>();
    auto second_id = svc->submit(completion("alpha", 200), second);
    while (second->tokens() < 2) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ASSERT_TRUE(svc->cancel(*second_id).ok());
    ASSERT_TRUE(second->wait());
    EXPECT_EQ(second->reason(), FinishReason::kCancelled);
    EXPECT_LT(second->tokens(), 200);
    EXPECT_EQ(svc->cancel(*second_id).error().code, Errc::kNotFound);
    EXPECT_GE(svc->queue_stats().cancelled, 2);
}

TEST_F(SchedulerTest, FullQueueIsRefused) {
    auto svc = service(1ull << 30, 3);
    std::vector<std::shared_ptr<Collector>> sinks;
    int refused = 0;
    for (int idx = 0; idx < 12; ++idx) {
        sinks.push_back(std::make_shared<Collector>());
        auto submitted = svc->submit(completion("alpha", 60), sinks.back());
        if (!submitted.ok()) {
            EXPECT_EQ(submitted.error().code, Errc::kResourceExhausted);
            ++refused;
            sinks.pop_back();
        }
    }
    EXPECT_GT(refused, 0);
    for (auto& sink : sinks) ASSERT_TRUE(sink->wait());
}

TEST_F(SchedulerTest, EmbeddingsAreNormalised) {
    auto svc = service();
    EmbedRequest request;
    request.model = "alpha";
    request.inputs = {"hello world", "a different sentence"};
    auto result = svc->embed(request);
    ASSERT_TRUE(result.ok()) << result.error().message;
    ASSERT_EQ(result->embeddings.size(), 2u);
    for (const auto& embedding : result->embeddings) {
        double norm = 0;
        for (float value : embedding) norm += value * value;
        EXPECT_NEAR(norm, 1.0, 1e-4);
    }
    EXPECT_NE(result->embeddings[0], result->embeddings[1]);
    request.dimensions = 16;
    EXPECT_EQ(svc->embed(request)->embeddings[0].size(), 16u);
}

TEST_F(SchedulerTest, DrainCancelsWhatOutlivesTheDeadline) {
    auto svc = service();
    auto sink = std::make_shared<Collector>();
    ASSERT_TRUE(svc->submit(completion("alpha", 240), sink).ok());
    while (sink->tokens() < 1) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    svc->stop_accepting();
    auto late = svc->submit(completion("alpha"), std::make_shared<Collector>());
    ASSERT_FALSE(late.ok());
    EXPECT_EQ(late.error().code, Errc::kUnavailable);
    svc->drain(std::chrono::milliseconds(20));
    ASSERT_TRUE(sink->wait(5));
    EXPECT_EQ(sink->reason(), FinishReason::kCancelled);
}

}  // namespace
}  // namespace hearth::serving
