// Many requests at once through the whole scheduler: random priorities, prompt lengths, output
// lengths and cancellations (before and after they start). Every request ends exactly once
// (finished or cancelled), the KV block pool is whole at the end, and higher priorities wait
// less. Labelled `threads`: it also runs under ThreadSanitizer (kept small for that).
#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <random>
#include <thread>

#include "serving/scheduler.h"
#include "tests/util/process.h"

namespace hearth::serving {
namespace {

// Counts events; ends once (a second end is a test failure).
class CountingSink final : public GenerateSink {
public:
    void on_token(const TokenEvent&) override {
        std::lock_guard lock(mutex_);
        ++tokens_;
    }
    void on_finish(const FinishEvent& event) override {
        std::lock_guard lock(mutex_);
        ++ends_;
        reason_ = event.reason;
        queue_seconds_ = event.timings.queue_seconds;
        cv_.notify_all();
    }
    void on_error(const Error& error) override {
        std::lock_guard lock(mutex_);
        ++ends_;
        error_ = error.message;
        cv_.notify_all();
    }
    bool wait(std::chrono::seconds limit) {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, limit, [&] { return ends_ > 0; });
    }
    int ends() {
        std::lock_guard lock(mutex_);
        return ends_;
    }
    FinishReason reason() {
        std::lock_guard lock(mutex_);
        return reason_;
    }
    std::string error() {
        std::lock_guard lock(mutex_);
        return error_;
    }
    double queue_seconds() {
        std::lock_guard lock(mutex_);
        return queue_seconds_;
    }
    int tokens() {
        std::lock_guard lock(mutex_);
        return tokens_;
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    int ends_ = 0;
    int tokens_ = 0;
    FinishReason reason_ = FinishReason::kError;
    double queue_seconds_ = 0;
    std::string error_;
};

TEST(MixedLoad, RandomPrioritiesLengthsAndCancellationsAllEndAndLeaveThePoolWhole) {
    test::TempDir dir;
    ASSERT_EQ(test::generate_model(dir.file("tiny.gguf"), "--arch llama --ctx 2048 --n-layer 1 --n-embd 64 --n-ff 128 "
                                                          "--n-head 2 --n-head-kv 1"),
              "");
    ServiceConfig config;
    ASSERT_TRUE(config.catalog.add_directory(dir.path().string()).ok());
    config.manager.budget_bytes = 1ull << 30;
    config.manager.n_threads = 1;  // the threads under test are the service's, not the kernels'
    config.manager.n_ctx = 2048;
    config.manager.n_parallel = 2;
    config.max_queued = 1000;
    // Priorities strictly (no aging within the run, however slow the sanitizer makes it), so the
    // median waits must order by priority.
    config.manager.aging = std::chrono::minutes(10);
    auto service = make_service(std::move(config));
    ASSERT_TRUE(service->load_model("tiny").ok());

    // Two long requests hold both sequence slots while the mix is submitted, so every request of
    // the mix waits in the engine's queue however fast or slow this machine (or the sanitizer)
    // is; then they are cancelled and the queue drains by priority.
    std::vector<std::shared_ptr<CountingSink>> blockers;
    std::vector<RequestId> blocker_ids;
    for (int idx = 0; idx < 2; ++idx) {
        GenerateRequest request;
        request.model = "tiny";
        request.prompt = "a long story";
        request.max_tokens = 2000;
        request.ignore_eos = true;
        blockers.push_back(std::make_shared<CountingSink>());
        auto id = service->submit(request, blockers.back());
        ASSERT_TRUE(id.ok());
        blocker_ids.push_back(*id);
    }
    for (auto& blocker : blockers)
        while (blocker->tokens() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));

