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

// One token's activation super-block, loaded.
struct XBlock {
    __m512i quants[4];  // the 4 rows of 64 quants
    __m512 d_x;         // d, broadcast
    __m512 dsum_x;      // sub-block sums by lane position
};

inline XBlock load_x(const uint8_t* xb) {
    XBlock block;
    for (int quad_idx = 0; quad_idx < 4; ++quad_idx)
        block.quants[quad_idx] = _mm512_loadu_si512(xb + 64 * quad_idx);
    block.d_x = _mm512_set1_ps(x86::load_f32(xb + kQ8x256DOffset));
    block.dsum_x = _mm512_loadu_ps(xb + kQ8x256DsumOffset);
    return block;
}

// The super-block's dot into sum (scaled sub-block dots) and min_sum (minimum terms); separate
// accumulators keep the loop-carried chains one FMA long.
inline void accumulate(const KBlock& block, const XBlock& x, __m512& sum, __m512& min_sum) {
    const __m512i zero = _mm512_setzero_si512();
    const __m512i even = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(zero, block.rows[0], x.quants[0]),
                                             block.rows[2], x.quants[2]);
    const __m512i odd = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(zero, block.rows[1], x.quants[1]),
                                            block.rows[3], x.quants[3]);
    sum = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(even, odd)),
                          _mm512_mul_ps(block.scale, x.d_x), sum);
    min_sum = _mm512_fmadd_ps(block.bias, x.dsum_x, min_sum);
}

template <class Decode>
struct KKernel {
    static constexpr int64_t kGroupElems = kQ8x256Block;
    static constexpr int kMatvecRows = 1;
    static constexpr int kMaxTokens = 8;
    static constexpr int64_t kChunkGroups = 8;  // 8 tokens x 8 super-blocks x 324 bytes = 20 KiB

    template <int kRows, int kTokens>
    static void dot(const MatmulArgs& args, int64_t row_idx, int64_t token_idx, int64_t group_begin,
                    int64_t group_end, float* out) {
        static_assert(kRows == 1 || kTokens == 1, "rows share a token, or tokens share a row");
        const auto* w = static_cast<const uint8_t*>(args.w) + row_idx * args.w_row_bytes;
        const auto* x = static_cast<const uint8_t*>(args.x) + token_idx * args.x_row_bytes;
        __m512 acc[kRows][kTokens], min_acc[kRows][kTokens];
        for (int tile_row = 0; tile_row < kRows; ++tile_row) {
            for (int tile_idx = 0; tile_idx < kTokens; ++tile_idx) {
                acc[tile_row][tile_idx] = _mm512_setzero_ps();
                min_acc[tile_row][tile_idx] = _mm512_setzero_ps();
            }
        }
        for (int64_t block_idx = group_begin; block_idx < group_end; ++block_idx) {
            const int64_t w_offset = block_idx * Decode::kBlockBytes;
            const int64_t x_offset = block_idx * kQ8x256BlockBytes;
            if constexpr (kTokens == 1) {
                // Hot loop (token generation): the activation loaded once, each row decoded
                // against it in turn.
                const XBlock x_block = load_x(x + x_offset);
                for (int tile_row = 0; tile_row < kRows; ++tile_row) {
                    KBlock block;
                    Decode::decode(w + tile_row * args.w_row_bytes + w_offset, &block);
                    accumulate(block, x_block, acc[tile_row][0], min_acc[tile_row][0]);
                }
            } else {
                // Hot loop (tiles): the row decoded once, against each token's activation.
                KBlock block;
                Decode::decode(w + w_offset, &block);
                for (int tile_idx = 0; tile_idx < kTokens; ++tile_idx) {
                    accumulate(block, load_x(x + tile_idx * args.x_row_bytes + x_offset),
                               acc[0][tile_idx], min_acc[0][tile_idx]);
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
