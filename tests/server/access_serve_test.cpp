// Access control of `hearth serve` over real HTTP: the real binary, its database in a scratch
// data folder. Every testable cell of the permission matrix (role x resource, one route each),
// 401 for missing, malformed, unknown and revoked keys, 403 bodies, key management over
// /api/keys, the audit log and its filters, rate-limit bursts (exact 429 counts, headers, refill),
// failed-authentication limits per client, auth modes and the bootstrap key, CORS, and an audit
// log that survives kill -9 of the server in the middle of writes.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "access/audit_log.h"
#include "access/clock.h"
#include "access/schema.h"
#include "store/statement.h"
#include "tests/server/http_client.h"
#include "tests/util/process.h"

extern char** environ;

namespace hearth {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kAdminKey = "test-admin-key-0123456789abcdef";

// `hearth serve` on a free port with `env` before it; output to a log file.
class Server {
public:
    Server(const std::string& env, const std::string& args, const std::string& log_path) : log_path_(log_path) {
        const std::string command = "exec env " + env + " " + std::string(HEARTH_BINARY_DIR) +
                                    "/bin/hearth serve --port 0 " + args + " > " + log_path + " 2>&1";
        const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
        if (posix_spawn(&pid_, "/bin/sh", nullptr, nullptr, const_cast<char**>(argv), environ) != 0) pid_ = -1;
        const std::regex listening(R"(listening on https?://[0-9.:]+:(\d+))");
        for (int idx = 0; idx < 600 && pid_ > 0; ++idx) {
            std::smatch match;
            const std::string text = log();
            if (std::regex_search(text, match, listening)) {
                port_ = static_cast<uint16_t>(std::stoi(match[1]));
                return;
            }
            int status = 0;
            if (waitpid(pid_, &status, WNOHANG) == pid_) {
                exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
                pid_ = -1;
                return;
            }
            std::this_thread::sleep_for(50ms);
        }
    }
    ~Server() { kill_now(); }
    void kill_now() {
        if (pid_ > 0) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
            pid_ = -1;
        }
    }
    uint16_t port() const { return port_; }
    int exit_code() const { return exit_code_; }
    std::string log() const {
        std::ifstream in(log_path_);
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    }

private:
    std::string log_path_;
    pid_t pid_ = -1;
    uint16_t port_ = 0;
    int exit_code_ = -2;
};

Headers bearer(const std::string& key) { return key.empty() ? Headers{} : Headers{{"Authorization", "Bearer " + key}}; }

json parse(const std::string& text) {
    try {
        return json::parse(text);
    } catch (const std::exception&) {
        return json();
    }
}

class AccessServeTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new test::TempDir();
        std::filesystem::create_directories(dir_->file("models"));
        ASSERT_EQ(test::generate_model(dir_->file("models/tiny.gguf"), "--arch llama --ctx 512 --n-layer 1 --seed 1"), "");
        // Slow enough (a few ms a token) that a streamed generation is still running when a test
        // cancels it.
        ASSERT_EQ(test::generate_model(dir_->file("models/slow.gguf"),
                                       "--arch llama --ctx 1024 --n-layer 4 --n-embd 512 --n-ff 1024 --seed 4"),
                  "");
        server_ = new Server(std::string("HEARTH_ADMIN_KEY=") + kAdminKey,
                             "--models " + dir_->file("models") + " --data-dir " + dir_->file("data") +
                                 " --builtin-model '' --require-auth --auth-failures-per-minute 100000 --ctx 1024 -t 1"
                                 " --cors-origins https://app.example",
                             dir_->file("serve.log"));
        ASSERT_NE(server_->port(), 0) << server_->log();
        for (const char* role : {"operator", "user", "guest"}) keys_[role] = create_key(std::string("k-") + role, role, "");
        keys_["admin"] = kAdminKey;
    }
    static void TearDownTestSuite() {
        delete server_;
        delete dir_;
    }

    static test::HttpResult call(const std::string& method, const std::string& path, const std::string& key,
                                 const std::string& body = "", Headers headers = {}) {
        for (auto& header : bearer(key)) headers.push_back(header);
        return test::http_request(server_->port(), method, path, body, headers);
    }
    // Creates a key through the API as the admin; returns it.
    static std::string create_key(const std::string& name, const std::string& role, const std::string& limits) {
        const std::string body = R"({"name":")" + name + R"(","role":")" + role + "\"" + limits + "}";
        auto result = call("POST", "/api/keys", kAdminKey, body);
        EXPECT_EQ(result.status, 201) << result.body;
        json made = parse(result.body);
        EXPECT_EQ(made["name"], name);
        EXPECT_EQ(made["role"], role);
        return made.value("key", std::string());
    }
    static json audit(const std::string& query) {
        auto result = call("GET", "/api/audit?" + query, kAdminKey);
        EXPECT_EQ(result.status, 200) << result.body;
        return parse(result.body);
    }

    static inline test::TempDir* dir_ = nullptr;
    static inline Server* server_ = nullptr;
    static inline std::map<std::string, std::string> keys_;
};

