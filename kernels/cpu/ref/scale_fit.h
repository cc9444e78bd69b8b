// Least-squares fitting of a group of floats to a uniform integer grid: the search at the heart of
// the K-quant encoders (and of their super-block scales).
//
// Both fitters minimise a weighted squared error sum_k w[k] * (x[k] - y[k])^2 over the grid
// parameters and the integer levels. They try a ladder of inverse scales anchored on the extreme
// element, take the best (each trial's levels get their exact least-squares scale), then
// alternate "round every element to the nearest level" and "re-fit the scale to those levels"
// until the error stops falling. Every step can only lower the error, and the result does not
// depend on anything but the inputs.
#pragma once

#include <cstdint>

namespace hearth::kernels::ref {

// Trial inverse scales: the extreme element is mapped to level (anchor + offset) for
// offset = first, first + step, ... (count trials).
struct TrialLadder {
    float first;
    float step;
    int count;
};

// Symmetric grid: y[k] = scale * q[k], integer q[k] in [q_lo, q_hi] (q_lo <= 0 < q_hi). The scale
// may be negative: with q_lo = -4 and q_hi = 3 the element of largest magnitude can take the
// level -4 whatever its sign. Writes the levels to q and returns the scale; 0 (and q = 0) when
// every x is 0.
float fit_scale(const float* x, const float* w, int n, int q_lo, int q_hi,
                const TrialLadder& ladder, int8_t* q);

// Affine grid with a non-negative offset subtracted, as the K-quants store it:
// y[k] = scale * q[k] - min, integer q[k] in [0, q_hi], scale >= 0, min >= 0 (so a group of only
// positive values is fitted with min = 0).
struct ScaleMin {
    float scale;
    float min;
};
ScaleMin fit_scale_min(const float* x, const float* w, int n, int q_hi, const TrialLadder& ladder,
                       uint8_t* q);

// Weighted squared error of a group decoded as y[k] = scale * q[k] - min with the levels
// q[k] = round((x[k] + min) / scale) clamped to [0, q_hi] (the best levels for those
// parameters), computed with the decoder's arithmetic. q[k] = 0 when scale is 0.
float affine_error(const float* x, const float* w, int n, int q_hi, float scale, float min);
// Those levels.
void affine_levels(const float* x, int n, int q_hi, float scale, float min, uint8_t* q);
// The min (>= 0) that best fits those levels: sum w (scale q - x) / sum w.
float affine_refit_min(const float* x, const float* w, int n, int q_hi, float scale, float min);

// The same for y[k] = scale * q[k], q[k] = round(x[k] / scale) clamped to [q_lo, q_hi].
float symmetric_error(const float* x, const float* w, int n, int q_lo, int q_hi, float scale);
void symmetric_levels(const float* x, int n, int q_lo, int q_hi, float scale, int8_t* q);

// Nearest integer to `value` clamped to [lo, hi], ties to even (NaN gives lo).
inline int round_clamped(float value, int lo, int hi) {
    const float lo_f = static_cast<float>(lo);
    const float hi_f = static_cast<float>(hi);
    float clamped = value > lo_f ? value : lo_f;
    clamped = clamped < hi_f ? clamped : hi_f;
    // Adding 1.5 * 2^23 leaves no fraction bits, so the FPU rounds (to nearest even) for us;
    // |clamped| is far below 2^22, where the trick is exact.
    constexpr float kRoundingBias = 12582912.0f;
    return static_cast<int>((clamped + kRoundingBias) - kRoundingBias);
}

}  // namespace hearth::kernels::ref
