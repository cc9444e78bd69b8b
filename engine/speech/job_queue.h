// The requests waiting for a speech engine: best priority first (0 urgent .. 3 low), then arrival
// order, with the same aging as the text engine (LlmEngine): a waiting request gains one priority
// level per `aging` interval, so a low-priority request waits at most about three intervals
// before it is first in line, however many urgent ones keep coming.
//
// Threads: none of its own; the owning engine holds its lock around every call.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

namespace hearth::engine::speech {

template <typename Job>
class JobQueue {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr int kPriorities = 4;

    explicit JobQueue(std::chrono::milliseconds aging = std::chrono::milliseconds(2000)) : aging_(aging) {}

    void push(Job* job, int priority, Clock::time_point now = Clock::now()) {
        entries_.push_back(Entry{job, std::clamp(priority, 0, kPriorities - 1), next_seq_++, now});
    }
    bool empty() const { return entries_.empty(); }
    size_t size() const { return entries_.size(); }

    // The request to start now (nullptr when none waits).
    Job* pop(Clock::time_point now = Clock::now()) {
        if (entries_.empty()) return nullptr;
        size_t best = 0;
        for (size_t idx = 1; idx < entries_.size(); ++idx) {
            const int a = effective(entries_[idx], now), b = effective(entries_[best], now);
            if (a < b || (a == b && entries_[idx].seq < entries_[best].seq)) best = idx;
        }
        Job* job = entries_[best].job;
        entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(best));
        return job;
    }

    // Requests waiting, by the priority they asked for.
    std::vector<int64_t> waiting() const {
        std::vector<int64_t> out(kPriorities, 0);
        for (const Entry& entry : entries_) ++out[static_cast<size_t>(entry.priority)];
        return out;
    }

private:
    struct Entry {
        Job* job;
        int priority;
        uint64_t seq;
        Clock::time_point since;
    };
    int effective(const Entry& entry, Clock::time_point now) const {
        if (aging_.count() <= 0) return entry.priority;
        return std::max(0, entry.priority - static_cast<int>((now - entry.since) / aging_));
    }

    std::chrono::milliseconds aging_;
    std::vector<Entry> entries_;
    uint64_t next_seq_ = 0;
};

}  // namespace hearth::engine::speech
