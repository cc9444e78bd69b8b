// The prepare functions of the x86 kernels, written once with AVX2 intrinsics and compiled into
// both the AVX2 and the AVX-512 units. They do the float operations of the reference
// (kernels/cpu/ref/act_quant_ref.cpp) in the same order, so the bytes are identical:
//   amax = max |x|  (exact in any order),  d = amax / 127,  inv_d = 127 / amax (0 if amax == 0),
//   q = cvtps_epi32(x * inv_d)  (round to nearest even, as nearbyint in the default mode),
//   dsum = d * float(sum of q).
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "kernels/cpu/act_format.h"
#include "kernels/cpu/x86/simd_x86.h"

namespace hearth::kernels::cpu::x86 {
namespace {

inline void store_u32(uint8_t* bytes, uint32_t value) {
    std::memcpy(bytes, &value, 4);
}
inline void store_f32(uint8_t* bytes, float value) {
    std::memcpy(bytes, &value, 4);
}

inline float abs_max_x32(const float* x) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 amax = _mm256_andnot_ps(sign, _mm256_loadu_ps(x));
    for (int vec_idx = 1; vec_idx < 4; ++vec_idx)
        amax = _mm256_max_ps(amax, _mm256_andnot_ps(sign, _mm256_loadu_ps(x + 8 * vec_idx)));
    __m128 max4 = _mm_max_ps(_mm256_castps256_ps128(amax), _mm256_extractf128_ps(amax, 1));
    max4 = _mm_max_ps(max4, _mm_movehl_ps(max4, max4));
    max4 = _mm_max_ss(max4, _mm_movehdup_ps(max4));
    return _mm_cvtss_f32(max4);
}

// Quantizes 32 floats with inv_d: writes the 32 quants in element order as 8 dwords
// (dwords[q] = elements 4q..4q+3) and returns the sums of elements 0-15 and 16-31.
inline void quantize_x32(const float* x, float inv_d, uint32_t dwords[8], int32_t half_sums[2]) {
    const __m256 scale = _mm256_set1_ps(inv_d);
    __m256i quants[4];
    for (int vec_idx = 0; vec_idx < 4; ++vec_idx)
        quants[vec_idx] =
            _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 8 * vec_idx), scale));
    half_sums[0] = hsum_epi32(_mm256_add_epi32(quants[0], quants[1]));
    half_sums[1] = hsum_epi32(_mm256_add_epi32(quants[2], quants[3]));
    // packs interleave 128-bit lanes: dwords come out as elements quads 0 2 4 6 1 3 5 7.
    const __m256i words01 = _mm256_packs_epi32(quants[0], quants[1]);
    const __m256i words23 = _mm256_packs_epi32(quants[2], quants[3]);
    const __m256i bytes = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(words01, words23),
                                                      _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dwords), bytes);
}

inline void prepare_q8x32_x86(const float* x, void* xq, int64_t k) {
    auto* out = static_cast<uint8_t*>(xq);
    const int64_t n_blocks = k / kQ8x32Block;
    const int64_t n_groups = (n_blocks + kQ8x32GroupBlocks - 1) / kQ8x32GroupBlocks;
    for (int64_t group_idx = 0; group_idx < n_groups; ++group_idx) {
        uint8_t* group = out + group_idx * kQ8x32GroupBytes;
        const int64_t first_block = group_idx * kQ8x32GroupBlocks;
        const int64_t n_group_blocks =
            n_blocks - first_block < kQ8x32GroupBlocks ? n_blocks - first_block : kQ8x32GroupBlocks;
        if (n_group_blocks < kQ8x32GroupBlocks) std::memset(group, 0, kQ8x32GroupBytes);
        for (int64_t lane_idx = 0; lane_idx < n_group_blocks; ++lane_idx) {
            const float* block = x + (first_block + lane_idx) * kQ8x32Block;
            const float amax = abs_max_x32(block);
            const float d = amax / 127.0f;
            const float inv_d = amax != 0.0f ? 127.0f / amax : 0.0f;
            uint32_t dwords[8];
            int32_t half_sums[2];
            quantize_x32(block, inv_d, dwords, half_sums);
            for (int quad_idx = 0; quad_idx < 8; ++quad_idx)
                store_u32(group + 32 * quad_idx + 4 * lane_idx, dwords[quad_idx]);
            store_f32(group + kQ8x32DOffset + 4 * lane_idx, d);
            store_f32(group + kQ8x32DsumOffset + 4 * lane_idx,
                      d * static_cast<float>(half_sums[0] + half_sums[1]));
        }
    }
}

