// Matmul kernel benchmarks, per weight type and ISA path (kernels/matmul.h):
//
//   matvec/<type>/<isa>/threads:N   one token against a 4096 x 4096 weight: token generation.
//       GB/s: weight bytes read per second (mean); best_GB/s: the fastest iteration.
//       bw_ratio: best_GB/s over the streaming-read probe (its fastest read) with the same
//       thread count; 1.0 = at memory bandwidth. Fastest against fastest holds up on a busy
//       machine (other processes preempt or share the cores), where means do not. The weights
//       rotate through copies totalling 256 MiB so they come from memory, not from the last-level
//       cache, as a model's layers do. Threads split the rows (hearth::ThreadPool), as the engine
//       does.
//   matmul/<type>/<isa>/tokens:T    T tokens (8, 64) against the same weight: prompt
//       processing and batched decoding. GFLOP/s = 2 * rows * k * T per second (mean, and
//       best_GFLOP/s for the fastest iteration).
//   probe/read_1GiB/threads:N       a streaming read of a 1 GiB buffer: the memory bandwidth.
//       Each matvec case also probes right before and after its own loop (probe_GB/s, the
//       better of the two) and reports bw_ratio against that, so a busy machine moves both.
//
// Every timed iteration includes prepare() of the activation rows. Run from a release build:
//   build/release/bin/bench_matmul --benchmark_counters_tabular=true
// Compare ISA paths within one run: absolute times move with machine load, ratios less so.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "base/aligned_buffer.h"
#include "base/thread_pool.h"
#include "kernels/matmul.h"
#include "tensor/dtype.h"
#include "tensor/half.h"

