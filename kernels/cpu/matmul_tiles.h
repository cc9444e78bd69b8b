// How the SIMD kernels walk one matmul call: the loops around a micro-kernel that computes a few
// weight rows against up to kMaxTokens activation rows over a range of k.
//
//   n_tokens == 1 (token generation): all of k at once, the weights streamed from memory exactly
//   once: row by row, or kMatvecRows rows per pass when the activation row is large (they share
//   each activation vector loaded; see kMultiRowActivationBytes).
//
//   n_tokens > 1 (prompt processing, batched decoding): tiles, so each weight block decoded is
//   reused across kMaxTokens tokens and each activation chunk stays in L1 across rows:
//     for each block of rows whose weights fit in L2 (read from memory once)
//       for each group of kMaxTokens tokens
//         for each chunk of k (kChunkGroups groups: the group's activations fit in L1)
//           for each row of the block: y[t][r] (+)= micro-kernel(row r, tokens, chunk)
//
// A Kernel type provides:
//   static constexpr int64_t kGroupElems;   elements of k per step of the micro-kernel
//   static constexpr int kMatvecRows;       rows per micro-kernel call when n_tokens == 1
//   static constexpr int kMaxTokens;        tokens per micro-kernel call (1..8)
//   static constexpr int64_t kChunkGroups;  groups per chunk of k in the tiled loop
//   template <int kRows, int kTokens> static void dot(const MatmulArgs& args, int64_t row_idx,
//       int64_t token_idx, int64_t group_begin, int64_t group_end, float* out);
//     out[r * kTokens + t] = the dot of weight row row_idx + r with prepared activation row
//     token_idx + t over the elements of groups [group_begin, group_end) (the last group may be
//     partial). Called with kRows = 1 (any kTokens) and with kRows = kMatvecRows, kTokens = 1;
//     a row's result must not depend on kRows (row splits between threads stay bit-identical).
//
// Everything here has internal linkage: SIMD translation units each instantiate their own copy
// with their own instruction-set flags (a shared inline copy could be linked to the wrong ISA).
#pragma once

#include <array>
#include <cstdint>
#include <utility>

#include "kernels/matmul.h"

namespace hearth::kernels::cpu {
namespace {

// Matvec takes kMatvecRows rows per pass only for activation rows at least this large. A large
// activation row read once per weight row costs more L1/L2 traffic than the weights themselves
// (F16 weights, k = 4096: 16 KiB of floats per 8 KiB row); for small ones the weights are best
// read strictly in order, since short rows read several at a time make short interleaved streams
// that the hardware prefetcher follows badly.
// Float kernels read 4 bytes of activation per weight element, so their activation rows get
// large; they declare `kMultiRowActivationBytes`. Quantized kernels (about 1 byte per element)
// measured faster with several rows per pass at every size, so their threshold is 0.
constexpr int64_t kMultiRowActivationBytes = 8 * 1024;

template <class Kernel>
constexpr int64_t multi_row_min_bytes() {
    if constexpr (requires { Kernel::kMultiRowFromActivationBytes; }) return Kernel::kMultiRowFromActivationBytes;
    return 0;
}

// Weight bytes per row block of the tiled loop: well inside a 1-2 MiB L2 next to the activations.
constexpr int64_t kRowBlockBytes = 384 * 1024;

template <class Kernel>
using DotFn = void (*)(const MatmulArgs&, int64_t, int64_t, int64_t, int64_t, float*);

template <class Kernel, size_t... kIdx>
constexpr std::array<DotFn<Kernel>, sizeof...(kIdx)> dot_table(std::index_sequence<kIdx...>) {
    return {&Kernel::template dot<1, static_cast<int>(kIdx) + 1>...};
}

template <class Kernel>
void run_matmul(const MatmulArgs& args) {
    const int64_t n_groups = (args.k + Kernel::kGroupElems - 1) / Kernel::kGroupElems;
    if (args.n_tokens == 1) {
        constexpr int kRows = Kernel::kMatvecRows;
        int64_t row_idx = args.row_begin;
        if (args.x_row_bytes >= multi_row_min_bytes<Kernel>()) {
            for (; row_idx + kRows <= args.row_end; row_idx += kRows)
                Kernel::template dot<kRows, 1>(args, row_idx, 0, 0, n_groups, args.y + row_idx);
        }
        for (; row_idx < args.row_end; ++row_idx)
            Kernel::template dot<1, 1>(args, row_idx, 0, 0, n_groups, args.y + row_idx);
        return;
    }

    static constexpr std::array<DotFn<Kernel>, Kernel::kMaxTokens> kDots =
        dot_table<Kernel>(std::make_index_sequence<Kernel::kMaxTokens>());
    const int64_t row_bytes = args.w_row_bytes > 0 ? args.w_row_bytes : 1;
    const int64_t rows_per_block = kRowBlockBytes / row_bytes > 0 ? kRowBlockBytes / row_bytes : 1;
    for (int64_t block_begin = args.row_begin; block_begin < args.row_end;
         block_begin += rows_per_block) {
        const int64_t block_end = block_begin + rows_per_block < args.row_end
                                      ? block_begin + rows_per_block
                                      : args.row_end;
        for (int64_t token_idx = 0; token_idx < args.n_tokens; token_idx += Kernel::kMaxTokens) {
            const int64_t n_tile_tokens = args.n_tokens - token_idx < Kernel::kMaxTokens
                                              ? args.n_tokens - token_idx
                                              : Kernel::kMaxTokens;
            const DotFn<Kernel> dot = kDots[n_tile_tokens - 1];
            for (int64_t group_begin = 0; group_begin < n_groups;
                 group_begin += Kernel::kChunkGroups) {
                const int64_t group_end = group_begin + Kernel::kChunkGroups < n_groups
                                              ? group_begin + Kernel::kChunkGroups
                                              : n_groups;
                // y[t][r] for the tile's rows and tokens: assigned by the first chunk, then summed.
                const auto store = [&](int64_t row_idx, int64_t n_rows, const float* out) {
                    for (int64_t tile_row = 0; tile_row < n_rows; ++tile_row) {
                        for (int64_t tile_idx = 0; tile_idx < n_tile_tokens; ++tile_idx) {
                            float* y = args.y + (token_idx + tile_idx) * args.y_stride + row_idx +
                                       tile_row;
                            const float value = out[tile_row * n_tile_tokens + tile_idx];
                            *y = group_begin == 0 ? value : *y + value;
                        }
                    }
                };
                int64_t row_idx = block_begin;
                if (n_tile_tokens == 1) {  // a lone token: several rows per call, as in matvec
                    constexpr int kRows = Kernel::kMatvecRows;
                    for (; row_idx + kRows <= block_end; row_idx += kRows) {
                        float out[kRows];
                        Kernel::template dot<kRows, 1>(args, row_idx, token_idx, group_begin,
                                                       group_end, out);
                        store(row_idx, kRows, out);
                    }
                }
                for (; row_idx < block_end; ++row_idx) {
                    float out[Kernel::kMaxTokens];
                    dot(args, row_idx, token_idx, group_begin, group_end, out);
                    store(row_idx, 1, out);
                }
            }
        }
    }
}

}  // namespace
}  // namespace hearth::kernels::cpu
