#include "engine/llm/engine.h"

#include <algorithm>
#include <cmath>
#include <future>

#include "base/log.h"
#include "text/stream_decoder.h"

namespace hearth::engine {

using Clock = std::chrono::steady_clock;

const char* finish_reason_name(FinishReason reason) {
    switch (reason) {
        case FinishReason::kStop: return "stop";
        case FinishReason::kLength: return "length";
        case FinishReason::kCancelled: return "cancelled";
        case FinishReason::kError: return "error";
    }
    return "error";
}

namespace {
double seconds_between(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double>(to - from).count();
}
}  // namespace

// One submitted request: its parameters, sink and the choices still running.
struct LlmEngine::Request {
    uint64_t id = 0;
    GenerationParams params;
    std::shared_ptr<GenerationSink> sink;
    Clock::time_point submitted;
    int32_t n_unfinished = 0;
    bool failed = false;
    bool prompt_ready = false;         // choice 0's prompt is in the KV cache (siblings may start)
    // Embedding requests: pooled hidden states instead of generation.
    bool embedding = false;
    std::promise<Result<std::vector<float>>> embedded;
};

// One choice of a request: a sequence of tokens with its KV blocks.
struct LlmEngine::Sequence {
    std::shared_ptr<Request> request;
    int32_t choice = 0;
    SequenceKv kv;
    std::vector<int32_t> tokens;       // prompt, then generated tokens
    int32_t n_prompt = 0;
    int32_t n_generated = 0;
    int32_t n_cached_prompt = 0;       // prompt tokens reused from the prefix cache
    bool admitted = false;             // prefix lookup done (reset by preemption)
    bool planned = false;              // in the step being scheduled
    bool finished = false;
    int32_t n_registered = 0;          // leading full blocks registered in the prefix cache
    BlockHash last_hash = 0;           // chained hash of the last registered block
    std::unique_ptr<Sampler> sampler;
    std::unique_ptr<text::StreamDecoder> decoder;
    std::optional<Clock::time_point> first_scheduled, first_token;
    std::vector<double> pooled;        // embeddings: running sum of hidden states
};

struct LlmEngine::ScheduledItem {
    Sequence* seq = nullptr;
    int32_t n_new = 0;
    bool output = false;               // this chunk reaches the end of the known tokens
    int32_t first_row = 0;             // executor output row of its first output
};

uint64_t LlmEngine::estimate_bytes(const arch::LlmHParams& hp, const LlmEngineConfig& config) {
    KvCacheConfig kv;
    kv.block_size = config.block_size;
    const int64_t n_tokens = config.n_kv_tokens > 0 ? config.n_kv_tokens
                                                    : static_cast<int64_t>(config.n_ctx) * config.n_parallel;
    kv.n_blocks = static_cast<int32_t>((n_tokens + config.block_size - 1) / config.block_size);
    kv.type = config.kv_type;
    // Working buffers: activations for max_step_tokens plus logits rows (see LlmExecutor).
    const int64_t n_wide = std::max({hp.n_embd, hp.n_embd_attn_out(), hp.n_ff});
    const int64_t per_token = hp.n_embd * 3 + n_wide * 4 + hp.n_embd_q() * 2 + hp.n_embd_k() + hp.n_embd_v() +
                              hp.n_ff * 2 + hp.rope_dims;
    const uint64_t scratch = static_cast<uint64_t>(config.max_step_tokens) * static_cast<uint64_t>(per_token) * 4 +
                             static_cast<uint64_t>(config.n_parallel) * static_cast<uint64_t>(hp.n_vocab) * 4;
    return KvCache::bytes_for(hp, kv) + scratch;
}

LlmEngine::LlmEngine(const arch::LlmModel& model, ThreadPool& compute, const LlmEngineConfig& config)
    : model_(model), compute_(compute), config_(config) {
    config_.n_ctx = std::max<int32_t>(config_.n_ctx, 16);
    config_.n_parallel = std::max<int32_t>(config_.n_parallel, 1);
    config_.max_step_tokens = std::max(config_.max_step_tokens, config_.n_parallel);
    const int64_t n_tokens = config_.n_kv_tokens > 0 ? config_.n_kv_tokens
                                                     : static_cast<int64_t>(config_.n_ctx) * config_.n_parallel;
    KvCacheConfig kv;
    kv.block_size = config_.block_size;
    // At least one full context, so any admitted sequence can always run alone.
    kv.n_blocks = static_cast<int32_t>(
        std::max<int64_t>((n_tokens + kv.block_size - 1) / kv.block_size, (config_.n_ctx + kv.block_size - 1) / kv.block_size));
    kv.type = config_.kv_type;
    cache_ = std::make_unique<KvCache>(model.hparams(), kv);
    blocks_ = std::make_unique<BlockPool>(kv.n_blocks);
    ExecutorConfig exec;
    exec.max_step_tokens = config_.max_step_tokens;
    exec.max_output_rows = config_.max_step_tokens;  // embeddings pool every row
    exec.max_logit_rows = config_.n_parallel;       // generation: one row per running sequence
    executor_ = std::make_unique<LlmExecutor>(model, *cache_, exec);
    stats_.kv_blocks_total = kv.n_blocks;
    thread_ = std::thread([this] { loop(); });
}

LlmEngine::~LlmEngine() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

Result<uint64_t> LlmEngine::submit(GenerationParams params, std::shared_ptr<GenerationSink> sink) {
    const arch::LlmHParams& hp = model_.hparams();
    if (params.prompt.empty()) return Error::make(Errc::kInvalidArgument, "the prompt is empty");
    for (int32_t token : params.prompt)
        if (token < 0 || token >= hp.n_vocab)
            return Error::make(Errc::kInvalidArgument, "prompt token {} is outside the vocabulary (0..{})", token,
                               hp.n_vocab - 1);
    const int64_t n_prompt = static_cast<int64_t>(params.prompt.size());
    if (n_prompt >= config_.n_ctx)
        return Error::make(Errc::kOutOfRange, "the prompt has {} tokens; the context holds {}", n_prompt,
                           config_.n_ctx);
    if (params.max_tokens > 0 && n_prompt + params.max_tokens > config_.n_ctx)
        return Error::make(Errc::kOutOfRange,
                           "the prompt ({} tokens) plus max_tokens ({}) exceeds the context of {} tokens", n_prompt,
                           params.max_tokens, config_.n_ctx);
    if (params.n_choices < 1 || params.n_choices > config_.n_parallel * 4)
        return Error::make(Errc::kInvalidArgument, "n = {} is outside 1..{}", params.n_choices, config_.n_parallel * 4);
    if (params.top_logprobs > 20) return Error::make(Errc::kInvalidArgument, "top_logprobs is at most 20");
    HEARTH_TRY(params.sampling.validate(hp.n_vocab));
    params.priority = std::clamp(params.priority, 0, 3);

    auto request = std::make_shared<Request>();
    request->id = next_id_.fetch_add(1);
    request->params = std::move(params);
    request->sink = std::move(sink);
    request->submitted = Clock::now();
    request->n_unfinished = request->params.n_choices;
    const uint64_t id = request->id;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stop_) return Error::make(Errc::kUnavailable, "the engine is shutting down");
        active_.emplace(id, request);
        submitted_.push_back(std::move(request));
    }
    wake_.notify_one();
    return id;
}

