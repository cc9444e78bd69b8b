// AVX-512 kernels for float weights: F32 and F16 against float activations (vfmadd231ps; F16
// widened with vcvtph2ps), BF16 against bf16 activations (vdpbf16ps: pairs of bf16 products
// accumulated in float; needs AVX512_BF16). k needs no alignment: the last vectors of a row are
// loaded under a mask.
#include <immintrin.h>

#include "kernels/cpu/matmul_tiles.h"
#include "kernels/cpu/x86/matmul_x86.h"
#include "kernels/cpu/x86/simd_x86.h"

namespace hearth::kernels::cpu::avx512 {
namespace {

// Bits for the first n of 16 (or 32) lanes (all lanes when n >= 16 (32)).
inline __mmask16 first_lanes_16(int64_t n) {
    return n >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << n) - 1);
}
inline __mmask32 first_lanes_32(int64_t n) {
    return n >= 32 ? static_cast<__mmask32>(0xffffffffu) : static_cast<__mmask32>((1u << n) - 1);
}

// 16 F32 weights from `row` at `elem_idx`, the first n of them (lanes past n zero).
struct WeightsF32 {
    static __m512 load(const void* row, int64_t elem_idx, int64_t n) {
        const float* at = static_cast<const float*>(row) + elem_idx;
        return n >= 16 ? _mm512_loadu_ps(at) : _mm512_maskz_loadu_ps(first_lanes_16(n), at);
    }
};

struct WeightsF16 {
    static __m512 load(const void* row, int64_t elem_idx, int64_t n) {
        const uint16_t* at = static_cast<const uint16_t*>(row) + elem_idx;
        const __m256i halves = n >= 16 ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at))
                                       : _mm256_maskz_loadu_epi16(first_lanes_16(n), at);
        return _mm512_cvtph_ps(halves);
    }
};

// Accumulators of one micro-kernel call. A call with one or two tokens keeps two sums per
// (row, token), alternating by vector, so a lone row and token still has two FMA chains in
// flight; with more tokens, the tokens give the independent chains. The split depends on the
// token count only, so a row sums in the same order whatever the rows beside it.
template <int kRows, int kTokens>
struct Sums {
    static constexpr int kSplit = kTokens <= 2 ? 2 : 1;
    __m512 acc[kRows][kTokens][kSplit];

    Sums() {
        for (auto& row : acc)
            for (auto& sums : row)
                for (__m512& sum : sums) sum = _mm512_setzero_ps();
    }
    __m512& at(int tile_row, int tile_idx, int vec_idx) {
        return acc[tile_row][tile_idx][vec_idx % kSplit];
    }
    void store(float* out) const {
        for (int tile_row = 0; tile_row < kRows; ++tile_row) {
            for (int tile_idx = 0; tile_idx < kTokens; ++tile_idx) {
                __m512 total = acc[tile_row][tile_idx][0];
                for (int split_idx = 1; split_idx < kSplit; ++split_idx)
                    total = _mm512_add_ps(total, acc[tile_row][tile_idx][split_idx]);
                out[tile_row * kTokens + tile_idx] = x86::hsum(total);
            }
        }
    }
};

// Runs step(elem_idx, n, vec_idx) over the vectors of groups [group_begin, group_end): full
// groups first (n = kVecElems, constant), then the one group that may end inside the row (n = the
// elements left, so the step loads under a mask).
template <int64_t kGroupElems, int64_t kVecElems, typename Step>
inline void for_each_vector(int64_t k, int64_t group_begin, int64_t group_end, Step step) {
    constexpr int kVecs = static_cast<int>(kGroupElems / kVecElems);
    const int64_t full_end = group_end < k / kGroupElems ? group_end : k / kGroupElems;
    for (int64_t group_idx = group_begin; group_idx < full_end; ++group_idx) {
        for (int vec_idx = 0; vec_idx < kVecs; ++vec_idx)
            step(group_idx * kGroupElems + kVecElems * vec_idx, kVecElems, vec_idx);
    }
    for (int64_t group_idx = full_end > group_begin ? full_end : group_begin; group_idx < group_end;
         ++group_idx) {
        for (int vec_idx = 0; vec_idx < kVecs; ++vec_idx) {
            const int64_t elem_idx = group_idx * kGroupElems + kVecElems * vec_idx;
            if (elem_idx >= k) break;
            step(elem_idx, k - elem_idx, vec_idx);
        }
    }
}

