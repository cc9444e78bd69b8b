// API keys on a real database: create, verify, list, revoke, expiry, bootstrap, audit rows,
// changes made by another process, and that no key is ever written in clear.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "access/audit_log.h"
#include "access/key_store.h"
#include "access/schema.h"
#include "tests/util/process.h"

namespace hearth::access {
namespace {

const Actor kAdmin{"root-key", 1, "192.0.2.1"};

class KeyStoreTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto db = open_access_database(dir_.path(), clock_);
        ASSERT_TRUE(db.ok()) << db.error().message;
        db_ = std::move(db).value();
        keys_ = open_store(*db_);
    }
    std::unique_ptr<KeyStore> open_store(store::Database& db) {
        auto hasher = KeyHasher::load_or_create(key_secret_path(dir_.path()));
        EXPECT_TRUE(hasher.ok()) << hasher.error().message;
        auto keys = KeyStore::open(db, std::move(hasher).value(), clock_);
        EXPECT_TRUE(keys.ok()) << keys.error().message;
        return std::move(keys).value();
    }
    NewKey create(const std::string& name, Role role = Role::kUser, KeyLimits limits = {},
                  std::optional<int64_t> expires = std::nullopt) {
        auto made = keys_->create({name, role, limits, expires}, kAdmin);
        EXPECT_TRUE(made.ok()) << made.error().message;
        return made.ok() ? std::move(made).value() : NewKey{};
    }
    std::vector<AuditRecord> audit(const std::string& action) {
        AuditLog log(*db_, clock_);
        return log.query({.action = action}).value();
    }

    test::TempDir dir_;
    ManualClock clock_;
    std::unique_ptr<store::Database> db_;
    std::unique_ptr<KeyStore> keys_;
};

