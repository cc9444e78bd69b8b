// The access gate in process, on a real key store and audit log (a scratch database) and a manual
// clock: what the HTTP tests cannot reach yet (model and plugin changes, whose routes are not
// registered; the concurrency limit, which needs requests held open) and exact refill timing.
#include <gtest/gtest.h>

#include <array>

#include "access/audit_log.h"
#include "access/clock.h"
#include "access/key_store.h"
#include "access/schema.h"
#include "server/api/access_gate.h"
#include "tests/util/process.h"

namespace hearth::server::api {
namespace {

class AccessGateTest : public ::testing::Test {
protected:
    void SetUp() override { open(true); }
    void open(bool require_auth) {
        gate_.reset();
        keys_.reset();
        audit_.reset();
        db_.reset();
        auto db = access::open_access_database(dir_.path(), clock_);
        ASSERT_TRUE(db.ok()) << db.error().message;
        db_ = std::move(*db);
        std::array<uint8_t, access::kSecretBytes> secret{};
        secret[0] = 7;
        auto keys = access::KeyStore::open(*db_, access::KeyHasher::from_secret(secret), clock_);
        ASSERT_TRUE(keys.ok()) << keys.error().message;
        keys_ = std::move(*keys);
        audit_ = std::make_unique<access::AuditLog>(*db_, clock_);
        AccessGateConfig config;
        config.require_auth = require_auth;
        gate_ = std::make_unique<AccessGate>(*keys_, *audit_, clock_, config);
    }
    std::string make_key(const std::string& name, access::Role role, access::KeyLimits limits = {}) {
        access::KeySpec spec;
        spec.name = name;
        spec.role = role;
        spec.limits = limits;
        auto made = keys_->create(spec, {"test", std::nullopt, "test"});
        EXPECT_TRUE(made.ok()) << made.error().message;
        return made.ok() ? made->key : "";
    }
    static HttpRequest request(const std::string& method, const std::string& path, const std::string& key) {
        HttpRequest out;
        out.method = method;
        out.path = path;
        out.remote_address = "192.0.2.7";
        if (!key.empty()) out.headers.emplace_back("authorization", "Bearer " + key);
        return out;
    }
    std::vector<access::AuditRecord> rows(const std::string& action) {
        access::AuditQuery query;
        query.action = action;
        auto found = audit_->query(query);
        EXPECT_TRUE(found.ok());
        return found.ok() ? *found : std::vector<access::AuditRecord>{};
    }

