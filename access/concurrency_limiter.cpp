#include "access/concurrency_limiter.h"

namespace hearth::access {

std::shared_ptr<std::atomic<int64_t>> ConcurrencyLimiter::counter(int64_t key_id) {
    Shard& shard = shards_[static_cast<uint64_t>(key_id) % kShards];
    std::lock_guard lock(shard.mutex);
    auto& slot = shard.counters[key_id];
    if (!slot) slot = std::make_shared<std::atomic<int64_t>>(0);
    return slot;
}

Result<ConcurrencySlot> ConcurrencyLimiter::enter(int64_t key_id, int64_t max_concurrent) {
    auto count = counter(key_id);
    // Compare-and-swap rather than add-then-undo: a refused attempt never shows in the count,
    // so it cannot make a concurrent attempt fail spuriously.
    int64_t current = count->load(std::memory_order_acquire);
    do {
        if (max_concurrent > 0 && current >= max_concurrent) break;
    } while (!count->compare_exchange_weak(current, current + 1, std::memory_order_acq_rel));
    if (max_concurrent > 0 && current >= max_concurrent) {
        return Error::make(Errc::kResourceExhausted,
                           "this API key already has {} request{} in flight (its limit): retry "
                           "when one finishes",
                           max_concurrent, max_concurrent == 1 ? "" : "s");
    }
    return ConcurrencySlot(std::move(count));
}

int64_t ConcurrencyLimiter::in_flight(int64_t key_id) {
    return counter(key_id)->load(std::memory_order_acquire);
}

}  // namespace hearth::access