// One representative route per (resource, access); what each role must get.
struct Cell {
    std::string resource;
    std::string method;
    std::string path;
    std::string body;
    int ok_status;
    std::map<std::string, bool> allowed;   // role -> allowed
};

TEST_F(AccessServeTest, EveryCellOfThePermissionMatrix) {
    const std::string chat = R"({"model":"tiny","messages":[{"role":"user","content":"hi"}],"max_tokens":2})";
    int created = 0;
    const std::vector<Cell> cells = {
        {"system R", "GET", "/api/keys", "", 200, {{"admin", true}, {"operator", true}, {"user", false}, {"guest", false}}},
        {"system R (audit)", "GET", "/api/audit?limit=1", "", 200,
         {{"admin", true}, {"operator", true}, {"user", false}, {"guest", false}}},
        {"system RW", "POST", "/api/keys", "", 201, {{"admin", true}, {"operator", false}, {"user", false}, {"guest", false}}},
        {"models R", "GET", "/v1/models", "", 200, {{"admin", true}, {"operator", true}, {"user", true}, {"guest", true}}},
        {"models R (ollama)", "GET", "/api/tags", "", 200,
         {{"admin", true}, {"operator", true}, {"user", true}, {"guest", true}}},
        {"inference RW", "POST", "/v1/chat/completions", chat, 200,
         {{"admin", true}, {"operator", true}, {"user", true}, {"guest", false}}},
        {"inference RW (tokenize)", "POST", "/tokenize", R"({"model":"tiny","content":"hello"})", 200,
         {{"admin", true}, {"operator", true}, {"user", true}, {"guest", false}}},
        {"monitoring R", "GET", "/metrics", "", 200, {{"admin", true}, {"operator", true}, {"user", true}, {"guest", true}}},
        {"monitoring R (status)", "GET", "/api/system/status", "", 200,
         {{"admin", true}, {"operator", true}, {"user", true}, {"guest", true}}},
    };
    for (const Cell& cell : cells) {
        for (const auto& [role, allowed] : cell.allowed) {
            std::string body = cell.body;
            if (cell.path == "/api/keys" && cell.method == "POST")
                body = R"({"name":"made-)" + std::to_string(++created) + R"(","role":"guest"})";
            auto result = call(cell.method, cell.path, keys_[role], body);
            SCOPED_TRACE(cell.resource + " as " + role + ": " + result.body);
            if (allowed) {
                EXPECT_EQ(result.status, cell.ok_status);
            } else {
                EXPECT_EQ(result.status, 403);
                json error = parse(result.body)["error"];
                EXPECT_EQ(error["type"], "permission_error");
                EXPECT_NE(error["message"].get<std::string>().find(role), std::string::npos);
            }
        }
        // No key at all, and a key nobody issued: 401 with an OpenAI-style body.
        for (const std::string& key : {std::string(), std::string("hk-not-a-real-key-000000000000000000000000000")}) {
            auto result = call(cell.method, cell.path, key, cell.body);
            SCOPED_TRACE(cell.resource + " with key '" + key + "': " + result.body);
            EXPECT_EQ(result.status, 401);
            json error = parse(result.body)["error"];
            EXPECT_EQ(error["code"], "invalid_api_key");
            EXPECT_TRUE(error["message"].is_string());
        }
    }
    // The health probes need no key.
    EXPECT_EQ(call("GET", "/health", "").status, 200);
    EXPECT_EQ(call("GET", "/ready", "").status, 200);
    // x-api-key works as well as Authorization; a malformed header is a 401.
    EXPECT_EQ(call("GET", "/v1/models", "", "", {{"x-api-key", keys_["user"]}}).status, 200);
    EXPECT_EQ(call("GET", "/v1/models", "", "", {{"Authorization", "Basic dXNlcjpwYXNz"}}).status, 401);
    EXPECT_EQ(call("GET", "/v1/models", "", "", {{"Authorization", "Bearer " + keys_["user"]}, {"x-api-key", kAdminKey}})
                  .status,
              401);
}