    test::TempDir dir_;
    access::ManualClock clock_;
    std::unique_ptr<store::Database> db_;
    std::unique_ptr<access::KeyStore> keys_;
    std::unique_ptr<access::AuditLog> audit_;
    std::unique_ptr<AccessGate> gate_;
};

TEST_F(AccessGateTest, ModelAndPluginChangesFollowTheMatrixAndAreAudited) {
    const std::string op = make_key("op", access::Role::kOperator);
    const std::string user = make_key("user", access::Role::kUser);
    // Model changes: admin and operator; reads: everyone with a key.
    Authorization load = gate_->authorize(request("POST", "/api/models/tiny/load", op), "/api/models/{id}");
    ASSERT_TRUE(load.status.ok()) << load.status.error().message;
    EXPECT_TRUE(gate_->authorize(request("GET", "/api/models", user), "/api/models").status.ok());
    Authorization denied = gate_->authorize(request("POST", "/api/models/tiny/unload", user), "/api/models/{id}");
    EXPECT_EQ(denied.status.error().code, Errc::kPermissionDenied);
    EXPECT_EQ(gate_->authorize(request("POST", "/api/plugins/x", user), "/api/plugins/{id}").status.error().code,
              Errc::kPermissionDenied);
    EXPECT_TRUE(gate_->authorize(request("GET", "/api/plugins", user), "/api/plugins").status.ok());
    // The load is recorded when its response ends, with the outcome.
    ASSERT_TRUE(load.on_finish);
    EXPECT_TRUE(rows("models.load").empty());
    load.on_finish(200, 0);
    auto loaded = rows("models.load");
    ASSERT_EQ(loaded.size(), 1u);
    EXPECT_EQ(loaded[0].event.actor, "op");
    EXPECT_EQ(loaded[0].event.resource, "POST /api/models/tiny/load");
    EXPECT_EQ(loaded[0].event.client, "192.0.2.7");
    EXPECT_EQ(loaded[0].event.outcome, access::Outcome::kSuccess);
    Authorization failed = gate_->authorize(request("POST", "/api/models/nope/unload", op), "/api/models/{id}");
    failed.on_finish(404, 0);
    auto unloaded = rows("models.unload");
    ASSERT_EQ(unloaded.size(), 1u);
    EXPECT_EQ(unloaded[0].event.outcome, access::Outcome::kFailure);
    EXPECT_EQ(unloaded[0].event.detail, "HTTP 404");
    EXPECT_EQ(rows("access.denied").size(), 2u);
}

TEST_F(AccessGateTest, ConcurrencySlotsComeBackWhenResponsesEnd) {
    const std::string key = make_key("one-at-a-time", access::Role::kUser, {0, 0, 1});
    Authorization first = gate_->authorize(request("POST", "/v1/chat/completions", key), "/v1/chat/completions");
    ASSERT_TRUE(first.status.ok());
    Authorization second = gate_->authorize(request("POST", "/v1/chat/completions", key), "/v1/chat/completions");
    EXPECT_EQ(second.status.error().code, Errc::kResourceExhausted);
    first.on_finish(200, 0);
    EXPECT_TRUE(gate_->authorize(request("POST", "/v1/chat/completions", key), "/v1/chat/completions").status.ok());
}

TEST_F(AccessGateTest, BucketsRefillOnTheClockAndTokensSettle) {
    const std::string key = make_key("metered", access::Role::kUser, {6, 100, 0});
    const std::string body = R"({"max_tokens":60})";   // reserves 4 (body / 4) + 60
    auto chat = [&] {
        HttpRequest r = request("POST", "/v1/chat/completions", key);
        r.body = body;
        return gate_->authorize(r, "/v1/chat/completions");
    };
    Authorization first = chat();
    ASSERT_TRUE(first.status.ok());
    // 64 reserved of 100: the next request does not find its 64.
    Authorization second = chat();
    ASSERT_FALSE(second.status.ok());
    // The first used only 10 tokens: 54 come back and the next one passes.
    first.on_finish(200, 10);
    Authorization third = chat();
    ASSERT_TRUE(third.status.ok()) << third.status.error().message;
    third.on_finish(200, 10);
    // rpm 6: two requests counted so far (refusals take nothing); four more pass, the seventh waits 10 s.
    for (int idx = 0; idx < 4; ++idx) {
        Authorization ok = gate_->authorize(request("POST", "/tokenize", key), "/tokenize");
        ASSERT_TRUE(ok.status.ok()) << idx;
        ok.on_finish(200, 0);
    }
    Authorization refused = gate_->authorize(request("POST", "/tokenize", key), "/tokenize");
    ASSERT_FALSE(refused.status.ok());
    bool retry_after = false;
    for (const auto& [name, value] : refused.headers) retry_after = retry_after || (name == "Retry-After" && value == "10");
    EXPECT_TRUE(retry_after);
    clock_.advance_seconds(10);
    EXPECT_TRUE(gate_->authorize(request("POST", "/tokenize", key), "/tokenize").status.ok());
}

TEST_F(AccessGateTest, OptionalModeGivesAnonymousTheConfiguredRole) {
    open(false);
    EXPECT_TRUE(gate_->authorize(request("POST", "/v1/chat/completions", ""), "/v1/chat/completions").status.ok());
    EXPECT_EQ(gate_->authorize(request("GET", "/api/keys", ""), "/api/keys").status.error().code,
              Errc::kPermissionDenied);
    // A key, when sent, must be valid even so.
    EXPECT_EQ(gate_->authorize(request("GET", "/v1/models", "hk-wrong-000000000000000000000000"), "/v1/models")
                  .status.error()
                  .code,
              Errc::kUnauthenticated);
    // Public routes pass without anything, in any mode.
    open(true);
    EXPECT_TRUE(gate_->authorize(request("GET", "/health", ""), "/health").status.ok());
    EXPECT_EQ(gate_->authorize(request("GET", "/v1/models", ""), "/v1/models").status.error().code,
              Errc::kUnauthenticated);
}

}  // namespace
}  // namespace hearth::server::api