bool LlmEngine::cancel(uint64_t request_id) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!active_.count(request_id)) return false;
        cancelled_.push_back(request_id);
    }
    wake_.notify_one();
    return true;
}

Result<std::vector<float>> LlmEngine::embed(std::vector<int32_t> tokens, int priority) {
    const arch::LlmHParams& hp = model_.hparams();
    if (tokens.empty()) return Error::make(Errc::kInvalidArgument, "the input is empty");
    if (static_cast<int64_t>(tokens.size()) > config_.n_ctx)
        return Error::make(Errc::kOutOfRange, "the input has {} tokens; the context holds {}", tokens.size(),
                           config_.n_ctx);
    for (int32_t token : tokens)
        if (token < 0 || token >= hp.n_vocab)
            return Error::make(Errc::kInvalidArgument, "token {} is outside the vocabulary", token);
    auto request = std::make_shared<Request>();
    request->id = next_id_.fetch_add(1);
    request->params.prompt = std::move(tokens);
    request->params.priority = std::clamp(priority, 0, 3);
    request->submitted = Clock::now();
    request->n_unfinished = 1;
    request->embedding = true;
    std::future<Result<std::vector<float>>> result = request->embedded.get_future();
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stop_) return Error::make(Errc::kUnavailable, "the engine is shutting down");
        active_.emplace(request->id, request);
        submitted_.push_back(std::move(request));
    }
    wake_.notify_one();
    return result.get();
}

