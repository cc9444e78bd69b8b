// Rotary position embedding, as GGUF models define it.
//
// A head vector of head_dim floats has its first n_dims entries rotated (n_dims <= head_dim, even)
// in pairs: kNormal pairs (2i, 2i+1) (llama); kNeox pairs (i, i + n_dims/2) (qwen2, qwen3, neox).
// Pair i at position p turns by theta_i = p * freq_base^(-2i/n_dims) / freq_factors[i], then
// scaled: linear scaling multiplies theta by freq_scale (= 1 / factor); YaRN blends interpolated
// and extrapolated angles with a ramp over dimensions and scales magnitudes by mscale
// (the formulas of the YaRN paper, as ggml implements them: see rope.cpp);
// llama3-style scaling arrives as per-pair freq_factors (GGUF tensor rope_freqs.weight).
#pragma once

#include <cstdint>

namespace hearth::kernels {

enum class RopeMode { kNormal, kNeox };

struct RopeConfig {
    int n_dims = 0;                    // rotated dimensions (even)
    RopeMode mode = RopeMode::kNormal;
    float freq_base = 10000.0f;
    float freq_scale = 1.0f;           // 1 / linear scaling factor
    float ext_factor = 0.0f;           // YaRN extrapolation mix; 0 disables YaRN
    float attn_factor = 1.0f;          // magnitude scale (YaRN)
    float beta_fast = 32.0f;
    float beta_slow = 1.0f;
    int n_ctx_orig = 0;                // training context (YaRN correction dims)
    const float* freq_factors = nullptr;  // n_dims / 2 divisors of theta, or null
};

// Fills cos_sin[2*i] = cos(theta_i) * mscale, cos_sin[2*i+1] = sin(theta_i) * mscale for
// i < n_dims/2 at position `pos`. Computed once per token, shared by all heads.
void rope_cache(const RopeConfig& config, int64_t pos, float* cos_sin);

// Rotates the first n_dims entries of one head vector in place using a rope_cache() result.
void rope_apply(float* x, const float* cos_sin, int n_dims, RopeMode mode);

}  // namespace hearth::kernels
