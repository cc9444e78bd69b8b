// Failed-authentication limits per client address.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "access/auth_failure_limiter.h"

namespace hearth::access {
namespace {

TEST(ClientGroup, AddressesAreGroupedTheWayTheyAreHandedOut) {
    EXPECT_EQ(client_group("192.0.2.7"), "192.0.2.7");
    EXPECT_EQ(client_group("::ffff:192.0.2.7"), "192.0.2.7");  // IPv4-mapped
    EXPECT_EQ(client_group("[::ffff:192.0.2.7]"), "192.0.2.7");
    EXPECT_EQ(client_group("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
    EXPECT_EQ(client_group("2001:db8:1:2::1"), "2001:db8:1:2::/64");
    EXPECT_EQ(client_group("[2001:DB8:1:2::1]"), "2001:db8:1:2::/64");
    EXPECT_EQ(client_group("fe80::1%eth0"), "fe80::/64");
    EXPECT_EQ(client_group("::1"), "::/64");
    EXPECT_EQ(client_group("unix:/run/hearth.sock"), "unix:/run/hearth.sock");
    EXPECT_EQ(client_group(std::string(1000, 'x')).size(), 128u);  // bounded
}

TEST(AuthFailureLimiter, BlocksAfterTheAllowedFailuresAndRefills) {
    ManualClock clock;
    AuthFailureLimiter limiter(clock, {.failures_per_minute = 10});
    EXPECT_EQ(limiter.check("192.0.2.7"), 0);
    for (int idx = 0; idx < 9; ++idx) limiter.record_failure("192.0.2.7");
    EXPECT_EQ(limiter.check("192.0.2.7"), 0);  // one attempt left
    limiter.record_failure("192.0.2.7");
    EXPECT_EQ(limiter.check("192.0.2.7"), 6);  // 10 per minute: one every 6 s
    EXPECT_EQ(limiter.check("192.0.2.8"), 0);  // another client
    clock.advance_seconds(5);
    EXPECT_EQ(limiter.check("192.0.2.7"), 1);
    clock.advance_seconds(1);
    EXPECT_EQ(limiter.check("192.0.2.7"), 0);
    limiter.record_failure("192.0.2.7");
    EXPECT_GT(limiter.check("192.0.2.7"), 0);
}

TEST(AuthFailureLimiter, OneIpv6HostCannotEscapeByChangingItsInterfaceId) {
    ManualClock clock;
    AuthFailureLimiter limiter(clock, {.failures_per_minute = 3});
    limiter.record_failure("2001:db8::1");
    limiter.record_failure("2001:db8::2");
    limiter.record_failure("2001:db8::ffff:3");
    EXPECT_GT(limiter.check("2001:db8::4"), 0);
    EXPECT_EQ(limiter.check("2001:db8:0:1::4"), 0);  // another /64
}

TEST(AuthFailureLimiter, MemoryIsBounded) {
    ManualClock clock;
    AuthFailureLimiter limiter(clock, {.failures_per_minute = 5, .max_clients = 64});
    for (int idx = 0; idx < 5000; ++idx)
        limiter.record_failure("10.0." + std::to_string(idx / 256) + "." +
                               std::to_string(idx % 256));
    EXPECT_LE(limiter.tracked_clients(), 64u);
    EXPECT_GT(limiter.tracked_clients(), 0u);
}

TEST(AuthFailureLimiter, ConcurrentFailuresAreAllCounted) {
    ManualClock clock;
    AuthFailureLimiter limiter(clock, {.failures_per_minute = 1000});
    std::vector<std::thread> threads;
    for (int thread_idx = 0; thread_idx < 8; ++thread_idx)
        threads.emplace_back([&, thread_idx] {
            for (int idx = 0; idx < 125; ++idx) {
                limiter.record_failure("198.51.100.1");
                (void)limiter.check("198.51.100.1");
                limiter.record_failure("203.0.113." + std::to_string(thread_idx));
            }
        });
    for (auto& thread : threads) thread.join();
    // 8 x 125 = 1000 failures: exactly the bucket, so the client is now blocked.
    EXPECT_GT(limiter.check("198.51.100.1"), 0);
    EXPECT_EQ(limiter.check("203.0.113.0"), 0);  // 125 of 1000
}

}  // namespace
}  // namespace hearth::access
