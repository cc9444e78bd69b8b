// AVX-512 (VNNI) kernels for the 32-element block types: Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 against
// Q8x32 activations. Per group of 8 blocks and token:
//
//   lanes[b] = sum_q vpdpbusd(codes rows[q], q_x rows[q])     8 vpdpbusd: block b's integer dot
//   acc     += float(lanes) * d_x * scale + bias * dsum_x    (decode_q32_x86.h gives scale, bias)
//
// Codes are unsigned (vpdpbusd multiplies unsigned by signed bytes). Q8_0's signed quants are
// flipped to q + 128 and the excess, 128 * sum(q_x), is taken back through the bias term. Q4_0
// and Q4_1 keep their high nibbles in place (code * 16): their rows' sums are divided by 16 once
// per group instead of shifting every row.
#include <immintrin.h>

#include "kernels/cpu/act_format.h"
#include "kernels/cpu/matmul_tiles.h"
#include "kernels/cpu/x86/decode_q32_x86.h"
#include "kernels/cpu/x86/matmul_x86.h"

namespace hearth::kernels::cpu::avx512 {
namespace {

using x86::QGroup;

struct DecodeQ8_0Unsigned {
    static constexpr int64_t kBlockBytes = x86::DecodeQ8_0::kBlockBytes;
    static constexpr bool kHighInPlace = false;
    static void decode(const uint8_t* blocks, QGroup* group) {
        x86::DecodeQ8_0::decode(blocks, group);
        const __m256i flip = _mm256_set1_epi8(static_cast<char>(0x80));
        for (__m256i& row : group->rows) row = _mm256_xor_si256(row, flip);
        group->bias = _mm256_mul_ps(group->scale, _mm256_set1_ps(-128.0f));
    }
};

// Q4_0 and Q4_1 with their high nibbles in place.
struct DecodeQ4_0InPlace {
    static constexpr int64_t kBlockBytes = x86::DecodeQ4_0::kBlockBytes;
    static constexpr bool kHighInPlace = true;
    static void decode(const uint8_t* blocks, QGroup* group) {
        x86::decode_nibbles(blocks + 2, kBlockBytes, group, true);
        group->scale = x86::load_halves_x8(blocks, kBlockBytes);
        group->bias = _mm256_mul_ps(group->scale, _mm256_set1_ps(-8.0f));
    }
};

struct DecodeQ4_1InPlace {
    static constexpr int64_t kBlockBytes = x86::DecodeQ4_1::kBlockBytes;
    static constexpr bool kHighInPlace = true;
    static void decode(const uint8_t* blocks, QGroup* group) {
        x86::decode_nibbles(blocks + 4, kBlockBytes, group, true);
        group->scale = x86::load_halves_x8(blocks, kBlockBytes);
        group->bias = x86::load_halves_x8(blocks + 2, kBlockBytes);
    }
};

// Lane b: sum over the group's 8 rows of code * q_x for block b, in two chains for latency
// (rows 0-3 and rows 4-7; the second divided by 16 when it holds in-place high nibbles).
template <bool kHighInPlace>
inline __m256i group_dot(const QGroup& group, const __m256i quants[8]) {
    __m256i low = _mm256_setzero_si256();
    __m256i high = _mm256_setzero_si256();
    for (int quad_idx = 0; quad_idx < 4; ++quad_idx) {
        low = _mm256_dpbusd_epi32(low, group.rows[quad_idx], quants[quad_idx]);
        high = _mm256_dpbusd_epi32(high, group.rows[quad_idx + 4], quants[quad_idx + 4]);
    }
    return _mm256_add_epi32(low, kHighInPlace ? _mm256_srai_epi32(high, 4) : high);
}

// The shared decoders, as decoded (no in-place nibbles).
template <class Decode>
struct Shifted : Decode {
    static constexpr bool kHighInPlace = false;
};

template <class Decode>
struct Q32Kernel {
    static constexpr int64_t kGroupElems = kQ8x32GroupElems;
    static constexpr int kMatvecRows = 1;
    static constexpr int kMaxTokens = 8;
    static constexpr int64_t kChunkGroups = 8;  // 8 tokens x 8 groups x 320 bytes = 20 KiB