    constexpr int kRequests = 200;
    std::mt19937 rng(7);
    std::vector<std::shared_ptr<CountingSink>> sinks;
    std::vector<RequestId> ids;
    std::vector<Priority> priorities;
    std::vector<bool> to_cancel;
    const std::string words = "the fire in the hearth was warm and bright and we sat by it every night ";
    for (int idx = 0; idx < kRequests; ++idx) {
        GenerateRequest request;
        request.model = "tiny";
        request.prompt = words.substr(0, 4 + rng() % (words.size() - 4));
        request.max_tokens = 1 + static_cast<int32_t>(rng() % 12);
        request.ignore_eos = true;
        request.sampling.temperature = 0;
        request.priority = static_cast<Priority>(rng() % kPriorityCount);
        auto sink = std::make_shared<CountingSink>();
        auto id = service->submit(request, sink);
        ASSERT_TRUE(id.ok()) << id.error().message;
        sinks.push_back(sink);
        ids.push_back(*id);
        priorities.push_back(request.priority);
        to_cancel.push_back(rng() % 10 == 0);
    }
    for (auto& blocker : blockers) EXPECT_EQ(blocker->ends(), 0) << "a blocker ended before the mix was queued";
    for (RequestId id : blocker_ids) ASSERT_TRUE(service->cancel(id).ok());
    // Cancel a tenth from another thread while the engine works (some queued, some running,
    // some already finished: then cancel() says kNotFound).
    std::thread canceller([&] {
        for (int idx = 0; idx < kRequests; ++idx) {
            if (!to_cancel[idx]) continue;
            Status status = service->cancel(ids[idx]);
            if (!status.ok()) {
                EXPECT_EQ(status.error().code, Errc::kNotFound);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    });
    canceller.join();
    std::vector<std::vector<double>> waits(kPriorityCount);
    int cancelled = 0;
    for (int idx = 0; idx < kRequests; ++idx) {
        ASSERT_TRUE(sinks[idx]->wait(std::chrono::seconds(120))) << "request " << idx << " never ended";
        EXPECT_TRUE(sinks[idx]->error().empty()) << sinks[idx]->error();
        if (sinks[idx]->reason() == FinishReason::kCancelled) {
            EXPECT_TRUE(to_cancel[idx]) << "request " << idx << " was cancelled but nobody asked";
            ++cancelled;
        } else {
            EXPECT_EQ(sinks[idx]->reason(), FinishReason::kLength);
            waits[static_cast<int>(priorities[idx])].push_back(sinks[idx]->queue_seconds());
        }
    }
    // Let late events land, then check each request ended exactly once.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    for (int idx = 0; idx < kRequests; ++idx) EXPECT_EQ(sinks[idx]->ends(), 1) << "request " << idx;
    const QueueStats stats = service->queue_stats();
    for (auto& blocker : blockers) {
        EXPECT_EQ(blocker->ends(), 1);
        EXPECT_EQ(blocker->reason(), FinishReason::kCancelled);
    }
    EXPECT_EQ(stats.completed + stats.cancelled, kRequests + 2);
    EXPECT_EQ(stats.cancelled, cancelled + 2);
    EXPECT_EQ(stats.failed, 0);
    EXPECT_EQ(stats.active, 0);
    const ModelInfo info = *service->model_info("tiny");
    EXPECT_GT(info.kv_blocks_total, 0);
    EXPECT_EQ(info.kv_blocks_in_use, 0) << "blocks leaked";
    auto median = [](std::vector<double> values) {
        std::sort(values.begin(), values.end());
        return values.empty() ? 0.0 : values[values.size() / 2];
    };
    // Everything was submitted at once, so urgent requests waited less than low ones.
    std::printf("served %d, cancelled %d; median queue wait urgent %.1f ms, low %.1f ms\n", kRequests - cancelled,
                cancelled, 1000 * median(waits[0]), 1000 * median(waits[3]));
    ASSERT_FALSE(waits[0].empty());
    ASSERT_FALSE(waits[3].empty());
    EXPECT_LT(median(waits[0]), median(waits[3]));
}

}  // namespace
}  // namespace hearth::serving
