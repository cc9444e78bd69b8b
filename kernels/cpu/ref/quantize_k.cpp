// Reference encoders for the K-quants (256-element super-blocks) and Q8_K.
//
// Every K-quant stores a super-block scale (fp16) times small integer sub-block scales times
// element levels. The encoders work in three steps, each minimising the weighted squared error
// of the decoded values:
//   1. fit every sub-block on its own: a float scale (and min) and levels (scale_fit.h);
//   2. fit the super-block scale to the sub-block scales, weighting each sub-block by how much
//      its error grows when its scale moves (sum w q^2 for a scale, sum w for a min);
//   3. with the fp16 super-block scales fixed, try the integer sub-block codes next to the ideal
//      ones (and, for a min, the code that best fits each scale code's levels), re-round the
//      elements for each and keep the codes whose decoded values are closest.
// The weights favour large elements a little, as the K-quant design intends (they carry most of a
// weight matrix's effect): w = sqrt(mean(x^2) + x^2) over the super-block.
#include <cmath>
#include <cstring>

#include "kernels/cpu/ref/block_bits.h"
#include "kernels/cpu/ref/quant_ref.h"
#include "kernels/cpu/ref/scale_fit.h"
#include "tensor/half.h"

namespace hearth::kernels::ref {
namespace {

// Larger values would overflow the float sums of the search (x^2 over a super-block). No K-quant
// stores anything near them anyway: its fp16 scales top out below 1e9.
constexpr float kLargestInput = 1e18f;

// The weights of a super-block's elements, w = sqrt(mean(x^2) + x^2); an error for values too
// large for the search.
Status weigh_elements(const float* x, int64_t block_idx, float* w) {
    float sum_xx = 0;
    for (int elem_idx = 0; elem_idx < kQK; ++elem_idx) {
        if (std::fabs(x[elem_idx]) > kLargestInput)
            return Error::make(Errc::kInvalidArgument,
                               "element {} is {:g}, far beyond what the type can store",
                               block_idx * kQK + elem_idx, x[elem_idx]);
        sum_xx += x[elem_idx] * x[elem_idx];
    }
    const float mean_xx = sum_xx / kQK;
    for (int elem_idx = 0; elem_idx < kQK; ++elem_idx)
        w[elem_idx] = std::sqrt(mean_xx + x[elem_idx] * x[elem_idx]);
    return ok_status();
}

// ---- Affine K-quants (Q2_K, Q4_K, Q5_K): y = d * sc * q - dmin * m.

struct AffineLayout {
    int sub_size;  // elements per sub-block
    int q_hi;      // levels 0..q_hi
    int code_hi;   // sub-block scale and min codes 0..code_hi
    TrialLadder sub_ladder;
    TrialLadder code_ladder;
};

struct AffineBlock {
    uint16_t d = 0;
    uint16_t dmin = 0;
    uint8_t scale_codes[16] = {};
    uint8_t min_codes[16] = {};
    uint8_t levels[kQK] = {};
};

Status encode_affine(const float* x, const AffineLayout& layout, int64_t block_idx,
                     AffineBlock* out) {
    const int n_subs = kQK / layout.sub_size;
    float w[kQK];
    HEARTH_TRY(weigh_elements(x, block_idx, w));

    float sub_scales[16], sub_mins[16], scale_weights[16], min_weights[16];
    for (int sub_idx = 0; sub_idx < n_subs; ++sub_idx) {
        const int begin = sub_idx * layout.sub_size;
        const ScaleMin fit = fit_scale_min(x + begin, w + begin, layout.sub_size, layout.q_hi,
                                           layout.sub_ladder, out->levels + begin);
        sub_scales[sub_idx] = fit.scale;
        sub_mins[sub_idx] = fit.min;
        float sum_wqq = 0, sum_w = 0;
        for (int elem_idx = begin; elem_idx < begin + layout.sub_size; ++elem_idx) {
            const float level = out->levels[elem_idx];
            sum_wqq += w[elem_idx] * level * level;
            sum_w += w[elem_idx];
        }
        scale_weights[sub_idx] = sum_wqq;
        min_weights[sub_idx] = sum_w;
    }

    int8_t codes[16];
    const float d =
        fit_scale(sub_scales, scale_weights, n_subs, 0, layout.code_hi, layout.code_ladder, codes);
    const float dmin =
        fit_scale(sub_mins, min_weights, n_subs, 0, layout.code_hi, layout.code_ladder, codes);
    HEARTH_ASSIGN_OR_RETURN(out->d, checked_fp16(d, block_idx, kQK));
    HEARTH_ASSIGN_OR_RETURN(out->dmin, checked_fp16(dmin, block_idx, kQK));
    const float d_stored = fp16_to_fp32(out->d);
    const float dmin_stored = fp16_to_fp32(out->dmin);

    for (int sub_idx = 0; sub_idx < n_subs; ++sub_idx) {
        const int begin = sub_idx * layout.sub_size;
        const int scale_base =
            d_stored > 0 ? round_clamped(sub_scales[sub_idx] / d_stored, 0, layout.code_hi) : 0;
        const int min_base =
            dmin_stored > 0 ? round_clamped(sub_mins[sub_idx] / dmin_stored, 0, layout.code_hi) : 0;
        // Each scale code is tried with the min codes next to the fitted one and with the min
        // that best fits the levels it gives: when the code rounds far from the fitted scale (to
        // 0 next to an outlier, say) the fitted min no longer suits.
        float best_error = INFINITY;
        for (int scale_code = scale_base - 1; scale_code <= scale_base + 1; ++scale_code) {
            if (scale_code < 0 || scale_code > layout.code_hi) continue;
            const float scale = d_stored * static_cast<float>(scale_code);
            const float refit_min =
                affine_refit_min(x + begin, w + begin, layout.sub_size, layout.q_hi, scale,
                                 dmin_stored * static_cast<float>(min_base));
            const int refit_code =
                dmin_stored > 0 ? round_clamped(refit_min / dmin_stored, 0, layout.code_hi) : 0;
            const int min_codes[4] = {min_base - 1, min_base, min_base + 1, refit_code};
            for (int trial_idx = 0; trial_idx < 4; ++trial_idx) {
                const int min_code = min_codes[trial_idx];
                if (min_code < 0 || min_code > layout.code_hi) continue;
                if (trial_idx == 3 && min_code >= min_base - 1 && min_code <= min_base + 1)
                    continue;
                const float error = affine_error(x + begin, w + begin, layout.sub_size, layout.q_hi,
                                                 scale, dmin_stored * static_cast<float>(min_code));
                if (error < best_error) {
                    best_error = error;
                    out->scale_codes[sub_idx] = static_cast<uint8_t>(scale_code);
                    out->min_codes[sub_idx] = static_cast<uint8_t>(min_code);
                }
            }
        }
        affine_levels(x + begin, layout.sub_size, layout.q_hi,
                      d_stored * static_cast<float>(out->scale_codes[sub_idx]),
                      dmin_stored * static_cast<float>(out->min_codes[sub_idx]),
                      out->levels + begin);
    }
    return ok_status();
}

// ---- Symmetric K-quants (Q3_K, Q6_K): 16 sub-blocks of 16, y = d * sc * q.

struct SymmetricLayout {
    int q_lo, q_hi;        // levels
    int code_lo, code_hi;  // signed sub-block scale codes
    TrialLadder sub_ladder;
    TrialLadder code_ladder;
};

struct SymmetricBlock {
    uint16_t d = 0;
    int8_t codes[16] = {};
    int8_t levels[kQK] = {};
};

Status encode_symmetric(const float* x, const SymmetricLayout& layout, int64_t block_idx,
                        SymmetricBlock* out) {
    float w[kQK];
    HEARTH_TRY(weigh_elements(x, block_idx, w));

    float sub_scales[16], scale_weights[16];
    for (int sub_idx = 0; sub_idx < 16; ++sub_idx) {
        const int begin = 16 * sub_idx;
        sub_scales[sub_idx] = fit_scale(x + begin, w + begin, 16, layout.q_lo, layout.q_hi,
                                        layout.sub_ladder, out->levels + begin);
        float sum_wqq = 0;
        for (int elem_idx = begin; elem_idx < begin + 16; ++elem_idx) {
            const float level = out->levels[elem_idx];
            sum_wqq += w[elem_idx] * level * level;
        }
        scale_weights[sub_idx] = sum_wqq;
    }

    int8_t codes[16];
    const float d = fit_scale(sub_scales, scale_weights, 16, layout.code_lo, layout.code_hi,
                              layout.code_ladder, codes);
    HEARTH_ASSIGN_OR_RETURN(out->d, checked_fp16(d, block_idx, kQK));
    const float d_stored = fp16_to_fp32(out->d);

    for (int sub_idx = 0; sub_idx < 16; ++sub_idx) {
        const int begin = 16 * sub_idx;
        const int base = d_stored != 0 ? round_clamped(sub_scales[sub_idx] / d_stored,
                                                       layout.code_lo, layout.code_hi)
                                       : 0;
        float best_error = INFINITY;
        for (int code = base - 1; code <= base + 1; ++code) {
            if (code < layout.code_lo || code > layout.code_hi) continue;
            const float error = symmetric_error(x + begin, w + begin, 16, layout.q_lo, layout.q_hi,
                                                d_stored * static_cast<float>(code));
            if (error < best_error) {
                best_error = error;
                out->codes[sub_idx] = static_cast<int8_t>(code);
            }
        }
        symmetric_levels(x + begin, 16, layout.q_lo, layout.q_hi,
                         d_stored * static_cast<float>(out->codes[sub_idx]), out->levels + begin);
    }
    return ok_status();
}

// Q2_K / Q3_K 2-bit planes: element 128 * half + 32 * plane + lane goes to bits 2 * plane .. +1
// of qs[32 * half + lane].
template <typename Level>
void pack_two_bit_planes(const Level* levels, int bias, uint8_t* qs) {
    std::memset(qs, 0, kQK / 4);
    for (int elem_idx = 0; elem_idx < kQK; ++elem_idx) {
        const int half_idx = elem_idx / 128;
        const int plane_idx = (elem_idx % 128) / 32;
        const int lane = elem_idx % 32;
        const int bits = (levels[elem_idx] + bias) & 3;
        qs[32 * half_idx + lane] |= static_cast<uint8_t>(bits << (2 * plane_idx));
    }
}

// Q4_K / Q5_K nibbles: chunk c of 64 elements fills qs[32 * c .. +31], its first 32 elements in
// the low nibbles and the next 32 in the high nibbles.
void pack_k_nibbles(const uint8_t* levels, uint8_t* qs) {
    for (int chunk_idx = 0; chunk_idx < 4; ++chunk_idx) {
        const uint8_t* chunk = levels + 64 * chunk_idx;
        for (int lane = 0; lane < 32; ++lane)
            qs[32 * chunk_idx + lane] =
                static_cast<uint8_t>((chunk[lane] & 0xf) | ((chunk[lane + 32] & 0xf) << 4));
    }
}

// Trial ladders: where the sub-block search starts, then the super-block scale search. Chosen
// on N(0, 1) data: wider or denser ladders gain under 0.1% RMSE at twice the time.
const AffineLayout kQ2KLayout = {16, 3, 15, {-0.6f, 0.4f, 4}, {-0.5f, 0.25f, 5}};
const AffineLayout kQ4KLayout = {32, 15, 63, {-1.0f, 0.25f, 9}, {-0.5f, 0.25f, 5}};
const AffineLayout kQ5KLayout = {32, 31, 63, {-1.0f, 0.25f, 9}, {-0.5f, 0.25f, 5}};
const SymmetricLayout kQ3KLayout = {-4, 3, -32, 31, {-0.9f, 0.45f, 5}, {-0.5f, 0.25f, 5}};
const SymmetricLayout kQ6KLayout = {-32, 31, -128, 127, {-0.9f, 0.45f, 5}, {-0.5f, 0.25f, 5}};

}  // namespace

Status quantize_q2_k(const float* src, void* dst, int64_t n_blocks) {
    for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
        AffineBlock fitted;
        HEARTH_TRY(encode_affine(src + block_idx * kQK, kQ2KLayout, block_idx, &fitted));
        BlockQ2_K block;
        for (int sub_idx = 0; sub_idx < 16; ++sub_idx)
            block.scales[sub_idx] = static_cast<uint8_t>(fitted.scale_codes[sub_idx] |
                                                         (fitted.min_codes[sub_idx] << 4));
        pack_two_bit_planes(fitted.levels, 0, block.qs);
        block.d = fitted.d;
        block.dmin = fitted.dmin;
        store_block(dst, block_idx, block);
    }
    return ok_status();
}

