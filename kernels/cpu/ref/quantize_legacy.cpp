// Reference encoders for the half-precision types and the 32-element block types.
//
// Q4_0 / Q5_0 / Q8_0 use the max-magnitude scheme: the scale maps the element of largest
// magnitude onto the grid's end (for the 4- and 5-bit types onto the lowest level, -8 or -16, so
// the extra negative level is used whatever the sign). Q4_1 / Q5_1 map [min, max] onto the
// levels. Elements are then rounded against the scale and min as stored (fp16), not as computed,
// so the rounding of the stored scale costs no accuracy beyond its own.
#include <cmath>
#include <cstring>

#include "kernels/cpu/ref/block_bits.h"
#include "kernels/cpu/ref/quant_ref.h"
#include "kernels/cpu/ref/scale_fit.h"
#include "tensor/half.h"

namespace hearth::kernels::ref {
namespace {

constexpr float kF16Max = 65504.0f;  // the largest finite half

// The signed element of largest magnitude (the first one on ties).
float signed_peak(const float* x, int n) {
    float peak = 0;
    for (int elem_idx = 0; elem_idx < n; ++elem_idx)
        if (std::fabs(x[elem_idx]) > std::fabs(peak)) peak = x[elem_idx];
    return peak;
}

// Symmetric 4/5-bit: levels 0..2*offset-1 stand for (level - offset) * d, d = peak / -offset.
// Returns the stored scale and writes the levels.
Result<uint16_t> encode_symmetric(const float* x, int offset, int64_t block_idx, uint8_t* levels) {
    HEARTH_ASSIGN_OR_RETURN(
        const uint16_t d_half,
        checked_fp16(signed_peak(x, kQK4_0) / static_cast<float>(-offset), block_idx, kQK4_0));
    const float d = fp16_to_fp32(d_half);
    const float inv_d = d != 0 ? 1.0f / d : 0.0f;
    for (int elem_idx = 0; elem_idx < kQK4_0; ++elem_idx)
        levels[elem_idx] =
            static_cast<uint8_t>(round_clamped(x[elem_idx] * inv_d, -offset, offset - 1) + offset);
    return d_half;
}

// Min/max 4/5-bit: levels 0..n_levels-1 stand for level * d + m.
struct AffineHalves {
    uint16_t d;
    uint16_t m;
};

Result<AffineHalves> encode_min_max(const float* x, int n_levels, int64_t block_idx,
                                    uint8_t* levels) {
    float lo = x[0], hi = x[0];
    for (int elem_idx = 1; elem_idx < kQK4_0; ++elem_idx) {
        lo = x[elem_idx] < lo ? x[elem_idx] : lo;
        hi = x[elem_idx] > hi ? x[elem_idx] : hi;
    }
    HEARTH_ASSIGN_OR_RETURN(
        const uint16_t d_half,
        checked_fp16((hi - lo) / static_cast<float>(n_levels - 1), block_idx, kQK4_0));
    HEARTH_ASSIGN_OR_RETURN(const uint16_t m_half, checked_fp16(lo, block_idx, kQK4_0));
    const float d = fp16_to_fp32(d_half);
    const float m = fp16_to_fp32(m_half);
    const float inv_d = d != 0 ? 1.0f / d : 0.0f;
    for (int elem_idx = 0; elem_idx < kQK4_0; ++elem_idx)
        levels[elem_idx] =
            static_cast<uint8_t>(round_clamped((x[elem_idx] - m) * inv_d, 0, n_levels - 1));
    return AffineHalves{d_half, m_half};
}

// Nibbles: element lane in the low half of byte lane, element lane + 16 in the high half.
void pack_nibbles(const uint8_t* levels, uint8_t* qs) {
    for (int lane = 0; lane < 16; ++lane)
        qs[lane] = static_cast<uint8_t>((levels[lane] & 0xf) | ((levels[lane + 16] & 0xf) << 4));
}

// Fifth bits: bit e of the little-endian 32-bit word is bit 4 of element e's level.
void pack_fifth_bits(const uint8_t* levels, uint8_t* qh) {
    uint32_t bits = 0;
    for (int elem_idx = 0; elem_idx < kQK4_0; ++elem_idx)
        bits |= static_cast<uint32_t>((levels[elem_idx] >> 4) & 1) << elem_idx;
    std::memcpy(qh, &bits, sizeof(bits));
}

}  // namespace

Status quantize_f32(const float* src, void* dst, int64_t n_elements) {
    std::memcpy(dst, src, static_cast<size_t>(n_elements) * sizeof(float));
    return ok_status();
}

Status quantize_f16(const float* src, void* dst, int64_t n_elements) {
    auto* bytes = static_cast<uint8_t*>(dst);
    for (int64_t elem_idx = 0; elem_idx < n_elements; ++elem_idx) {
        const uint16_t half = fp32_to_fp16(src[elem_idx]);
        if ((half & 0x7c00u) == 0x7c00u)
            return Error::make(Errc::kInvalidArgument,
                               "element {} ({:g}) is beyond f16's range (largest finite {:g})",
                               elem_idx, src[elem_idx], kF16Max);
        std::memcpy(bytes + 2 * elem_idx, &half, sizeof(half));
    }
    return ok_status();
}

Status quantize_bf16(const float* src, void* dst, int64_t n_elements) {
    auto* bytes = static_cast<uint8_t*>(dst);
    for (int64_t elem_idx = 0; elem_idx < n_elements; ++elem_idx) {
        const uint16_t half = fp32_to_bf16(src[elem_idx]);
        if ((half & 0x7f80u) == 0x7f80u)
            return Error::make(Errc::kInvalidArgument,
                               "element {} ({:g}) rounds to infinity in bf16", elem_idx,
                               src[elem_idx]);
        std::memcpy(bytes + 2 * elem_idx, &half, sizeof(half));
    }
    return ok_status();
}

Status quantize_q4_0(const float* src, void* dst, int64_t n_blocks) {
    for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
        uint8_t levels[kQK4_0];
        BlockQ4_0 block;
        HEARTH_ASSIGN_OR_RETURN(block.d,
                                encode_symmetric(src + block_idx * kQK4_0, 8, block_idx, levels));
        pack_nibbles(levels, block.qs);
        store_block(dst, block_idx, block);
    }
    return ok_status();
}

