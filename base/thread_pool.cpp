#include "base/thread_pool.h"

#include <immintrin.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <set>
#include <string>

namespace hearth {
namespace {

inline void cpu_relax() { _mm_pause(); }

// How long an idle worker spins before it sleeps.
constexpr auto kSpinBeforeSleep = std::chrono::microseconds(200);

}  // namespace

Range split_range(int64_t n, int n_parts, int idx, int64_t align) {
    if (align < 1) align = 1;
    const int64_t n_units = (n + align - 1) / align;
    const int64_t base = n_units / n_parts;
    const int64_t extra = n_units % n_parts;
    const int64_t first = idx * base + std::min<int64_t>(idx, extra);
    const int64_t count = base + (idx < extra ? 1 : 0);
    Range range{first * align, (first + count) * align};
    if (range.begin > n) range.begin = n;
    if (range.end > n) range.end = n;
    return range;
}

void ThreadCtx::sync() const {
    if (n_threads > 1) pool->barrier();
}

Range ThreadCtx::split(int64_t n, int64_t align) const {
    return split_range(n, n_threads, thread_idx, align);
}

ThreadPool::ThreadPool(int n_threads) : n_threads_(n_threads < 1 ? 1 : n_threads) {
    workers_.reserve(n_threads_ - 1);
    for (int idx = 1; idx < n_threads_; ++idx) workers_.emplace_back([this, idx] { worker_main(idx); });
}

ThreadPool::~ThreadPool() {
    stop_.store(true, std::memory_order_release);
    generation_.fetch_add(1, std::memory_order_acq_rel);
    generation_.notify_all();
    for (auto& worker : workers_) worker.join();
}

void ThreadPool::barrier() {
    const uint32_t phase = barrier_phase_.load(std::memory_order_acquire);
    if (barrier_count_.fetch_add(1, std::memory_order_acq_rel) == n_threads_ - 1) {
        barrier_count_.store(0, std::memory_order_relaxed);
        barrier_phase_.store(phase + 1, std::memory_order_release);
        return;
    }
    int spins = 0;
    while (barrier_phase_.load(std::memory_order_acquire) == phase) {
        cpu_relax();
        // A preempted peer would make us spin a whole time slice: yield now and then.
        if (++spins % 4096 == 0) std::this_thread::yield();
    }
}

void ThreadPool::run(FunctionRef<void(const ThreadCtx&)> fn) {
    std::lock_guard<std::mutex> lock(run_mutex_);
    if (n_threads_ == 1) {
        fn(ThreadCtx{0, 1, this});
        return;
    }
    job_ = &fn;
    pending_.store(n_threads_ - 1, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_acq_rel);
    generation_.notify_all();
    fn(ThreadCtx{0, n_threads_, this});
    int spins = 0;
    while (pending_.load(std::memory_order_acquire) != 0) {
        cpu_relax();
        if (++spins % 4096 == 0) std::this_thread::yield();
    }
    job_ = nullptr;
}

void ThreadPool::worker_main(int thread_idx) {
    uint32_t seen = 0;  // generation_ starts at 0 before any worker exists
    for (;;) {
        // Spin a little: the next run usually comes right away during generation.
        auto spin_until = std::chrono::steady_clock::now() + kSpinBeforeSleep;
        uint32_t current;
        int spins = 0;
        while ((current = generation_.load(std::memory_order_acquire)) == seen) {
            cpu_relax();
            if (++spins % 256 == 0 && std::chrono::steady_clock::now() > spin_until) {
                generation_.wait(seen, std::memory_order_acquire);
            }
        }
        seen = current;
        if (stop_.load(std::memory_order_acquire)) return;
        (*job_)(ThreadCtx{thread_idx, n_threads_, this});
        pending_.fetch_sub(1, std::memory_order_acq_rel);
    }
}

int default_thread_count() {
    // Count distinct (physical id, core id) pairs; fall back to logical CPUs.
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::set<std::pair<int, int>> cores;
    std::string line;
    int physical = 0;
    while (std::getline(cpuinfo, line)) {
        if (line.rfind("physical id", 0) == 0) physical = std::stoi(line.substr(line.find(':') + 1));
        if (line.rfind("core id", 0) == 0)
            cores.insert({physical, std::stoi(line.substr(line.find(':') + 1))});
    }
    const int logical = static_cast<int>(std::thread::hardware_concurrency());
    int count = cores.empty() ? logical : static_cast<int>(cores.size());
    if (count <= 0) count = 1;
    return count;
}

}  // namespace hearth