TEST_F(KeyStoreTest, CreateThenVerify) {
    const NewKey made = create("alice", Role::kOperator, {60, 10'000, 2});
    EXPECT_TRUE(made.key.starts_with("hk-"));
    EXPECT_GT(made.record.id, 0);
    EXPECT_EQ(made.record.name, "alice");
    EXPECT_EQ(made.record.prefix, made.key.substr(0, 10));
    EXPECT_EQ(made.record.created_unix_ms, clock_.unix_ms());
    auto principal = keys_->verify(made.key);
    ASSERT_TRUE(principal.ok()) << principal.error().message;
    EXPECT_EQ(principal->key_id, made.record.id);
    EXPECT_EQ(principal->name, "alice");
    EXPECT_EQ(principal->role, Role::kOperator);
    EXPECT_EQ(principal->limits, (KeyLimits{60, 10'000, 2}));
}

TEST_F(KeyStoreTest, UnknownAndMalformedKeysAreUnauthenticated) {
    const NewKey made = create("alice");
    std::string wrong = made.key;
    wrong.back() = wrong.back() == 'A' ? 'B' : 'A';
    for (const std::string& key :
         {wrong, std::string("hk-short"), std::string(""), std::string(300, 'a'), made.key + " "}) {
        auto refused = keys_->verify(key);
        ASSERT_FALSE(refused.ok()) << key;
        EXPECT_EQ(refused.error().code, Errc::kUnauthenticated);
    }
    EXPECT_EQ(keys_->verify(wrong).error().message, "invalid API key");
    EXPECT_EQ(keys_->verify("hk-short").error().message, "malformed API key");
}

TEST_F(KeyStoreTest, TheKeyIsNeverStoredInClear) {
    const NewKey made = create("alice");
    const std::string secret_part = made.key.substr(10);  // past the displayable prefix
    auto scan_folder = [&] {
        for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
            std::ifstream file(entry.path(), std::ios::binary);
            const std::string bytes((std::istreambuf_iterator<char>(file)), {});
            EXPECT_EQ(bytes.find(secret_part), std::string::npos) << entry.path();
        }
    };
    scan_folder();  // the database, its WAL, the secret
    keys_.reset();
    db_.reset();  // checkpoint into the main file and close
    scan_folder();
    // What is stored is the keyed hash.
    auto db = open_access_database(dir_.path(), clock_);
    store::Session session = (*db)->session();
    auto select = session.prepare("SELECT hash FROM api_keys WHERE name = 'alice'");
    ASSERT_TRUE(select->step().value_or(false));
    const auto hasher = KeyHasher::load_or_create(key_secret_path(dir_.path())).value();
    const KeyHash expected = hasher.hash(made.key);
    EXPECT_EQ(select->column_blob(0), std::vector<uint8_t>(expected.begin(), expected.end()));
}

TEST_F(KeyStoreTest, ListShowsEveryFieldAndRevokedKeysOnRequest) {
    const int64_t expires = clock_.unix_ms() + 86'400'000;
    const NewKey alice = create("alice", Role::kUser, {10, 20, 3}, expires);
    clock_.advance_seconds(5);
    const NewKey bob = create("bob", Role::kGuest);
    ASSERT_TRUE(keys_->revoke("bob", kAdmin).ok());

    auto active = keys_->list();
    ASSERT_TRUE(active.ok());
    ASSERT_EQ(active->size(), 1u);
    const KeyRecord& record = (*active)[0];
    EXPECT_EQ(record.id, alice.record.id);
    EXPECT_EQ(record.role, Role::kUser);
    EXPECT_EQ(record.limits, (KeyLimits{10, 20, 3}));
    EXPECT_EQ(record.expires_unix_ms, std::optional<int64_t>(expires));
    EXPECT_EQ(record.created_unix_ms, alice.record.created_unix_ms);
    EXPECT_EQ(record.last_used_unix_ms, std::nullopt);
    EXPECT_EQ(record.revoked_unix_ms, std::nullopt);
    EXPECT_EQ(record.prefix, alice.key.substr(0, 10));

    auto all = keys_->list(true);
    ASSERT_TRUE(all.ok());
    ASSERT_EQ(all->size(), 2u);
    EXPECT_EQ((*all)[1].id, bob.record.id);
    EXPECT_EQ((*all)[1].revoked_unix_ms, std::optional<int64_t>(clock_.unix_ms()));
}

TEST_F(KeyStoreTest, RevokeByIdOrNameStopsTheKeyAtOnce) {
    const NewKey alice = create("alice");
    const NewKey bob = create("bob");
    auto revoked = keys_->revoke(std::to_string(alice.record.id), kAdmin);
    ASSERT_TRUE(revoked.ok()) << revoked.error().message;
    EXPECT_EQ(revoked->name, "alice");
    EXPECT_FALSE(keys_->verify(alice.key).ok());
    EXPECT_TRUE(keys_->verify(bob.key).ok());
    ASSERT_TRUE(keys_->revoke("bob", kAdmin).ok());
    EXPECT_FALSE(keys_->verify(bob.key).ok());

    auto again = keys_->revoke(std::to_string(alice.record.id), kAdmin);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, Errc::kFailedPrecondition);
    EXPECT_NE(again.error().message.find("was revoked at"), std::string::npos);
    auto by_name = keys_->revoke("alice", kAdmin);  // no *active* key by that name
    ASSERT_FALSE(by_name.ok());
    EXPECT_EQ(by_name.error().code, Errc::kNotFound);
    EXPECT_EQ(keys_->revoke("999", kAdmin).error().code, Errc::kNotFound);
    EXPECT_EQ(keys_->revoke("no such name!", kAdmin).error().code, Errc::kInvalidArgument);
    // A target longer than any name is not cut down to one that exists.
    const NewKey long_name = create(std::string(64, 'n'));
    EXPECT_EQ(keys_->revoke(std::string(64, 'n') + "x", kAdmin).error().code,
              Errc::kInvalidArgument);
    EXPECT_TRUE(keys_->verify(long_name.key).ok());
}

TEST_F(KeyStoreTest, NamesAreCheckedAndUniqueAmongActiveKeys) {
    for (const std::string& name :
         {std::string(""), std::string(65, 'a'), std::string("a b"), std::string("a/b"),
          std::string("ü"), std::string("12345"), std::string(kBootstrapKeyName)}) {
        auto refused = keys_->create({name, Role::kUser, {}, std::nullopt}, kAdmin);
        ASSERT_FALSE(refused.ok()) << name;
        EXPECT_EQ(refused.error().code, Errc::kInvalidArgument) << name;
    }
    EXPECT_TRUE(keys_->create({"a.b_c-d@e1", Role::kUser, {}, std::nullopt}, kAdmin).ok());
    const NewKey first = create("alice");
    auto duplicate = keys_->create({"alice", Role::kAdmin, {}, std::nullopt}, kAdmin);
    ASSERT_FALSE(duplicate.ok());
    EXPECT_EQ(duplicate.error().code, Errc::kAlreadyExists);
    ASSERT_TRUE(keys_->revoke("alice", kAdmin).ok());
    const NewKey second = create("alice");  // the name is free again
    EXPECT_NE(second.record.id, first.record.id);
}

TEST_F(KeyStoreTest, LimitsAndExpiryAreValidated) {
    auto negative = keys_->create({"a", Role::kUser, {-1, 0, 0}, std::nullopt}, kAdmin);
    ASSERT_FALSE(negative.ok());
    EXPECT_NE(negative.error().message.find("rpm"), std::string::npos);
    auto huge =
        keys_->create({"a", Role::kUser, {0, kMaxTokensPerMinute + 1, 0}, std::nullopt}, kAdmin);
    ASSERT_FALSE(huge.ok());
    EXPECT_NE(huge.error().message.find("tpm"), std::string::npos);
    auto past = keys_->create({"a", Role::kUser, {}, clock_.unix_ms()}, kAdmin);
    ASSERT_FALSE(past.ok());
    EXPECT_NE(past.error().message.find("not in the future"), std::string::npos);
}

TEST_F(KeyStoreTest, ExpiredKeysStopWorking) {
    const NewKey made = create("temp", Role::kUser, {}, clock_.unix_ms() + 60'000);
    EXPECT_TRUE(keys_->verify(made.key).ok());
    clock_.advance_seconds(59.999);
    EXPECT_TRUE(keys_->verify(made.key).ok());
    clock_.advance_seconds(0.001);
    auto expired = keys_->verify(made.key);
    ASSERT_FALSE(expired.ok());
    EXPECT_EQ(expired.error().code, Errc::kUnauthenticated);
    EXPECT_NE(expired.error().message.find("'temp' expired at"), std::string::npos);
}

TEST_F(KeyStoreTest, ChangesAreAuditedInTheSameTransaction) {
    const NewKey made = create("alice", Role::kOperator, {5, 0, 0});
    ASSERT_TRUE(keys_->revoke("alice", kAdmin).ok());
    (void)keys_->create({"bad name", Role::kUser, {}, std::nullopt}, kAdmin);

    const auto created = audit("keys.create");
    ASSERT_EQ(created.size(), 2u);
    EXPECT_EQ(created[1].event.outcome, Outcome::kSuccess);
    EXPECT_EQ(created[1].event.actor, "root-key");
    EXPECT_EQ(created[1].event.key_id, std::optional<int64_t>(1));
    EXPECT_EQ(created[1].event.client, "192.0.2.1");
    EXPECT_EQ(created[1].event.resource, "alice");
    EXPECT_EQ(created[1].event.detail,
              "key " + std::to_string(made.record.id) +
                  ": role operator, rpm 5, tpm unlimited, max_concurrent unlimited, "
                  "expires never");
    EXPECT_EQ(created[0].event.outcome, Outcome::kFailure);  // the bad name
    EXPECT_EQ(created[0].event.resource, "bad name");
    const auto revoked = audit("keys.revoke");
    ASSERT_EQ(revoked.size(), 1u);
    EXPECT_EQ(revoked[0].event.resource, "alice");
    // No audit row ever holds the key.
    for (const AuditRecord& record : audit("keys."))
        EXPECT_EQ(record.event.detail.find(made.key), std::string::npos);
}

TEST_F(KeyStoreTest, LastUsedIsRecordedOnFlush) {
    const NewKey made = create("alice");
    clock_.advance_seconds(30);
    ASSERT_TRUE(keys_->verify(made.key).ok());
    const int64_t used_at = clock_.unix_ms();
    clock_.advance_seconds(30);
    ASSERT_TRUE(keys_->flush_usage().ok());
    auto records = keys_->list();
    ASSERT_TRUE(records.ok());
    EXPECT_EQ((*records)[0].last_used_unix_ms, std::optional<int64_t>(used_at));
}

TEST_F(KeyStoreTest, ChangesByAnotherProcessAreSeenAfterTheRefreshInterval) {
    // A second connection with its own store stands for `hearth keys` run beside the server.
    auto other_db = open_access_database(dir_.path(), clock_);
    ASSERT_TRUE(other_db.ok());
    auto other = open_store(**other_db);
    auto made = other->create({"from-cli", Role::kUser, {}, std::nullopt}, kAdmin);
    ASSERT_TRUE(made.ok());
    EXPECT_FALSE(keys_->verify(made->key).ok());  // not reloaded yet
    clock_.advance_seconds(1);
    EXPECT_TRUE(keys_->verify(made->key).ok());
    ASSERT_TRUE(other->revoke("from-cli", kAdmin).ok());
    EXPECT_TRUE(keys_->verify(made->key).ok());  // still within the interval
    clock_.advance_seconds(1);
    EXPECT_FALSE(keys_->verify(made->key).ok());
}

TEST_F(KeyStoreTest, KeysSurviveARestartButNotANewSecret) {
    const NewKey made = create("alice");
    keys_.reset();
    db_.reset();
    SetUp();
    EXPECT_TRUE(keys_->verify(made.key).ok());

    std::array<uint8_t, kSecretBytes> other_secret{};
    other_secret.fill(7);
    auto with_other_secret = KeyStore::open(*db_, KeyHasher::from_secret(other_secret), clock_);
    ASSERT_TRUE(with_other_secret.ok());
    EXPECT_FALSE((*with_other_secret)->verify(made.key).ok());
}

TEST_F(KeyStoreTest, BootstrapCreatesAnAdminKeyOnlyWhenNoneExists) {
    auto first = keys_->ensure_bootstrap_admin(std::nullopt);
    ASSERT_TRUE(first.ok()) << first.error().message;
    ASSERT_TRUE(first->has_value());
    const NewKey& bootstrap = **first;
    EXPECT_EQ(bootstrap.record.name, kBootstrapKeyName);
    auto principal = keys_->verify(bootstrap.key);
    ASSERT_TRUE(principal.ok());
    EXPECT_EQ(principal->role, Role::kAdmin);
    EXPECT_EQ(audit("keys.bootstrap").size(), 1u);

    auto second = keys_->ensure_bootstrap_admin(std::nullopt);  // the next start
    ASSERT_TRUE(second.ok());
    EXPECT_FALSE(second->has_value());
    EXPECT_TRUE(keys_->verify(bootstrap.key).ok());
}

TEST_F(KeyStoreTest, BootstrapIsNotNeededWhenAnAdminKeyExists) {
    create("ops-admin", Role::kAdmin);
    auto none = keys_->ensure_bootstrap_admin(std::nullopt);
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none->has_value());
    // ... unless that key has expired.
    ASSERT_TRUE(keys_->revoke("ops-admin", kAdmin).ok());
    create("short-admin", Role::kAdmin, {}, clock_.unix_ms() + 1000);
    clock_.advance_seconds(2);
    auto made = keys_->ensure_bootstrap_admin(std::nullopt);
    ASSERT_TRUE(made.ok());
    EXPECT_TRUE(made->has_value());
}

TEST_F(KeyStoreTest, BootstrapFromTheEnvironment) {
    const std::string env_key = "operator-chosen-admin-key-0123456789";
    auto set = keys_->ensure_bootstrap_admin(env_key);
    ASSERT_TRUE(set.ok()) << set.error().message;
    EXPECT_FALSE(set->has_value());  // nothing to print: the operator knows it
    auto principal = keys_->verify(env_key);
    ASSERT_TRUE(principal.ok());
    EXPECT_EQ(principal->role, Role::kAdmin);
    EXPECT_EQ(principal->name, kBootstrapKeyName);
    EXPECT_EQ(keys_->list()->front().prefix, "");  // no part of an operator's key is shown

    ASSERT_TRUE(keys_->ensure_bootstrap_admin(env_key).ok());  // the same again: no change
    EXPECT_EQ(keys_->list(true)->size(), 1u);

    const std::string changed = "another-operator-admin-key-9876543210";
    ASSERT_TRUE(keys_->ensure_bootstrap_admin(changed).ok());
    EXPECT_FALSE(keys_->verify(env_key).ok());  // the old value is revoked
    EXPECT_TRUE(keys_->verify(changed).ok());

    auto weak = keys_->ensure_bootstrap_admin("short");
    ASSERT_FALSE(weak.ok());
    EXPECT_EQ(weak.error().code, Errc::kInvalidArgument);
    EXPECT_NE(weak.error().message.find("HEARTH_ADMIN_KEY"), std::string::npos);
}

}  // namespace
}  // namespace hearth::access
