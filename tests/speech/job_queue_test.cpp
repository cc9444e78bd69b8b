// The speech engines' queue: priority, then arrival; aging lifts a waiting request one level per
// interval, so low priority is not starved by a stream of urgent requests.
#include <gtest/gtest.h>

#include "engine/speech/job_queue.h"

namespace hearth::engine::speech {
namespace {

using Clock = JobQueue<int>::Clock;
using std::chrono::milliseconds;

TEST(JobQueue, PriorityThenArrival) {
    JobQueue<int> queue(milliseconds(0));   // no aging
    int low = 3, normal_a = 2, urgent = 0, normal_b = 2;
    const auto now = Clock::now();
    queue.push(&low, 3, now);
    queue.push(&normal_a, 2, now);
    queue.push(&urgent, 0, now);
    queue.push(&normal_b, 2, now);
    EXPECT_EQ(queue.waiting(), (std::vector<int64_t>{1, 0, 2, 1}));
    EXPECT_EQ(queue.pop(now), &urgent);
    EXPECT_EQ(queue.pop(now), &normal_a);
    EXPECT_EQ(queue.pop(now), &normal_b);
    EXPECT_EQ(queue.pop(now), &low);
    EXPECT_EQ(queue.pop(now), nullptr);
    EXPECT_TRUE(queue.empty());
}

TEST(JobQueue, AgingLiftsAWaitingRequestAboveNewUrgentOnes) {
    JobQueue<int> queue(milliseconds(100));
    int low = 3, urgent = 0;
    const auto start = Clock::now();
    queue.push(&low, 3, start);
    // After two intervals the low request counts as high (1): a fresh urgent one still goes first.
    queue.push(&urgent, 0, start + milliseconds(200));
    EXPECT_EQ(queue.pop(start + milliseconds(200)), &urgent);
    // After three it counts as urgent and, being older, goes before a fresh urgent request.
    queue.push(&urgent, 0, start + milliseconds(300));
    EXPECT_EQ(queue.pop(start + milliseconds(300)), &low);
    EXPECT_EQ(queue.pop(start + milliseconds(300)), &urgent);
    // Out-of-range priorities are clamped.
    int odd = 9;
    queue.push(&odd, 9, start);
    EXPECT_EQ(queue.waiting(), (std::vector<int64_t>{0, 0, 0, 1}));
}

}  // namespace
}  // namespace hearth::engine::speech
