// Hyperparameters of a decoder-only language model, read from GGUF metadata alone and checked
// for sanity (a hostile file cannot make the engine allocate absurd buffers or index out of
// range: every dimension is bounded and consistent).
#pragma once

#include <cstdint>
#include <string>

#include "arch/arch_spec.h"
#include "base/result.h"
#include "formats/gguf.h"
#include "kernels/rope.h"

namespace hearth::arch {

enum class RopeScaling { kNone, kLinear, kYarn };

struct LlmHParams {
    const ArchSpec* spec = nullptr;
    int64_t n_vocab = 0;
    int64_t n_ctx_train = 0;
    int64_t n_embd = 0;
    int64_t n_layer = 0;
    int64_t n_head = 0;
    int64_t n_head_kv = 0;
    int64_t head_dim = 0;     // of q and k (attention.key_length)
    int64_t head_dim_v = 0;   // of v (attention.value_length)
    int64_t n_ff = 0;
    float rms_eps = 1e-5f;

    // RoPE, as the engine applies it (freq_factors are bound by the loader when present).
    int64_t rope_dims = 0;
    float rope_freq_base = 10000.0f;
    RopeScaling rope_scaling = RopeScaling::kNone;
    float rope_freq_scale = 1.0f;   // 1 / scaling factor
    float rope_ext_factor = 0.0f;   // 1 for YaRN
    float rope_attn_factor = 1.0f;
    int64_t rope_n_ctx_orig = 0;

    int64_t n_embd_q() const { return n_head * head_dim; }
    int64_t n_embd_k() const { return n_head_kv * head_dim; }
    int64_t n_embd_v() const { return n_head_kv * head_dim_v; }
    int64_t n_embd_attn_out() const { return n_head * head_dim_v; }

    // RopeConfig for kernels (freq_factors left null).
    kernels::RopeConfig rope_config() const;
};

// Limits that keep a hostile file's hyperparameters within what the kernels support.
inline constexpr int64_t kMaxLayers = 512;
inline constexpr int64_t kMaxEmbd = 1 << 16;
inline constexpr int64_t kMaxHeads = 1024;
inline constexpr int64_t kMaxHeadDim = 256;
inline constexpr int64_t kMaxVocab = 1 << 22;

// Reads and validates the hyperparameters of `file` (architecture from general.architecture).
// n_vocab comes from the token embedding's shape.
Result<LlmHParams> load_hparams(const gguf::File& file);

}  // namespace hearth::arch
