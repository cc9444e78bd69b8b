// Quantize / dequantize throughput per storage type (scalar reference), in elements per second.
// build/release/bin/bench_quant --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/quant.h"
#include "tensor/dtype.h"

namespace {

using hearth::DType;

constexpr int64_t kElements = 256 * 1024;

const std::vector<float>& gaussian_row() {
    static const std::vector<float> row = [] {
        std::mt19937 engine(1);
        std::normal_distribution<float> normal(0.0f, 1.0f);
        std::vector<float> values(kElements);
        for (float& value : values) value = normal(engine);
        return values;
    }();
    return row;
}

void BM_Quantize(benchmark::State& state, DType type) {
    const std::vector<float>& x = gaussian_row();
    std::vector<uint8_t> bytes(static_cast<size_t>(hearth::row_bytes_unchecked(type, kElements)));
    for (auto _ : state) {
        const hearth::Status status =
            hearth::kernels::quantize_row(type, x.data(), bytes.data(), kElements);
        if (!status.ok()) state.SkipWithError(status.error().message.c_str());
        benchmark::DoNotOptimize(bytes.data());
    }
    state.SetItemsProcessed(state.iterations() * kElements);
}

void BM_Dequantize(benchmark::State& state, DType type) {
    const std::vector<float>& x = gaussian_row();
    std::vector<uint8_t> bytes(static_cast<size_t>(hearth::row_bytes_unchecked(type, kElements)));
    if (!hearth::kernels::quantize_row(type, x.data(), bytes.data(), kElements).ok()) {
        state.SkipWithError("quantize_row failed");
        return;
    }
    std::vector<float> y(kElements);
    for (auto _ : state) {
        hearth::kernels::dequantize_row(type, bytes.data(), y.data(), kElements);
        benchmark::DoNotOptimize(y.data());
    }
    state.SetItemsProcessed(state.iterations() * kElements);
}

#define HEARTH_QUANT_BENCH(type)                          \
    BENCHMARK_CAPTURE(BM_Quantize, type, DType::k##type); \
    BENCHMARK_CAPTURE(BM_Dequantize, type, DType::k##type)

HEARTH_QUANT_BENCH(F16);
HEARTH_QUANT_BENCH(BF16);
HEARTH_QUANT_BENCH(Q4_0);
HEARTH_QUANT_BENCH(Q4_1);
HEARTH_QUANT_BENCH(Q5_0);
HEARTH_QUANT_BENCH(Q5_1);
HEARTH_QUANT_BENCH(Q8_0);
HEARTH_QUANT_BENCH(Q2_K);
HEARTH_QUANT_BENCH(Q3_K);
HEARTH_QUANT_BENCH(Q4_K);
HEARTH_QUANT_BENCH(Q5_K);
HEARTH_QUANT_BENCH(Q6_K);
HEARTH_QUANT_BENCH(Q8_K);

}  // namespace

BENCHMARK_MAIN();
