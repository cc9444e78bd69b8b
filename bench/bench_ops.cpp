// Micro-benchmarks for the ops part of the kernels layer, per ISA:
//   BM_RmsNorm / BM_Softmax / BM_Swiglu   4096 floats (one llama-7B-sized row)
//   BM_AttentionDecode                    n_q = 1, 32 heads / 8 kv heads, head_dim 128, F16 KV,
//                                         block_size 32, contexts 512 / 2048 / 8192; one
//                                         iteration runs all 8 kv-head groups on one thread
// The first argument is the ISA (0 scalar, 1 avx2, 2 avx512); levels this CPU lacks are skipped.
// Counters: x_scalar = scalar time / this ISA's time, and KV_GB/s = bytes of K and V read per
// second (attention), both from best-of-5 timings taken back to back before the timed loop.
//
//   build/release/bin/bench_ops --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

#include "base/aligned_buffer.h"
#include "kernels/attention.h"
#include "kernels/ops.h"
#include "tensor/half.h"

namespace hearth::kernels {
namespace {

constexpr int64_t kRowFloats = 4096;

// Seconds per call of `fn`: the best of five batches of at least 20 ms each.
template <typename Fn>
double seconds_per_call(Fn&& fn) {
    using Clock = std::chrono::steady_clock;
    fn();  // warm caches and pages
    int64_t calls = 1;
    double best = 1e30;
    for (int batch_idx = 0; batch_idx < 5; ++batch_idx) {
        while (true) {
            const auto start = Clock::now();
            for (int64_t call_idx = 0; call_idx < calls; ++call_idx) fn();
            const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
            if (seconds >= 0.02) {
                best = std::min(best, seconds / static_cast<double>(calls));
                break;
            }
            calls *= 2;
        }
    }
    return best;
}

// The level for the benchmark's ISA argument, or false (and the benchmark skipped) when the CPU
// lacks it.
bool pick_isa(benchmark::State& state, IsaLevel* isa) {
    *isa = static_cast<IsaLevel>(state.range(0));
    if (*isa > detected_isa()) {
        state.SkipWithError("ISA not available on this CPU");
        return false;
    }
    state.SetLabel(isa_name(*isa));
    return true;
}

std::vector<float> random_floats(int64_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(-2.0f, 2.0f);
    std::vector<float> values(static_cast<size_t>(n));
    for (float& value : values) value = dist(rng);
    return values;
}

// Runs `op(table)` in the timed loop and reports the ratio against the scalar table.
template <typename Op>
void run_row_op(benchmark::State& state, int64_t bytes_per_call, Op op) {
    IsaLevel isa;
    if (!pick_isa(state, &isa)) return;
    const OpsTable& table = ops(isa);
    const double scalar_seconds = seconds_per_call([&] { op(ops(IsaLevel::kScalar)); });
    const double isa_seconds = seconds_per_call([&] { op(table); });
    for (auto _ : state) {
        op(table);
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(state.iterations() * bytes_per_call);
    state.counters["x_scalar"] = scalar_seconds / isa_seconds;
}

void BM_RmsNorm(benchmark::State& state) {
    const std::vector<float> x = random_floats(kRowFloats, 1);
    const std::vector<float> weight = random_floats(kRowFloats, 2);
    std::vector<float> out(kRowFloats);
    run_row_op(state, 3 * kRowFloats * 4, [&](const OpsTable& table) {
        table.rms_norm(x.data(), weight.data(), out.data(), kRowFloats, 1e-5f);
    });
}

void BM_Softmax(benchmark::State& state) {
    const std::vector<float> logits = random_floats(kRowFloats, 3);
    std::vector<float> x = logits;
    // softmax is in place: each call normalises the previous result, which is just as costly.
    run_row_op(state, 2 * kRowFloats * 4,
               [&](const OpsTable& table) { table.softmax(x.data(), kRowFloats); });
}

void BM_Swiglu(benchmark::State& state) {
    const std::vector<float> gate = random_floats(kRowFloats, 4);
    const std::vector<float> up = random_floats(kRowFloats, 5);
    std::vector<float> out(kRowFloats);
    run_row_op(state, 3 * kRowFloats * 4, [&](const OpsTable& table) {
        table.swiglu(gate.data(), up.data(), out.data(), kRowFloats);
    });
}

// A decode step over an F16 paged cache holding one sequence of n_ctx tokens.
class DecodeSetup {
  public:
    static constexpr int kHeads = 32, kKvHeads = 8, kHeadDim = 128, kBlockSize = 32;

    explicit DecodeSetup(int n_ctx) : n_ctx_(n_ctx) {
        const int n_blocks = (n_ctx + kBlockSize - 1) / kBlockSize;
        const int64_t head_stride = static_cast<int64_t>(kBlockSize) * kHeadDim * 2;
        const int64_t block_stride = kKvHeads * head_stride;
        std::mt19937 rng(7);
        std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
        k_.resize(static_cast<size_t>(n_blocks * block_stride / 2));
        v_.resize(k_.size());
        for (uint16_t& half : k_) half = fp32_to_fp16(dist(rng));
        for (uint16_t& half : v_) half = fp32_to_fp16(dist(rng));
        block_table_.resize(static_cast<size_t>(n_blocks));
        std::iota(block_table_.begin(), block_table_.end(), 0);
        std::shuffle(block_table_.begin(), block_table_.end(), rng);
        q_.resize(static_cast<size_t>(kHeads) * kHeadDim);
        for (float& value : q_) value = dist(rng);
        out_.resize(q_.size());
        q_pos_ = n_ctx - 1;
        scratch_.resize(static_cast<size_t>(
            attention_scratch_floats(1, kHeads, kKvHeads, kHeadDim, kBlockSize) * 4));

        args_.q = q_.data();
        args_.q_token_stride = kHeads * kHeadDim;
        args_.q_pos = &q_pos_;
        args_.n_q = 1;
        args_.n_head = kHeads;
        args_.scale = 1.0f / std::sqrt(static_cast<float>(kHeadDim));
        args_.block_table = block_table_.data();
        args_.kv.kv_type = DType::kF16;
        args_.kv.block_size = kBlockSize;
        args_.kv.n_head_kv = kKvHeads;
        args_.kv.head_dim = kHeadDim;
        args_.kv.head_stride_bytes = head_stride;
        args_.kv.block_stride_bytes = block_stride;
        args_.kv.k_base = reinterpret_cast<const uint8_t*>(k_.data());
        args_.kv.v_base = reinterpret_cast<const uint8_t*>(v_.data());
        args_.out = out_.data();
        args_.out_token_stride = kHeads * kHeadDim;
        args_.scratch = scratch_.as<float>();
    }

    // All kv-head groups of one decode step.
    void run(const AttentionKernel& kernel) {
        for (int kv_head = 0; kv_head < kKvHeads; ++kv_head) {
            args_.kv_head = kv_head;
            kernel.run(args_);
        }
    }

    int64_t kv_bytes_read() const { return 2LL * n_ctx_ * kKvHeads * kHeadDim * 2; }

  private:
    int n_ctx_;
    std::vector<uint16_t> k_, v_;  // (block, kv head, slot, dim)
    std::vector<int32_t> block_table_;
    std::vector<float> q_, out_;
    int32_t q_pos_ = 0;
    AlignedBuffer scratch_;
    AttentionArgs args_;
};

void BM_AttentionDecode(benchmark::State& state) {
    IsaLevel isa;
    if (!pick_isa(state, &isa)) return;
    DecodeSetup setup(static_cast<int>(state.range(1)));
    const AttentionKernel& kernel = attention_kernel(isa);
    const double scalar_seconds =
        seconds_per_call([&] { setup.run(attention_kernel(IsaLevel::kScalar)); });
    const double isa_seconds = seconds_per_call([&] { setup.run(kernel); });
    for (auto _ : state) {
        setup.run(kernel);
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(state.iterations() * setup.kv_bytes_read());
    state.counters["KV_GB/s"] = static_cast<double>(setup.kv_bytes_read()) / isa_seconds / 1e9;
    state.counters["x_scalar"] = scalar_seconds / isa_seconds;
}

BENCHMARK(BM_RmsNorm)->DenseRange(0, 2)->ArgName("isa");
BENCHMARK(BM_Softmax)->DenseRange(0, 2)->ArgName("isa");
BENCHMARK(BM_Swiglu)->DenseRange(0, 2)->ArgName("isa");
BENCHMARK(BM_AttentionDecode)
    ->ArgsProduct({{0, 1, 2}, {512, 2048, 8192}})
    ->ArgNames({"isa", "ctx"})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace hearth::kernels

BENCHMARK_MAIN();
