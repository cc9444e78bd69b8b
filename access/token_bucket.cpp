#include "access/token_bucket.h"

#include <algorithm>

namespace hearth::access {

void TokenBucket::refill(int64_t per_minute, int64_t now_us) {
    per_minute_ = std::clamp<int64_t>(per_minute, 1, kMaxPerMinute);
    const int64_t capacity = capacity_units();
    if (!primed_) {
        primed_ = true;
        level_units_ = capacity;
        last_us_ = now_us;
        return;
    }
    // Past (kMaxDebtMinutes + 1) minutes even the deepest debt is repaid: clamping the elapsed
    // time there keeps elapsed * per_minute far from overflow.
    constexpr int64_t kLongestRefillUs = (kMaxDebtMinutes + 1) * kUnitsPerToken;
    const int64_t elapsed_us = std::clamp<int64_t>(now_us - last_us_, 0, kLongestRefillUs);
    if (now_us > last_us_) last_us_ = now_us;
    level_units_ = std::min(capacity, level_units_ + elapsed_us * per_minute_);
}

bool TokenBucket::try_take(int64_t tokens) {
    const int64_t needed = std::min(std::max<int64_t>(tokens, 0), per_minute_) * kUnitsPerToken;
    if (level_units_ < needed) return false;
    level_units_ -= needed;
    return true;
}

void TokenBucket::take(int64_t tokens) {
    const int64_t bounded = std::clamp<int64_t>(tokens, 0, per_minute_ * (kMaxDebtMinutes + 1));
    level_units_ =
        std::max(level_units_ - bounded * kUnitsPerToken, -kMaxDebtMinutes * capacity_units());
}

void TokenBucket::give_back(int64_t tokens) {
    const int64_t bounded = std::clamp<int64_t>(tokens, 0, per_minute_ * (kMaxDebtMinutes + 1));
    level_units_ = std::min(level_units_ + bounded * kUnitsPerToken, capacity_units());
}

int64_t TokenBucket::available() const {
    return level_units_ <= 0 ? 0 : level_units_ / kUnitsPerToken;
}

int64_t TokenBucket::units_to_seconds(int64_t units) const {
    if (units <= 0 || per_minute_ <= 0) return 0;
    const int64_t us = (units + per_minute_ - 1) / per_minute_;
    return (us + 999'999) / 1'000'000;
}

int64_t TokenBucket::seconds_until(int64_t tokens) const {
    const int64_t needed = std::min(std::max<int64_t>(tokens, 0), per_minute_) * kUnitsPerToken;
    return units_to_seconds(needed - level_units_);
}

int64_t TokenBucket::seconds_until_full() const {
    return units_to_seconds(capacity_units() - level_units_);
}

}  // namespace hearth::access
