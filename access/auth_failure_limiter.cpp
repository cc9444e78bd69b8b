#include "access/auth_failure_limiter.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <functional>

namespace hearth::access {

std::string client_group(std::string_view address) {
    constexpr size_t kMaxText = 128;
    std::string text(address.substr(0, kMaxText));
    if (text.size() >= 2 && text.front() == '[' && text.back() == ']')
        text = text.substr(1, text.size() - 2);
    const std::string without_zone = text.substr(0, text.find('%'));  // fe80::1%eth0

    in_addr v4{};
    if (::inet_pton(AF_INET, without_zone.c_str(), &v4) == 1) {
        char buffer[INET_ADDRSTRLEN] = {};
        ::inet_ntop(AF_INET, &v4, buffer, sizeof(buffer));
        return buffer;
    }
    in6_addr v6{};
    if (::inet_pton(AF_INET6, without_zone.c_str(), &v6) == 1) {
        static constexpr uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (std::memcmp(v6.s6_addr, kMappedPrefix, sizeof(kMappedPrefix)) == 0) {
            std::memcpy(&v4, v6.s6_addr + 12, 4);
            char buffer[INET_ADDRSTRLEN] = {};
            ::inet_ntop(AF_INET, &v4, buffer, sizeof(buffer));
            return buffer;
        }
        std::memset(v6.s6_addr + 8, 0, 8);  // keep the /64 network prefix
        char buffer[INET6_ADDRSTRLEN] = {};
        ::inet_ntop(AF_INET6, &v6, buffer, sizeof(buffer));
        return std::string(buffer) + "/64";
    }
    return text;
}

AuthFailureLimiter::AuthFailureLimiter(const Clock& clock, AuthFailurePolicy policy)
    : clock_(clock), policy_(policy) {}

AuthFailureLimiter::Shard& AuthFailureLimiter::shard(const std::string& group) {
    return shards_[std::hash<std::string>{}(group) % kShards];
}

int64_t AuthFailureLimiter::check(std::string_view address) {
    const std::string group = client_group(address);
    Shard& owner = shard(group);
    std::lock_guard lock(owner.mutex);
    auto found = owner.clients.find(group);
    if (found == owner.clients.end()) return 0;
    TokenBucket& bucket = found->second.bucket;
    bucket.refill(policy_.failures_per_minute, clock_.monotonic_us());
    return bucket.available() >= 1 ? 0 : std::max<int64_t>(bucket.seconds_until(1), 1);
}

void AuthFailureLimiter::record_failure(std::string_view address) {
    const std::string group = client_group(address);
    const int64_t now_us = clock_.monotonic_us();
    Shard& owner = shard(group);
    std::lock_guard lock(owner.mutex);
    auto found = owner.clients.find(group);
    if (found == owner.clients.end()) {
        make_room(owner, now_us);
        found = owner.clients.emplace(group, Entry{}).first;
    }
    Entry& entry = found->second;
    entry.bucket.refill(policy_.failures_per_minute, now_us);
    entry.bucket.try_take(1);
    entry.last_failure_us = now_us;
}

void AuthFailureLimiter::make_room(Shard& shard, int64_t now_us) {
    const size_t per_shard = std::max<size_t>(policy_.max_clients / kShards, 1);
    if (shard.clients.size() < per_shard) return;
    // A client whose bucket is full again carries no state worth keeping.
    for (auto entry = shard.clients.begin(); entry != shard.clients.end();) {
        entry->second.bucket.refill(policy_.failures_per_minute, now_us);
        if (entry->second.bucket.seconds_until_full() == 0) {
            entry = shard.clients.erase(entry);
        } else {
            ++entry;
        }
    }
    if (shard.clients.size() < per_shard) return;
    auto quietest = std::min_element(
        shard.clients.begin(), shard.clients.end(), [](const auto& left, const auto& right) {
            return left.second.last_failure_us < right.second.last_failure_us;
        });
    shard.clients.erase(quietest);
}

size_t AuthFailureLimiter::tracked_clients() {
    size_t total = 0;
    for (Shard& owner : shards_) {
        std::lock_guard lock(owner.mutex);
        total += owner.clients.size();
    }
    return total;
}

}  // namespace hearth::access