// F32 / F16 weights against float activations; 64 elements (4 vectors) per group.
template <class Weights>
struct FloatKernel {
    // 16 KiB (k >= 4096), not the shared 8 KiB: on the 1.1B F16 model, 8 rows per pass at
    // k = 2048 generated 8.1 t/s against 10.8 with one row at a time (bench/RESULTS.md).
    static constexpr int64_t kMultiRowFromActivationBytes = 16 * 1024;
    static constexpr int64_t kGroupElems = 64;
    static constexpr int kMatvecRows = 8;
    static constexpr int kMaxTokens = 8;
    static constexpr int64_t kChunkGroups = 8;  // 8 tokens x 512 floats = 16 KiB

    template <int kRows, int kTokens>
    static void dot(const MatmulArgs& args, int64_t row_idx, int64_t token_idx, int64_t group_begin,
                    int64_t group_end, float* out) {
        const auto* w = static_cast<const uint8_t*>(args.w) + row_idx * args.w_row_bytes;
        const auto* x = static_cast<const uint8_t*>(args.x) + token_idx * args.x_row_bytes;
        Sums<kRows, kTokens> sums;
        for_each_vector<kGroupElems, 16>(
            args.k, group_begin, group_end, [&](int64_t elem_idx, int64_t n, int vec_idx) {
                __m512 weights[kRows];
                for (int tile_row = 0; tile_row < kRows; ++tile_row)
                    weights[tile_row] = Weights::load(w + tile_row * args.w_row_bytes, elem_idx, n);
                // Hot loop: each token's activation vector, loaded once, against the rows.
                for (int tile_idx = 0; tile_idx < kTokens; ++tile_idx) {
                    const float* x_at =
                        reinterpret_cast<const float*>(x + tile_idx * args.x_row_bytes) + elem_idx;
                    const __m512 xv = n >= 16 ? _mm512_loadu_ps(x_at)
                                              : _mm512_maskz_loadu_ps(first_lanes_16(n), x_at);
                    for (int tile_row = 0; tile_row < kRows; ++tile_row) {
                        __m512& sum = sums.at(tile_row, tile_idx, vec_idx);
                        sum = _mm512_fmadd_ps(weights[tile_row], xv, sum);
                    }
                }
            });
        sums.store(out);
    }
};

// BF16 weights against bf16 activations; 64 elements (two vectors of 32 bf16) per group.
struct Bf16Kernel {
    static constexpr int64_t kGroupElems = 64;
    static constexpr int kMatvecRows = 8;
    static constexpr int kMaxTokens = 8;
    static constexpr int64_t kChunkGroups = 16;  // 8 tokens x 1024 bf16 = 16 KiB

    static __m512i load(const uint8_t* row, int64_t elem_idx, int64_t n) {
        const auto* at = reinterpret_cast<const uint16_t*>(row) + elem_idx;
        return n >= 32 ? _mm512_loadu_si512(at) : _mm512_maskz_loadu_epi16(first_lanes_32(n), at);
    }

    template <int kRows, int kTokens>
    static void dot(const MatmulArgs& args, int64_t row_idx, int64_t token_idx, int64_t group_begin,
                    int64_t group_end, float* out) {
        const auto* w = static_cast<const uint8_t*>(args.w) + row_idx * args.w_row_bytes;
        const auto* x = static_cast<const uint8_t*>(args.x) + token_idx * args.x_row_bytes;
        Sums<kRows, kTokens> sums;
        for_each_vector<kGroupElems, 32>(
            args.k, group_begin, group_end, [&](int64_t elem_idx, int64_t n, int vec_idx) {
                __m512bh weights[kRows];
                for (int tile_row = 0; tile_row < kRows; ++tile_row)
                    weights[tile_row] =
                        (__m512bh)load(w + tile_row * args.w_row_bytes, elem_idx, n);
                // Hot loop: 32 activations of each token, loaded once, against the rows (two
                // products per float lane).
                for (int tile_idx = 0; tile_idx < kTokens; ++tile_idx) {
                    const __m512bh xv =
                        (__m512bh)load(x + tile_idx * args.x_row_bytes, elem_idx, n);
                    for (int tile_row = 0; tile_row < kRows; ++tile_row) {
                        __m512& sum = sums.at(tile_row, tile_idx, vec_idx);
                        sum = _mm512_dpbf16_ps(sum, xv, weights[tile_row]);
                    }
                }
            });
        sums.store(out);
    }
};

}  // namespace

void matmul_f32(const MatmulArgs& args) {
    run_matmul<FloatKernel<WeightsF32>>(args);
}
void matmul_f16(const MatmulArgs& args) {
    run_matmul<FloatKernel<WeightsF16>>(args);
}
void matmul_bf16(const MatmulArgs& args) {
    run_matmul<Bf16Kernel>(args);
}

}  // namespace hearth::kernels::cpu::avx512