namespace hearth::kernels {
namespace {

constexpr int64_t kRows = 4096;
constexpr int64_t kK = 4096;
constexpr int64_t kProbeBytes = int64_t{1} << 30;
constexpr int64_t kRotationBytes = int64_t{256} << 20;

// Wall-clock seconds since `start` (the counters are computed from the loop's own wall time, so
// they are plain values rather than Google Benchmark rates).
double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// ---- Memory-bandwidth probe -------------------------------------------------------------------

// Sums the 64-bit words of [begin, end) with independent accumulators (a streaming read).
uint64_t read_words(const uint64_t* words, int64_t begin, int64_t end) {
    uint64_t sums[8] = {};
    int64_t word_idx = begin;
    for (; word_idx + 8 <= end; word_idx += 8)
        for (int lane_idx = 0; lane_idx < 8; ++lane_idx)
            sums[lane_idx] += words[word_idx + lane_idx];
    for (; word_idx < end; ++word_idx) sums[0] += words[word_idx];
    uint64_t total = 0;
    for (uint64_t sum : sums) total += sum;
    return total;
}

// Reads `n_bytes` at `bytes` once with the pool's threads (each a contiguous share).
void read_bytes(const uint8_t* bytes, int64_t n_bytes, ThreadPool& pool) {
    const auto* words = reinterpret_cast<const uint64_t*>(bytes);
    pool.run([&](const ThreadCtx& ctx) {
        const Range range = ctx.split(n_bytes / 8, 8);
        benchmark::DoNotOptimize(read_words(words, range.begin, range.end));
    });
}

// The 1 GiB probe buffer, allocated (and written, so it is backed by memory) on first use.
const AlignedBuffer& probe_buffer() {
    static const AlignedBuffer buffer = [] {
        AlignedBuffer bytes(kProbeBytes);
        std::memset(bytes.data(), 1, kProbeBytes);
        return bytes;
    }();
    return buffer;
}

// Streaming-read bandwidth in GB/s with the pool's threads: the probe buffer read once in 8 MiB
// slices (the size of a 4096 x 4096 Q4_0 weight, far past the last-level cache over the whole
// buffer), timed one by one; the fastest slice counts, as the fastest matvec iteration does.
// The matvec cases probe right before and after their own loop, so each ratio compares
// bandwidths measured under the same machine load.
double probe_gbps(ThreadPool& pool) {
    constexpr int64_t kSliceBytes = int64_t{8} << 20;
    const auto* bytes = probe_buffer().as<uint8_t>();
    double best_seconds = 1e30;
    for (int64_t offset = 0; offset < kProbeBytes; offset += kSliceBytes) {
        const auto start = std::chrono::steady_clock::now();
        read_bytes(bytes + offset, kSliceBytes, pool);
        best_seconds = std::min(best_seconds, seconds_since(start));
    }
    return static_cast<double>(kSliceBytes) / best_seconds * 1e-9;
}

void bm_probe(benchmark::State& state, int n_threads) {
    ThreadPool pool(n_threads);
    const uint8_t* bytes = probe_buffer().as<uint8_t>();  // allocated before the clock starts
    const auto start = std::chrono::steady_clock::now();
    for (auto _ : state) read_bytes(bytes, kProbeBytes, pool);
    state.counters["GB/s"] = static_cast<double>(kProbeBytes) *
                             static_cast<double>(state.iterations()) / seconds_since(start) * 1e-9;
    state.counters["best_GB/s"] = probe_gbps(pool);
}

// ---- Weights and activations ------------------------------------------------------------------

// Byte offsets of the half-precision scales and minimums inside one quantized block.
std::vector<int64_t> half_offsets(DType type) {
    switch (type) {
        case DType::kQ4_0:
            return {0};
        case DType::kQ4_1:
            return {0, 2};
        case DType::kQ5_0:
            return {0};
        case DType::kQ5_1:
            return {0, 2};
        case DType::kQ8_0:
            return {0};
        case DType::kQ2_K:
            return {80, 82};
        case DType::kQ3_K:
            return {108};
        case DType::kQ4_K:
            return {0, 2};
        case DType::kQ5_K:
            return {0, 2};
        case DType::kQ6_K:
            return {208};
        default:
            return {};
    }
}

// n_copies copies of one random valid 4096 x 4096 weight matrix, back to back.
AlignedBuffer random_weights(DType type, int64_t n_copies) {
    const int64_t matrix_bytes = kRows * row_bytes_unchecked(type, kK);
    AlignedBuffer buffer(static_cast<size_t>(n_copies * matrix_bytes));
    auto* bytes = buffer.as<uint8_t>();
    std::mt19937_64 rng(static_cast<uint64_t>(type) + 1);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    const int64_t n = kRows * kK;
    if (type == DType::kF32) {
        auto* values = buffer.as<float>();
        for (int64_t elem_idx = 0; elem_idx < n; ++elem_idx) values[elem_idx] = normal(rng);
    } else if (type == DType::kF16 || type == DType::kBF16) {
        auto* values = buffer.as<uint16_t>();
        for (int64_t elem_idx = 0; elem_idx < n; ++elem_idx) {
            const float value = normal(rng);
            values[elem_idx] = type == DType::kF16 ? fp32_to_fp16(value) : fp32_to_bf16(value);
        }
    } else {
        for (int64_t byte_idx = 0; byte_idx + 8 <= matrix_bytes; byte_idx += 8) {
            const uint64_t word = rng();
            std::memcpy(bytes + byte_idx, &word, 8);
        }
        std::uniform_real_distribution<float> magnitude(0.002f, 0.02f);
        const int64_t block_bytes = dtype_info(type).block_bytes;
        for (int64_t start = 0; start + block_bytes <= matrix_bytes; start += block_bytes) {
            for (int64_t offset : half_offsets(type)) {
                const uint16_t half = fp32_to_fp16(magnitude(rng));
                std::memcpy(bytes + start + offset, &half, sizeof(half));
            }
        }
    }
    for (int64_t copy_idx = 1; copy_idx < n_copies; ++copy_idx)
        std::memcpy(bytes + copy_idx * matrix_bytes, bytes, static_cast<size_t>(matrix_bytes));
    return buffer;
}

std::vector<float> random_activations(int64_t n_tokens) {
    std::mt19937 rng(7);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> x(static_cast<size_t>(n_tokens * kK));
    for (float& value : x) value = normal(rng);
    return x;
}

std::string case_name(const char* what, const MatmulKernel& kernel, const std::string& tail) {
    return std::string(what) + "/" + std::string(dtype_name(kernel.weight_type)) + "/" +
           isa_name(kernel.isa) + "/" + tail;
}

// ---- Cases ------------------------------------------------------------------------------------

void bm_matvec(benchmark::State& state, const MatmulKernel* kernel, int n_threads) {
    const int64_t matrix_bytes = kRows * row_bytes_unchecked(kernel->weight_type, kK);
    const int64_t n_copies =
        std::max<int64_t>(1, (kRotationBytes + matrix_bytes - 1) / matrix_bytes);
    const AlignedBuffer weights = random_weights(kernel->weight_type, n_copies);
    const std::vector<float> x = random_activations(1);
    AlignedBuffer xq(static_cast<size_t>(kernel->act_row_bytes(kK)));
    std::vector<float> y(kRows);
    MatmulArgs args;
    args.w_row_bytes = row_bytes_unchecked(kernel->weight_type, kK);
    args.k = kK;
    args.x = xq.data();
    args.x_row_bytes = kernel->act_row_bytes(kK);
    args.n_tokens = 1;
    args.y = y.data();
    args.y_stride = kRows;
    ThreadPool pool(n_threads);
    const double probe_before = probe_gbps(pool);
    int64_t copy_idx = 0;
    double best_seconds = 1e30;
    const auto start = std::chrono::steady_clock::now();
    for (auto _ : state) {
        const auto iteration_start = std::chrono::steady_clock::now();
        args.w = weights.as<uint8_t>() + copy_idx * matrix_bytes;
        copy_idx = (copy_idx + 1) % n_copies;
        pool.run([&](const ThreadCtx& ctx) {
            if (ctx.thread_idx == 0) kernel->prepare(x.data(), xq.data(), kK);
            ctx.sync();
            MatmulArgs share = args;
            const Range rows = ctx.split(kRows, 16);
            share.row_begin = rows.begin;
            share.row_end = rows.end;
            kernel->matmul(share);
        });
        benchmark::DoNotOptimize(y.data());
        benchmark::ClobberMemory();
        best_seconds = std::min(best_seconds, seconds_since(iteration_start));
    }
    state.counters["GB/s"] = static_cast<double>(matrix_bytes) *
                             static_cast<double>(state.iterations()) / seconds_since(start) * 1e-9;
    const double best_gbps = static_cast<double>(matrix_bytes) / best_seconds * 1e-9;
    const double probe = std::max(probe_before, probe_gbps(pool));
    state.counters["best_GB/s"] = best_gbps;
    state.counters["probe_GB/s"] = probe;
    state.counters["bw_ratio"] = best_gbps / probe;
}

void bm_matmul(benchmark::State& state, const MatmulKernel* kernel, int64_t n_tokens) {
    const AlignedBuffer weights = random_weights(kernel->weight_type, 1);
    const std::vector<float> x = random_activations(n_tokens);
    const int64_t act_bytes = kernel->act_row_bytes(kK);
    AlignedBuffer xq(static_cast<size_t>(n_tokens * act_bytes));
    std::vector<float> y(static_cast<size_t>(n_tokens * kRows));
    MatmulArgs args;
    args.w = weights.data();
    args.w_row_bytes = row_bytes_unchecked(kernel->weight_type, kK);
    args.k = kK;
    args.x = xq.data();
    args.x_row_bytes = act_bytes;
    args.n_tokens = n_tokens;
    args.y = y.data();
    args.y_stride = kRows;
    args.row_begin = 0;
    args.row_end = kRows;
    double best_seconds = 1e30;
    const auto start = std::chrono::steady_clock::now();
    for (auto _ : state) {
        const auto iteration_start = std::chrono::steady_clock::now();
        for (int64_t token_idx = 0; token_idx < n_tokens; ++token_idx)
            kernel->prepare(x.data() + token_idx * kK, xq.as<uint8_t>() + token_idx * act_bytes,
                            kK);
        kernel->matmul(args);
        benchmark::DoNotOptimize(y.data());
        benchmark::ClobberMemory();
        best_seconds = std::min(best_seconds, seconds_since(iteration_start));
    }
    const double flops = 2.0 * kRows * kK * static_cast<double>(n_tokens);
    state.counters["GFLOP/s"] =
        flops * static_cast<double>(state.iterations()) / seconds_since(start) * 1e-9;
    state.counters["best_GFLOP/s"] = flops / best_seconds * 1e-9;
}

void register_cases() {
    for (int n_threads : {1, 2}) {
        benchmark::RegisterBenchmark(
            ("probe/read_1GiB/threads:" + std::to_string(n_threads)).c_str(), bm_probe, n_threads)
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime();
    }
    const DType types[] = {DType::kF32,  DType::kF16,  DType::kBF16, DType::kQ4_0, DType::kQ4_1,
                           DType::kQ5_0, DType::kQ5_1, DType::kQ8_0, DType::kQ2_K, DType::kQ3_K,
                           DType::kQ4_K, DType::kQ5_K, DType::kQ6_K};
    for (DType type : types) {
        const bool two_threads =
            type == DType::kQ4_0 || type == DType::kQ8_0 || type == DType::kQ4_K;
        for (const MatmulKernel* kernel : all_matmul_kernels(type)) {
            for (int n_threads : {1, 2}) {
                if (n_threads == 2 && !two_threads) continue;
                benchmark::RegisterBenchmark(
                    case_name("matvec", *kernel, "threads:" + std::to_string(n_threads)).c_str(),
                    bm_matvec, kernel, n_threads)
                    ->Unit(benchmark::kMillisecond)
                    ->UseRealTime();
            }
        }
        for (const MatmulKernel* kernel : all_matmul_kernels(type)) {
            for (int64_t n_tokens : {8, 64}) {
                benchmark::RegisterBenchmark(
                    case_name("matmul", *kernel, "tokens:" + std::to_string(n_tokens)).c_str(),
                    bm_matmul, kernel, n_tokens)
                    ->Unit(benchmark::kMillisecond)
                    ->UseRealTime();
            }
        }
    }
}

}  // namespace
}  // namespace hearth::kernels

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    hearth::kernels::register_cases();
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
