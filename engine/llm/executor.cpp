#include "engine/llm/executor.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/ops.h"
#include "kernels/quant.h"
#include "kernels/rope.h"

namespace hearth::engine {
namespace {

// Query tokens per attention call: bounds the scratch and balances threads during prefill.
constexpr int kAttnQueryChunk = 32;
// Matmul rows are split between threads in multiples of this (64 bytes of floats in y).
constexpr int64_t kRowAlign = 16;

}  // namespace

// A matmul of one phase: y[t][0..w.n_rows) = w . x[t] for every step token t.
struct LlmExecutor::MatmulJob {
    const arch::WeightMatrix* w;
    const float* x;          // [n_tokens][x_stride]
    int64_t x_stride;        // floats
    float* y;                // [n_tokens][y_stride]
    int64_t y_stride;        // floats
};

LlmExecutor::LlmExecutor(const arch::LlmModel& model, KvCache& cache, const ExecutorConfig& config)
    : model_(model), hp_(model.hparams()), cache_(cache), config_(config) {
    rope_ = hp_.rope_config();
    if (!model.weights().rope_freqs.empty()) rope_.freq_factors = model.weights().rope_freqs.data();

    const int64_t n_tok = config_.max_step_tokens;
    const int64_t n_wide = std::max({hp_.n_embd, hp_.n_embd_attn_out(), hp_.n_ff});
    // Every buffer is zeroed once: it commits the pages that the memory budget counts for it, so
    // the account matches the resident memory from the load on (not only after a long prompt).
    auto floats = [&](AlignedBuffer& buffer, int64_t n) {
        buffer.resize(static_cast<size_t>(std::max<int64_t>(n, 16)) * sizeof(float));
        std::memset(buffer.data(), 0, buffer.size());
        scratch_bytes_ += buffer.size();
    };
    floats(x_, n_tok * hp_.n_embd);            // residual stream      [token][n_embd]
    floats(xn_, n_tok * n_wide);               // matmul input         [token][n_wide]
    floats(q_, n_tok * hp_.n_embd_q());        // queries              [token][n_head][head_dim]
    floats(k_, n_tok * hp_.n_embd_k());        // keys                 [token][n_head_kv][head_dim]
    floats(v_, n_tok * hp_.n_embd_v());        // values               [token][n_head_kv][head_dim]
    floats(attn_, n_tok * hp_.n_embd_attn_out());  // attention output [token][n_head][head_dim]
    floats(gate_, n_tok * hp_.n_ff);           // FFN gate             [token][n_ff]
    floats(up_, n_tok * hp_.n_ff);             // FFN up               [token][n_ff]
    floats(proj_, n_tok * hp_.n_embd);         // Wo / Wdown output    [token][n_embd]
    floats(rope_cache_, n_tok * hp_.rope_dims);  // cos/sin pairs      [token][rope_dims]
    if (config_.max_logit_rows <= 0) config_.max_logit_rows = config_.max_output_rows;
    config_.max_logit_rows = std::min(config_.max_logit_rows, config_.max_output_rows);
    floats(hidden_, static_cast<int64_t>(config_.max_output_rows) * hp_.n_embd);
    floats(logits_, static_cast<int64_t>(config_.max_logit_rows) * hp_.n_vocab);
    floats(logit_input_, static_cast<int64_t>(config_.max_logit_rows) * hp_.n_embd);

    // The widest prepared activation row any weight of this model needs.
    const arch::LlmWeights& weights = model.weights();
    auto widen = [&](const arch::WeightMatrix& w) {
        const kernels::MatmulKernel* kernel = kernels::find_matmul_kernel(w.type);
        act_row_bytes_max_ = std::max(act_row_bytes_max_, kernel->act_row_bytes(w.n_cols));
    };
    widen(weights.output);
    for (const arch::LayerWeights& layer : weights.layers)
        for (const arch::WeightMatrix* w : {&layer.wq, &layer.wk, &layer.wv, &layer.wo, &layer.w_gate,
                                            &layer.w_up, &layer.w_down})
            widen(*w);
    act_row_bytes_max_ = (act_row_bytes_max_ + 63) / 64 * 64;
    for (AlignedBuffer& act : act_) {
        act.resize(static_cast<size_t>(std::max<int64_t>(n_tok, config_.max_logit_rows) * act_row_bytes_max_));
        std::memset(act.data(), 0, act.size());
        scratch_bytes_ += act.size();
    }

    pos_.resize(static_cast<size_t>(n_tok));
    kv_block_.resize(static_cast<size_t>(n_tok));
    kv_slot_.resize(static_cast<size_t>(n_tok));
    item_of_.resize(static_cast<size_t>(n_tok));
    out_token_.resize(static_cast<size_t>(config_.max_output_rows));
    logit_slot_.resize(static_cast<size_t>(config_.max_output_rows));
    logit_rows_.resize(static_cast<size_t>(config_.max_logit_rows));
}

const float* LlmExecutor::logits(int32_t row_idx) const {
    const int32_t slot = logit_slot_[static_cast<size_t>(row_idx)];
    return slot < 0 ? nullptr : logits_.as<float>() + static_cast<int64_t>(slot) * hp_.n_vocab;
}

const float* LlmExecutor::hidden(int32_t row_idx) const {
    return hidden_.as<float>() + static_cast<int64_t>(row_idx) * hp_.n_embd;
}

Status LlmExecutor::execute(std::span<const StepItem> items, ThreadPool& pool) {
    // Validate the step and lay out its tokens.
    int64_t n_tokens = 0;
    int32_t n_out = 0;
    int32_t n_logit = 0;
    const int32_t block_size = cache_.block_size();
    for (size_t item_idx = 0; item_idx < items.size(); ++item_idx) {
        const StepItem& item = items[item_idx];
        const int64_t n_new = static_cast<int64_t>(item.tokens.size());
        if (n_tokens + n_new > config_.max_step_tokens)
            return Error::make(Errc::kOutOfRange, "a step of more than {} tokens", config_.max_step_tokens);
        const int64_t n_after = item.seq->n_cached + n_new;
        if (n_after > static_cast<int64_t>(item.seq->block_table.size()) * block_size)
            return Error::make(Errc::kInternal, "sequence has KV blocks for {} positions, needs {}",
                               item.seq->block_table.size() * block_size, n_after);
        for (int64_t tok_idx = 0; tok_idx < n_new; ++tok_idx) {
            const int32_t token = item.tokens[static_cast<size_t>(tok_idx)];
            if (token < 0 || token >= hp_.n_vocab)
                return Error::make(Errc::kInvalidArgument, "token id {} is outside the vocabulary (0..{})",
                                   token, hp_.n_vocab - 1);
            const int32_t pos = item.seq->n_cached + static_cast<int32_t>(tok_idx);
            const size_t step_idx = static_cast<size_t>(n_tokens + tok_idx);
            pos_[step_idx] = pos;
            kv_block_[step_idx] = item.seq->block_table[static_cast<size_t>(pos / block_size)];
            kv_slot_[step_idx] = pos % block_size;
            item_of_[step_idx] = static_cast<int32_t>(item_idx);
            const bool is_out = (item.output == OutputRows::kAll && tok_idx >= item.output_first) ||
                                (item.output == OutputRows::kLast && tok_idx == n_new - 1);
            if (is_out) {
                if (n_out >= config_.max_output_rows)
                    return Error::make(Errc::kOutOfRange, "a step of more than {} output rows",
                                       config_.max_output_rows);
                if (item.logits && n_logit >= config_.max_logit_rows)
                    return Error::make(Errc::kOutOfRange, "a step of more than {} rows of logits",
                                       config_.max_logit_rows);
                out_token_[static_cast<size_t>(n_out)] = static_cast<int32_t>(n_tokens + tok_idx);
                logit_slot_[static_cast<size_t>(n_out)] = item.logits ? n_logit : -1;
                if (item.logits) logit_rows_[static_cast<size_t>(n_logit++)] = n_out;
                ++n_out;
            }
        }
        n_tokens += n_new;
    }
    n_tokens_ = n_tokens;
    n_out_rows_ = n_out;
    n_logit_rows_ = n_logit;
    if (n_tokens == 0) return {};

    if (attn_scratch_.size() != static_cast<size_t>(pool.size())) {
        attn_scratch_.resize(static_cast<size_t>(pool.size()));
        const int64_t floats = kernels::attention_scratch_floats(
            kAttnQueryChunk, static_cast<int>(hp_.n_head), static_cast<int>(hp_.n_head_kv),
            static_cast<int>(hp_.head_dim), block_size);
        for (AlignedBuffer& scratch : attn_scratch_) scratch.resize(static_cast<size_t>(floats) * sizeof(float));
    }

    pool.run([&](const ThreadCtx& ctx) { run_step(ctx, items); });
    for (const StepItem& item : items) item.seq->n_cached += static_cast<int32_t>(item.tokens.size());
    return {};
}

// Prepares the activation rows each job's kernel needs (once per distinct kernel format and
// input), then computes every job's share of rows on this thread. Ends without a barrier: the
// caller syncs before reading y.
void LlmExecutor::run_matmuls(const ThreadCtx& ctx, std::span<const MatmulJob> jobs, int64_t n_tokens) {
    struct Prepared {
        decltype(kernels::MatmulKernel::prepare) prepare = nullptr;
        const float* x = nullptr;
        int64_t row_bytes = 0;
    };
    Prepared slots[3];
    int slot_of_job[3] = {0, 0, 0};
    const kernels::MatmulKernel* kernel_of_job[3] = {};
    int n_slots = 0;
    const Range my_tokens = ctx.split(n_tokens);
    for (size_t job_idx = 0; job_idx < jobs.size(); ++job_idx) {
        const MatmulJob& job = jobs[job_idx];
        const kernels::MatmulKernel* kernel = kernels::find_matmul_kernel(job.w->type);
        kernel_of_job[job_idx] = kernel;
        int slot_idx = 0;
        while (slot_idx < n_slots &&
               !(slots[slot_idx].prepare == kernel->prepare && slots[slot_idx].x == job.x))
            ++slot_idx;
        if (slot_idx == n_slots) {
            slots[n_slots++] = Prepared{kernel->prepare, job.x, kernel->act_row_bytes(job.w->n_cols)};
            uint8_t* act = act_[slot_idx].as<uint8_t>();
            for (int64_t tok_idx = my_tokens.begin; tok_idx < my_tokens.end; ++tok_idx)
                kernel->prepare(job.x + tok_idx * job.x_stride, act + tok_idx * slots[slot_idx].row_bytes,
                                job.w->n_cols);
        }
        slot_of_job[job_idx] = slot_idx;
    }
    ctx.sync();
    // The hot loop of a step: weight rows streamed once, shared between tokens.
    for (size_t job_idx = 0; job_idx < jobs.size(); ++job_idx) {
        const MatmulJob& job = jobs[job_idx];
        const Range rows = ctx.split(job.w->n_rows, kRowAlign);
        if (rows.size() <= 0) continue;
        kernels::MatmulArgs args;
        args.w = job.w->data;
        args.w_row_bytes = job.w->row_bytes;
        args.k = job.w->n_cols;
        args.x = act_[slot_of_job[job_idx]].data();
        // Rows packed at their own size, not the buffer's widest: denser in cache, and the
        // kernels size their matvec passes by it.
        args.x_row_bytes = slots[slot_of_job[job_idx]].row_bytes;
        args.n_tokens = n_tokens;
        args.y = job.y;
        args.y_stride = job.y_stride;
        args.row_begin = rows.begin;
        args.row_end = rows.end;
        kernel_of_job[job_idx]->matmul(args);
    }
}

// Work units: (item, kv head, chunk of up to kAttnQueryChunk query tokens), taken from a shared
// counter so threads balance the uneven (causal) costs.
void LlmExecutor::run_attention(const ThreadCtx& ctx, int64_t layer_idx, std::span<const StepItem> items) {
    const kernels::AttentionKernel& kernel = kernels::attention_kernel();
    const kernels::KvLayout layout = cache_.layout(layer_idx);
    const int64_t n_head_kv = hp_.n_head_kv;
    const float scale = 1.0f / std::sqrt(static_cast<float>(hp_.head_dim));
    float* scratch = attn_scratch_[static_cast<size_t>(ctx.thread_idx)].as<float>();
    for (;;) {
        const int64_t unit = attn_next_unit_.fetch_add(1, std::memory_order_relaxed);
        // Decode the unit index by walking the items (few per step).
        int64_t remaining = unit;
        int64_t first_token = 0;
        bool found = false;
        for (const StepItem& item : items) {
            const int64_t n_new = static_cast<int64_t>(item.tokens.size());
            const int64_t n_chunks = (n_new + kAttnQueryChunk - 1) / kAttnQueryChunk;
            const int64_t n_units = n_chunks * n_head_kv;
            if (remaining < n_units) {
                const int64_t chunk_idx = remaining / n_head_kv;
                const int64_t kv_head = remaining % n_head_kv;
                const int64_t tok_begin = first_token + chunk_idx * kAttnQueryChunk;
                const int64_t tok_end = std::min(first_token + n_new, tok_begin + kAttnQueryChunk);
                kernels::AttentionArgs args;
                args.q = q_.as<float>() + tok_begin * hp_.n_embd_q();
                args.q_token_stride = hp_.n_embd_q();
                args.q_pos = pos_.data() + tok_begin;
                args.n_q = static_cast<int>(tok_end - tok_begin);
                args.n_head = static_cast<int>(hp_.n_head);
                args.kv_head = static_cast<int>(kv_head);
                args.scale = scale;
                args.block_table = item.seq->block_table.data();
                args.kv = layout;
                args.out = attn_.as<float>() + tok_begin * hp_.n_embd_attn_out();
                args.out_token_stride = hp_.n_embd_attn_out();
                args.scratch = scratch;
                kernel.run(args);
                found = true;
                break;
            }
            remaining -= n_units;
            first_token += n_new;
        }
        if (!found) break;
    }
}

void LlmExecutor::run_step(const ThreadCtx& ctx, std::span<const StepItem> items) {
    const kernels::OpsTable& ops = kernels::ops();
    const arch::LlmWeights& weights = model_.weights();
    const int64_t n_tokens = n_tokens_;
    const int64_t n_embd = hp_.n_embd;
    const int64_t head_dim = hp_.head_dim;
    const float eps = hp_.rms_eps;
    float* x = x_.as<float>();
    float* xn = xn_.as<float>();
    float* q = q_.as<float>();
    float* k = k_.as<float>();
    float* v = v_.as<float>();
    float* gate = gate_.as<float>();
    float* up = up_.as<float>();
    float* proj = proj_.as<float>();
    float* rope_cache = rope_cache_.as<float>();
    const int64_t n_wide = std::max({hp_.n_embd, hp_.n_embd_attn_out(), hp_.n_ff});
    const Range my_tokens = ctx.split(n_tokens);

    // ---- Embeddings and per-position RoPE tables ------------------------------------------
    for (int64_t tok_idx = my_tokens.begin; tok_idx < my_tokens.end; ++tok_idx) {
        const StepItem& item = items[static_cast<size_t>(item_of_[static_cast<size_t>(tok_idx)])];
        const int32_t pos = pos_[static_cast<size_t>(tok_idx)];
        const int32_t token = item.tokens[static_cast<size_t>(pos - item.seq->n_cached)];
        kernels::dequantize_row(weights.token_embd.type, weights.token_embd.row(token), x + tok_idx * n_embd,
                                n_embd);
        kernels::rope_cache(rope_, pos, rope_cache + tok_idx * hp_.rope_dims);
    }
    ctx.sync();

    for (int64_t layer_idx = 0; layer_idx < hp_.n_layer; ++layer_idx) {
        const arch::LayerWeights& layer = weights.layers[static_cast<size_t>(layer_idx)];

        // ---- Attention: norm, projections ---------------------------------------------------
        for (int64_t tok_idx = my_tokens.begin; tok_idx < my_tokens.end; ++tok_idx)
            ops.rms_norm(x + tok_idx * n_embd, layer.attn_norm.data(), xn + tok_idx * n_wide, n_embd, eps);
        ctx.sync();
        const MatmulJob qkv[3] = {
            {&layer.wq, xn, n_wide, q, hp_.n_embd_q()},
            {&layer.wk, xn, n_wide, k, hp_.n_embd_k()},
            {&layer.wv, xn, n_wide, v, hp_.n_embd_v()},
        };
        run_matmuls(ctx, qkv, n_tokens);
        if (ctx.thread_idx == 0) attn_next_unit_.store(0, std::memory_order_relaxed);
        ctx.sync();

        // ---- Biases, q/k norms, RoPE, KV store (per token) ---------------------------------
        for (int64_t tok_idx = my_tokens.begin; tok_idx < my_tokens.end; ++tok_idx) {
            float* q_tok = q + tok_idx * hp_.n_embd_q();
            float* k_tok = k + tok_idx * hp_.n_embd_k();
            float* v_tok = v + tok_idx * hp_.n_embd_v();
            if (!layer.bq.empty()) ops.add(q_tok, layer.bq.data(), q_tok, hp_.n_embd_q());
            if (!layer.bk.empty()) ops.add(k_tok, layer.bk.data(), k_tok, hp_.n_embd_k());
            if (!layer.bv.empty()) ops.add(v_tok, layer.bv.data(), v_tok, hp_.n_embd_v());
            const float* cos_sin = rope_cache + tok_idx * hp_.rope_dims;
            for (int64_t head_idx = 0; head_idx < hp_.n_head; ++head_idx) {
                float* head = q_tok + head_idx * head_dim;
                if (!layer.q_norm.empty()) ops.rms_norm(head, layer.q_norm.data(), head, head_dim, eps);
                kernels::rope_apply(head, cos_sin, static_cast<int>(hp_.rope_dims), rope_.mode);
            }
            for (int64_t head_idx = 0; head_idx < hp_.n_head_kv; ++head_idx) {
                float* head = k_tok + head_idx * head_dim;
                if (!layer.k_norm.empty()) ops.rms_norm(head, layer.k_norm.data(), head, head_dim, eps);
                kernels::rope_apply(head, cos_sin, static_cast<int>(hp_.rope_dims), rope_.mode);
            }
            cache_.store(layer_idx, kv_block_[static_cast<size_t>(tok_idx)],
                         kv_slot_[static_cast<size_t>(tok_idx)], k_tok, v_tok);
        }
        ctx.sync();

        // ---- Attention over the cache, output projection, residual -------------------------
        run_attention(ctx, layer_idx, items);
        ctx.sync();
        const MatmulJob wo[1] = {{&layer.wo, attn_.as<float>(), hp_.n_embd_attn_out(), proj, n_embd}};
        run_matmuls(ctx, wo, n_tokens);
        ctx.sync();

        // ---- FFN: x += (silu(h Wgate) * (h Wup)) Wdown, h = ffn_norm(x) -------------------
        for (int64_t tok_idx = my_tokens.begin; tok_idx < my_tokens.end; ++tok_idx) {
            float* x_tok = x + tok_idx * n_embd;
            ops.add(x_tok, proj + tok_idx * n_embd, x_tok, n_embd);
            ops.rms_norm(x_tok, layer.ffn_norm.data(), xn + tok_idx * n_wide, n_embd, eps);
        }
        ctx.sync();
        const MatmulJob gate_up[2] = {
            {&layer.w_gate, xn, n_wide, gate, hp_.n_ff},
            {&layer.w_up, xn, n_wide, up, hp_.n_ff},
        };
        run_matmuls(ctx, gate_up, n_tokens);
        ctx.sync();
        for (int64_t tok_idx = my_tokens.begin; tok_idx < my_tokens.end; ++tok_idx) {
            const float* gate_tok = gate + tok_idx * hp_.n_ff;
            const float* up_tok = up + tok_idx * hp_.n_ff;
            if (hp_.spec->ffn == arch::FfnKind::kGeGlu)
                ops.geglu(gate_tok, up_tok, xn + tok_idx * n_wide, hp_.n_ff);
            else
                ops.swiglu(gate_tok, up_tok, xn + tok_idx * n_wide, hp_.n_ff);
        }
        ctx.sync();
        const MatmulJob down[1] = {{&layer.w_down, xn, n_wide, proj, n_embd}};
        run_matmuls(ctx, down, n_tokens);
        ctx.sync();
        for (int64_t tok_idx = my_tokens.begin; tok_idx < my_tokens.end; ++tok_idx) {
            float* x_tok = x + tok_idx * n_embd;
            ops.add(x_tok, proj + tok_idx * n_embd, x_tok, n_embd);
        }
        ctx.sync();
    }

    // ---- Output rows: final norm, then logits --------------------------------------------
    if (n_out_rows_ == 0) return;
    float* hidden = hidden_.as<float>();
    const Range my_rows = ctx.split(n_out_rows_);
    for (int64_t row_idx = my_rows.begin; row_idx < my_rows.end; ++row_idx) {
        const int64_t tok_idx = out_token_[static_cast<size_t>(row_idx)];
        ops.rms_norm(x + tok_idx * n_embd, weights.output_norm.data(), hidden + row_idx * n_embd, n_embd, eps);
    }
    if (n_logit_rows_ == 0) return;
    ctx.sync();
    // Logits for the rows that asked: gather their hidden states when not all rows did.
    const float* logit_input = hidden;
    if (n_logit_rows_ != n_out_rows_) {
        float* gathered = logit_input_.as<float>();
        const Range my_logit_rows = ctx.split(n_logit_rows_);
        for (int64_t slot = my_logit_rows.begin; slot < my_logit_rows.end; ++slot)
            std::memcpy(gathered + slot * n_embd, hidden + logit_rows_[static_cast<size_t>(slot)] * n_embd,
                        static_cast<size_t>(n_embd) * sizeof(float));
        logit_input = gathered;
    }
    ctx.sync();
    const MatmulJob output[1] = {{&weights.output, logit_input, n_embd, logits_.as<float>(), hp_.n_vocab}};
    run_matmuls(ctx, output, n_logit_rows_);
    ctx.sync();
}

}  // namespace hearth::engine