// DELETE /api/requests/{id}: a caller cancels their own generations; someone else's is answered
// as unknown (404, ids say nothing about other callers); operators and admins cancel anyone's;
// guests may not cancel.
TEST_F(AccessServeTest, CallersCancelTheirOwnRequestsOperatorsAnyones) {
    const std::string other_user = create_key("k-user-cancel", "user", "");
    auto start = [](test::HttpConnection& stream, const std::string& key) {
        EXPECT_TRUE(stream.send_request(
            "POST", "/v1/completions",
            R"({"model":"slow","prompt":"Once upon a time","max_tokens":1000,"stream":true,"ignore_eos":true})",
            bearer(key)));
        test::HttpResult head = stream.read_head();
        EXPECT_EQ(head.status, 200);
        EXPECT_TRUE(stream.read_chunk().has_value());   // generating
        return head.headers["x-request-id"];
    };
    auto last_event = [](test::HttpConnection& stream) {
        std::string body;
        while (auto chunk = stream.read_chunk()) body += *chunk;
        const auto events = test::sse_events(body);
        return events.empty() ? std::string() : events.back();
    };
    test::HttpConnection mine(server_->port());
    const std::string id = start(mine, keys_["user"]);
    ASSERT_FALSE(id.empty());
    auto not_theirs = call("DELETE", "/api/requests/" + id, other_user);
    EXPECT_EQ(not_theirs.status, 404) << not_theirs.body;
    EXPECT_EQ(call("DELETE", "/api/requests/" + id, keys_["guest"]).status, 403);
    auto own = call("DELETE", "/api/requests/" + id, keys_["user"]);
    EXPECT_EQ(own.status, 200) << own.body;
    EXPECT_NE(last_event(mine).find("was cancelled (DELETE /api/requests/" + id + ")"), std::string::npos);

    for (const char* role : {"operator", "admin"}) {
        test::HttpConnection theirs(server_->port());
        const std::string other_id = start(theirs, other_user);
        auto by_role = call("DELETE", "/api/requests/" + other_id, keys_[role]);
        EXPECT_EQ(by_role.status, 200) << role << ": " << by_role.body;
        EXPECT_NE(last_event(theirs).find("was cancelled"), std::string::npos) << role;
    }
}

TEST_F(AccessServeTest, WebSocketFeedNeedsAKey) {
    auto upgrade = [](const std::string& key) {
        test::HttpConnection connection(server_->port(), 10s);
        std::string request = "GET /ws/metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
        if (!key.empty()) request += "Authorization: Bearer " + key + "\r\n";
        connection.send_raw(request + "\r\n");
        return connection.read_head().status;
    };
    EXPECT_EQ(upgrade(""), 401);
    EXPECT_EQ(upgrade("hk-unknown-key-000000000000000000000000000000"), 401);
    EXPECT_EQ(upgrade(keys_["guest"]), 101);
}