Status quantize_q3_k(const float* src, void* dst, int64_t n_blocks) {
    for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
        SymmetricBlock fitted;
        HEARTH_TRY(encode_symmetric(src + block_idx * kQK, kQ3KLayout, block_idx, &fitted));
        BlockQ3_K block;
        // Levels -4..3 are stored as level + 4: two low bits in qs, the high bit in hmask
        // (bit e / 32 of byte e % 32).
        std::memset(block.hmask, 0, sizeof(block.hmask));
        for (int elem_idx = 0; elem_idx < kQK; ++elem_idx) {
            const int biased = fitted.levels[elem_idx] + 4;
            block.hmask[elem_idx % 32] |= static_cast<uint8_t>((biased >> 2) << (elem_idx / 32));
        }
        pack_two_bit_planes(fitted.levels, 4, block.qs);
        pack_q3_k_scales(fitted.codes, block.scales);
        block.d = fitted.d;
        store_block(dst, block_idx, block);
    }
    return ok_status();
}

Status quantize_q4_k(const float* src, void* dst, int64_t n_blocks) {
    for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
        AffineBlock fitted;
        HEARTH_TRY(encode_affine(src + block_idx * kQK, kQ4KLayout, block_idx, &fitted));
        BlockQ4_K block;
        block.d = fitted.d;
        block.dmin = fitted.dmin;
        pack_k4_scale_min(fitted.scale_codes, fitted.min_codes, block.scales);
        pack_k_nibbles(fitted.levels, block.qs);
        store_block(dst, block_idx, block);
    }
    return ok_status();
}

