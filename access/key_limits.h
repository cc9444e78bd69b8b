// The per-key quotas an API key carries: requests per minute, tokens per minute, requests in
// flight at once. 0 means unlimited. Enforced by RateLimiter and ConcurrencyLimiter.
#pragma once

#include <cstdint>

#include "base/result.h"

namespace hearth::access {

struct KeyLimits {
    int64_t rpm = 0;             // requests per minute (per route class, scaled by its policy)
    int64_t tpm = 0;             // prompt + generated tokens per minute
    int64_t max_concurrent = 0;  // requests in flight at once

    bool operator==(const KeyLimits&) const = default;
};

inline constexpr int64_t kMaxRequestsPerMinute = 1'000'000;
inline constexpr int64_t kMaxTokensPerMinute = 1'000'000'000;
inline constexpr int64_t kMaxConcurrent = 100'000;

// kInvalidArgument naming the field when a value is negative or above its maximum.
Status validate_limits(const KeyLimits& limits);

}  // namespace hearth::access