TEST_F(AccessServeTest, KeysOverTheApi) {
    // Bad requests: 400 naming the field; a duplicate name: 409.
    EXPECT_EQ(call("POST", "/api/keys", kAdminKey, R"({"name":"x1","role":"king"})").status, 400);
    EXPECT_EQ(call("POST", "/api/keys", kAdminKey, R"({"name":"x1","role":"user","rpm":-1})").status, 400);
    EXPECT_EQ(call("POST", "/api/keys", kAdminKey, R"({"name":"x1","role":"user","colour":"red"})").status, 400);
    EXPECT_EQ(call("POST", "/api/keys", kAdminKey, R"({"role":"user"})").status, 400);
    EXPECT_EQ(call("POST", "/api/keys", kAdminKey, R"({"name":"x1","role":"user","expires":"yesterday"})").status, 400);
    EXPECT_EQ(call("POST", "/api/keys", kAdminKey, "not json").status, 400);
    auto made = call("POST", "/api/keys", kAdminKey,
                     R"({"name":"temp","role":"user","rpm":100,"tpm":5000,"max_concurrent":2,"expires":"30d"})");
    ASSERT_EQ(made.status, 201) << made.body;
    json record = parse(made.body);
    EXPECT_EQ(record["rpm"], 100);
    EXPECT_EQ(record["tpm"], 5000);
    EXPECT_EQ(record["max_concurrent"], 2);
    EXPECT_TRUE(record["expires_at"].is_string());
    const std::string key = record["key"];
    EXPECT_TRUE(key.starts_with("hk-"));
    EXPECT_EQ(call("POST", "/api/keys", kAdminKey, R"({"name":"temp","role":"user"})").status, 409);

    // Listed without the key; usable; revoked -> 401 at once.
    auto listed = call("GET", "/api/keys", kAdminKey);
    EXPECT_EQ(listed.body.find(key), std::string::npos);
    EXPECT_NE(listed.body.find("\"temp\""), std::string::npos);
    EXPECT_EQ(call("GET", "/v1/models", key).status, 200);
    const std::string id = std::to_string(record["id"].get<int64_t>());
    EXPECT_EQ(call("DELETE", "/api/keys/" + id, keys_["operator"]).status, 403);
    auto revoked = call("DELETE", "/api/keys/" + id, kAdminKey);
    EXPECT_EQ(revoked.status, 200) << revoked.body;
    EXPECT_TRUE(parse(revoked.body)["revoked_at"].is_string());
    auto after = call("GET", "/v1/models", key);
    EXPECT_EQ(after.status, 401);
    EXPECT_EQ(call("DELETE", "/api/keys/" + id, kAdminKey).status, 409);
    EXPECT_EQ(call("DELETE", "/api/keys/999999", kAdminKey).status, 404);

    // The audit log has the changes, by the admin, from the client's address.
    json rows = audit("action=keys.&actor=bootstrap-admin&limit=1000")["data"];
    bool created = false, revoked_row = false;
    for (const json& row : rows) {
        if (row["action"] == "keys.create" && row["resource"].get<std::string>().find("temp") != std::string::npos) created = true;
        if (row["action"] == "keys.revoke" && row["outcome"] == "success") revoked_row = true;
        EXPECT_EQ(row["client"], "127.0.0.1");
    }
    EXPECT_TRUE(created) << rows.dump();
    EXPECT_TRUE(revoked_row) << rows.dump();
}

TEST_F(AccessServeTest, DeniedRequestsAreAudited) {
    auto denied = call("POST", "/v1/chat/completions", keys_["guest"], R"({"model":"tiny","messages":[]})");
    ASSERT_EQ(denied.status, 403);
    json rows = audit("action=access.denied&actor=k-guest&limit=5")["data"];
    ASSERT_FALSE(rows.empty());
    EXPECT_EQ(rows[0]["resource"], "POST /v1/chat/completions");
    EXPECT_EQ(rows[0]["outcome"], "denied");
    EXPECT_EQ(rows[0]["client"], "127.0.0.1");
    EXPECT_TRUE(rows[0]["key_id"].is_number());
    EXPECT_TRUE(rows[0]["time"].get<std::string>().ends_with("Z"));

    ASSERT_EQ(call("GET", "/api/system/status", "hk-unknown-key-000000000000000000000000000000").status, 401);
    rows = audit("action=auth.denied&outcome=denied&limit=1")["data"];
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0]["resource"], "GET /api/system/status");
    EXPECT_EQ(rows[0]["actor"], "anonymous");

    // Filters: limit and paging, time range, bad values.
    json two = audit("limit=2");
    ASSERT_EQ(two["data"].size(), 2u);
    EXPECT_GT(two["data"][0]["id"].get<int64_t>(), two["data"][1]["id"].get<int64_t>());
    json older = audit("limit=2&before_id=" + std::to_string(two["next_before_id"].get<int64_t>()));
    EXPECT_LT(older["data"][0]["id"].get<int64_t>(), two["data"][1]["id"].get<int64_t>());
    EXPECT_TRUE(audit("since=4000000000000")["data"].empty());
    EXPECT_EQ(call("GET", "/api/audit?limit=0", kAdminKey).status, 400);
    EXPECT_EQ(call("GET", "/api/audit?outcome=maybe", kAdminKey).status, 400);
    EXPECT_EQ(call("GET", "/api/audit?since=yesterday", kAdminKey).status, 400);
}