EngineStats LlmEngine::stats() const {
    std::lock_guard<std::mutex> lock(mutex_);
    EngineStats stats = stats_;
    for (const auto& request : submitted_) stats.waiting[request->params.priority] += request->params.n_choices;
    return stats;
}

bool LlmEngine::idle() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return active_.empty();
}

void LlmEngine::release_cached_blocks() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        release_cached_ = true;
    }
    wake_.notify_one();
}

int LlmEngine::effective_priority(const Sequence& seq, Clock::time_point now) const {
    const int base = seq.request->params.priority;
    if (config_.aging.count() <= 0) return base;
    const auto waited = now - seq.request->submitted;
    const int promoted = static_cast<int>(waited / config_.aging);
    return std::max(0, base - promoted);
}

// ---- the loop ---------------------------------------------------------------------------------

void LlmEngine::loop() {
    std::vector<ScheduledItem> plan;
    std::vector<StepItem> items;
    for (;;) {
        {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [this] {
                return stop_ || !submitted_.empty() || !cancelled_.empty() || release_cached_ || !running_.empty() ||
                       !waiting_.empty();
            });
            if (stop_) break;
        }
        take_inbox();
        schedule(plan);
        if (!plan.empty()) {
            items.clear();
            int32_t row = 0;
            for (ScheduledItem& item : plan) {
                Sequence& seq = *item.seq;
                StepItem step;
                step.seq = &seq.kv;
                step.tokens =
                    std::span<const int32_t>(seq.tokens.data() + seq.kv.n_cached, static_cast<size_t>(item.n_new));
                item.first_row = row;
                if (seq.request->embedding) {
                    // Embeddings pool the hidden state of every row of every chunk.
                    step.output = OutputRows::kAll;
                    step.logits = false;
                    row += item.n_new;
                } else if (item.output) {
                    step.output = OutputRows::kLast;
                    row += 1;
                } else {
                    step.output = OutputRows::kNone;
                }
                items.push_back(step);
            }
            Status status = executor_->execute(items, compute_);
            if (!status.ok()) {
                log::error("engine step failed: {}", status.error().message);
                for (ScheduledItem& item : plan) fail_request(*item.seq->request, status.error());
            } else {
                update(plan);
            }
        }
        publish();
        if (plan.empty()) {
            // Waiting work that cannot start yet (sibling choices): wait for a change.
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait_for(lock, std::chrono::milliseconds(5));
        }
    }
    // Shutting down: everything still here is cancelled.
    take_inbox();
    for (auto& seq : running_)
        if (!seq->finished) finish(*seq, FinishReason::kCancelled);
    for (auto& seq : waiting_)
        if (!seq->finished) finish(*seq, FinishReason::kCancelled);
    publish();
}

