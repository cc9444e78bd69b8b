// AVX2 kernels for float weights: F32 and F16 against float activations (vfmadd231ps; F16
// widened with vcvtph2ps), BF16 against bf16 activations. A bf16 is the top half of a float, so
// 16 bf16 in a 256-bit vector give 8 floats from their even elements (shift left 16) and 8 from
// their odd elements (mask the low half away); even weights meet even activations, odd meet odd.
// k needs no alignment: the last vectors of a row are loaded partially, zeros after the end.
#include <immintrin.h>

#include <cstring>

#include "kernels/cpu/matmul_tiles.h"
#include "kernels/cpu/x86/matmul_x86.h"
#include "kernels/cpu/x86/simd_x86.h"

namespace hearth::kernels::cpu::avx2 {
namespace {

// Lanes [0, n) all ones, the rest zero (for vmaskmovps).
inline __m256i first_lanes(int64_t n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int32_t>(n)),
                              _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// 8 floats at `at`, the first n of them (lanes past n zero).
inline __m256 load_floats(const float* at, int64_t n) {
    return n >= 8 ? _mm256_loadu_ps(at) : _mm256_maskload_ps(at, first_lanes(n));
}

// `count` 16-bit values at `at` (count < `kLanes`) padded with zeros, as a vector.
template <int kBytes>
inline void load_padded(const void* at, int64_t count, int64_t elem_bytes, uint8_t* padded) {
    std::memset(padded, 0, kBytes);
    std::memcpy(padded, at, static_cast<size_t>(count * elem_bytes));
}

struct WeightsF32 {
    static __m256 load(const void* row, int64_t elem_idx, int64_t n) {
        return load_floats(static_cast<const float*>(row) + elem_idx, n);
    }
};

struct WeightsF16 {
    static __m256 load(const void* row, int64_t elem_idx, int64_t n) {
        const auto* at = static_cast<const uint8_t*>(row) + 2 * elem_idx;
        if (n >= 8) return _mm256_cvtph_ps(x86::loadu_128(at));
        alignas(16) uint8_t padded[16];
        load_padded<16>(at, n, 2, padded);
        return _mm256_cvtph_ps(x86::loadu_128(padded));
    }
};

// Accumulators of one micro-kernel call. A call with one or two tokens keeps two sums per
// (row, token), alternating by vector, so a lone row and token still has two FMA chains in
// flight; with more tokens, the tokens give the independent chains. The split depends on the
// token count only, so a row sums in the same order whatever the rows beside it.
template <int kRows, int kTokens>
struct Sums {
    static constexpr int kSplit = kTokens <= 2 ? 2 : 1;
    __m256 acc[kRows][kTokens][kSplit];

    Sums() {
        for (auto& row : acc)
            for (auto& sums : row)
                for (__m256& sum : sums) sum = _mm256_setzero_ps();
    }
    __m256& at(int tile_row, int tile_idx, int vec_idx) {
        return acc[tile_row][tile_idx][vec_idx % kSplit];
    }
    void store(float* out) const {
        for (int tile_row = 0; tile_row < kRows; ++tile_row) {
            for (int tile_idx = 0; tile_idx < kTokens; ++tile_idx) {
                __m256 total = acc[tile_row][tile_idx][0];
                for (int split_idx = 1; split_idx < kSplit; ++split_idx)
                    total = _mm256_add_ps(total, acc[tile_row][tile_idx][split_idx]);
                out[tile_row * kTokens + tile_idx] = x86::hsum(total);
            }
        }
    }
};

// Runs step(elem_idx, n, vec_idx) over the vectors of groups [group_begin, group_end): full
// groups first (n = kVecElems, constant), then the one group that may end inside the row (n = the
// elements left, so the step loads partially).
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

// F32 / F16 weights against float activations; 32 elements (4 vectors) per group.
template <class Weights>
struct FloatKernel {
    static constexpr int64_t kMultiRowFromActivationBytes = kMultiRowActivationBytes;
    static constexpr int64_t kGroupElems = 32;
    static constexpr int kMatvecRows = 4;
    static constexpr int kMaxTokens = 8;
    static constexpr int64_t kChunkGroups = 16;  // 8 tokens x 512 floats = 16 KiB

