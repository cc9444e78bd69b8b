// AVX-512 (VNNI) kernels for the K-quants: Q2_K, Q3_K, Q4_K, Q5_K, Q6_K against Q8x256
// activations. A super-block decodes (decode_k_avx512.h) into 4 rows of 64 code bytes in the
// activation's lane order (lane position p = sub-block kSubOfPos[p]). Per super-block and token:
//
//   lanes[p] = sum_q vpdpbusd(codes rows[q], q_x rows[q])    4 vpdpbusd: sub-block dots
//   acc     += float(lanes) * d_x * (d * scales) + (dmin * mins) * dsum_x
#include <immintrin.h>

#include "kernels/cpu/act_format.h"
#include "kernels/cpu/matmul_tiles.h"
#include "kernels/cpu/x86/avx512/decode_k_avx512.h"
#include "kernels/cpu/x86/matmul_x86.h"
#include "kernels/cpu/x86/simd_x86.h"

namespace hearth::kernels::cpu::avx512 {
namespace {

template <class Decode>
struct KKernel {
    static constexpr int64_t kGroupElems = kQ8x256Block;
    static constexpr int kMatvecRows = 1;
    static constexpr int kMaxTokens = 8;
    static constexpr int64_t kChunkGroups = 8;  // 8 tokens x 8 super-blocks x 324 bytes = 20 KiB

    template <int kRows, int kTokens>
    static void dot(const MatmulArgs& args, int64_t row_idx, int64_t token_idx, int64_t group_begin,
                    int64_t group_end, float* out) {
        const auto* w = static_cast<const uint8_t*>(args.w) + row_idx * args.w_row_bytes;
        const auto* x = static_cast<const uint8_t*>(args.x) + token_idx * args.x_row_bytes;
        // Separate accumulators for the scaled dots and the minimum terms keep the loop-carried
        // chains one FMA long.
        __m512 acc[kRows][kTokens], min_acc[kRows][kTokens];
        for (int tile_row = 0; tile_row < kRows; ++tile_row) {
            for (int tile_idx = 0; tile_idx < kTokens; ++tile_idx) {
                acc[tile_row][tile_idx] = _mm512_setzero_ps();
                min_acc[tile_row][tile_idx] = _mm512_setzero_ps();
            }
        }
        for (int64_t block_idx = group_begin; block_idx < group_end; ++block_idx) {
            KBlock blocks[kRows];
            for (int tile_row = 0; tile_row < kRows; ++tile_row) {
                Decode::decode(w + tile_row * args.w_row_bytes + block_idx * Decode::kBlockBytes,
                               &blocks[tile_row]);
            }
            // Hot loop: each token's activation super-block, loaded once, against the rows.
            for (int tile_idx = 0; tile_idx < kTokens; ++tile_idx) {
                const uint8_t* xb = x + tile_idx * args.x_row_bytes + block_idx * kQ8x256BlockBytes;
                __m512i quants[4];
                for (int quad_idx = 0; quad_idx < 4; ++quad_idx)
                    quants[quad_idx] = _mm512_loadu_si512(xb + 64 * quad_idx);
                const __m512 d_x = _mm512_set1_ps(x86::load_f32(xb + kQ8x256DOffset));
                const __m512 dsum_x = _mm512_loadu_ps(xb + kQ8x256DsumOffset);
                for (int tile_row = 0; tile_row < kRows; ++tile_row) {
                    const KBlock& block = blocks[tile_row];
                    const __m512i zero = _mm512_setzero_si512();
                    const __m512i even =
                        _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(zero, block.rows[0], quants[0]),
                                            block.rows[2], quants[2]);
                    const __m512i odd =
                        _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(zero, block.rows[1], quants[1]),
                                            block.rows[3], quants[3]);
                    __m512& sum = acc[tile_row][tile_idx];
                    sum = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(even, odd)),
                                          _mm512_mul_ps(block.scale, d_x), sum);
                    __m512& min_sum = min_acc[tile_row][tile_idx];
                    min_sum = _mm512_fmadd_ps(block.bias, dsum_x, min_sum);
                }
            }
        }
        for (int tile_row = 0; tile_row < kRows; ++tile_row) {
            for (int tile_idx = 0; tile_idx < kTokens; ++tile_idx) {
                out[tile_row * kTokens + tile_idx] =
                    x86::hsum(_mm512_add_ps(acc[tile_row][tile_idx], min_acc[tile_row][tile_idx]));
            }
        }
    }
};

}  // namespace

void matmul_q2_k(const MatmulArgs& args) {
    run_matmul<KKernel<DecodeQ2_K>>(args);
}
void matmul_q3_k(const MatmulArgs& args) {
    run_matmul<KKernel<DecodeQ3_K>>(args);
}
void matmul_q4_k(const MatmulArgs& args) {
    run_matmul<KKernel<DecodeQ4_K>>(args);
}
void matmul_q5_k(const MatmulArgs& args) {
    run_matmul<KKernel<DecodeQ5_K>>(args);
}
void matmul_q6_k(const MatmulArgs& args) {
    run_matmul<KKernel<DecodeQ6_K>>(args);
}

}  // namespace hearth::kernels::cpu::avx512