// Sweeps finished sequences, retires finished requests and publishes the counters.
void LlmEngine::publish() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::erase_if(running_, [](const auto& seq) { return seq->finished; });
    std::erase_if(waiting_, [](const auto& seq) { return seq->finished; });
    std::erase_if(active_, [](const auto& entry) { return entry.second->failed || entry.second->n_unfinished == 0; });
    stats_.running = static_cast<int64_t>(running_.size());
    for (int64_t& count : stats_.waiting) count = 0;
    for (const auto& seq : waiting_) ++stats_.waiting[seq->request->params.priority];
    stats_.kv_blocks_in_use = blocks_->n_in_use();
    stats_.kv_blocks_cached = blocks_->n_cached();
    stats_.prefix_hits = blocks_->hits();
    ++stats_.steps;
}

void LlmEngine::take_inbox() {
    std::vector<std::shared_ptr<Request>> submitted;
    std::vector<uint64_t> cancelled;
    bool release_cached = false;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        submitted.swap(submitted_);
        cancelled.swap(cancelled_);
        std::swap(release_cached, release_cached_);
        for (auto& request : submitted) {
            for (int32_t choice = 0; choice < request->params.n_choices; ++choice) {
                auto seq = std::make_unique<Sequence>();
                seq->request = request;
                seq->choice = choice;
                seq->tokens = request->params.prompt;
                seq->n_prompt = static_cast<int32_t>(seq->tokens.size());
                if (!request->embedding) {
                    SamplingParams sampling = request->params.sampling;
                    sampling.seed += static_cast<uint64_t>(choice);  // choices differ, runs repeat
                    seq->sampler = std::make_unique<Sampler>(sampling, model_.hparams().n_vocab);
                    seq->decoder = std::make_unique<text::StreamDecoder>(
                        model_.tokenizer(), text::StreamDecoder::Options{.render_special = false, .starts_text = false});
                } else {
                    seq->pooled.assign(static_cast<size_t>(model_.hparams().n_embd), 0.0);
                }
                waiting_.push_back(std::move(seq));
            }
        }
    }
    for (uint64_t id : cancelled) {
        for (auto* list : {&running_}) {
            for (auto& seq : *list)
                if (seq->request->id == id && !seq->finished) finish(*seq, FinishReason::kCancelled);
        }
        for (auto& seq : waiting_)
            if (seq->request->id == id && !seq->finished) finish(*seq, FinishReason::kCancelled);
    }
    if (release_cached) {
        const int32_t dropped = blocks_->drop_cached();
        log::debug("engine: dropped {} cached KV blocks", dropped);
    }
}

bool LlmEngine::reserve_blocks(Sequence& seq, int32_t n_positions) {
    const int32_t block_size = config_.block_size;
    const size_t needed = static_cast<size_t>((n_positions + block_size - 1) / block_size);
    while (seq.kv.block_table.size() < needed) {
        auto block = blocks_->allocate();
        if (!block.ok()) return false;
        seq.kv.block_table.push_back(*block);
    }
    return true;
}

void LlmEngine::release_blocks(Sequence& seq) {
    for (int32_t block : seq.kv.block_table) blocks_->release(block);
    seq.kv.block_table.clear();
    seq.kv.n_cached = 0;
    seq.n_registered = 0;
    seq.last_hash = 0;
}

// Preempts the running sequence with the lowest priority and latest arrival that ranks below
// `requester` and is not already in this step's plan. Its blocks go back to the pool (cached ones
// stay reusable); it waits to be recomputed. False when there is no such sequence.
bool LlmEngine::preempt_below(const Sequence& requester, Clock::time_point now) {
    Sequence* victim = nullptr;
    for (auto& seq : running_) {
        if (seq.get() == &requester || seq->finished || seq->planned) continue;
        if (!ranks_below(*seq, requester, now)) continue;
        if (!victim || ranks_below(*seq, *victim, now)) victim = seq.get();
    }
    if (!victim) return false;
    preempt(*victim);
    return true;
}

