// execute_model(): one forward pass of a decoder-only model over a batch of new tokens from any
// number of sequences, reading and extending their paged KV cache. The step loop (scheduler)
// decides what goes into a step; this class only computes it.
//
//   for each token t of the step (sequence s, position p):
//     x = embed(token)
//     per layer:  h = attn_norm(x); q,k,v = h Wq,Wk,Wv (+bias) (+per-head q/k norm); rope(q,k @ p)
//                 K/V cache[s][p] = k, v;  a = attention(q, K/V cache[s][0..p]);  x += a Wo
//                 h = ffn_norm(x);  x += (silu(h Wgate) * (h Wup)) Wdown
//     out = output_norm(x);  logits = out Wout          (only for the rows asked for)
//
// All threads of the pool run the whole pass together (one wake-up per step, a barrier between
// phases); nothing is allocated and no lock is taken inside execute().
// Threads: execute() is called by one thread at a time (the engine's step loop).
#pragma once

#include <atomic>
#include <cstdint>
#include <span>
#include <vector>

#include "arch/llm_model.h"
#include "base/aligned_buffer.h"
#include "base/result.h"
#include "base/thread_pool.h"
#include "engine/llm/kv_cache.h"
#include "kernels/matmul.h"

namespace hearth::engine {

// The KV state of one sequence: its blocks in position order and how many positions are filled.
struct SequenceKv {
    std::vector<int32_t> block_table;
    int32_t n_cached = 0;  // positions [0, n_cached) hold valid keys and values
};

enum class OutputRows { kLast, kAll, kNone };

struct StepItem {
    SequenceKv* seq = nullptr;          // must own blocks for positions < n_cached + tokens.size()
    std::span<const int32_t> tokens;    // appended at positions n_cached, n_cached + 1, ...
    OutputRows output = OutputRows::kLast;
    int32_t output_first = 0;           // with kAll: only tokens at index >= output_first output
    bool logits = true;                 // false: hidden states only (embeddings)
};

struct ExecutorConfig {
    int32_t max_step_tokens = 512;      // tokens one step may carry
    int32_t max_output_rows = 64;       // output rows (final hidden states) one step may produce
    int32_t max_logit_rows = 0;         // of which rows with logits; 0: max_output_rows
};

class LlmExecutor {
public:
    LlmExecutor(const arch::LlmModel& model, KvCache& cache, const ExecutorConfig& config);

    const ExecutorConfig& config() const { return config_; }
    // Bytes of working buffers (activations, logits, scratch) this executor holds.
    uint64_t scratch_bytes() const { return scratch_bytes_; }

    // Runs one step. On success every item's seq->n_cached has advanced by its token count and
    // the output rows are ready: items in order, positions in order within an item.
    Status execute(std::span<const StepItem> items, ThreadPool& pool);

    int32_t n_output_rows() const { return n_out_rows_; }
    // Logits (n_vocab floats) of output row `row_idx` of the last step (rows whose item asked
    // for logits; nullptr for the others).
    const float* logits(int32_t row_idx) const;
    // Final-normed hidden state (n_embd floats) of output row `row_idx`.
    const float* hidden(int32_t row_idx) const;

private:
    struct ActSlot;
    struct MatmulJob;
    void run_step(const ThreadCtx& ctx, std::span<const StepItem> items);
    void run_matmuls(const ThreadCtx& ctx, std::span<const MatmulJob> jobs, int64_t n_tokens);
    void run_attention(const ThreadCtx& ctx, int64_t layer_idx, std::span<const StepItem> items);

    const arch::LlmModel& model_;
    const arch::LlmHParams& hp_;
    KvCache& cache_;
    ExecutorConfig config_;
    kernels::RopeConfig rope_;
    uint64_t scratch_bytes_ = 0;

    // Activations, one row per step token (shape comments in executor.cpp).
    AlignedBuffer x_, xn_, q_, k_, v_, attn_, gate_, up_, proj_;
    AlignedBuffer rope_cache_;          // [token][rope_dims]
    AlignedBuffer act_[3];              // prepared activation rows for up to 3 kernels at once
    AlignedBuffer hidden_, logits_;     // [out_row][n_embd], [out_row][n_vocab]
    std::vector<AlignedBuffer> attn_scratch_;  // per thread
    int64_t act_row_bytes_max_ = 0;

    // Per step token: position, (block, slot) for the KV store, item index.
    std::vector<int32_t> pos_, kv_block_, kv_slot_, item_of_;
    std::vector<int32_t> out_token_;    // step token index of each output row
    std::vector<int32_t> logit_slot_;   // row -> row of logits_, or -1
    std::vector<int32_t> logit_rows_;   // logits_ row -> output row
    int32_t n_out_rows_ = 0;
    int32_t n_logit_rows_ = 0;
    AlignedBuffer logit_input_;         // [logit row][n_embd] hidden rows gathered for the matmul
    int64_t n_tokens_ = 0;
    std::atomic<int64_t> attn_next_unit_{0};
};

}  // namespace hearth::engine
