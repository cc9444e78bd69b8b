// Time for the access layer, injected so tests can be exact: a monotonic clock for rate limits
// (never jumps) and the wall clock for key creation, expiry and audit timestamps.
// Threads: both implementations may be read and (ManualClock) advanced from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace hearth::access {

class Clock {
  public:
    virtual ~Clock() = default;
    virtual int64_t monotonic_us() const = 0;  // microseconds since an arbitrary start
    virtual int64_t unix_ms() const = 0;       // milliseconds since 1970-01-01 UTC
};

class SystemClock final : public Clock {
  public:
    int64_t monotonic_us() const override {
        return std::chrono::duration_cast<std::chrono::microseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
    }
    int64_t unix_ms() const override {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    }
};

// A clock that moves only when told: both readings advance together.
class ManualClock final : public Clock {
  public:
    explicit ManualClock(int64_t start_unix_ms = 1'700'000'000'000) : unix_ms_(start_unix_ms) {}
    int64_t monotonic_us() const override { return monotonic_us_.load(); }
    int64_t unix_ms() const override { return unix_ms_.load(); }
    void advance_us(int64_t us) {
        monotonic_us_.fetch_add(us);
        unix_ms_.fetch_add(us / 1000);
    }
    void advance_seconds(double seconds) { advance_us(static_cast<int64_t>(seconds * 1e6)); }

  private:
    std::atomic<int64_t> monotonic_us_{1'000'000};
    std::atomic<int64_t> unix_ms_;
};

}  // namespace hearth::access
