// AVX2 kernels for the 32-element block types: Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 against Q8x32
// activations. Per group of 8 blocks and token:
//
//   pairs    = vpmaddubsw(codes rows[q], q_x rows[q])   int16: code * q_x summed in pairs
//   lanes[b] = vpmaddwd(sum of pairs over rows, 1)      block b's integer dot
//   acc     += float(lanes) * d_x * scale + bias * dsum_x
//
// vpmaddubsw saturates at 32767, so int16 pair sums are added across as many rows as stay below
// it: 8 rows for 4-bit codes (8 * 2 * 15 * 127 = 30480), 4 for 5-bit codes (31496). Q8_0 keeps
// signed codes and multiplies |w| by q_x carrying w's sign (vpsignb): one row per vpmaddwd.
#include <immintrin.h>

#include "kernels/cpu/act_format.h"
#include "kernels/cpu/matmul_tiles.h"
#include "kernels/cpu/x86/decode_q32_x86.h"
#include "kernels/cpu/x86/matmul_x86.h"

namespace hearth::kernels::cpu::avx2 {
namespace {

using x86::QGroup;

// Lane b: sum over the 8 rows of code * q_x for block b, unsigned codes whose int16 pair sums
// may be accumulated over kRowsPerAdd rows.
template <int kRowsPerAdd>
inline __m256i group_dot_unsigned(const QGroup& group, const uint8_t* xq) {
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i lanes = _mm256_setzero_si256();
    for (int first_row = 0; first_row < 8; first_row += kRowsPerAdd) {
        __m256i pairs =
            _mm256_maddubs_epi16(group.rows[first_row], x86::loadu_256(xq + 32 * first_row));
        for (int row_idx = first_row + 1; row_idx < first_row + kRowsPerAdd; ++row_idx) {
            pairs = _mm256_add_epi16(
                pairs,
                _mm256_maddubs_epi16(group.rows[row_idx], x86::loadu_256(xq + 32 * row_idx)));
        }
        lanes = _mm256_add_epi32(lanes, _mm256_madd_epi16(pairs, ones));
    }
    return lanes;
}

// The same for signed codes (Q8_0): |w| * (q_x with the sign of w).
inline __m256i group_dot_signed(const QGroup& group, const uint8_t* xq) {
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i lanes = _mm256_setzero_si256();
    for (int row_idx = 0; row_idx < 8; ++row_idx) {
        const __m256i codes = group.rows[row_idx];
        const __m256i pairs = _mm256_maddubs_epi16(
            _mm256_abs_epi8(codes), _mm256_sign_epi8(x86::loadu_256(xq + 32 * row_idx), codes));
        lanes = _mm256_add_epi32(lanes, _mm256_madd_epi16(pairs, ones));
    }
    return lanes;
}

struct Nibbles {  // codes 0..15
    static __m256i group_dot(const QGroup& group, const uint8_t* xq) {
        return group_dot_unsigned<8>(group, xq);
    }
};
struct FiveBits {  // codes 0..31
    static __m256i group_dot(const QGroup& group, const uint8_t* xq) {
        return group_dot_unsigned<4>(group, xq);
    }
};
struct Signed {  // codes -128..127
    static __m256i group_dot(const QGroup& group, const uint8_t* xq) {
        return group_dot_signed(group, xq);
    }
};

template <class Decode, class Dot>
struct Q32Kernel {
    static constexpr int64_t kGroupElems = kQ8x32GroupElems;
    static constexpr int kMatvecRows = 1;
    static constexpr int kMaxTokens = 8;
    static constexpr int64_t kChunkGroups = 8;  // 8 tokens x 8 groups x 320 bytes = 20 KiB

    template <int kRows, int kTokens>
    static void dot(const MatmulArgs& args, int64_t row_idx, int64_t token_idx, int64_t group_begin,
                    int64_t group_end, float* out) {
        static_assert(kRows == 1, "one row per call");
        const auto* w_row = static_cast<const uint8_t*>(args.w) + row_idx * args.w_row_bytes;
        const auto* x = static_cast<const uint8_t*>(args.x) + token_idx * args.x_row_bytes;
        const int64_t n_blocks = args.k / kQ8x32Block;
        __m256 acc[kTokens];
        for (__m256& sum : acc) sum = _mm256_setzero_ps();
        for (int64_t group_idx = group_begin; group_idx < group_end; ++group_idx) {
            const int64_t block_idx = group_idx * kQ8x32GroupBlocks;
            const uint8_t* blocks = w_row + block_idx * Decode::kBlockBytes;
            QGroup group;
            if (n_blocks - block_idx >= kQ8x32GroupBlocks)
                Decode::decode(blocks, &group);
            else
                x86::decode_partial<Decode>(blocks, n_blocks - block_idx, &group);
            // Hot loop: the decoded group against each token's activation group.
            for (int tile_idx = 0; tile_idx < kTokens; ++tile_idx) {
                const uint8_t* xg = x + tile_idx * args.x_row_bytes + group_idx * kQ8x32GroupBytes;
                const __m256 dots = _mm256_cvtepi32_ps(Dot::group_dot(group, xg));
                const __m256 d_x =
                    _mm256_loadu_ps(reinterpret_cast<const float*>(xg + kQ8x32DOffset));
                const __m256 dsum_x =
                    _mm256_loadu_ps(reinterpret_cast<const float*>(xg + kQ8x32DsumOffset));
                acc[tile_idx] =
                    _mm256_fmadd_ps(_mm256_mul_ps(dots, d_x), group.scale, acc[tile_idx]);
                acc[tile_idx] = _mm256_fmadd_ps(group.bias, dsum_x, acc[tile_idx]);
            }
        }
        for (int tile_idx = 0; tile_idx < kTokens; ++tile_idx)
            out[tile_idx] = x86::hsum(acc[tile_idx]);
    }
};

}  // namespace

void matmul_q4_0(const MatmulArgs& args) {
    run_matmul<Q32Kernel<x86::DecodeQ4_0, Nibbles>>(args);
}
void matmul_q4_1(const MatmulArgs& args) {
    run_matmul<Q32Kernel<x86::DecodeQ4_1, Nibbles>>(args);
}
void matmul_q5_0(const MatmulArgs& args) {
    run_matmul<Q32Kernel<x86::DecodeQ5_0, FiveBits>>(args);
}
void matmul_q5_1(const MatmulArgs& args) {
    run_matmul<Q32Kernel<x86::DecodeQ5_1, FiveBits>>(args);
}
void matmul_q8_0(const MatmulArgs& args) {
    run_matmul<Q32Kernel<x86::DecodeQ8_0, Signed>>(args);
}

}  // namespace hearth::kernels::cpu::avx2
