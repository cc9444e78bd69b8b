// Limits failed authentication attempts per client address, so a client cannot guess keys fast
// (they are 256-bit random, but the limit also keeps floods of bad keys from filling the audit
// log). Each client has a bucket of `failures_per_minute`; a failure takes one; a client whose
// bucket is empty is refused before its key is even looked at (429 with Retry-After).
//
//   if (auto blocked = limiter.check(client); blocked > 0) -> 429, Retry-After: blocked
//   ... verify the key; on failure: limiter.record_failure(client) -> 401
//
// Clients are grouped the way addresses are handed out: an IPv4 address (also as ::ffff:a.b.c.d)
// is one client, an IPv6 address counts by its /64 prefix (one host gets a whole /64), anything
// else (a Unix socket name) by its text. Memory is bounded: at most `max_clients` are tracked;
// past that, clients whose bucket has refilled are dropped first, then the longest quiet.
//
// Threads: every method may be called from any thread (16 shards by client, a mutex each).
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "access/clock.h"
#include "access/token_bucket.h"

namespace hearth::access {

struct AuthFailurePolicy {
    int64_t failures_per_minute = 10;  // also the burst
    size_t max_clients = 65536;
};

// The bucket name for a client address (see above). Exposed for tests and for logs.
std::string client_group(std::string_view address);

class AuthFailureLimiter {
  public:
    explicit AuthFailureLimiter(const Clock& clock, AuthFailurePolicy policy = {});

    // 0 when the client may try; else the seconds to wait before its next attempt.
    int64_t check(std::string_view address);
    // Counts one failed attempt.
    void record_failure(std::string_view address);
    size_t tracked_clients();

  private:
    struct Entry {
        TokenBucket bucket;
        int64_t last_failure_us = 0;
    };
    struct Shard {
        std::mutex mutex;
        std::unordered_map<std::string, Entry> clients;
    };
    static constexpr size_t kShards = 16;

    Shard& shard(const std::string& group);
    void make_room(Shard& shard, int64_t now_us);

    const Clock& clock_;
    const AuthFailurePolicy policy_;
    std::array<Shard, kShards> shards_;
};

}  // namespace hearth::access
