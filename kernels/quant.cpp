// Public entry points of kernels/quant.h: argument checks, then the scalar reference codec of the
// type (kernels/cpu/ref/), found in one table.
#include "kernels/quant.h"

#include <cassert>
#include <cmath>

#include "kernels/cpu/ref/quant_ref.h"

namespace hearth::kernels {
namespace {

// Both directions count whole blocks (one element for the float types).
struct Codec {
    DType type;
    void (*decode)(const void* src, float* dst, int64_t n_blocks);
    Status (*encode)(const float* src, void* dst, int64_t n_blocks);
};

constexpr Codec kCodecs[] = {
    {DType::kF32, ref::dequantize_f32, ref::quantize_f32},
    {DType::kF16, ref::dequantize_f16, ref::quantize_f16},
    {DType::kBF16, ref::dequantize_bf16, ref::quantize_bf16},
    {DType::kQ4_0, ref::dequantize_q4_0, ref::quantize_q4_0},
    {DType::kQ4_1, ref::dequantize_q4_1, ref::quantize_q4_1},
    {DType::kQ5_0, ref::dequantize_q5_0, ref::quantize_q5_0},
    {DType::kQ5_1, ref::dequantize_q5_1, ref::quantize_q5_1},
    {DType::kQ8_0, ref::dequantize_q8_0, ref::quantize_q8_0},
    {DType::kQ2_K, ref::dequantize_q2_k, ref::quantize_q2_k},
    {DType::kQ3_K, ref::dequantize_q3_k, ref::quantize_q3_k},
    {DType::kQ4_K, ref::dequantize_q4_k, ref::quantize_q4_k},
    {DType::kQ5_K, ref::dequantize_q5_k, ref::quantize_q5_k},
    {DType::kQ6_K, ref::dequantize_q6_k, ref::quantize_q6_k},
    {DType::kQ8_K, ref::dequantize_q8_k, ref::quantize_q8_k},
};

const Codec* find_codec(DType type) {
    for (const Codec& codec : kCodecs)
        if (codec.type == type) return &codec;
    return nullptr;
}

}  // namespace

void dequantize_row(DType type, const void* src, float* dst, int64_t n) {
    const DTypeInfo& info = dtype_info(type);
    const Codec* codec = find_codec(type);
    assert(codec != nullptr && "dequantize_row: no decoder for this type");
    assert(n >= 0 && n % info.block_size == 0);
    codec->decode(src, dst, n / info.block_size);
}

bool can_quantize(DType type) {
    return find_codec(type) != nullptr;
}

Status quantize_row(DType type, const float* src, void* dst, int64_t n) {
    const DTypeInfo& info = dtype_info(type);
    const Codec* codec = find_codec(type);
    if (codec == nullptr)
        return Error::make(Errc::kUnsupported,
                           "cannot quantize to {}: Hearth has no encoder for it", info.name);
    if (n < 0 || n % info.block_size != 0)
        return Error::make(Errc::kInvalidArgument,
                           "cannot quantize {} values to {}: not a whole number of {}-element "
                           "blocks",
                           n, info.name, info.block_size);
    for (int64_t elem_idx = 0; elem_idx < n; ++elem_idx) {
        if (!std::isfinite(src[elem_idx]))
            return Error::make(Errc::kInvalidArgument,
                               "cannot quantize to {}: element {} is {} (only finite values can "
                               "be stored)",
                               info.name, elem_idx, std::isnan(src[elem_idx]) ? "NaN" : "infinite");
    }
    Status status = codec->encode(src, dst, n / info.block_size);
    if (!status.ok()) return status.take_error().wrap("cannot quantize to {}", info.name);
    return status;
}

}  // namespace hearth::kernels