void LlmEngine::preempt(Sequence& victim) {
    release_blocks(victim);
    victim.admitted = false;
    victim.planned = true;  // not re-admitted in the pass that preempted it
    ++stats_.preemptions;
    log::debug("engine: preempted request {} choice {} ({} tokens to recompute)", victim.request->id, victim.choice,
               victim.tokens.size());
    auto it = std::find_if(running_.begin(), running_.end(), [&](const auto& seq) { return seq.get() == &victim; });
    waiting_.push_back(std::move(*it));
    running_.erase(it);
}

bool LlmEngine::ranks_below(const Sequence& a, const Sequence& b, Clock::time_point now) const {
    const int pa = effective_priority(a, now), pb = effective_priority(b, now);
    if (pa != pb) return pa > pb;
    if (a.request->submitted != b.request->submitted) return a.request->submitted > b.request->submitted;
    return a.choice > b.choice;
}

// Reuses every cached block of the sequence's longest known prefix (never the whole sequence:
// at least one token is computed so its logits exist).
void LlmEngine::admit_prefix(Sequence& seq) {
    seq.admitted = true;
    const int32_t block_size = config_.block_size;
    const int32_t n_full = (static_cast<int32_t>(seq.tokens.size()) - 1) / block_size;
    BlockHash hash = 0;
    for (int32_t block_idx = 0; block_idx < n_full; ++block_idx) {
        const BlockHash next = hash_block(
            hash, std::span<const int32_t>(seq.tokens.data() + static_cast<size_t>(block_idx) * block_size,
                                           static_cast<size_t>(block_size)));
        const int32_t block = blocks_->lookup(next);
        if (block < 0) break;
        seq.kv.block_table.push_back(block);
        hash = next;
        seq.n_registered = block_idx + 1;
        seq.last_hash = hash;
    }
    seq.kv.n_cached = seq.n_registered * block_size;
    if (!seq.first_scheduled) seq.n_cached_prompt = std::min(seq.kv.n_cached, seq.n_prompt);
}

void LlmEngine::register_full_blocks(Sequence& seq) {
    const int32_t block_size = config_.block_size;
    const int32_t n_full = seq.kv.n_cached / block_size;
    while (seq.n_registered < n_full) {
        const int32_t block_idx = seq.n_registered;
        seq.last_hash = hash_block(
            seq.last_hash, std::span<const int32_t>(seq.tokens.data() + static_cast<size_t>(block_idx) * block_size,
                                                    static_cast<size_t>(block_size)));
        blocks_->register_block(seq.kv.block_table[static_cast<size_t>(block_idx)], seq.last_hash);
        ++seq.n_registered;
    }
}