TEST_F(AccessServeTest, RateLimitBurstGetsExactly429sAndRefills) {
    const std::string key = create_key("burst", "user", R"(,"rpm":60)");
    const std::string body = R"({"model":"tiny","content":"hello"})";
    int ok = 0, limited = 0;
    test::HttpResult last_limited;
    for (int idx = 0; idx < 70; ++idx) {
        auto result = call("POST", "/tokenize", key, body);
        if (result.status == 200) {
            ++ok;
            EXPECT_EQ(result.headers["x-ratelimit-limit"], "60");
        } else if (result.status == 429) {
            ++limited;
            last_limited = result;
        } else {
            ADD_FAILURE() << result.status << " " << result.body;
        }
    }
    // The bucket holds a minute's worth (60); the burst takes well under the second that would
    // refill one more.
    EXPECT_GE(ok, 60);
    EXPECT_LE(ok, 61);
    EXPECT_EQ(ok + limited, 70);
    EXPECT_EQ(last_limited.headers["retry-after"], "1");
    EXPECT_EQ(last_limited.headers["x-ratelimit-remaining"], "0");
    EXPECT_EQ(last_limited.headers["x-ratelimit-limit"], "60");
    EXPECT_EQ(parse(last_limited.body)["error"]["type"], "rate_limit_error");
    // Status routes are not limited.
    EXPECT_EQ(call("GET", "/v1/models", key).status, 200);
    // One request a second comes back.
    std::this_thread::sleep_for(1100ms);
    EXPECT_EQ(call("POST", "/tokenize", key, body).status, 200);
    EXPECT_EQ(call("POST", "/tokenize", key, body).status, 429);
    // One audit row for the refusals of this minute.
    json rows = audit("action=rate.limited&actor=burst")["data"];
    EXPECT_EQ(rows.size(), 1u) << rows.dump();

    // rpm 5: a burst of 8 gets exactly 5 through and 3 refusals, retry after 12 s.
    const std::string slow = create_key("burst5", "user", R"(,"rpm":5)");
    int ok5 = 0;
    std::string retry;
    for (int idx = 0; idx < 8; ++idx) {
        auto result = call("POST", "/tokenize", slow, body);
        if (result.status == 200) ++ok5;
        else retry = result.headers["retry-after"];
    }
    EXPECT_EQ(ok5, 5);
    EXPECT_EQ(retry, "12");
}

TEST_F(AccessServeTest, TokensPerMinuteAreCounted) {
    // tpm 40: a request reserving its estimate (body / 4 + max_tokens) passes while the bucket
    // has it; the generation's real count is settled afterwards.
    const std::string key = create_key("tokens", "user", R"(,"tpm":40)");
    const std::string chat = R"({"model":"tiny","messages":[{"role":"user","content":"hi"}],"max_tokens":8})";
    auto first = call("POST", "/v1/chat/completions", key, chat);
    ASSERT_EQ(first.status, 200) << first.body;
    EXPECT_EQ(first.headers["x-ratelimit-limit-tokens"], "40");
    int limited = 0;
    for (int idx = 0; idx < 6; ++idx) limited += call("POST", "/v1/chat/completions", key, chat).status == 429;
    EXPECT_GT(limited, 0);
}

TEST_F(AccessServeTest, CorsOrigins) {
    auto preflight = call("OPTIONS", "/v1/chat/completions", "", "",
                          {{"Origin", "https://app.example"}, {"Access-Control-Request-Method", "POST"}});
    EXPECT_EQ(preflight.status, 204);
    EXPECT_EQ(preflight.headers["access-control-allow-origin"], "https://app.example");
    EXPECT_NE(preflight.headers["access-control-allow-headers"].find("Authorization"), std::string::npos);
    auto foreign = call("OPTIONS", "/v1/chat/completions", "", "",
                        {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "POST"}});
    EXPECT_EQ(foreign.status, 403);
    auto allowed = call("GET", "/v1/models", keys_["user"], "", {{"Origin", "https://app.example"}});
    EXPECT_EQ(allowed.status, 200);
    EXPECT_EQ(allowed.headers["access-control-allow-origin"], "https://app.example");
    auto refused = call("GET", "/v1/models", keys_["user"], "", {{"Origin", "https://evil.example"}});
    EXPECT_EQ(refused.status, 403);
    EXPECT_EQ(refused.headers.count("access-control-allow-origin"), 0u);
}

