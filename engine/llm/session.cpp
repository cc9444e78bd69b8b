#include "engine/llm/session.h"

#include "base/time.h"
#include "text/stream_decoder.h"

namespace hearth::engine {

LlmSession::LlmSession(const arch::LlmModel& model, const SessionConfig& config)
    : model_(model), config_(config) {}

Result<std::unique_ptr<LlmSession>> LlmSession::create(const arch::LlmModel& model, const SessionConfig& config) {
    SessionConfig resolved = config;
    const arch::LlmHParams& hp = model.hparams();
    if (resolved.n_ctx <= 0) resolved.n_ctx = static_cast<int32_t>(std::min<int64_t>(hp.n_ctx_train, 1 << 20));
    if (resolved.n_ctx > (1 << 20))
        return Error::make(Errc::kInvalidArgument, "context of {} tokens is too large (at most {})", resolved.n_ctx,
                           1 << 20);
    if (resolved.n_threads <= 0) resolved.n_threads = default_thread_count();
    if (resolved.n_batch <= 0 || resolved.block_size <= 0 || resolved.max_output_rows <= 0)
        return Error::make(Errc::kInvalidArgument, "batch, block size and output rows must be positive");
    resolved.n_batch = std::min(resolved.n_batch, resolved.n_ctx);
    if (resolved.kv_type != DType::kF16 && resolved.kv_type != DType::kF32)
        return Error::make(Errc::kInvalidArgument, "the KV cache type must be f16 or f32");

    auto session = std::unique_ptr<LlmSession>(new LlmSession(model, resolved));
    session->pool_ = std::make_unique<ThreadPool>(resolved.n_threads);
    KvCacheConfig kv;
    kv.block_size = resolved.block_size;
    kv.n_blocks = (resolved.n_ctx + resolved.block_size - 1) / resolved.block_size;
    kv.type = resolved.kv_type;
    session->cache_ = std::make_unique<KvCache>(hp, kv);
    session->blocks_ = std::make_unique<BlockPool>(kv.n_blocks);
    ExecutorConfig exec;
    exec.max_step_tokens = resolved.n_batch;
    exec.max_output_rows = std::max(resolved.max_output_rows, 1);
    session->executor_ = std::make_unique<LlmExecutor>(model, *session->cache_, exec);
    return session;
}

void LlmSession::reset() {
    for (int32_t block : seq_.block_table) blocks_->release(block);
    seq_ = SequenceKv{};
    history_.clear();
}

Status LlmSession::reserve(int32_t n_positions) {
    if (n_positions > config_.n_ctx)
        return Error::make(Errc::kOutOfRange, "the sequence would need {} positions; the context holds {}",
                           n_positions, config_.n_ctx);
    const int32_t n_blocks = (n_positions + config_.block_size - 1) / config_.block_size;
    while (static_cast<int32_t>(seq_.block_table.size()) < n_blocks) {
        HEARTH_ASSIGN_OR_RETURN(int32_t block, blocks_->allocate());
        seq_.block_table.push_back(block);
    }
    return {};
}

Status LlmSession::feed(std::span<const int32_t> tokens, OutputRows output, int32_t output_first) {
    if (tokens.empty()) return {};
    if (output == OutputRows::kAll &&
        (tokens.size() - static_cast<size_t>(output_first) > static_cast<size_t>(config_.max_output_rows) ||
         tokens.size() > static_cast<size_t>(config_.n_batch)))
        return Error::make(Errc::kInvalidArgument, "logits for {} tokens need one step of at most {} tokens and {} rows",
                           tokens.size(), config_.n_batch, config_.max_output_rows);
    HEARTH_TRY(reserve(seq_.n_cached + static_cast<int32_t>(tokens.size())));
    for (size_t begin = 0; begin < tokens.size(); begin += static_cast<size_t>(config_.n_batch)) {
        const size_t end = std::min(tokens.size(), begin + static_cast<size_t>(config_.n_batch));
        StepItem item;
        item.seq = &seq_;
        item.tokens = tokens.subspan(begin, end - begin);
        item.output = end == tokens.size() ? output : OutputRows::kNone;
        item.output_first = output_first;
        HEARTH_TRY(executor_->execute(std::span<const StepItem>(&item, 1), *pool_));
    }
    history_.insert(history_.end(), tokens.begin(), tokens.end());
    return {};
}

Result<GenerationStats> LlmSession::generate(std::span<const int32_t> prompt, int32_t max_tokens,
                                             const SamplingParams& sampling, const TextCallback& on_text,
                                             bool ignore_eos) {
    GenerationStats stats;
    if (prompt.empty()) return Error::make(Errc::kInvalidArgument, "the prompt is empty (no tokens)");
    if (max_tokens < 0) return Error::make(Errc::kInvalidArgument, "max tokens {} is negative", max_tokens);
    const int64_t needed = static_cast<int64_t>(seq_.n_cached) + static_cast<int64_t>(prompt.size()) + max_tokens;
    if (needed > config_.n_ctx)
        return Error::make(Errc::kOutOfRange,
                           "the prompt ({} tokens) plus up to {} new tokens needs {} positions, but the context "
                           "holds {} (raise --ctx or lower -n)",
                           prompt.size(), max_tokens, needed, config_.n_ctx);
    HEARTH_TRY(sampling.validate(model_.hparams().n_vocab));

    Sampler sampler(sampling, model_.hparams().n_vocab);
    text::StreamDecoder decoder(model_.tokenizer(), text::StreamDecoder::Options{.render_special = false, .starts_text = false});
    const auto start = Clock::now();
    HEARTH_TRY(feed(prompt));
    stats.n_prompt = static_cast<int32_t>(prompt.size());
    stats.prompt_seconds = seconds_since(start);

    const auto gen_start = Clock::now();
    const std::span<const float> vocab_logits(logits(0), static_cast<size_t>(model_.hparams().n_vocab));
    for (int32_t gen_idx = 0; gen_idx < max_tokens; ++gen_idx) {
        const int32_t token = sampler.sample(std::span<const float>(logits(0), vocab_logits.size()), history_);
        ++stats.n_generated;
        if (!ignore_eos && model_.tokenizer().is_end_of_generation(token)) {
            stats.stop = StopReason::kEndOfGeneration;
            break;
        }
        const std::string piece = decoder.push(token);
        if (!piece.empty() && !on_text(piece, token)) {
            stats.stop = StopReason::kCallback;
            break;
        }
        if (gen_idx + 1 == max_tokens) break;  // the last token needs no forward pass
        const int32_t next[1] = {token};
        HEARTH_TRY(feed(next));
    }
    const std::string rest = decoder.flush();
    if (!rest.empty()) on_text(rest, -1);
    stats.generate_seconds = seconds_since(gen_start);
    return stats;
}

}  // namespace hearth::engine
