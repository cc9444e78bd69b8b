// AVX2 kernels for the K-quants: Q2_K, Q3_K, Q4_K, Q5_K, Q6_K against Q8x256 activations. A
// super-block decodes (decode_k_x86.h) into 8 chunks of 32 codes in element order; 4x4 dword
// transposes of chunks {0,2,4,6} and {1,3,5,7} give the two 256-bit halves (lane positions 0-7
// and 8-15) of the activation's 4 rows. Per super-block, half and token:
//
//   pairs    = sum_q vpmaddubsw(codes rows[q], q_x rows[q])   int16
//   lanes[p] = vpmaddwd(pairs, 1)                              sub-block dots
//   acc     += float(lanes) * d_x * (d * scales) + (dmin * mins) * dsum_x
//
// The int16 pair sums stay below 32767 over all 4 rows (4 * 2 * 31 * 127 = 31496) except for
// Q6_K's 6-bit codes, which are added two rows at a time (2 * 2 * 63 * 127 = 32004).
#include <immintrin.h>

#include "kernels/cpu/act_format.h"
#include "kernels/cpu/matmul_tiles.h"
#include "kernels/cpu/x86/avx2/decode_k_avx2.h"
#include "kernels/cpu/x86/matmul_x86.h"

namespace hearth::kernels::cpu::avx2 {
namespace {

// One super-block of one weight row in the Q8x256 lane order, as two halves.
struct KBlock {
    __m256i rows[2][4];  // rows[h][q] bytes 4p'..4p'+3: elements 4q.. of sub-block at 8h + p'
    __m256 scale[2];     // d * scales[sub-block at position]
    __m256 bias[2];      // dmin * mins[sub-block at position]
};

inline void per_position(__m128i values, float factor, __m256 out[2]) {
    const __m128i by_position = _mm_shuffle_epi8(
        values, _mm_setr_epi8(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15));
    const __m256 scale = _mm256_set1_ps(factor);
    out[0] = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(by_position)), scale);
    out[1] = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(by_position, 8))),
                           scale);
}

inline void to_lanes(const KChunks& chunks, KBlock* block) {
    for (int half_idx = 0; half_idx < 2; ++half_idx) {
        __m256i* rows = block->rows[half_idx];
        for (int reg_idx = 0; reg_idx < 4; ++reg_idx)
            rows[reg_idx] = chunks.chunks[2 * reg_idx + half_idx];
        x86::transpose_4x4_epi32(rows[0], rows[1], rows[2], rows[3]);
    }
    per_position(chunks.scales, chunks.d, block->scale);
    per_position(chunks.mins, chunks.dmin, block->bias);
}

template <class Decode, int kRowsPerAdd>
struct KKernel {
    static constexpr int64_t kGroupElems = kQ8x256Block;
    static constexpr int kMatvecRows = 1;
    static constexpr int kMaxTokens = 8;
    static constexpr int64_t kChunkGroups = 8;  // 8 tokens x 8 super-blocks x 324 bytes = 20 KiB

    template <int kRows, int kTokens>
    static void dot(const MatmulArgs& args, int64_t row_idx, int64_t token_idx, int64_t group_begin,
                    int64_t group_end, float* out) {
        static_assert(kRows == 1, "one row per call");
        const auto* w_row = static_cast<const uint8_t*>(args.w) + row_idx * args.w_row_bytes;
        const auto* x = static_cast<const uint8_t*>(args.x) + token_idx * args.x_row_bytes;
        const __m256i ones = _mm256_set1_epi16(1);
        __m256 acc[kTokens];
        for (__m256& sum : acc) sum = _mm256_setzero_ps();
        for (int64_t block_idx = group_begin; block_idx < group_end; ++block_idx) {
            KChunks chunks;
            Decode::decode(w_row + block_idx * Decode::kBlockBytes, &chunks);
            KBlock block;
            to_lanes(chunks, &block);
            // Hot loop: the decoded super-block against each token's activation super-block.
            for (int tile_idx = 0; tile_idx < kTokens; ++tile_idx) {
                const uint8_t* xb = x + tile_idx * args.x_row_bytes + block_idx * kQ8x256BlockBytes;
                const __m256 d_x = _mm256_set1_ps(x86::load_f32(xb + kQ8x256DOffset));
                for (int half_idx = 0; half_idx < 2; ++half_idx) {
                    const __m256i* rows = block.rows[half_idx];
                    const uint8_t* xh = xb + 32 * half_idx;
                    __m256i lanes = _mm256_setzero_si256();
                    for (int first_row = 0; first_row < 4; first_row += kRowsPerAdd) {
                        __m256i pairs = _mm256_maddubs_epi16(rows[first_row],
                                                             x86::loadu_256(xh + 64 * first_row));
                        for (int quad_idx = first_row + 1; quad_idx < first_row + kRowsPerAdd;
                             ++quad_idx) {
                            pairs = _mm256_add_epi16(
                                pairs, _mm256_maddubs_epi16(rows[quad_idx],
                                                            x86::loadu_256(xh + 64 * quad_idx)));
                        }
                        lanes = _mm256_add_epi32(lanes, _mm256_madd_epi16(pairs, ones));
                    }
                    const __m256 dsum_x = _mm256_loadu_ps(
                        reinterpret_cast<const float*>(xb + kQ8x256DsumOffset + 32 * half_idx));
                    acc[tile_idx] = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(lanes), d_x),
                                                    block.scale[half_idx], acc[tile_idx]);
                    acc[tile_idx] = _mm256_fmadd_ps(block.bias[half_idx], dsum_x, acc[tile_idx]);
                }
            }
        }
        for (int tile_idx = 0; tile_idx < kTokens; ++tile_idx)
            out[tile_idx] = x86::hsum(acc[tile_idx]);
    }
};

}  // namespace

void matmul_q2_k(const MatmulArgs& args) {
    run_matmul<KKernel<DecodeQ2_K, 4>>(args);
}
void matmul_q3_k(const MatmulArgs& args) {
    run_matmul<KKernel<DecodeQ3_K, 4>>(args);
}
void matmul_q4_k(const MatmulArgs& args) {
    run_matmul<KKernel<DecodeQ4_K, 4>>(args);
}
void matmul_q5_k(const MatmulArgs& args) {
    run_matmul<KKernel<DecodeQ5_K, 4>>(args);
}
void matmul_q6_k(const MatmulArgs& args) {
    run_matmul<KKernel<DecodeQ6_K, 2>>(args);
}

}  // namespace hearth::kernels::cpu::avx2