void LlmEngine::schedule(std::vector<ScheduledItem>& plan) {
    plan.clear();
    const auto now = Clock::now();
    int32_t budget = config_.max_step_tokens;
    int32_t logit_rows = config_.n_parallel;
    for (auto& seq : running_) seq->planned = false;
    for (auto& seq : waiting_) seq->planned = false;

    // Requests whose deadline passed before they started fail with a timeout.
    for (auto& seq : waiting_) {
        const auto& deadline = seq->request->params.deadline;
        if (!seq->finished && !seq->first_scheduled && deadline && now > *deadline)
            fail_request(*seq->request, Error::make(Errc::kTimeout, "the request's deadline passed while it was queued"));
    }
    auto add = [&](Sequence& seq, int32_t take, bool reaches_end) {
        seq.planned = true;
        plan.push_back({&seq, take, reaches_end, 0});
        budget -= take;
        if (reaches_end && !seq.request->embedding) --logit_rows;
        if (!seq.first_scheduled) seq.first_scheduled = now;
    };

    // 1. Running sequences, best first: one decode token each, or their next prefill chunk.
    std::vector<Sequence*> order;
    for (auto& seq : running_)
        if (!seq->finished) order.push_back(seq.get());
    std::sort(order.begin(), order.end(), [&](const Sequence* a, const Sequence* b) { return ranks_below(*b, *a, now); });
    for (Sequence* seq : order) {
        if (seq->finished || !seq->admitted) continue;  // preempted earlier in this pass
        const int32_t remaining = static_cast<int32_t>(seq->tokens.size()) - seq->kv.n_cached;
        const int32_t take = std::min(remaining, budget);
        if (take <= 0) break;
        const bool reaches_end = take == remaining;
        if (reaches_end && !seq->request->embedding && logit_rows == 0) continue;
        bool fits = reserve_blocks(*seq, seq->kv.n_cached + take);
        while (!fits && preempt_below(*seq, now)) fits = reserve_blocks(*seq, seq->kv.n_cached + take);
        if (!fits) {
            preempt(*seq);  // everything else here ranks above it: it yields and is recomputed later
            continue;
        }
        add(*seq, take, reaches_end);
    }

    // 2. Admit waiting sequences while the budget, the parallel limit and the blocks allow.
    while (budget > 0 && logit_rows > 0 && static_cast<int32_t>(running_.size()) < config_.n_parallel) {
        Sequence* best = nullptr;
        for (auto& seq : waiting_) {
            if (seq->finished || seq->planned) continue;
            if (seq->choice > 0 && !seq->request->prompt_ready) continue;  // siblings wait for choice 0's prompt
            if (!best || ranks_below(*best, *seq, now)) best = seq.get();
        }
        if (!best) break;
        if (!best->admitted) admit_prefix(*best);
        const int32_t remaining = static_cast<int32_t>(best->tokens.size()) - best->kv.n_cached;
        const int32_t take = std::min(remaining, budget);
        bool fits = reserve_blocks(*best, best->kv.n_cached + take);
        while (!fits && preempt_below(*best, now)) fits = reserve_blocks(*best, best->kv.n_cached + take);
        if (!fits) {
            // Head of the line waits (lower-ranked ones do not overtake it); it holds nothing
            // meanwhile, its cached blocks stay reusable.
            release_blocks(*best);
            best->admitted = false;
            break;
        }
        auto it = std::find_if(waiting_.begin(), waiting_.end(), [&](const auto& seq) { return seq.get() == best; });
        running_.push_back(std::move(*it));
        waiting_.erase(it);
        add(*best, take, take == remaining);
    }
}

void LlmEngine::update(std::vector<ScheduledItem>& plan) {
    for (ScheduledItem& item : plan) {
        Sequence& seq = *item.seq;
        if (seq.finished) continue;
        const Request& request = *seq.request;
        if (seq.kv.n_cached - item.n_new < seq.n_prompt)
            stats_.prompt_tokens += std::min(item.n_new, seq.n_prompt - (seq.kv.n_cached - item.n_new));
        if (request.embedding) {
            const int64_t n_embd = model_.hparams().n_embd;
            for (int32_t row = 0; row < item.n_new; ++row) {
                const float* hidden = executor_->hidden(item.first_row + row);
                for (int64_t dim = 0; dim < n_embd; ++dim) seq.pooled[static_cast<size_t>(dim)] += hidden[dim];
            }
            if (item.output) {
                std::vector<float> mean(seq.pooled.size());
                for (size_t dim = 0; dim < mean.size(); ++dim)
                    mean[dim] = static_cast<float>(seq.pooled[dim] / static_cast<double>(seq.tokens.size()));
                seq.request->embedded.set_value(std::move(mean));
                seq.finished = true;
                --seq.request->n_unfinished;
                release_blocks(seq);
            }
            continue;
        }
        if (seq.choice == 0 && seq.kv.n_cached >= seq.n_prompt) seq.request->prompt_ready = true;
        register_full_blocks(seq);
        if (!item.output) continue;
        const float* logits = executor_->logits(item.first_row);
        const int32_t token = seq.sampler->sample(
            std::span<const float>(logits, static_cast<size_t>(model_.hparams().n_vocab)), seq.tokens);
        emit_token(seq, token, logits);
    }
}

