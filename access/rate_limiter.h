// Per-key rate limits: token buckets for requests per minute and tokens per minute, with route
// classes that each get their own request bucket.
//
//   RateDecision decision = limiter.acquire(key.id, key.limits, RouteClass::kInference,
//                                           /*reserve_tokens=*/prompt_tokens + max_tokens);
//   if (!decision.allowed) -> 429, Retry-After: decision.retry_after_seconds
//   headers: x-ratelimit-limit / -remaining / -reset from decision.requests (when limit > 0),
//            x-ratelimit-limit-tokens / ... from decision.tokens
//   ... when the generation ends:
//   limiter.settle_tokens(key.id, key.limits, reserved, prompt_tokens + completion_tokens);
//
// Buckets (see token_bucket.h) hold a minute's worth and refill continuously; a refused request
// takes nothing. Each route class has its own request bucket of rpm x rpm_factor (at least 1);
// classes that count tokens share one tokens-per-minute bucket per key, which a request must find
// holding its reservation (at least 1 token: a key in debt waits). Tokens are reserved at
// admission and settled when the real count is known, so a long generation can push the key into
// debt and later requests wait for it.
//
// Threads: every method may be called from any thread. State is sharded by key id (16 shards,
// one mutex each, held for a few hundred nanoseconds); different keys rarely contend.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "access/clock.h"
#include "access/key_limits.h"
#include "access/token_bucket.h"

namespace hearth::access {

enum class RouteClass : uint8_t { kInference, kBatch, kAdmin, kStatus };
inline constexpr int kRouteClassCount = 4;
const char* route_class_name(RouteClass route_class);  // "inference", "batch", "admin", "status"
std::optional<RouteClass> parse_route_class(std::string_view name);

struct RouteClassPolicy {
    bool limited = true;         // false: never refused (no request bucket, no token check)
    double rpm_factor = 1.0;     // this class's requests per minute: key rpm x factor, at least 1
    bool counts_tokens = false;  // admission needs the key's tokens-per-minute bucket
};

struct RateLimitConfig {
    // Indexed by RouteClass. Defaults: inference and batch count tokens, batch gets a fifth of
    // the key's request rate (each batch request carries many inputs), admin is limited by
    // requests only, status (health, metrics, stats) is not limited.
    std::array<RouteClassPolicy, kRouteClassCount> classes = {{
        {true, 1.0, true},    // inference
        {true, 0.2, true},    // batch
        {true, 1.0, false},   // admin
        {false, 1.0, false},  // status
    }};
};

struct BucketReport {
    int64_t limit = 0;          // per minute; 0: unlimited (send no headers)
    int64_t remaining = 0;      // whole tokens left after this request
    int64_t reset_seconds = 0;  // until the bucket is full again
};

struct RateDecision {
    bool allowed = true;
    int64_t retry_after_seconds = 0;  // when refused: at least 1
    std::string_view refused_by;      // when refused: "requests" or "tokens"
    BucketReport requests;            // this route class's request bucket
    BucketReport tokens;              // the key's token bucket (classes that count tokens)
};

class RateLimiter {
  public:
    explicit RateLimiter(const Clock& clock, RateLimitConfig config = {});

    // Admits one request of `route_class` for the key, reserving `reserve_tokens` (clamped to
    // the key's tpm), or refuses it and takes nothing.
    RateDecision acquire(int64_t key_id, const KeyLimits& limits, RouteClass route_class,
                         int64_t reserve_tokens = 0);
    // Replaces a reservation by the tokens really used (more: the key goes into debt; fewer:
    // the rest is given back).
    void settle_tokens(int64_t key_id, const KeyLimits& limits, int64_t reserved, int64_t used);
    // Drops a key's buckets (after it is revoked).
    void forget(int64_t key_id);

    const RateLimitConfig& config() const { return config_; }

  private:
    struct KeyBuckets {
        std::array<TokenBucket, kRouteClassCount> requests;
        TokenBucket tokens;
    };
    struct Shard {
        std::mutex mutex;
        std::unordered_map<int64_t, KeyBuckets> keys;
    };
    static constexpr size_t kShards = 16;

    Shard& shard(int64_t key_id);
    int64_t class_rpm(const KeyLimits& limits, RouteClass route_class) const;

    const Clock& clock_;
    const RateLimitConfig config_;
    std::array<Shard, kShards> shards_;
};

}  // namespace hearth::access
