// LlmEngine: one loaded language model serving many sequences with continuous batching.
//
// A step-loop thread repeats three calls (vLLM's shape):
//   schedule()  running sequences first (one decode token each), then prefill chunks, then
//               waiting sequences by (effective priority, arrival) within a token budget;
//               KV blocks come from the prefix-caching BlockPool; when it is full the
//               lowest-priority, latest-arrived running sequence is preempted (its blocks return
//               to the pool, cached ones stay reusable) and requeued to be recomputed later
//   execute()   one LlmExecutor step over every scheduled sequence
//   update()    sample, stream text, finish sequences, register full blocks in the prefix cache
// Sequences join and leave between steps. Priority ages: a waiting sequence moves up one level per
// aging interval, so a low-priority request waits at most ~3 intervals before it is first in line.
//
// Threads: submit(), cancel(), embed() and stats() may be called from any thread. Sinks are
// called on the step-loop thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "arch/llm_model.h"
#include "base/result.h"
#include "base/thread_pool.h"
#include "engine/llm/block_pool.h"
#include "engine/llm/executor.h"
#include "engine/llm/generation.h"
#include "engine/llm/kv_cache.h"

namespace hearth::engine {

struct LlmEngineConfig {
    int32_t n_ctx = 4096;             // positions one sequence may hold
    int32_t n_parallel = 4;           // sequences decoded together at most
    int32_t n_kv_tokens = 0;          // KV pool size in tokens; 0: n_ctx * n_parallel
    int32_t block_size = 16;
    DType kv_type = DType::kF16;
    int32_t max_step_tokens = 512;    // token budget of one step (prompts are prefilled in chunks)
    std::chrono::milliseconds aging{2000};  // a waiting sequence gains one priority level per interval
};

struct EngineStats {
    int64_t running = 0;
    int64_t waiting[4] = {0, 0, 0, 0};  // by priority
    int64_t kv_blocks_total = 0;
    int64_t kv_blocks_in_use = 0;
    int64_t kv_blocks_cached = 0;
    int64_t prefix_hits = 0;           // blocks reused from the prefix cache
    int64_t preemptions = 0;
    int64_t steps = 0;
    int64_t prompt_tokens = 0;         // computed (not cached) prompt tokens
    int64_t generated_tokens = 0;
};

class LlmEngine {
public:
    LlmEngine(const arch::LlmModel& model, ThreadPool& compute, const LlmEngineConfig& config);
    ~LlmEngine();  // cancels everything and stops the loop
    LlmEngine(const LlmEngine&) = delete;
    LlmEngine& operator=(const LlmEngine&) = delete;

    const arch::LlmModel& model() const { return model_; }
    const LlmEngineConfig& config() const { return config_; }
    // Bytes this engine allocated: KV cache and working buffers.
    uint64_t kv_bytes() const { return cache_->bytes(); }
    uint64_t scratch_bytes() const { return executor_->scratch_bytes(); }
    // Bytes an engine with this configuration would allocate (for load-time budgeting).
    static uint64_t estimate_bytes(const arch::LlmHParams& hparams, const LlmEngineConfig& config);

    // Queues a generation; validates it first (kInvalidArgument / kOutOfRange, nothing queued).
    Result<uint64_t> submit(GenerationParams params, std::shared_ptr<GenerationSink> sink);
    // Cancels a queued or running request (its unfinished choices finish with kCancelled within
    // one step). False if the id is unknown or already finished.
    bool cancel(uint64_t request_id);
    // Mean-pooled final hidden state of `tokens` (computed through the step loop, priority as
    // given). Blocks until done.
    Result<std::vector<float>> embed(std::vector<int32_t> tokens, int priority = 2);

    EngineStats stats() const;
    // True when nothing is queued or running.
    bool idle() const;
    // Drops every cached (unreferenced) KV block: memory pressure relief.
    void release_cached_blocks();

private:
    struct Request;
    struct Sequence;
    struct ScheduledItem;

    void loop();
    void publish();
    void take_inbox();
    void schedule(std::vector<ScheduledItem>& plan);
    void update(std::vector<ScheduledItem>& plan);
    bool reserve_blocks(Sequence& seq, int32_t n_positions);
    bool preempt_below(const Sequence& requester, std::chrono::steady_clock::time_point now);
    void preempt(Sequence& victim);
    bool ranks_below(const Sequence& a, const Sequence& b, std::chrono::steady_clock::time_point now) const;
    void admit_prefix(Sequence& seq);
    void register_full_blocks(Sequence& seq);
    void release_blocks(Sequence& seq);
    void finish(Sequence& seq, FinishReason reason);
    void fail_request(Request& request, const Error& error);
    void emit_token(Sequence& seq, int32_t token, const float* logits);
    int effective_priority(const Sequence& seq, std::chrono::steady_clock::time_point now) const;

    const arch::LlmModel& model_;
    ThreadPool& compute_;
    LlmEngineConfig config_;
    std::unique_ptr<KvCache> cache_;
    std::unique_ptr<BlockPool> blocks_;
    std::unique_ptr<LlmExecutor> executor_;

    // Inbox: filled by any thread, drained by the loop.
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::vector<std::shared_ptr<Request>> submitted_;
    std::vector<uint64_t> cancelled_;
    std::unordered_map<uint64_t, std::shared_ptr<Request>> active_;  // submitted and not yet done
    bool stop_ = false;
    bool release_cached_ = false;
    std::atomic<uint64_t> next_id_{1};

    // Loop-owned state (published to stats() under mutex_).
    std::vector<std::unique_ptr<Sequence>> running_;
    std::deque<std::unique_ptr<Sequence>> waiting_;
    EngineStats stats_;
    std::thread thread_;
};

}  // namespace hearth::engine