// Auth modes on their own servers.
class AccessModeTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new test::TempDir();
        std::filesystem::create_directories(dir_->file("models"));
        ASSERT_EQ(test::generate_model(dir_->file("models/tiny.gguf"), "--arch llama --ctx 512 --n-layer 1 --seed 1"), "");
    }
    static void TearDownTestSuite() { delete dir_; }
    static std::string args(const std::string& data, const std::string& extra) {
        return "--models " + dir_->file("models") + " --data-dir " + dir_->file(data) + " --builtin-model '' --ctx 128 -t 1 " +
               extra;
    }
    static inline test::TempDir* dir_ = nullptr;
};

TEST_F(AccessModeTest, LoopbackIsOptionalAndTheBootstrapKeyIsPrintedOnce) {
    std::string key;
    {
        Server server("HEARTH_ADMIN_KEY=", args("data", ""), dir_->file("a.log"));
        ASSERT_NE(server.port(), 0) << server.log();
        std::smatch match;
        const std::string log = server.log();
        ASSERT_TRUE(std::regex_search(log, match, std::regex(R"(bootstrap admin key \(shown once; store it now\): (\S+))")))
            << log;
        key = match[1];
        // No key: anonymous with the user role.
        EXPECT_EQ(test::http_request(server.port(), "GET", "/v1/models").status, 200);
        EXPECT_EQ(test::http_request(server.port(), "GET", "/api/keys").status, 403);
        // A key, when sent, must be valid.
        EXPECT_EQ(test::http_request(server.port(), "GET", "/v1/models", "", bearer("hk-wrong-key-0000000000000000000000000000000")).status,
                  401);
        EXPECT_EQ(test::http_request(server.port(), "GET", "/api/keys", "", bearer(key)).status, 200);
    }
    Server again("HEARTH_ADMIN_KEY=", args("data", ""), dir_->file("b.log"));
    ASSERT_NE(again.port(), 0) << again.log();
    EXPECT_EQ(again.log().find("bootstrap admin key"), std::string::npos);
    EXPECT_EQ(test::http_request(again.port(), "GET", "/api/keys", "", bearer(key)).status, 200);
}

TEST_F(AccessModeTest, AnyAddressRequiresKeysUnlessInsecure) {
    {
        Server server(std::string("HEARTH_ADMIN_KEY=") + kAdminKey, args("data2", "--host 0.0.0.0"), dir_->file("c.log"));
        ASSERT_NE(server.port(), 0) << server.log();
        EXPECT_NE(server.log().find("auth required"), std::string::npos);
        EXPECT_EQ(test::http_request(server.port(), "GET", "/v1/models").status, 401);
        EXPECT_EQ(test::http_request(server.port(), "GET", "/v1/models", "", bearer(kAdminKey)).status, 200);
    }
    {
        Server server("HEARTH_ADMIN_KEY=", args("data3", "--host 0.0.0.0 --insecure-no-auth"), dir_->file("d.log"));
        ASSERT_NE(server.port(), 0) << server.log();
        EXPECT_EQ(test::http_request(server.port(), "GET", "/api/keys").status, 200);
    }
    Server both("HEARTH_ADMIN_KEY=", args("data4", "--require-auth --insecure-no-auth"), dir_->file("e.log"));
    EXPECT_EQ(both.port(), 0);
    EXPECT_EQ(both.exit_code(), 2) << both.log();
}

TEST_F(AccessModeTest, FailedAuthenticationIsLimitedPerClient) {
    Server server(std::string("HEARTH_ADMIN_KEY=") + kAdminKey, args("data5", "--require-auth --auth-failures-per-minute 3"),
                  dir_->file("f.log"));
    ASSERT_NE(server.port(), 0) << server.log();
    for (int idx = 0; idx < 3; ++idx)
        EXPECT_EQ(test::http_request(server.port(), "GET", "/v1/models", "", bearer("hk-guess-" + std::to_string(idx) + "-0000000000000000000000000")).status, 401);
    auto blocked = test::http_request(server.port(), "GET", "/v1/models", "", bearer(kAdminKey));
    EXPECT_EQ(blocked.status, 429);   // even a good key: the client is blocked before keys are looked at
    EXPECT_GE(std::stoi(blocked.headers["retry-after"]), 1);
    EXPECT_EQ(test::http_request(server.port(), "GET", "/health").status, 200);
}

