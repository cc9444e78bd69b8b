// The scheduler's benchmarks, in-process over the real service (serving::make_service: model
// manager, continuous-batching engines, prefix cache), on models made by tools/gen_model.py:
//
//   batching      aggregate generated tokens/s, 8 concurrent streams vs 1 (ignore_eos, fixed
//                 max_tokens) and their ratio
//   conversation  time to first token of a conversation's second turn (1,500-token history, its
//                 KV reused from the prefix cache) over the first turn's
//   switch        two models that both fit: first-token latency of one model alone, then
//                 alternating between the two (no reload)
//   budget        a budget that fits one of two models: alternating requests evict and reload;
//                 the process's resident memory, sampled every 2 ms, against budget + baseline
//   mixed         1,000 requests with random priorities, lengths and cancellations: all end, the
//                 block pool is whole, median queue wait per priority
//
//   bench_serving [all|batching|conversation|switch|budget|mixed]... [--threads N] [--dir DIR]
// Models are written to DIR (default: a temporary folder) and reused when present.
#include <fmt/core.h>
#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "serving/scheduler.h"
#include "tests/util/process.h"

namespace hearth::bench {
namespace {

using serving::FinishReason;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// One request's events: when it was submitted, its first token, its end.
class Probe final : public serving::GenerateSink {
public:
    Probe() : submitted_(Clock::now()) {}
    void on_token(const serving::TokenEvent&) override {
        std::lock_guard lock(mutex_);
        if (tokens_++ == 0) first_token_ = since(submitted_);
    }
    void on_finish(const serving::FinishEvent& event) override {
        std::lock_guard lock(mutex_);
        finish_ = event;
        done_ = true;
        cv_.notify_all();
    }
    void on_error(const Error& error) override {
        std::lock_guard lock(mutex_);
        error_ = error.message;
        done_ = true;
        cv_.notify_all();
    }
    void wait() {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [&] { return done_; });
    }
    int tokens() {
        std::lock_guard lock(mutex_);
        return tokens_;
    }
    double first_token() {
        std::lock_guard lock(mutex_);
        return first_token_;
    }
    serving::FinishEvent finish() {
        std::lock_guard lock(mutex_);
        return finish_;
    }
    std::string error() {
        std::lock_guard lock(mutex_);
        return error_;
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    Clock::time_point submitted_;
    int tokens_ = 0;
    double first_token_ = 0;
    serving::FinishEvent finish_;
    std::string error_;
    bool done_ = false;
};

struct Options {
    std::filesystem::path dir;
    int threads = 2;
};

std::string model_file(const Options& options, const std::string& name, const std::string& args) {
    const std::string path = (options.dir / (name + ".gguf")).string();
    if (!std::filesystem::exists(path)) {
        fmt::print("generating {} ({})\n", name, args);
        std::fflush(stdout);
        if (std::string error = test::generate_model(path, args); !error.empty()) {
            fmt::print(stderr, "gen_model failed: {}\n", error);
            std::exit(1);
        }
    }
    return path;
}

// The models: "medium" (~150 MiB f32, memory-bound decode) for batching, switching and the
// budget; its qwen2 sibling; "small" (~25 MiB) for the long conversation; "tiny" for the mix.
const char* kMediumArgs = "--arch llama --ctx 2048 --n-layer 4 --n-embd 1024 --n-ff 2048 --n-head 8 --n-head-kv 4 --seed 11";
const char* kMediumQwenArgs = "--arch qwen2 --ctx 2048 --n-layer 4 --n-embd 1024 --n-ff 2048 --n-head 8 --n-head-kv 4 --seed 12";
const char* kSmallArgs = "--arch llama --ctx 2048 --n-layer 4 --n-embd 512 --n-ff 1024 --n-head 8 --n-head-kv 4 --seed 13";
const char* kTinyArgs = "--arch llama --ctx 256 --n-layer 2 --n-embd 256 --n-ff 512 --seed 14";

std::unique_ptr<serving::Service> make(const Options& options, const std::vector<std::pair<std::string, std::string>>& models,
                                       uint64_t budget_bytes, int32_t n_ctx, int32_t n_parallel,
                                       int32_t max_queued = 256) {
    serving::ServiceConfig config;
    for (const auto& [id, path] : models) {
        manager::ModelEntry entry;
        entry.id = id;
        entry.path = path;
        if (Status added = config.catalog.add(entry); !added.ok()) {
            fmt::print(stderr, "{}\n", added.error().message);
            std::exit(1);
        }
    }
    config.manager.budget_bytes = budget_bytes;
    config.manager.n_threads = options.threads;
    config.manager.n_ctx = n_ctx;
    config.manager.n_parallel = n_parallel;
    config.manager.keep_alive_ms = -1;
    config.max_queued = max_queued;
    return serving::make_service(std::move(config));
}

serving::GenerateRequest completion(const std::string& model, const std::string& prompt, int32_t max_tokens) {
    serving::GenerateRequest request;
    request.model = model;
    request.prompt = prompt;
    request.max_tokens = max_tokens;
    request.ignore_eos = true;
    request.sampling.temperature = 0;
    return request;
}

std::shared_ptr<Probe> submit(serving::Service& service, serving::GenerateRequest request,
                              serving::RequestId* id = nullptr) {
    auto probe = std::make_shared<Probe>();
    auto submitted = service.submit(std::move(request), probe);
    if (!submitted.ok()) {
        fmt::print(stderr, "submit failed: {}\n", submitted.error().message);
        std::exit(1);
    }
    if (id) *id = *submitted;
    return probe;
}

double median(std::vector<double> values) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

uint64_t resident_bytes() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
    return 0;
}

double mib(uint64_t bytes) { return static_cast<double>(bytes) / (1 << 20); }

// ---- (a) batching -------------------------------------------------------------------------------
void bench_batching(const Options& options) {
    const std::string path = model_file(options, "medium", kMediumArgs);
    auto service = make(options, {{"medium", path}}, 8ull << 30, 256, 8);
    if (Status loaded = service->load_model("medium"); !loaded.ok()) std::exit(1);
    constexpr int32_t kTokens = 64;
    auto run = [&](int n_streams) {
        std::vector<std::shared_ptr<Probe>> probes;
        const auto start = Clock::now();
        for (int idx = 0; idx < n_streams; ++idx)
            probes.push_back(submit(*service, completion("medium", "Once upon a time " + std::to_string(idx), kTokens)));
        int64_t tokens = 0;
        for (auto& probe : probes) {
            probe->wait();
            tokens += probe->tokens();
        }
        return static_cast<double>(tokens) / since(start);
    };
    run(1);  // warm-up: page cache, buffers
    const double single = run(1);
    const double batched = run(8);
    fmt::print("batching: model medium ({:.0f} MiB f32), {} tokens per stream, {} threads\n",
               mib(service->model_info("medium")->bytes), kTokens, options.threads);
    fmt::print("  1 stream:   {:8.1f} tokens/s\n", single);
    fmt::print("  8 streams:  {:8.1f} tokens/s aggregate\n", batched);
    fmt::print("  ratio:      {:8.2f}x (issue: >= 3x)\n", batched / single);
}

// ---- (b) conversation ---------------------------------------------------------------------------
void bench_conversation(const Options& options) {
    const std::string path = model_file(options, "small", kSmallArgs);
    auto service = make(options, {{"small", path}}, 8ull << 30, 2048, 2);
    if (Status loaded = service->load_model("small"); !loaded.ok()) std::exit(1);
    const std::string passage =
        "The fire in the hearth was warm and bright. We sat by it every night and told stories about the old "
        "house, the long winter, and the people who lived here before us. ";
    // A history of about 1,500 tokens: user and assistant turns of the passage.
    std::vector<serving::ChatMessage> history{{"system", "You are a helpful assistant."}};
    int32_t n_tokens = 0;
    while (n_tokens < 1500) {
        history.push_back({history.size() % 2 ? "user" : "assistant", passage});
        const std::string rendered = *service->apply_template("small", history, true);
        n_tokens = static_cast<int32_t>(service->tokenize("small", rendered, true, true)->size());
    }
    history.push_back({"user", "Tell me a story about the house."});
    auto chat = [&](const std::vector<serving::ChatMessage>& messages) {
        serving::GenerateRequest request;
        request.model = "small";
        request.messages = messages;
        request.max_tokens = 16;
        request.ignore_eos = true;
        request.sampling.temperature = 0;
        return request;
    };
    auto first = submit(*service, chat(history));
    first->wait();
    const serving::FinishEvent turn1 = first->finish();
    // Turn 2: the history, the reply as the model gave it, a new question.
    std::vector<serving::ChatMessage> next = history;
    next.push_back({"assistant", "Once there was a dog called Max."});
    next.push_back({"user", "And what happened in the morning?"});
    auto second = submit(*service, chat(next));
    second->wait();
    const serving::FinishEvent turn2 = second->finish();
    fmt::print("conversation: model small ({:.0f} MiB), {} threads\n", mib(service->model_info("small")->bytes),
               options.threads);
    fmt::print("  turn 1: prompt {:5d} tokens ({:4d} cached), time to first token {:7.1f} ms\n",
               turn1.usage.prompt_tokens, turn1.usage.cached_prompt_tokens, first->first_token() * 1000);
    fmt::print("  turn 2: prompt {:5d} tokens ({:4d} cached), time to first token {:7.1f} ms\n",
               turn2.usage.prompt_tokens, turn2.usage.cached_prompt_tokens, second->first_token() * 1000);
    fmt::print("  turn 2 / turn 1: {:.1f}% (issue: <= 15%)\n", 100.0 * second->first_token() / first->first_token());
}

// ---- (c) switching between two models that fit ----------------------------------------------------
void bench_switch(const Options& options) {
    const std::string llama = model_file(options, "medium", kMediumArgs);
    const std::string qwen = model_file(options, "medium-qwen", kMediumQwenArgs);
    auto service = make(options, {{"a", llama}, {"b", qwen}}, 8ull << 30, 256, 2);
    const std::string prompt = "Once upon a time there was a little dog";
    // The first request to each model includes its load.
    auto cold = submit(*service, completion("a", prompt, 1));
    cold->wait();
    auto cold_b = submit(*service, completion("b", prompt, 1));
    cold_b->wait();
    std::vector<double> alone, alternating_a, alternating_b;
    for (int idx = 0; idx < 6; ++idx) {
        auto probe = submit(*service, completion("a", prompt, 1));
        probe->wait();
        alone.push_back(probe->first_token());
    }
    for (int idx = 0; idx < 6; ++idx) {
        for (const char* model : {"a", "b"}) {
            auto probe = submit(*service, completion(model, prompt, 1));
            probe->wait();
            (model[0] == 'a' ? alternating_a : alternating_b).push_back(probe->first_token());
        }
    }
    bool both_loaded = true;
    for (const serving::ModelInfo& info : service->list_models())
        both_loaded = both_loaded && info.state == serving::ModelState::kLoaded;
    fmt::print("switch: models a (llama) and b (qwen2), ~{:.0f} MiB each, both fit\n",
               mib(service->model_info("a")->bytes));
    fmt::print("  first request (with load): a {:7.1f} ms, b {:7.1f} ms\n", cold->first_token() * 1000,
               cold_b->first_token() * 1000);
    fmt::print("  a alone, median first token:        {:7.1f} ms\n", median(alone) * 1000);
    fmt::print("  alternating a/b, median first token: a {:7.1f} ms, b {:7.1f} ms\n", median(alternating_a) * 1000,
               median(alternating_b) * 1000);
    fmt::print("  both still loaded (no reload): {}\n", both_loaded ? "yes" : "NO");
}

// ---- (d) a budget that fits one of two ----------------------------------------------------------------
void bench_budget(const Options& options) {
    const std::string llama = model_file(options, "medium", kMediumArgs);
    const std::string qwen = model_file(options, "medium-qwen", kMediumQwenArgs);
    uint64_t one_model = 0;
    {
        auto probe = make(options, {{"a", llama}, {"b", qwen}}, 8ull << 30, 256, 2);
        for (const char* id : {"a", "b"}) {
            if (!probe->load_model(id).ok()) std::exit(1);
            one_model = std::max(one_model, probe->model_info(id)->bytes);
        }
    }
    const uint64_t budget = one_model + one_model / 3;  // room for one, never two
    // Freed heap (earlier benchmarks, the probe) goes back to the system first, so the baseline
    // is what this process holds without models.
    malloc_trim(0);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const uint64_t baseline = resident_bytes();
    std::atomic<bool> sampling{true};
    std::atomic<uint64_t> max_resident{0};
    std::thread sampler([&] {
        while (sampling.load()) {
            const uint64_t now = resident_bytes();
            if (now > max_resident.load()) max_resident.store(now);
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
    });
    auto service = make(options, {{"a", llama}, {"b", qwen}}, budget, 256, 2);
    int ok = 0, failed = 0, never_both = 0, reloads = 0;
    std::vector<double> first_tokens;
    constexpr int kRounds = 8;
    for (int idx = 0; idx < kRounds; ++idx) {
        const std::string model = idx % 2 ? "b" : "a";
        reloads += service->model_info(model)->state != serving::ModelState::kLoaded;
        auto probe = submit(*service, completion(model, "Once upon a time", 8));
        probe->wait();
        probe->error().empty() && probe->tokens() == 8 ? ++ok : ++failed;
        first_tokens.push_back(probe->first_token());
        int loaded = 0;
        for (const serving::ModelInfo& info : service->list_models()) loaded += info.state == serving::ModelState::kLoaded;
        never_both += loaded <= 1;
        const serving::SystemStats stats = service->system_stats();
        if (stats.memory.used_bytes > stats.memory.budget_bytes) fmt::print("  ACCOUNT OVER BUDGET\n");
    }
    sampling.store(false);
    sampler.join();
    const uint64_t peak = max_resident.load();
    fmt::print("budget: two models of ~{:.0f} MiB, budget {:.0f} MiB (fits one), {} alternating requests\n",
               mib(one_model), mib(budget), kRounds);
    fmt::print("  answered {} / {}, failed {}; at most one model loaded after each: {} / {}\n", ok, kRounds, failed,
               never_both, kRounds);
    fmt::print("  requests that found their model unloaded (evicted, then reloaded): {} / {}\n", reloads, kRounds);
    fmt::print("  median first token (load included): {:.1f} ms\n", median(first_tokens) * 1000);
    fmt::print("  resident: baseline {:.1f} MiB, peak {:.1f} MiB, peak - baseline {:.1f} MiB vs budget {:.1f} MiB "
               "({})\n",
               mib(baseline), mib(peak), mib(peak - baseline), mib(budget),
               peak - baseline <= budget + (8u << 20) ? "within budget + 8 MiB slack" : "OVER");
}

// ---- (e) mixed load ------------------------------------------------------------------------------
void bench_mixed(const Options& options) {
    const std::string path = model_file(options, "tiny", kTinyArgs);
    auto service = make(options, {{"tiny", path}}, 8ull << 30, 256, 8, 1000);
    if (!service->load_model("tiny").ok()) std::exit(1);
    constexpr int kRequests = 1000;
    std::mt19937 rng(42);
    const std::string words = "the fire in the hearth was warm and bright and we sat by it every night and told "
                              "stories about the old house the long winter and the people who lived here before us ";
    std::vector<std::shared_ptr<Probe>> probes;
    std::vector<serving::RequestId> ids(kRequests);
    std::vector<serving::Priority> priorities;
    std::vector<bool> cancel;
    const auto start = Clock::now();
    for (int idx = 0; idx < kRequests; ++idx) {
        auto request = completion("tiny", words.substr(0, 8 + rng() % (words.size() - 8)), 1 + rng() % 32);
        request.priority = static_cast<serving::Priority>(rng() % serving::kPriorityCount);
        priorities.push_back(request.priority);
        cancel.push_back(rng() % 10 == 0);
        probes.push_back(submit(*service, std::move(request), &ids[idx]));
    }
    int cancel_calls = 0;
    for (int idx = 0; idx < kRequests; ++idx) {
        if (!cancel[idx]) continue;
        (void)service->cancel(ids[idx]);
        ++cancel_calls;
        std::this_thread::sleep_for(std::chrono::microseconds(rng() % 3000));
    }
    int finished = 0, cancelled = 0, errors = 0;
    std::vector<std::vector<double>> waits(serving::kPriorityCount);
    for (int idx = 0; idx < kRequests; ++idx) {
        probes[idx]->wait();
        if (!probes[idx]->error().empty()) {
            ++errors;
            continue;
        }
        const serving::FinishEvent event = probes[idx]->finish();
        if (event.reason == FinishReason::kCancelled) {
            ++cancelled;
        } else {
            ++finished;
            waits[static_cast<int>(priorities[idx])].push_back(event.timings.queue_seconds);
        }
    }
    const double elapsed = since(start);
    // The engine publishes its pool's counters after each step: the last finish may be one step
    // ahead of them.
    serving::ModelInfo info = *service->model_info("tiny");
    for (int tries = 0; tries < 100 && info.kv_blocks_in_use != 0; ++tries) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        info = *service->model_info("tiny");
    }
    const serving::QueueStats stats = service->queue_stats();
    fmt::print("mixed: {} requests (random priority, prompt length, max_tokens 1..32; {} cancel calls), {:.1f} s\n",
               kRequests, cancel_calls, elapsed);
    fmt::print("  finished {}, cancelled {}, errors {} (sum {}); queue counters completed {} cancelled {} failed {}\n",
               finished, cancelled, errors, finished + cancelled + errors, stats.completed, stats.cancelled,
               stats.failed);
    fmt::print("  KV pool: {} blocks, {} in use at the end ({}), {} cached\n", info.kv_blocks_total,
               info.kv_blocks_in_use, info.kv_blocks_in_use == 0 ? "whole" : "LEAK", info.kv_blocks_cached);
    for (int level = 0; level < serving::kPriorityCount; ++level)
        fmt::print("  {:6s}: {:4d} served, median queue wait {:8.1f} ms\n",
                   serving::priority_name(static_cast<serving::Priority>(level)), waits[level].size(),
                   median(waits[level]) * 1000);
}

}  // namespace
}  // namespace hearth::bench

