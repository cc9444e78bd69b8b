#include "access/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace hearth::access {
namespace {

constexpr std::array<const char*, kRouteClassCount> kRouteClassNames = {"inference", "batch",
                                                                        "admin", "status"};

BucketReport report(const TokenBucket& bucket) {
    return {bucket.limit(), bucket.available(), bucket.seconds_until_full()};
}

}  // namespace

const char* route_class_name(RouteClass route_class) {
    return kRouteClassNames[static_cast<size_t>(route_class)];
}

std::optional<RouteClass> parse_route_class(std::string_view name) {
    for (size_t idx = 0; idx < kRouteClassNames.size(); ++idx)
        if (name == kRouteClassNames[idx]) return static_cast<RouteClass>(idx);
    return std::nullopt;
}

RateLimiter::RateLimiter(const Clock& clock, RateLimitConfig config)
    : clock_(clock), config_(config) {}

RateLimiter::Shard& RateLimiter::shard(int64_t key_id) {
    return shards_[static_cast<uint64_t>(key_id) % kShards];
}

int64_t RateLimiter::class_rpm(const KeyLimits& limits, RouteClass route_class) const {
    const RouteClassPolicy& policy = config_.classes[static_cast<size_t>(route_class)];
    if (!policy.limited || limits.rpm <= 0) return 0;
    const double scaled = std::floor(static_cast<double>(limits.rpm) * policy.rpm_factor);
    return std::clamp<int64_t>(static_cast<int64_t>(std::min(scaled, 1e15)), 1,
                               TokenBucket::kMaxPerMinute);
}

RateDecision RateLimiter::acquire(int64_t key_id, const KeyLimits& limits, RouteClass route_class,
                                  int64_t reserve_tokens) {
    const RouteClassPolicy& policy = config_.classes[static_cast<size_t>(route_class)];
    const int64_t rpm = class_rpm(limits, route_class);
    const bool limit_tokens = policy.limited && policy.counts_tokens && limits.tpm > 0;
    RateDecision decision;
    if (rpm == 0 && !limit_tokens) return decision;

    const int64_t now_us = clock_.monotonic_us();
    Shard& owner = shard(key_id);
    std::lock_guard lock(owner.mutex);
    KeyBuckets& buckets = owner.keys[key_id];
    TokenBucket& requests = buckets.requests[static_cast<size_t>(route_class)];
    TokenBucket& tokens = buckets.tokens;
    const int64_t reservation = std::max<int64_t>(reserve_tokens, 1);

    if (rpm > 0) requests.refill(rpm, now_us);
    if (limit_tokens) tokens.refill(limits.tpm, now_us);
    if (rpm > 0 && requests.available() < 1) {
        decision.allowed = false;
        decision.refused_by = "requests";
        decision.retry_after_seconds = std::max<int64_t>(requests.seconds_until(1), 1);
    } else if (limit_tokens && !tokens.try_take(reservation)) {
        decision.allowed = false;
        decision.refused_by = "tokens";
        decision.retry_after_seconds = std::max<int64_t>(tokens.seconds_until(reservation), 1);
    } else {
        if (rpm > 0) requests.try_take(1);
        // The minimum reservation of 1 only checked that the key is out of debt.
        if (limit_tokens && reserve_tokens < 1) tokens.give_back(1);
    }
    if (rpm > 0) decision.requests = report(requests);
    if (limit_tokens) decision.tokens = report(tokens);
    return decision;
}

void RateLimiter::settle_tokens(int64_t key_id, const KeyLimits& limits, int64_t reserved,
                                int64_t used) {
    if (limits.tpm <= 0 || reserved == used) return;
    const int64_t now_us = clock_.monotonic_us();
    Shard& owner = shard(key_id);
    std::lock_guard lock(owner.mutex);
    TokenBucket& tokens = owner.keys[key_id].tokens;
    tokens.refill(limits.tpm, now_us);
    // What acquire() took: the reservation clamped to the bucket (nothing for none).
    const int64_t taken = std::clamp<int64_t>(reserved, 0, limits.tpm);
    if (used > taken) {
        tokens.take(used - taken);
    } else {
        tokens.give_back(taken - used);
    }
}

void RateLimiter::forget(int64_t key_id) {
    Shard& owner = shard(key_id);
    std::lock_guard lock(owner.mutex);
    owner.keys.erase(key_id);
}

}  // namespace hearth::access