inline void prepare_q8x256_x86(const float* x, void* xq, int64_t k) {
    auto* out = static_cast<uint8_t*>(xq);
    for (int64_t block_idx = 0; block_idx < k / kQ8x256Block; ++block_idx) {
        const float* values = x + block_idx * kQ8x256Block;
        uint8_t* block = out + block_idx * kQ8x256BlockBytes;
        float amax = 0.0f;
        for (int chunk_idx = 0; chunk_idx < 8; ++chunk_idx) {
            const float chunk_max = abs_max_x32(values + 32 * chunk_idx);
            amax = chunk_max > amax ? chunk_max : amax;
        }
        const float d = amax / 127.0f;
        const float inv_d = amax != 0.0f ? 127.0f / amax : 0.0f;
        // Chunk m (elements 32m..32m+31) is sub-blocks 2m and 2m+1; its dword w holds elements
        // 4 (w % 4) .. + 3 of sub-block 2m + w / 4, stored at row w % 4, lane position of the
        // sub-block.
        for (int chunk_idx = 0; chunk_idx < 8; ++chunk_idx) {
            uint32_t dwords[8];
            int32_t half_sums[2];
            quantize_x32(values + 32 * chunk_idx, inv_d, dwords, half_sums);
            for (int dword_idx = 0; dword_idx < 8; ++dword_idx) {
                const int sub_idx = 2 * chunk_idx + dword_idx / 4;
                store_u32(block + 64 * (dword_idx % 4) + 4 * kSubOfPos[sub_idx], dwords[dword_idx]);
            }
            for (int half_idx = 0; half_idx < 2; ++half_idx) {
                const int sub_idx = 2 * chunk_idx + half_idx;
                store_f32(block + kQ8x256DsumOffset + 4 * kSubOfPos[sub_idx],
                          d * static_cast<float>(half_sums[half_idx]));
            }
        }
        store_f32(block + kQ8x256DOffset, d);
    }
}

// bf16 bits of one float, rounded to nearest even; NaN stays a quiet NaN (the reference's rule).
inline uint16_t float_to_bf16_bits(float value) {
    uint32_t bits;
    std::memcpy(&bits, &value, sizeof(bits));
    if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x40u);
    return static_cast<uint16_t>((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
}

inline void prepare_bf16_x86(const float* x, void* xq, int64_t k) {
    auto* out = static_cast<uint8_t*>(xq);
    const __m256i abs_mask = _mm256_set1_epi32(0x7fffffff);
    const __m256i inf_bits = _mm256_set1_epi32(0x7f800000);
    const __m256i round_bias = _mm256_set1_epi32(0x7fff);
    const __m256i one = _mm256_set1_epi32(1);
    const __m256i quiet = _mm256_set1_epi32(0x40);
    int64_t elem_idx = 0;
    for (; elem_idx + 16 <= k; elem_idx += 16) {
        __m256i halves[2];
        for (int half_idx = 0; half_idx < 2; ++half_idx) {
            const __m256i bits = _mm256_castps_si256(_mm256_loadu_ps(x + elem_idx + 8 * half_idx));
            const __m256i is_nan = _mm256_cmpgt_epi32(_mm256_and_si256(bits, abs_mask), inf_bits);
            const __m256i high = _mm256_srli_epi32(bits, 16);
            const __m256i rounded = _mm256_srli_epi32(
                _mm256_add_epi32(_mm256_add_epi32(bits, round_bias), _mm256_and_si256(high, one)),
                16);
            halves[half_idx] = _mm256_blendv_epi8(rounded, _mm256_or_si256(high, quiet), is_nan);
        }
        // packus interleaves 128-bit lanes: restore element order with a qword permute.
        const __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(halves[0], halves[1]),
                                                        _MM_SHUFFLE(3, 1, 2, 0));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 2 * elem_idx), packed);
    }
    for (; elem_idx < k; ++elem_idx) {
        const uint16_t bits = float_to_bf16_bits(x[elem_idx]);
        std::memcpy(out + 2 * elem_idx, &bits, sizeof(bits));
    }
}

}  // namespace
}  // namespace hearth::kernels::cpu::x86
