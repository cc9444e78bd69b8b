// Rotary position embedding (kernels/rope.h): the angle table of one position, and the rotation.
//
// For pair i < n_dims/2 at position p:
//
//   theta_extrap = p * freq_base^(-2i / n_dims) / freq_factors[i]   (freq_factors null: 1)
//   theta_interp = freq_scale * theta_extrap                          (linear scaling)
//
//   YaRN off (ext_factor == 0):
//     theta  = theta_interp
//     mscale = attn_factor
//
//   YaRN on (ext_factor != 0), as ggml's rope_yarn / ggml_rope_yarn_corr_dims:
//     corr_dim(beta) = n_dims * ln(n_ctx_orig / (2 pi beta)) / (2 ln freq_base)
//         the pair index whose wavelength fits `beta` times into the training context
//     low   = max(0, floor(corr_dim(beta_fast)))
//     high  = min(n_dims - 1, ceil(corr_dim(beta_slow)))
//     ramp  = 1 - clamp((i - low) / max(0.001, high - low), 0, 1)
//         1 for the fast pairs below `low` (keep extrapolating), 0 above `high` (interpolate)
//     mix   = ramp * ext_factor
//     theta  = theta_interp * (1 - mix) + theta_extrap * mix
//     mscale = attn_factor * (1 + 0.1 ln(1 / freq_scale))
//
//   cos_sin[2i] = cos(theta) * mscale,  cos_sin[2i + 1] = sin(theta) * mscale
//
// The correction dims are computed in float exactly as ggml does (they are floored and ceiled, so
// their rounding matters); the angles are computed in double and rounded once. ggml instead
// builds freq_base^(-2i/n_dims) by repeated float multiplication, so angles can differ from
// ggml's in the last bits (the larger p, the more absolute difference in theta).
//
// Rotation of pair (a, b) - kNormal: (x[2i], x[2i+1]); kNeox: (x[i], x[i + n_dims/2]):
//   a' = a cos - b sin,   b' = a sin + b cos      (cos, sin already carry mscale)
#include "kernels/rope.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <numbers>

namespace hearth::kernels {
namespace {

// ggml_rope_yarn_corr_dim: the (fractional) pair index whose wavelength 2 pi / theta_i fits
// `n_rotations` times into n_ctx_orig, in float as ggml computes it.
float yarn_corr_dim(int n_dims, int n_ctx_orig, float n_rotations, float freq_base) {
    const float two_pi = 2.0f * std::numbers::pi_v<float>;
    return static_cast<float>(n_dims) *
           std::log(static_cast<float>(n_ctx_orig) / (n_rotations * two_pi)) /
           (2.0f * std::log(freq_base));
}

}  // namespace

void rope_cache(const RopeConfig& config, int64_t pos, float* cos_sin) {
    assert(config.n_dims > 0 && config.n_dims % 2 == 0);
    const int n_pairs = config.n_dims / 2;
    const bool yarn = config.ext_factor != 0.0f;
    assert(!yarn || config.n_ctx_orig > 0);

    float corr_low = 0.0f;
    float corr_high = 0.0f;
    double mscale = config.attn_factor;
    if (yarn) {
        const float start = std::floor(
            yarn_corr_dim(config.n_dims, config.n_ctx_orig, config.beta_fast, config.freq_base));
        const float end = std::ceil(
            yarn_corr_dim(config.n_dims, config.n_ctx_orig, config.beta_slow, config.freq_base));
        corr_low = std::max(0.0f, start);
        corr_high = std::min(static_cast<float>(config.n_dims - 1), end);
        mscale *= 1.0f + 0.1f * std::log(1.0f / config.freq_scale);
    }

    const double log_base = std::log(static_cast<double>(config.freq_base));
    for (int pair_idx = 0; pair_idx < n_pairs; ++pair_idx) {
        const double inv_freq = std::exp(-2.0 * pair_idx / config.n_dims * log_base);
        double theta_extrap = static_cast<double>(pos) * inv_freq;
        if (config.freq_factors) theta_extrap /= config.freq_factors[pair_idx];
        const double theta_interp = config.freq_scale * theta_extrap;
        double theta = theta_interp;
        if (yarn) {
            const float ramp_pos =
                (static_cast<float>(pair_idx) - corr_low) / std::max(0.001f, corr_high - corr_low);
            const float ramp = 1.0f - std::min(1.0f, std::max(0.0f, ramp_pos));
            const double mix = static_cast<double>(ramp) * config.ext_factor;
            theta = theta_interp * (1.0 - mix) + theta_extrap * mix;
        }
        cos_sin[2 * pair_idx] = static_cast<float>(std::cos(theta) * mscale);
        cos_sin[2 * pair_idx + 1] = static_cast<float>(std::sin(theta) * mscale);
    }
}

void rope_apply(float* x, const float* cos_sin, int n_dims, RopeMode mode) {
    const int n_pairs = n_dims / 2;
    // Pair i is (x[first], x[first + second_offset]).
    const int stride = mode == RopeMode::kNormal ? 2 : 1;
    const int second_offset = mode == RopeMode::kNormal ? 1 : n_pairs;
    for (int pair_idx = 0; pair_idx < n_pairs; ++pair_idx) {
        const float cos_theta = cos_sin[2 * pair_idx];
        const float sin_theta = cos_sin[2 * pair_idx + 1];
        float* first = x + pair_idx * stride;
        const float a = first[0];
        const float b = first[second_offset];
        first[0] = a * cos_theta - b * sin_theta;
        first[second_offset] = a * sin_theta + b * cos_theta;
    }
}

}  // namespace hearth::kernels
