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

// Accumulators of one micro-kernel call: kSplit independent sums per token hide the FMA latency
// when few tokens share a weight vector.
template <int kTokens, int kSplit>
struct Sums {
    __m512 acc[kTokens][kSplit];

    Sums() {
        for (auto& sums : acc)
            for (__m512& sum : sums) sum = _mm512_setzero_ps();
    }
    void store(float* out) const {
        for (int tile_idx = 0; tile_idx < kTokens; ++tile_idx) {
            __m512 total = acc[tile_idx][0];
            for (int split_idx = 1; split_idx < kSplit; ++split_idx)
                total = _mm512_add_ps(total, acc[tile_idx][split_idx]);
            out[tile_idx] = x86::hsum(total);
        }
    }
};

// F32 / F16 weights against float activations; 64 elements (4 vectors) per group.
template <class Weights>
struct FloatKernel {
    static constexpr int64_t kGroupElems = 64;
    static constexpr int kMaxTokens = 8;
    static constexpr int64_t kChunkGroups = 8;  // 8 tokens x 512 floats = 16 KiB

    // One vector of 16 weights (the first n when kPartial) against each token.
    template <bool kPartial, int kTokens, int kSplit>
    static void step(const uint8_t* w_row, const uint8_t* x, int64_t x_row_bytes, int64_t elem_idx,
                     int64_t n, int split_idx, Sums<kTokens, kSplit>& sums) {
        const __m512 w = Weights::load(w_row, elem_idx, kPartial ? n : 16);
        // Hot loop: one weight vector against each token.
        for (int tile_idx = 0; tile_idx < kTokens; ++tile_idx) {
            const float* x_at =
                reinterpret_cast<const float*>(x + tile_idx * x_row_bytes) + elem_idx;
            const __m512 xv =
                kPartial ? _mm512_maskz_loadu_ps(first_lanes_16(n), x_at) : _mm512_loadu_ps(x_at);
            __m512& sum = sums.acc[tile_idx][split_idx];
            sum = _mm512_fmadd_ps(w, xv, sum);
        }
    }

    template <int kTokens>
    static void dot(const MatmulArgs& args, int64_t row_idx, int64_t token_idx, int64_t group_begin,
                    int64_t group_end, float* out) {
        const auto* w_row = static_cast<const uint8_t*>(args.w) + row_idx * args.w_row_bytes;
        const auto* x = static_cast<const uint8_t*>(args.x) + token_idx * args.x_row_bytes;
        constexpr int kSplit = kTokens == 1 ? 4 : kTokens == 2 ? 2 : 1;
        Sums<kTokens, kSplit> sums;
        const int64_t full_end =
            group_end < args.k / kGroupElems ? group_end : args.k / kGroupElems;
        for (int64_t group_idx = group_begin; group_idx < full_end; ++group_idx) {
            for (int vec_idx = 0; vec_idx < 4; ++vec_idx) {
                step<false>(w_row, x, args.x_row_bytes, group_idx * kGroupElems + 16 * vec_idx, 16,
                            vec_idx % kSplit, sums);
            }
        }
        // The last group may end inside the row: masked loads, zeros past k.
        for (int64_t group_idx = full_end > group_begin ? full_end : group_begin;
             group_idx < group_end; ++group_idx) {
            for (int vec_idx = 0; vec_idx < 4; ++vec_idx) {
                const int64_t elem_idx = group_idx * kGroupElems + 16 * vec_idx;
                if (elem_idx >= args.k) break;
                step<true>(w_row, x, args.x_row_bytes, elem_idx, args.k - elem_idx,
                           vec_idx % kSplit, sums);
            }
        }
        sums.store(out);
    }
};

// BF16 weights against bf16 activations; 64 elements (two vectors of 32 bf16) per group.
struct Bf16Kernel {
    static constexpr int64_t kGroupElems = 64;
    static constexpr int kMaxTokens = 8;
    static constexpr int64_t kChunkGroups = 16;  // 8 tokens x 1024 bf16 = 16 KiB

    static __m512i load(const uint16_t* at, int64_t n) {
        return n >= 32 ? _mm512_loadu_si512(at) : _mm512_maskz_loadu_epi16(first_lanes_32(n), at);
    }

    // 32 weights (the first n when kPartial) against each token, two products per float lane.
    template <bool kPartial, int kTokens, int kSplit>
    static void step(const uint16_t* w_row, const uint8_t* x, int64_t x_row_bytes, int64_t elem_idx,
                     int64_t n, int split_idx, Sums<kTokens, kSplit>& sums) {
        const __m512bh w = (__m512bh)load(w_row + elem_idx, kPartial ? n : 32);
        // Hot loop: 32 weights against each token.
        for (int tile_idx = 0; tile_idx < kTokens; ++tile_idx) {
            const auto* x_at =
                reinterpret_cast<const uint16_t*>(x + tile_idx * x_row_bytes) + elem_idx;
            __m512& sum = sums.acc[tile_idx][split_idx];
            sum = _mm512_dpbf16_ps(sum, (__m512bh)load(x_at, kPartial ? n : 32), w);
        }
    }

    template <int kTokens>
    static void dot(const MatmulArgs& args, int64_t row_idx, int64_t token_idx, int64_t group_begin,
                    int64_t group_end, float* out) {
        const auto* w_row = reinterpret_cast<const uint16_t*>(static_cast<const uint8_t*>(args.w) +
                                                              row_idx * args.w_row_bytes);
        const auto* x = static_cast<const uint8_t*>(args.x) + token_idx * args.x_row_bytes;
        constexpr int kSplit = kTokens == 1 ? 2 : 1;
        Sums<kTokens, kSplit> sums;
        const int64_t full_end =
            group_end < args.k / kGroupElems ? group_end : args.k / kGroupElems;
        for (int64_t group_idx = group_begin; group_idx < full_end; ++group_idx) {
            for (int vec_idx = 0; vec_idx < 2; ++vec_idx) {
                step<false>(w_row, x, args.x_row_bytes, group_idx * kGroupElems + 32 * vec_idx, 32,
                            vec_idx % kSplit, sums);
            }
        }
        for (int64_t group_idx = full_end > group_begin ? full_end : group_begin;
             group_idx < group_end; ++group_idx) {
            for (int vec_idx = 0; vec_idx < 2; ++vec_idx) {
                const int64_t elem_idx = group_idx * kGroupElems + 32 * vec_idx;
                if (elem_idx >= args.k) break;
                step<true>(w_row, x, args.x_row_bytes, elem_idx, args.k - elem_idx,
                           vec_idx % kSplit, sums);
            }
        }
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
