// Per-key limit on requests in flight at once. enter() hands out a slot that releases itself
// when destroyed, so every exit path of a request (done, failed, client gone) gives it back.
//
//   auto slot = limiter.enter(key.id, key.limits.max_concurrent);
//   if (!slot.ok()) -> 429 (kResourceExhausted, the message says how many are in flight)
//   ... keep *slot alive until the response (or the stream) ends ...
//
// Threads: every method may be called from any thread; a slot may be released on another thread
// than the one that entered. Counting is lock-free after the key's counter is found (one short
// lock of a shard, 16 shards by key id).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "base/result.h"

namespace hearth::access {

class ConcurrencySlot {
  public:
    ConcurrencySlot() = default;
    explicit ConcurrencySlot(std::shared_ptr<std::atomic<int64_t>> counter)
        : counter_(std::move(counter)) {}
    ~ConcurrencySlot() { release(); }
    ConcurrencySlot(ConcurrencySlot&&) noexcept = default;
    ConcurrencySlot& operator=(ConcurrencySlot&& other) noexcept {
        if (this != &other) {
            release();
            counter_ = std::move(other.counter_);
        }
        return *this;
    }
    ConcurrencySlot(const ConcurrencySlot&) = delete;
    ConcurrencySlot& operator=(const ConcurrencySlot&) = delete;

    // Gives the slot back now (idempotent); an empty slot holds nothing.
    void release() {
        if (counter_) counter_->fetch_sub(1, std::memory_order_acq_rel);
        counter_.reset();
    }
    bool holds() const { return counter_ != nullptr; }

  private:
    std::shared_ptr<std::atomic<int64_t>> counter_;
};

class ConcurrencyLimiter {
  public:
    // A slot for the key, or kResourceExhausted when `max_concurrent` requests of it are in
    // flight. max_concurrent <= 0: unlimited (the slot still counts, for in_flight()).
    Result<ConcurrencySlot> enter(int64_t key_id, int64_t max_concurrent);
    int64_t in_flight(int64_t key_id);

  private:
    struct Shard {
        std::mutex mutex;
        std::unordered_map<int64_t, std::shared_ptr<std::atomic<int64_t>>> counters;
    };
    static constexpr size_t kShards = 16;

    std::shared_ptr<std::atomic<int64_t>> counter(int64_t key_id);

    std::array<Shard, kShards> shards_;
};

}  // namespace hearth::access