void LlmEngine::emit_token(Sequence& seq, int32_t token, const float* logits) {
    const GenerationParams& params = seq.request->params;
    const auto now = Clock::now();
    if (!seq.first_token) seq.first_token = now;
    ++seq.n_generated;
    ++stats_.generated_tokens;

    const bool end_of_generation = !params.ignore_eos && model_.tokenizer().is_end_of_generation(token);
    seq.tokens.push_back(token);
    const bool at_max = params.max_tokens > 0 && seq.n_generated >= params.max_tokens;
    const bool context_full = static_cast<int32_t>(seq.tokens.size()) >= config_.n_ctx;

    TokenEvent event;
    event.choice = seq.choice;
    event.token = token;
    if (!end_of_generation) event.text = seq.decoder->push(token);
    const bool finishing = end_of_generation || at_max || context_full;
    if (finishing) event.text += seq.decoder->flush();
    if (params.top_logprobs >= 0) {
        std::vector<float> log_probs(static_cast<size_t>(model_.hparams().n_vocab));
        log_softmax(std::span<const float>(logits, log_probs.size()), log_probs);
        event.chosen = TokenLogprob{token, model_.tokenizer().token_to_piece(token, true),
                                    log_probs[static_cast<size_t>(token)]};
        std::vector<int32_t> ids(log_probs.size());
        for (size_t idx = 0; idx < ids.size(); ++idx) ids[idx] = static_cast<int32_t>(idx);
        const size_t n_top = std::min(ids.size(), static_cast<size_t>(params.top_logprobs));
        std::partial_sort(ids.begin(), ids.begin() + static_cast<long>(n_top), ids.end(),
                          [&](int32_t a, int32_t b) { return log_probs[static_cast<size_t>(a)] > log_probs[static_cast<size_t>(b)]; });
        for (size_t idx = 0; idx < n_top; ++idx)
            event.top.push_back(TokenLogprob{ids[idx], model_.tokenizer().token_to_piece(ids[idx], true),
                                             log_probs[static_cast<size_t>(ids[idx])]});
    }
    if (!end_of_generation || !event.text.empty() || params.top_logprobs >= 0) seq.request->sink->on_token(event);
    if (end_of_generation) finish(seq, FinishReason::kStop);
    else if (at_max || context_full) finish(seq, FinishReason::kLength);
}

void LlmEngine::finish(Sequence& seq, FinishReason reason) {
    if (seq.finished) return;
    seq.finished = true;
    Request& request = *seq.request;
    release_blocks(seq);
    if (request.embedding) {
        --request.n_unfinished;
        request.embedded.set_value(Error::make(Errc::kCancelled, "the embedding request was cancelled"));
        return;
    }
    if (request.failed) return;
    const auto now = Clock::now();
    FinishEvent event;
    event.choice = seq.choice;
    event.reason = reason;
    event.usage.prompt_tokens = seq.n_prompt;
    event.usage.cached_prompt_tokens = seq.n_cached_prompt;
    event.usage.completion_tokens = seq.n_generated;
    event.timings.queue_seconds = seq.first_scheduled ? seconds_between(request.submitted, *seq.first_scheduled) : 0.0;
    event.timings.time_to_first_token = seq.first_token ? seconds_between(request.submitted, *seq.first_token) : 0.0;
    event.timings.generate_seconds = seq.first_token ? seconds_between(*seq.first_token, now) : 0.0;
    --request.n_unfinished;
    if (seq.choice == 0) request.prompt_ready = true;  // siblings of a finished choice 0 may go
    request.sink->on_finish(event);
}

void LlmEngine::fail_request(Request& request, const Error& error) {
    if (request.failed) return;
    request.failed = true;
    for (auto* list : {&running_}) {
        for (auto& seq : *list)
            if (seq->request.get() == &request && !seq->finished) {
                seq->finished = true;
                release_blocks(*seq);
            }
    }
    for (auto& seq : waiting_)
        if (seq->request.get() == &request && !seq->finished) {
            seq->finished = true;
            release_blocks(*seq);
        }
    if (request.embedding) request.embedded.set_value(error);
    else request.sink->on_error(error);
}

}  // namespace hearth::engine