int main(int argc, char** argv) {
    using namespace hearth::bench;
    Options options;
    std::vector<std::string> which;
    for (int idx = 1; idx < argc; ++idx) {
        const std::string arg = argv[idx];
        if (arg == "--threads" && idx + 1 < argc) options.threads = std::stoi(argv[++idx]);
        else if (arg == "--dir" && idx + 1 < argc) options.dir = argv[++idx];
        else which.push_back(arg);
    }
    if (which.empty() || std::find(which.begin(), which.end(), "all") != which.end())
        which = {"batching", "conversation", "switch", "budget", "mixed"};
    std::unique_ptr<hearth::test::TempDir> temp;
    if (options.dir.empty()) {
        temp = std::make_unique<hearth::test::TempDir>();
        options.dir = temp->path();
    }
    std::filesystem::create_directories(options.dir);
    for (const std::string& name : which) {
        const auto start = Clock::now();
        if (name == "batching") bench_batching(options);
        else if (name == "conversation") bench_conversation(options);
        else if (name == "switch") bench_switch(options);
        else if (name == "budget") bench_budget(options);
        else if (name == "mixed") bench_mixed(options);
        else {
            fmt::print(stderr, "unknown benchmark '{}'\n", name);
            return 2;
        }
        fmt::print("  ({} took {:.1f} s)\n\n", name, since(start));
        std::fflush(stdout);
    }
    return 0;
}
