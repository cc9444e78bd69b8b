// The weights of a decoder-only model, bound to a GGUF file's tensors by name and checked against
// the hyperparameters. Matrices stay in the file's mapping, in their stored type (zero copy);
// vectors (norm weights, biases, RoPE frequency factors) are small and converted to F32 copies.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "arch/llm_hparams.h"
#include "base/result.h"
#include "formats/gguf.h"
#include "tensor/dtype.h"

namespace hearth::arch {

// A weight matrix used in place: n_rows rows of n_cols elements, each row_bytes long.
// GGUF shape [n_cols, n_rows]: y = W x maps n_cols inputs to n_rows outputs.
struct WeightMatrix {
    std::string_view name;
    DType type = DType::kF32;
    int64_t n_cols = 0;
    int64_t n_rows = 0;
    int64_t row_bytes = 0;
    const uint8_t* data = nullptr;

    uint64_t n_bytes() const { return static_cast<uint64_t>(row_bytes) * static_cast<uint64_t>(n_rows); }
    const uint8_t* row(int64_t row_idx) const { return data + row_idx * row_bytes; }
};

struct LayerWeights {
    std::vector<float> attn_norm;             // [n_embd]
    WeightMatrix wq, wk, wv, wo;              // [n_embd -> n_embd_q], k, v, [n_embd_attn_out -> n_embd]
    std::vector<float> bq, bk, bv;            // biases (qwen2), empty otherwise
    std::vector<float> q_norm, k_norm;        // [head_dim] (qwen3), empty otherwise
    std::vector<float> ffn_norm;              // [n_embd]
    WeightMatrix w_gate, w_up, w_down;        // [n_embd -> n_ff] x2, [n_ff -> n_embd]
};

struct LlmWeights {
    WeightMatrix token_embd;                  // row t is token t's embedding
    std::vector<float> output_norm;           // [n_embd]
    WeightMatrix output;                      // [n_embd -> n_vocab]; token_embd when tied
    bool tied_output = false;
    std::vector<float> rope_freqs;            // [rope_dims / 2] divisors, or empty
    std::vector<LayerWeights> layers;

    uint64_t matrix_bytes() const;            // bytes of every matrix (tied output counted once)
};

Result<LlmWeights> bind_weights(const gguf::File& file, const LlmHParams& hparams);

}  // namespace hearth::arch