TEST_F(AccessModeTest, ServesHttpsWithACertificateMadeNow) {
    const std::string cert = dir_->file("cert.pem");
    const std::string key = dir_->file("key.pem");
    auto made = test::run_command("openssl req -x509 -newkey rsa:2048 -nodes -keyout " + key + " -out " + cert +
                                  " -days 1 -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 2>&1");
    ASSERT_EQ(made.exit_code, 0) << made.output;
    Server server(std::string("HEARTH_ADMIN_KEY=") + kAdminKey,
                  args("data7", "--require-auth --tls-cert " + cert + " --tls-key " + key), dir_->file("h.log"));
    ASSERT_NE(server.port(), 0) << server.log();
    EXPECT_NE(server.log().find("listening on https://"), std::string::npos);
    const std::string url = "https://127.0.0.1:" + std::to_string(server.port());
    auto curl = [&](const std::string& options) {
        return test::run_command("curl -s -o /dev/null -w '%{http_code}' --max-time 20 --cacert " + cert + " " + options);
    };
    // The certificate verifies; keys are checked as over HTTP.
    EXPECT_EQ(curl("-H 'Authorization: Bearer " + std::string(kAdminKey) + "' " + url + "/v1/models").output, "200");
    EXPECT_EQ(curl(url + "/v1/models").output, "401");
    EXPECT_EQ(curl("-H 'Authorization: Bearer " + std::string(kAdminKey) + "' -H 'Content-Type: application/json' -d "
                   "'{\"model\":\"tiny\",\"content\":\"hello\"}' " + url + "/tokenize")
                  .output,
              "200");
    // Plain HTTP to the TLS port gets no HTTP answer; the server goes on serving.
    EXPECT_EQ(test::http_request(server.port(), "GET", "/health").status, 0);
    EXPECT_EQ(curl(url + "/health").output, "200");
    // A certificate without its key is refused at start.
    Server broken("HEARTH_ADMIN_KEY=", args("data8", "--tls-cert " + cert), dir_->file("i.log"));
    EXPECT_EQ(broken.port(), 0);
    EXPECT_NE(broken.log().find("--tls-key"), std::string::npos) << broken.log();
}

TEST_F(AccessModeTest, AuditRowsSurviveKillDashNine) {
    const std::string data = dir_->file("data6");
    Server server(std::string("HEARTH_ADMIN_KEY=") + kAdminKey, args("data6", "--require-auth --http-threads 4"),
                  dir_->file("g.log"));
    ASSERT_NE(server.port(), 0) << server.log();
    auto made = test::http_request(server.port(), "POST", "/api/keys", R"({"name":"victim","role":"guest"})", bearer(kAdminKey));
    ASSERT_EQ(made.status, 201);
    const std::string guest = parse(made.body)["key"];
    // Four clients send requests the guest may not make; each 403 is answered after its audit
    // row is committed. The server is killed while they are at it.
    std::atomic<int64_t> answered{0};
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (int idx = 0; idx < 4; ++idx)
        clients.emplace_back([&] {
            while (!stop.load()) {
                auto result = test::http_request(server.port(), "POST", "/v1/chat/completions", "{}", bearer(guest));
                if (result.status == 403) answered.fetch_add(1);
                else if (result.status == 0) return;
            }
        });
    std::this_thread::sleep_for(1500ms);
    server.kill_now();
    stop.store(true);
    for (auto& client : clients) client.join();
    ASSERT_GT(answered.load(), 10);

    access::SystemClock clock;
    auto db = access::open_access_database(data, clock);
    ASSERT_TRUE(db.ok()) << db.error().message;
    {
        store::Session session = (*db)->session();
        auto check = session.prepare("PRAGMA integrity_check");
        ASSERT_TRUE(check.ok());
        auto row = check->step();
        ASSERT_TRUE(row.ok() && *row);
        EXPECT_EQ(check->column_text(0), "ok");
    }
    access::AuditLog log(**db, clock);
    int64_t rows = 0;
    std::optional<int64_t> before;
    while (true) {
        access::AuditQuery query;
        query.actor = "victim";
        query.action = "access.denied";
        query.limit = access::kMaxAuditQueryLimit;
        query.before_id = before;
        auto page = log.query(query);
        ASSERT_TRUE(page.ok()) << page.error().message;
        rows += static_cast<int64_t>(page->size());
        if (page->size() < static_cast<size_t>(query.limit)) break;
        before = page->back().id;
    }
    // Every answered 403 has its row; a few more may have committed whose answers were cut off.
    EXPECT_GE(rows, answered.load());
    EXPECT_LE(rows, answered.load() + 4);
}

}  // namespace
}  // namespace hearth
