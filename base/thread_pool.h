// The compute thread pool: a fixed set of threads that run one function together, with a
// low-latency spin barrier between the phases of that function (one wake-up per forward pass,
// one barrier per op, like a bulk-synchronous program).
//
//   pool.run([&](const ThreadCtx& ctx) {
//       auto [begin, end] = ctx.split(n_rows);   // this thread's rows
//       ... phase 1 on [begin, end) ...
//       ctx.sync();                              // every thread finished phase 1
//       ... phase 2 ...
//   });
//
// Threads: run() may be called from any thread; concurrent calls are serialised (one run at a
// time). The calling thread takes part as thread 0. sync() may only be called inside run(), by
// every thread the same number of times. Workers spin briefly after a run (the next token step
// usually follows within microseconds), then sleep on a futex.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "base/function_ref.h"

namespace hearth {

class ThreadPool;

struct Range {
    int64_t begin = 0;
    int64_t end = 0;
    int64_t size() const { return end - begin; }
};

struct ThreadCtx {
    int thread_idx = 0;
    int n_threads = 1;
    ThreadPool* pool = nullptr;

    // Waits until every thread of this run has reached the same sync() call.
    void sync() const;
    // This thread's contiguous share of [0, n); boundaries are multiples of `align` (the last
    // share takes the remainder). Shares differ by at most `align` elements.
    Range split(int64_t n, int64_t align = 1) const;
};

// Splits [0, n) into `n_parts` near-equal contiguous parts aligned to `align`; returns part `idx`.
Range split_range(int64_t n, int n_parts, int idx, int64_t align = 1);

class ThreadPool {
public:
    explicit ThreadPool(int n_threads);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int size() const { return n_threads_; }
    void run(FunctionRef<void(const ThreadCtx&)> fn);

    // The barrier used by ThreadCtx::sync().
    void barrier();

private:
    void worker_main(int thread_idx);

    const int n_threads_;
    std::vector<std::thread> workers_;
    std::mutex run_mutex_;

    const FunctionRef<void(const ThreadCtx&)>* job_ = nullptr;
    std::atomic<uint32_t> generation_{0};   // bumped to start a run
    std::atomic<int> pending_{0};           // workers still inside the current run
    std::atomic<bool> stop_{false};

    alignas(64) std::atomic<int> barrier_count_{0};
    alignas(64) std::atomic<uint32_t> barrier_phase_{0};
};

// A sensible default: the number of physical cores if known, else logical cores.
int default_thread_count();

}  // namespace hearth