Status quantize_q4_1(const float* src, void* dst, int64_t n_blocks) {
    for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
        uint8_t levels[kQK4_0];
        HEARTH_ASSIGN_OR_RETURN(const AffineHalves halves,
                                encode_min_max(src + block_idx * kQK4_0, 16, block_idx, levels));
        BlockQ4_1 block;
        block.d = halves.d;
        block.m = halves.m;
        pack_nibbles(levels, block.qs);
        store_block(dst, block_idx, block);
    }
    return ok_status();
}

Status quantize_q5_0(const float* src, void* dst, int64_t n_blocks) {
    for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
        uint8_t levels[kQK4_0];
        BlockQ5_0 block;
        HEARTH_ASSIGN_OR_RETURN(block.d,
                                encode_symmetric(src + block_idx * kQK4_0, 16, block_idx, levels));
        pack_fifth_bits(levels, block.qh);
        pack_nibbles(levels, block.qs);
        store_block(dst, block_idx, block);
    }
    return ok_status();
}

Status quantize_q5_1(const float* src, void* dst, int64_t n_blocks) {
    for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
        uint8_t levels[kQK4_0];
        HEARTH_ASSIGN_OR_RETURN(const AffineHalves halves,
                                encode_min_max(src + block_idx * kQK4_0, 32, block_idx, levels));
        BlockQ5_1 block;
        block.d = halves.d;
        block.m = halves.m;
        pack_fifth_bits(levels, block.qh);
        pack_nibbles(levels, block.qs);
        store_block(dst, block_idx, block);
    }
    return ok_status();
}

// Q8_0: d = max |x| / 127, levels -127..127 (the format allows -128; leaving it unused keeps
// the block symmetric, which SIMD sign tricks in dot products rely on).
Status quantize_q8_0(const float* src, void* dst, int64_t n_blocks) {
    for (int64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
        const float* x = src + block_idx * kQK8_0;
        float amax = 0;
        for (int elem_idx = 0; elem_idx < kQK8_0; ++elem_idx)
            amax = std::fmax(amax, std::fabs(x[elem_idx]));
        BlockQ8_0 block;
        HEARTH_ASSIGN_OR_RETURN(block.d, checked_fp16(amax / 127.0f, block_idx, kQK8_0));
        const float d = fp16_to_fp32(block.d);
        const float inv_d = d != 0 ? 1.0f / d : 0.0f;
        for (int elem_idx = 0; elem_idx < kQK8_0; ++elem_idx)
            block.qs[elem_idx] = static_cast<int8_t>(round_clamped(x[elem_idx] * inv_d, -127, 127));
        store_block(dst, block_idx, block);
    }
    return ok_status();
}

}  // namespace hearth::kernels::ref
