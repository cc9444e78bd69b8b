// One model, one sequence, one KV cache: the engine as the command-line tools use it
// (`hearth run`, `perplexity`, `bench`). The server's scheduler drives LlmExecutor directly with
// many sequences; this class is the simple, single-stream way in.
// Threads: a session is used by one thread at a time.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "arch/llm_model.h"
#include "base/result.h"
#include "base/thread_pool.h"
#include "engine/llm/block_pool.h"
#include "engine/llm/executor.h"
#include "engine/llm/kv_cache.h"
#include "engine/llm/sampler.h"

namespace hearth::engine {

struct SessionConfig {
    int32_t n_ctx = 2048;          // positions the sequence may hold (0: the model's training context)
    int32_t n_threads = 0;         // 0: default_thread_count()
    DType kv_type = DType::kF16;
    int32_t n_batch = 512;         // tokens per forward step when feeding a prompt
    int32_t block_size = 16;
    int32_t max_output_rows = 1;   // rows of logits one feed() may produce (perplexity: n_ctx)
};

enum class StopReason { kLength, kEndOfGeneration, kCallback };

struct GenerationStats {
    int32_t n_prompt = 0;
    int32_t n_generated = 0;
    double prompt_seconds = 0;
    double generate_seconds = 0;
    StopReason stop = StopReason::kLength;
};

class LlmSession {
public:
    static Result<std::unique_ptr<LlmSession>> create(const arch::LlmModel& model, const SessionConfig& config);

    const arch::LlmModel& model() const { return model_; }
    const SessionConfig& config() const { return config_; }
    int32_t n_past() const { return seq_.n_cached; }
    uint64_t kv_bytes() const { return cache_->bytes(); }
    uint64_t scratch_bytes() const { return executor_->scratch_bytes(); }
    ThreadPool& pool() { return *pool_; }

    // Forgets the sequence (the KV blocks return to the pool).
    void reset();

    // Appends `tokens` to the sequence, in steps of n_batch. With kLast the logits of the final
    // token are ready afterwards (logits(0)); with kAll those of every token (needs
    // tokens.size() <= max_output_rows and a single step: tokens.size() <= n_batch).
    // With kAll, `output_first` skips the first rows (perplexity scores only a chunk's tail).
    Status feed(std::span<const int32_t> tokens, OutputRows output = OutputRows::kLast,
                int32_t output_first = 0);
    const float* logits(int32_t row_idx = 0) const { return executor_->logits(row_idx); }
    const float* hidden(int32_t row_idx = 0) const { return executor_->hidden(row_idx); }

    // Feeds the prompt, then samples up to max_tokens tokens, calling on_text with each complete
    // piece of UTF-8 text (never half a character). Stops early at an end-of-generation token
    // (unless ignore_eos) or when on_text returns false. Fails before any work if the prompt plus
    // max_tokens would not fit the context.
    using TextCallback = std::function<bool(std::string_view text, int32_t token)>;
    Result<GenerationStats> generate(std::span<const int32_t> prompt, int32_t max_tokens,
                                     const SamplingParams& sampling, const TextCallback& on_text,
                                     bool ignore_eos = false);

private:
    LlmSession(const arch::LlmModel& model, const SessionConfig& config);
    Status reserve(int32_t n_positions);

    const arch::LlmModel& model_;
    SessionConfig config_;
    std::unique_ptr<ThreadPool> pool_;
    std::unique_ptr<KvCache> cache_;
    std::unique_ptr<BlockPool> blocks_;
    std::unique_ptr<LlmExecutor> executor_;
    SequenceKv seq_;
    std::vector<int32_t> history_;
};

}  // namespace hearth::engine
