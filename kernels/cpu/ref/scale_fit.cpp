#include "kernels/cpu/ref/scale_fit.h"

#include <cassert>
#include <cmath>
#include <cstring>

namespace hearth::kernels::ref {
namespace {

// Groups whose values are all smaller than this are stored as zeros: no fp16 scale reaches them
// and their inverse scales would overflow.
constexpr float kTinyGroup = 1e-30f;

// Alternating refinement stops after this many rounds even if the error still falls (after the
// ladder it rarely gains anything past the second; the cap bounds the worst case).
constexpr int kMaxRefineRounds = 4;

// Trials run over groups of 8, 16 or 32 elements; each keeps kLanes partial sums that are added
// up at the end, a fixed order the compiler can vectorise (the result does not depend on it).
constexpr int kLanes = 8;

float sum_lanes(const float* partial) {
    float total = 0;
    for (int lane = 0; lane < kLanes; ++lane) total += partial[lane];
    return total;
}

// round_clamped without the trip through int: the nearest integer to value in [lo, hi], as a float.
inline float round_clamped_float(float value, float lo, float hi) {
    // Two plain selects (not one nested) so the compiler maps them to min/max instructions.
    float clamped = value > lo ? value : lo;
    clamped = clamped < hi ? clamped : hi;
    constexpr float kRoundingBias = 12582912.0f;
    return (clamped + kRoundingBias) - kRoundingBias;
}

// Weighted sums of one symmetric trial: levels q[k] = round(inv_scale * x[k]).
struct SymmetricSums {
    float xq = 0;  // sum w x q
    float qq = 0;  // sum w q^2
    // With the least-squares scale xq / qq the error is sum w x^2 - xq^2 / qq, so the larger
    // xq^2 / qq the better; compared without dividing.
    bool better_than(const SymmetricSums& other) const {
        return qq > 0 && (other.qq <= 0 || xq * xq * other.qq > other.xq * other.xq * qq);
    }
};

SymmetricSums symmetric_trial(const float* x, const float* w, int n, int q_lo, int q_hi,
                              float inv_scale) {
    const float lo = static_cast<float>(q_lo), hi = static_cast<float>(q_hi);
    float xq[kLanes] = {}, qq[kLanes] = {};
    for (int base = 0; base < n; base += kLanes) {
        for (int lane = 0; lane < kLanes; ++lane) {
            const float value = x[base + lane], weight = w[base + lane];
            const float level = round_clamped_float(inv_scale * value, lo, hi);
            xq[lane] += weight * value * level;
            qq[lane] += weight * level * level;
        }
    }
    return {sum_lanes(xq), sum_lanes(qq)};
}

// Weighted sums of one affine trial: levels q[k] = round((x[k] - origin) * inv_scale).
struct AffineSums {
    float q = 0;   // sum w q
    float qq = 0;  // sum w q^2
    float xq = 0;  // sum w x q
};

AffineSums affine_trial(const float* x, const float* w, int n, int q_hi, float origin,
                        float inv_scale) {
    const float hi = static_cast<float>(q_hi);
    float sq[kLanes] = {}, qq[kLanes] = {}, xq[kLanes] = {};
    for (int base = 0; base < n; base += kLanes) {
        for (int lane = 0; lane < kLanes; ++lane) {
            const float value = x[base + lane], weight = w[base + lane];
            const float level = round_clamped_float((value - origin) * inv_scale, 0.0f, hi);
            sq[lane] += weight * level;
            qq[lane] += weight * level * level;
            xq[lane] += weight * value * level;
        }
    }
    return {sum_lanes(sq), sum_lanes(qq), sum_lanes(xq)};
}

// The least-squares y = scale * q + offset for fixed levels, with offset <= 0 (the formats
// subtract a non-negative min), and its weighted squared error.
struct AffineFit {
    float scale = 0;
    float offset = 0;
    double error = 0;
};

struct GroupMoments {
    double w = 0;   // sum w
    double x = 0;   // sum w x
    double xx = 0;  // sum w x^2
};

AffineFit solve_affine(const GroupMoments& moments, const AffineSums& sums) {
    const double sum_q = sums.q, sum_qq = sums.qq, sum_xq = sums.xq;
    AffineFit fit;
    const double det = moments.w * sum_qq - sum_q * sum_q;
    double scale = 0, offset = 1;
    if (det > 0) {
        const double inv_det = 1 / det;
        scale = (moments.w * sum_xq - moments.x * sum_q) * inv_det;
        offset = (moments.x * sum_qq - sum_q * sum_xq) * inv_det;
    }
    if (offset > 0) {
        offset = 0;
        scale = sum_qq > 0 ? sum_xq / sum_qq : 0;
    }
    // sum w (scale q + offset - x)^2, expanded.
    fit.error = moments.xx - 2 * scale * sum_xq - 2 * offset * moments.x + scale * scale * sum_qq +
                2 * scale * offset * sum_q + offset * offset * moments.w;
    fit.scale = static_cast<float>(scale);
    fit.offset = static_cast<float>(offset);
    return fit;
}

}  // namespace

float fit_scale(const float* x, const float* w, int n, int q_lo, int q_hi,
                const TrialLadder& ladder, int8_t* q) {
    assert(n % kLanes == 0);
    float peak = 0;  // the element of largest magnitude, with its sign
    for (int elem_idx = 0; elem_idx < n; ++elem_idx)
        if (std::fabs(x[elem_idx]) > std::fabs(peak)) peak = x[elem_idx];
    if (std::fabs(peak) < kTinyGroup) {
        std::memset(q, 0, static_cast<size_t>(n));
        return 0;
    }

    // Ladder of trials: the peak lands near the lowest level, then near the highest.
    const float inv_peak = 1.0f / peak;
    SymmetricSums best;
    float best_inv = 0;
    const int anchors[2] = {q_lo, q_hi};
    for (const int anchor : anchors) {
        if (anchor == 0) continue;
        const float direction = anchor < 0 ? -1.0f : 1.0f;
        for (int trial_idx = 0; trial_idx < ladder.count; ++trial_idx) {
            const float level = std::fabs(static_cast<float>(anchor)) + ladder.first +
                                ladder.step * static_cast<float>(trial_idx);
            const float inv_scale = direction * level * inv_peak;
            const SymmetricSums sums = symmetric_trial(x, w, n, q_lo, q_hi, inv_scale);
            if (sums.better_than(best)) {
                best = sums;
                best_inv = inv_scale;
            }
        }
    }
    if (best.qq <= 0) {  // no trial kept a non-zero level (cannot happen for a ladder near 1)
        std::memset(q, 0, static_cast<size_t>(n));
        return 0;
    }

    // Alternate: levels nearest to the current scale, then the scale that fits them best.
    for (int round_idx = 0; round_idx < kMaxRefineRounds && best.xq != 0; ++round_idx) {
        const float inv_scale = best.qq / best.xq;
        const SymmetricSums sums = symmetric_trial(x, w, n, q_lo, q_hi, inv_scale);
        if (!sums.better_than(best)) break;
        best = sums;
        best_inv = inv_scale;
    }

    for (int elem_idx = 0; elem_idx < n; ++elem_idx)
        q[elem_idx] = static_cast<int8_t>(round_clamped(best_inv * x[elem_idx], q_lo, q_hi));
    return best.xq / best.qq;
}

ScaleMin fit_scale_min(const float* x, const float* w, int n, int q_hi, const TrialLadder& ladder,
                       uint8_t* q) {
    assert(n % kLanes == 0);
    float lo = 0, hi = x[0];  // lo <= 0: the offset can only go down
    GroupMoments moments;
    for (int elem_idx = 0; elem_idx < n; ++elem_idx) {
        const float value = x[elem_idx];
        lo = value < lo ? value : lo;
        hi = value > hi ? value : hi;
        moments.w += w[elem_idx];
        moments.x += static_cast<double>(w[elem_idx]) * value;
        moments.xx += static_cast<double>(w[elem_idx]) * value * value;
    }
    if (std::fabs(lo) < kTinyGroup && std::fabs(hi) < kTinyGroup) {
        std::memset(q, 0, static_cast<size_t>(n));
        return {0, 0};
    }
    if (hi <= lo) {
        // Every value equals lo (< 0): level 0 and min = -lo represent them exactly.
        std::memset(q, 0, static_cast<size_t>(n));
        return {0, -lo};
    }

    // The min/max fit first (level 0 at lo, q_hi at hi), then the ladder around it.
    const float range = hi - lo;
    float best_origin = lo, best_inv = static_cast<float>(q_hi) / range;
    AffineFit best = solve_affine(moments, affine_trial(x, w, n, q_hi, lo, best_inv));
    for (int trial_idx = 0; trial_idx < ladder.count; ++trial_idx) {
        const float level =
            static_cast<float>(q_hi) + ladder.first + ladder.step * static_cast<float>(trial_idx);
        const float inv_scale = level / range;
        const AffineFit fit = solve_affine(moments, affine_trial(x, w, n, q_hi, lo, inv_scale));
        if (fit.error < best.error) {
            best = fit;
            best_inv = inv_scale;
        }
    }

    for (int round_idx = 0; round_idx < kMaxRefineRounds && best.scale > 0; ++round_idx) {
        const float inv_scale = 1.0f / best.scale;
        const AffineFit fit =
            solve_affine(moments, affine_trial(x, w, n, q_hi, best.offset, inv_scale));
        if (!(fit.error < best.error)) break;
        best_origin = best.offset;
        best_inv = inv_scale;
        best = fit;
    }

    for (int elem_idx = 0; elem_idx < n; ++elem_idx)
        q[elem_idx] =
            static_cast<uint8_t>(round_clamped((x[elem_idx] - best_origin) * best_inv, 0, q_hi));
    return {best.scale, -best.offset};
}

float affine_error(const float* x, const float* w, int n, int q_hi, float scale, float min) {
    assert(n % kLanes == 0);
    const float inv_scale = scale > 0 ? 1.0f / scale : 0.0f;
    const float hi = static_cast<float>(q_hi);
    float error[kLanes] = {};
    for (int base = 0; base < n; base += kLanes) {
        for (int lane = 0; lane < kLanes; ++lane) {
            const float value = x[base + lane];
            const float level = round_clamped_float((value + min) * inv_scale, 0.0f, hi);
            const float diff = scale * level - min - value;
            error[lane] += w[base + lane] * diff * diff;
        }
    }
    return sum_lanes(error);
}

void affine_levels(const float* x, int n, int q_hi, float scale, float min, uint8_t* q) {
    const float inv_scale = scale > 0 ? 1.0f / scale : 0.0f;
    for (int elem_idx = 0; elem_idx < n; ++elem_idx)
        q[elem_idx] = static_cast<uint8_t>(round_clamped((x[elem_idx] + min) * inv_scale, 0, q_hi));
}

float affine_refit_min(const float* x, const float* w, int n, int q_hi, float scale, float min) {
    assert(n % kLanes == 0);
    const float inv_scale = scale > 0 ? 1.0f / scale : 0.0f;
    const float hi = static_cast<float>(q_hi);
    float residual[kLanes] = {}, weight[kLanes] = {};
    for (int base = 0; base < n; base += kLanes) {
        for (int lane = 0; lane < kLanes; ++lane) {
            const float value = x[base + lane];
            const float level = round_clamped_float((value + min) * inv_scale, 0.0f, hi);
            residual[lane] += w[base + lane] * (scale * level - value);
            weight[lane] += w[base + lane];
        }
    }
    const float sum_w = sum_lanes(weight);
    const float refit = sum_w > 0 ? sum_lanes(residual) / sum_w : 0.0f;
    return refit > 0 ? refit : 0.0f;
}

float symmetric_error(const float* x, const float* w, int n, int q_lo, int q_hi, float scale) {
    assert(n % kLanes == 0);
    const float inv_scale = scale != 0 ? 1.0f / scale : 0.0f;
    const float lo = static_cast<float>(q_lo), hi = static_cast<float>(q_hi);
    float error[kLanes] = {};
    for (int base = 0; base < n; base += kLanes) {
        for (int lane = 0; lane < kLanes; ++lane) {
            const float value = x[base + lane];
            const float level = round_clamped_float(value * inv_scale, lo, hi);
            const float diff = scale * level - value;
            error[lane] += w[base + lane] * diff * diff;
        }
    }
    return sum_lanes(error);
}

void symmetric_levels(const float* x, int n, int q_lo, int q_hi, float scale, int8_t* q) {
    const float inv_scale = scale != 0 ? 1.0f / scale : 0.0f;
    for (int elem_idx = 0; elem_idx < n; ++elem_idx)
        q[elem_idx] = static_cast<int8_t>(round_clamped(x[elem_idx] * inv_scale, q_lo, q_hi));
}

}  // namespace hearth::kernels::ref
