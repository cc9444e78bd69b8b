// Monotonic time helpers for timings and deadlines.
#pragma once

#include <chrono>
#include <cstdint>

namespace hearth {

using Clock = std::chrono::steady_clock;

inline int64_t now_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now().time_since_epoch())
        .count();
}

inline double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace hearth
