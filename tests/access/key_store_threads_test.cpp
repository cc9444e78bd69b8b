// The key store under concurrent verification, changes, refreshes and usage flushes.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "access/audit_log.h"
#include "access/key_store.h"
#include "access/schema.h"
#include "tests/util/process.h"

namespace hearth::access {
namespace {

const Actor kTester{"tester", std::nullopt, "test"};

std::unique_ptr<KeyStore> open_store(store::Database& db, const std::filesystem::path& dir,
                                     const Clock& clock) {
    auto hasher = KeyHasher::load_or_create(key_secret_path(dir));
    EXPECT_TRUE(hasher.ok());
    auto keys = KeyStore::open(db, std::move(hasher).value(), clock, {.refresh_interval_ms = 1});
    EXPECT_TRUE(keys.ok());
    return std::move(keys).value();
}

TEST(KeyStoreThreads, VerifyWhileKeysChange) {
    test::TempDir dir;
    ManualClock clock;
    auto db = open_access_database(dir.path(), clock).value();
    auto other_db = open_access_database(dir.path(), clock).value();  // another process
    auto keys = open_store(*db, dir.path(), clock);
    auto other = open_store(*other_db, dir.path(), clock);

    std::vector<std::string> stable;
    for (int idx = 0; idx < 8; ++idx)
        stable.push_back(
            keys->create({"stable-" + std::to_string(idx), Role::kUser, {}, std::nullopt}, kTester)
                ->key);

    std::atomic<bool> stop{false};
    std::atomic<int> stable_failures{0};
    std::atomic<int> revoked_accepted{0};
    std::atomic<int> verified{0};
    std::vector<std::thread> threads;
    for (int thread_idx = 0; thread_idx < 3; ++thread_idx)
        threads.emplace_back([&, thread_idx] {
            size_t idx = thread_idx;
            while (!stop.load()) {
                if (!keys->verify(stable[idx++ % stable.size()]).ok()) ++stable_failures;
                ++verified;
            }
        });
    // A writer on this store: a revoked key must fail as soon as revoke() returns.
    threads.emplace_back([&] {
        for (int round = 0; round < 20; ++round) {
            const std::string name = "churn-" + std::to_string(round);
            auto made = keys->create({name, Role::kGuest, {}, std::nullopt}, kTester);
            if (!made.ok()) continue;
            (void)keys->verify(made->key);
            if (!keys->revoke(name, kTester).ok()) continue;
            if (keys->verify(made->key).ok()) ++revoked_accepted;
        }
    });
    // A writer on another connection, a clock that moves (so verify() refreshes), and flushes.
    threads.emplace_back([&] {
        for (int round = 0; round < 20; ++round) {
            const std::string name = "other-" + std::to_string(round);
            (void)other->create({name, Role::kUser, {}, std::nullopt}, kTester);
            clock.advance_us(2000);
            (void)keys->flush_usage();
        }
    });
    threads[3].join();
    threads[4].join();
    stop.store(true);
    for (int idx = 0; idx < 3; ++idx) threads[idx].join();

    EXPECT_EQ(stable_failures.load(), 0);
    EXPECT_EQ(revoked_accepted.load(), 0);
    EXPECT_GT(verified.load(), 0);
    clock.advance_us(2000);
    // Every key the other connection made is there; the churned ones are revoked.
    EXPECT_EQ(keys->list()->size(), stable.size() + 20);
    AuditLog log(*db, clock);
    EXPECT_EQ(log.query({.action = "keys.create", .limit = 1000})->size(), 8u + 20 + 20);
}

}  // namespace
}  // namespace hearth::access
