// A token bucket for a per-minute limit: it holds at most `per_minute` tokens (a full minute's
// burst) and refills continuously at per_minute tokens every 60 seconds. It starts full.
//
// Exact integer arithmetic, so tests can count 429s: the level is kept in units of
// 1/60,000,000 token, and one microsecond refills exactly `per_minute` units. A bucket can go
// into debt (take() after the fact, for tokens counted when a generation ends), at most
// kMaxDebtMinutes of its limit, and then refuses until it has climbed back.
//
// Not thread-safe: the owner (RateLimiter, AuthFailureLimiter) locks around it.
#pragma once

#include <cstdint>

namespace hearth::access {

class TokenBucket {
  public:
    static constexpr int64_t kMaxPerMinute = 1'000'000'000;
    static constexpr int64_t kUnitsPerToken = 60'000'000;  // microseconds per minute
    static constexpr int64_t kMaxDebtMinutes = 10;

    // Brings the level up to date at `now_us` for a limit of `per_minute` tokens (1 ..
    // kMaxPerMinute; larger values are clamped). The first call fills the bucket. A changed
    // limit keeps the level (in tokens), clamped to the new size. Time going backwards adds
    // nothing.
    void refill(int64_t per_minute, int64_t now_us);

    // Takes `tokens` if that many are there (a request larger than the bucket needs it full).
    bool try_take(int64_t tokens);
    // Takes `tokens` even into debt (bounded as above).
    void take(int64_t tokens);
    // Returns tokens taken in advance and not used, up to a full bucket.
    void give_back(int64_t tokens);

    int64_t limit() const { return per_minute_; }
    int64_t available() const;  // whole tokens now, 0 when in debt
    // Whole seconds, rounded up, until `tokens` (clamped to the bucket size) are there; 0 if now.
    int64_t seconds_until(int64_t tokens) const;
    int64_t seconds_until_full() const;

  private:
    int64_t capacity_units() const { return per_minute_ * kUnitsPerToken; }
    int64_t units_to_seconds(int64_t units) const;

    int64_t per_minute_ = 0;
    int64_t level_units_ = 0;
    int64_t last_us_ = 0;
    bool primed_ = false;
};

}  // namespace hearth::access
