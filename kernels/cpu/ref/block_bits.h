// Helpers shared by the reference encoders and decoders: loading and storing blocks at unaligned
// addresses, fp16 scales, and the packed sub-block scales of the K-quants.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

#include "base/result.h"
#include "tensor/blocks.h"
#include "tensor/half.h"

namespace hearth::kernels::ref {

static_assert(std::endian::native == std::endian::little,
              "GGUF blocks are little-endian; the reference kernels read them in place");

template <typename Block>
inline Block load_block(const void* src, int64_t block_idx) {
    Block block;
    std::memcpy(&block, static_cast<const uint8_t*>(src) + block_idx * sizeof(Block),
                sizeof(Block));
    return block;
}

template <typename Block>
inline void store_block(void* dst, int64_t block_idx, const Block& block) {
    std::memcpy(static_cast<uint8_t*>(dst) + block_idx * sizeof(Block), &block, sizeof(Block));
}

// A block scale as fp16, or an error when it would round to infinity (or is not a number, which
// only values near float's limits can produce): the block's values are too large for the type.
inline Result<uint16_t> checked_fp16(float value, int64_t block_idx, int64_t block_size) {
    const uint16_t half = fp32_to_fp16(value);
    if ((half & 0x7c00u) == 0x7c00u)
        return Error::make(Errc::kInvalidArgument,
                           "block {} (elements {}..{}) needs a scale of {:g}, beyond fp16's range "
                           "(65504)",
                           block_idx, block_idx * block_size, (block_idx + 1) * block_size - 1,
                           value);
    return half;
}

// Q4_K / Q5_K: eight 6-bit scales and eight 6-bit mins in 12 bytes. Sub-blocks 0..3 keep their
// scale in the low 6 bits of byte sub and their min in the low 6 bits of byte sub + 4. Sub-blocks
// 4..7 keep the low 4 bits of the scale / min in the low / high nibble of byte sub + 4, and the
// top 2 bits in the top 2 bits of byte sub - 4 (scale) / byte sub (min).
inline void unpack_k4_scale_min(const uint8_t* packed, int sub_idx, int* scale, int* min) {
    if (sub_idx < 4) {
        *scale = packed[sub_idx] & 63;
        *min = packed[sub_idx + 4] & 63;
    } else {
        *scale = (packed[sub_idx + 4] & 0xf) | ((packed[sub_idx - 4] >> 6) << 4);
        *min = (packed[sub_idx + 4] >> 4) | ((packed[sub_idx] >> 6) << 4);
    }
}

// The inverse of unpack_k4_scale_min for all eight sub-blocks; codes are 0..63.
inline void pack_k4_scale_min(const uint8_t* scale_codes, const uint8_t* min_codes,
                              uint8_t* packed) {
    std::memset(packed, 0, kKScaleBytes);
    for (int sub_idx = 0; sub_idx < 8; ++sub_idx) {
        const uint8_t scale = scale_codes[sub_idx];
        const uint8_t min = min_codes[sub_idx];
        if (sub_idx < 4) {
            packed[sub_idx] |= scale;
            packed[sub_idx + 4] |= min;
        } else {
            packed[sub_idx + 4] |= static_cast<uint8_t>((scale & 0xf) | ((min & 0xf) << 4));
            packed[sub_idx - 4] |= static_cast<uint8_t>((scale >> 4) << 6);
            packed[sub_idx] |= static_cast<uint8_t>((min >> 4) << 6);
        }
    }
}

// Q3_K: sixteen 6-bit scales stored with a bias of 32 in 12 bytes. The low 4 bits of scale sub
// are the low nibble of byte sub (sub < 8) or the high nibble of byte sub - 8 (sub >= 8); the top
// 2 bits are bits 2 * (sub / 4) .. +1 of byte 8 + sub % 4. Returns the signed scale, -32..31.
inline int unpack_q3_k_scale(const uint8_t* packed, int sub_idx) {
    const int low = sub_idx < 8 ? packed[sub_idx] & 0xf : packed[sub_idx - 8] >> 4;
    const int high = (packed[8 + sub_idx % 4] >> (2 * (sub_idx / 4))) & 3;
    return (low | (high << 4)) - 32;
}

// The inverse of unpack_q3_k_scale for all sixteen sub-blocks; scales are -32..31.
inline void pack_q3_k_scales(const int8_t* scales, uint8_t* packed) {
    std::memset(packed, 0, kKScaleBytes);
    for (int sub_idx = 0; sub_idx < 16; ++sub_idx) {
        const int biased = scales[sub_idx] + 32;
        if (sub_idx < 8) {
            packed[sub_idx] |= static_cast<uint8_t>(biased & 0xf);
        } else {
            packed[sub_idx - 8] |= static_cast<uint8_t>((biased & 0xf) << 4);
        }
        packed[8 + sub_idx % 4] |= static_cast<uint8_t>((biased >> 4) << (2 * (sub_idx / 4)));
    }
}

}  // namespace hearth::kernels::ref