    template <int kRows, int kTokens>
    static void dot(const MatmulArgs& args, int64_t row_idx, int64_t token_idx, int64_t group_begin,
                    int64_t group_end, float* out) {
        const auto* w = static_cast<const uint8_t*>(args.w) + row_idx * args.w_row_bytes;
        const auto* x = static_cast<const uint8_t*>(args.x) + token_idx * args.x_row_bytes;
        Sums<kRows, kTokens> sums;
        for_each_vector<kGroupElems, 8>(
            args.k, group_begin, group_end, [&](int64_t elem_idx, int64_t n, int vec_idx) {
                __m256 weights[kRows];
                for (int tile_row = 0; tile_row < kRows; ++tile_row)
                    weights[tile_row] = Weights::load(w + tile_row * args.w_row_bytes, elem_idx, n);
                // Hot loop: each token's activation vector, loaded once, against the rows.
                for (int tile_idx = 0; tile_idx < kTokens; ++tile_idx) {
                    const __m256 xv = load_floats(
                        reinterpret_cast<const float*>(x + tile_idx * args.x_row_bytes) + elem_idx,
                        n);
                    for (int tile_row = 0; tile_row < kRows; ++tile_row) {
                        __m256& sum = sums.at(tile_row, tile_idx, vec_idx);
                        sum = _mm256_fmadd_ps(weights[tile_row], xv, sum);
                    }
                }
            });
        sums.store(out);
    }
};

// 16 bf16 at `at`, the first n of them, as even-element and odd-element floats.
inline void load_bf16_x16(const uint8_t* at, int64_t n, __m256* even, __m256* odd) {
    __m256i raw;
    if (n >= 16) {
        raw = x86::loadu_256(at);
    } else {
        alignas(32) uint8_t padded[32];
        load_padded<32>(at, n, 2, padded);
        raw = x86::loadu_256(padded);
    }
    *even = _mm256_castsi256_ps(_mm256_slli_epi32(raw, 16));
    *odd = _mm256_castsi256_ps(
        _mm256_and_si256(raw, _mm256_set1_epi32(static_cast<int32_t>(0xffff0000u))));
}

// BF16 weights against bf16 activations; 32 elements (two vectors of 16 bf16) per group.
struct Bf16Kernel {
    static constexpr int64_t kGroupElems = 32;
    static constexpr int kMatvecRows = 4;
    static constexpr int kMaxTokens = 8;
    static constexpr int64_t kChunkGroups = 32;  // 8 tokens x 1024 bf16 = 16 KiB

    template <int kRows, int kTokens>
    static void dot(const MatmulArgs& args, int64_t row_idx, int64_t token_idx, int64_t group_begin,
                    int64_t group_end, float* out) {
        const auto* w = static_cast<const uint8_t*>(args.w) + row_idx * args.w_row_bytes;
        const auto* x = static_cast<const uint8_t*>(args.x) + token_idx * args.x_row_bytes;
        Sums<kRows, kTokens> sums;
        for_each_vector<kGroupElems, 16>(
            args.k, group_begin, group_end, [&](int64_t elem_idx, int64_t n, int vec_idx) {
                __m256 w_even[kRows], w_odd[kRows];
                for (int tile_row = 0; tile_row < kRows; ++tile_row) {
                    load_bf16_x16(w + tile_row * args.w_row_bytes + 2 * elem_idx, n,
                                  &w_even[tile_row], &w_odd[tile_row]);
                }
                // Hot loop: 16 activations of each token, loaded once, against the rows.
                for (int tile_idx = 0; tile_idx < kTokens; ++tile_idx) {
                    __m256 x_even, x_odd;
                    load_bf16_x16(x + tile_idx * args.x_row_bytes + 2 * elem_idx, n, &x_even,
                                  &x_odd);
                    for (int tile_row = 0; tile_row < kRows; ++tile_row) {
                        __m256& sum = sums.at(tile_row, tile_idx, vec_idx);
                        sum = _mm256_fmadd_ps(w_even[tile_row], x_even, sum);
                        sum = _mm256_fmadd_ps(w_odd[tile_row], x_odd, sum);
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

}  // namespace hearth::kernels::cpu::avx2