Status quantize_q5_k(const float* src, void* dst, int64_t n_blocks) {
    for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
        AffineBlock fitted;
        HEARTH_TRY(encode_affine(src + block_idx * kQK, kQ5KLayout, block_idx, &fitted));
        BlockQ5_K block;
        block.d = fitted.d;
        block.dmin = fitted.dmin;
        pack_k4_scale_min(fitted.scale_codes, fitted.min_codes, block.scales);
        pack_k_nibbles(fitted.levels, block.qs);
        // The fifth bit of element e is bit e / 32 (its sub-block) of qh[e % 32].
        std::memset(block.qh, 0, sizeof(block.qh));
        for (int elem_idx = 0; elem_idx < kQK; ++elem_idx)
            block.qh[elem_idx % 32] |=
                static_cast<uint8_t>((fitted.levels[elem_idx] >> 4) << (elem_idx / 32));
        store_block(dst, block_idx, block);
    }
    return ok_status();
}

Status quantize_q6_k(const float* src, void* dst, int64_t n_blocks) {
    for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
        SymmetricBlock fitted;
        HEARTH_TRY(encode_symmetric(src + block_idx * kQK, kQ6KLayout, block_idx, &fitted));
        BlockQ6_K block;
        std::memset(block.ql, 0, sizeof(block.ql));
        std::memset(block.qh, 0, sizeof(block.qh));
        // Levels -32..31 are stored as level + 32. Each half of 128 elements fills 64 bytes of ql
        // and 32 of qh; quarter r (32 elements) of a half puts its low 4 bits in
        // ql[32 * (r % 2) + lane] (low nibble for r < 2, high otherwise) and its top 2 bits in
        // bits 2r .. 2r+1 of qh[lane].
        for (int elem_idx = 0; elem_idx < kQK; ++elem_idx) {
            const int biased = fitted.levels[elem_idx] + 32;
            const int half_idx = elem_idx / 128;
            const int quarter_idx = (elem_idx % 128) / 32;
            const int lane = elem_idx % 32;
            const int nibble_shift = quarter_idx < 2 ? 0 : 4;
            block.ql[64 * half_idx + 32 * (quarter_idx % 2) + lane] |=
                static_cast<uint8_t>((biased & 0xf) << nibble_shift);
            block.qh[32 * half_idx + lane] |=
                static_cast<uint8_t>((biased >> 4) << (2 * quarter_idx));
        }
        std::memcpy(block.scales, fitted.codes, sizeof(block.scales));
        block.d = fitted.d;
        store_block(dst, block_idx, block);
    }
    return ok_status();
}

