// AVX-512 (VNNI) kernels for the K-quants: Q2_K, Q3_K, Q4_K, Q5_K, Q6_K against Q8x256
// activations. A super-block decodes (decode_k_x86.h) into 8 chunks of 32 codes in element
// order; 4x4 dword transposes turn them into 4 rows of 64 bytes in the activation's lane order
// (lane position p = sub-block kSubOfPos[p]). Per super-block and token:
//
//   lanes[p] = sum_q vpdpbusd(codes rows[q], q_x rows[q])    4 vpdpbusd: sub-block dots
//   acc     += float(lanes) * d_x * (d * scales) + (dmin * mins) * dsum_x
#include <immintrin.h>

#include "kernels/cpu/act_format.h"
#include "kernels/cpu/matmul_tiles.h"
#include "kernels/cpu/x86/decode_k_x86.h"
#include "kernels/cpu/x86/matmul_x86.h"
#include "kernels/cpu/x86/simd_x86.h"

namespace hearth::kernels::cpu::avx512 {
namespace {

// One super-block of one weight row in the Q8x256 lane order.
struct KBlock {
    __m512i rows[4];  // rows[q] bytes 4p..4p+3: codes of elements 4q..4q+3 of sub-block at p
    __m512 scale;     // d * scales[sub-block at p]
    __m512 bias;      // dmin * mins[sub-block at p]
};

// Within each 128-bit lane, the 4x4 dword transpose of r0..r3 (see x86::transpose_4x4_epi32).
inline void transpose_4x4_epi32(__m512i& r0, __m512i& r1, __m512i& r2, __m512i& r3) {
    const __m512i t0 = _mm512_unpacklo_epi32(r0, r1);
    const __m512i t1 = _mm512_unpackhi_epi32(r0, r1);
    const __m512i t2 = _mm512_unpacklo_epi32(r2, r3);
    const __m512i t3 = _mm512_unpackhi_epi32(r2, r3);
    r0 = _mm512_unpacklo_epi64(t0, t2);
    r1 = _mm512_unpackhi_epi64(t0, t2);
    r2 = _mm512_unpacklo_epi64(t1, t3);
    r3 = _mm512_unpackhi_epi64(t1, t3);
}

// Chunks 2c and 2c+1 (sub-blocks 4c..4c+3, one per 128-bit lane L) form register c; after the
// transpose, row q's lane L dword c is sub-block 4c + L: lane position 4L + c.
inline __m512 per_position(__m128i values, float factor) {
    const __m128i by_position = _mm_shuffle_epi8(
        values, _mm_setr_epi8(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15));
    return _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(by_position)),
                         _mm512_set1_ps(factor));
}

inline void to_lanes(const x86::KChunks& chunks, KBlock* block) {
    for (int reg_idx = 0; reg_idx < 4; ++reg_idx) {
        block->rows[reg_idx] = _mm512_inserti64x4(
            _mm512_zextsi256_si512(chunks.chunks[2 * reg_idx]), chunks.chunks[2 * reg_idx + 1], 1);
    }
    transpose_4x4_epi32(block->rows[0], block->rows[1], block->rows[2], block->rows[3]);
    block->scale = per_position(chunks.scales, chunks.d);
    block->bias = per_position(chunks.mins, chunks.dmin);
}

template <class Decode>
struct KKernel {
    static constexpr int64_t kGroupElems = kQ8x256Block;
    static constexpr int kMaxTokens = 8;
    static constexpr int64_t kChunkGroups = 8;  // 8 tokens x 8 super-blocks x 324 bytes = 20 KiB

    template <int kTokens>
    static void dot(const MatmulArgs& args, int64_t row_idx, int64_t token_idx, int64_t group_begin,
                    int64_t group_end, float* out) {
        const auto* w_row = static_cast<const uint8_t*>(args.w) + row_idx * args.w_row_bytes;
        const auto* x = static_cast<const uint8_t*>(args.x) + token_idx * args.x_row_bytes;
        __m512 acc[kTokens];
        for (__m512& sum : acc) sum = _mm512_setzero_ps();
        for (int64_t block_idx = group_begin; block_idx < group_end; ++block_idx) {
            x86::KChunks chunks;
            Decode::decode(w_row + block_idx * Decode::kBlockBytes, &chunks);
            KBlock block;
            to_lanes(chunks, &block);
            // Hot loop: the decoded super-block against each token's activation super-block.
            for (int tile_idx = 0; tile_idx < kTokens; ++tile_idx) {
                const uint8_t* xb = x + tile_idx * args.x_row_bytes + block_idx * kQ8x256BlockBytes;
                __m512i lanes = _mm512_setzero_si512();
                for (int quad_idx = 0; quad_idx < 4; ++quad_idx) {
                    lanes = _mm512_dpbusd_epi32(lanes, block.rows[quad_idx],
                                                _mm512_loadu_si512(xb + 64 * quad_idx));
                }
                const __m512 d_x = _mm512_set1_ps(x86::load_f32(xb + kQ8x256DOffset));
                const __m512 dsum_x = _mm512_loadu_ps(xb + kQ8x256DsumOffset);
                acc[tile_idx] = _mm512_fmadd_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(lanes), d_x),
                                                block.scale, acc[tile_idx]);
                acc[tile_idx] = _mm512_fmadd_ps(block.bias, dsum_x, acc[tile_idx]);
            }
        }
        for (int tile_idx = 0; tile_idx < kTokens; ++tile_idx)
            out[tile_idx] = x86::hsum(acc[tile_idx]);
    }
};

}  // namespace

void matmul_q2_k(const MatmulArgs& args) {
    run_matmul<KKernel<x86::DecodeQ2_K>>(args);
}
void matmul_q3_k(const MatmulArgs& args) {
    run_matmul<KKernel<x86::DecodeQ3_K>>(args);
}
void matmul_q4_k(const MatmulArgs& args) {
    run_matmul<KKernel<x86::DecodeQ4_K>>(args);
}
void matmul_q5_k(const MatmulArgs& args) {
    run_matmul<KKernel<x86::DecodeQ5_K>>(args);
}
void matmul_q6_k(const MatmulArgs& args) {
    run_matmul<KKernel<x86::DecodeQ6_K>>(args);
}

}  // namespace hearth::kernels::cpu::avx512