    template <int kRows, int kTokens>
    static void dot(const MatmulArgs& args, int64_t row_idx, int64_t token_idx, int64_t group_begin,
                    int64_t group_end, float* out) {
        const auto* w = static_cast<const uint8_t*>(args.w) + row_idx * args.w_row_bytes;
        const auto* x = static_cast<const uint8_t*>(args.x) + token_idx * args.x_row_bytes;
        const int64_t n_blocks = args.k / kQ8x32Block;
        // Separate accumulators for the scaled dots and the offset terms keep the loop-carried
        // chains one FMA long.
        __m256 acc[kRows][kTokens], bias_acc[kRows][kTokens];
        for (int tile_row = 0; tile_row < kRows; ++tile_row) {
            for (int tile_idx = 0; tile_idx < kTokens; ++tile_idx) {
                acc[tile_row][tile_idx] = _mm256_setzero_ps();
                bias_acc[tile_row][tile_idx] = _mm256_setzero_ps();
            }
        }
        for (int64_t group_idx = group_begin; group_idx < group_end; ++group_idx) {
            const int64_t block_idx = group_idx * kQ8x32GroupBlocks;
            QGroup groups[kRows];
            for (int tile_row = 0; tile_row < kRows; ++tile_row) {
                const uint8_t* blocks =
                    w + tile_row * args.w_row_bytes + block_idx * Decode::kBlockBytes;
                if (n_blocks - block_idx >= kQ8x32GroupBlocks)
                    Decode::decode(blocks, &groups[tile_row]);
                else
                    x86::decode_partial<Decode>(blocks, n_blocks - block_idx, &groups[tile_row]);
            }
            // Hot loop: each token's activation group, loaded once, against the decoded rows.
            for (int tile_idx = 0; tile_idx < kTokens; ++tile_idx) {
                const uint8_t* xg = x + tile_idx * args.x_row_bytes + group_idx * kQ8x32GroupBytes;
                __m256i quants[8];
                for (int quad_idx = 0; quad_idx < 8; ++quad_idx)
                    quants[quad_idx] = x86::loadu_256(xg + 32 * quad_idx);
                const __m256 d_x =
                    _mm256_loadu_ps(reinterpret_cast<const float*>(xg + kQ8x32DOffset));
                const __m256 dsum_x =
                    _mm256_loadu_ps(reinterpret_cast<const float*>(xg + kQ8x32DsumOffset));
                for (int tile_row = 0; tile_row < kRows; ++tile_row) {
                    const QGroup& group = groups[tile_row];
                    const __m256 dots =
                        _mm256_cvtepi32_ps(group_dot<Decode::kHighInPlace>(group, quants));
                    __m256& sum = acc[tile_row][tile_idx];
                    sum = _mm256_fmadd_ps(dots, _mm256_mul_ps(group.scale, d_x), sum);
                    __m256& bias_sum = bias_acc[tile_row][tile_idx];
                    bias_sum = _mm256_fmadd_ps(group.bias, dsum_x, bias_sum);
                }
            }
        }
        for (int tile_row = 0; tile_row < kRows; ++tile_row) {
            for (int tile_idx = 0; tile_idx < kTokens; ++tile_idx) {
                out[tile_row * kTokens + tile_idx] =
                    x86::hsum(_mm256_add_ps(acc[tile_row][tile_idx], bias_acc[tile_row][tile_idx]));
            }
        }
    }
};

}  // namespace

void matmul_q4_0(const MatmulArgs& args) {
    run_matmul<Q32Kernel<DecodeQ4_0InPlace>>(args);
}
void matmul_q4_1(const MatmulArgs& args) {
    run_matmul<Q32Kernel<DecodeQ4_1InPlace>>(args);
}
void matmul_q5_0(const MatmulArgs& args) {
    run_matmul<Q32Kernel<Shifted<x86::DecodeQ5_0>>>(args);
}
void matmul_q5_1(const MatmulArgs& args) {
    run_matmul<Q32Kernel<Shifted<x86::DecodeQ5_1>>>(args);
}
void matmul_q8_0(const MatmulArgs& args) {
    run_matmul<Q32Kernel<DecodeQ8_0Unsigned>>(args);
}

}  // namespace hearth::kernels::cpu::avx512