// Q8_K: d = max |x| / 127 as a float, levels -127..127, and the sums of each 16 levels.
Status quantize_q8_k(const float* src, void* dst, int64_t n_blocks) {
    for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
        const float* x = src + block_idx * kQK;
        float amax = 0;
        for (int elem_idx = 0; elem_idx < kQK; ++elem_idx)
            amax = std::fmax(amax, std::fabs(x[elem_idx]));
        BlockQ8_K block;
        // Below 2^-120 the inverse scale would overflow; such a block is stored as zeros.
        const bool zero = amax < 0x1p-120f;
        block.d = zero ? 0.0f : amax / 127.0f;
        const float inv_d = zero ? 0.0f : 127.0f / amax;
        for (int elem_idx = 0; elem_idx < kQK; ++elem_idx)
            block.qs[elem_idx] = static_cast<int8_t>(round_clamped(x[elem_idx] * inv_d, -127, 127));
        for (int group_idx = 0; group_idx < 16; ++group_idx) {
            int sum = 0;
            for (int elem_idx = 16 * group_idx; elem_idx < 16 * group_idx + 16; ++elem_idx)
                sum += block.qs[elem_idx];
            block.bsums[group_idx] = static_cast<int16_t>(sum);
        }
        store_block(dst, block_idx, block);
    }
    return ok_status();
}

}  // namespace hearth::kernels::ref
