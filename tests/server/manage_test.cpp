// The operator endpoints on the real `hearth serve` over sockets: load / unload / pin / unpin,
// /api/system/stats and /cleanup, DELETE /api/requests/{id}, priorities and timeouts from the
// body or the headers, the status codes of bad input, and the memory account against the
// server's resident memory.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "tests/server/http_client.h"
#include "tests/server/server_process.h"
#include "tests/util/process.h"

namespace hearth {
namespace {

using nlohmann::json;
using test::ServerProcess;
using namespace std::chrono_literals;

json parse(const test::HttpResult& result) {
    try {
        return json::parse(result.body);
    } catch (const std::exception&) {
        ADD_FAILURE() << "not JSON (" << result.status << "): " << result.body;
        return json();
    }
}

// Resident memory of a process in bytes (VmRSS of /proc/PID/status).
uint64_t resident_bytes(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;  // kB
    return 0;
}

class ManageTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new test::TempDir();
        std::filesystem::create_directories(dir_->file("models"));
        ASSERT_EQ(test::generate_model(dir_->file("models/tiny.gguf"), "--arch llama --ctx 512 --n-layer 2 --seed 1"), "");
        ASSERT_EQ(test::generate_model(dir_->file("models/qwen.gguf"), "--arch qwen2 --ctx 512 --n-layer 1 --seed 2"), "");
        // Slow enough (a few ms a token, up to 4,000 tokens) to keep the engine busy while a test
        // looks at the queue; always cancelled.
        ASSERT_EQ(test::generate_model(dir_->file("models/slow.gguf"),
                                       "--arch llama --ctx 4096 --n-layer 4 --n-embd 512 --n-ff 1024 --seed 4"),
                  "");
        server_ = start("--parallel 4");
        ASSERT_NE(server_->port(), 0) << server_->log();
    }
    static void TearDownTestSuite() {
        delete server_;
        delete dir_;
    }
    static ServerProcess* start(const std::string& extra) {
        static int count = 0;
        // The operator routes need the models and system permissions: keys are off here (the
        // access layer's own tests cover who may call them).
        const std::string name = std::to_string(count++);
        return new ServerProcess("--models " + dir_->file("models") + " --data-dir " + dir_->file("data" + name) +
                                 " --insecure-no-auth --builtin-model '' --default-model tiny "
                                 "--ctx 4096 -t 1 --http-threads 2 " + extra,
                                 dir_->file("serve" + name + ".log"));
    }
    static test::HttpResult call(const std::string& method, const std::string& path, const std::string& body = "",
                                 const std::vector<std::pair<std::string, std::string>>& headers = {},
                                 ServerProcess* server = nullptr) {
        return test::http_request((server ? server : server_)->port(), method, path, body, headers);
    }
    static json model_entry(const json& stats, const std::string& id) {
        for (const json& model : stats["models"])
            if (model["id"] == id) return model;
        ADD_FAILURE() << id << " not in " << stats.dump();
        return json();
    }
    // A streamed completion that runs until cancelled (ignore_eos, many tokens).
    static std::string long_stream() {
        return R"({"model":"slow","prompt":"Once upon a time","max_tokens":4000,"stream":true,)"
               R"("ignore_eos":true,"temperature":0})";
    }

    static inline test::TempDir* dir_ = nullptr;
    static inline ServerProcess* server_ = nullptr;
};

TEST_F(ManageTest, StatsHaveTheDocumentedShape) {
    auto result = call("GET", "/api/system/stats");
    ASSERT_EQ(result.status, 200) << result.body;
    json stats = parse(result);
    std::vector<std::string> keys;
    for (const auto& [key, value] : stats.items()) keys.push_back(key);
    EXPECT_EQ(keys, (std::vector<std::string>{"memory", "models", "queue"}));
    const json& memory = stats["memory"];
    EXPECT_GT(memory["budget_bytes"].get<uint64_t>(), 0u);
    EXPECT_TRUE(memory["used_bytes"].is_number_unsigned());
    EXPECT_TRUE(memory["state"] == "low" || memory["state"] == "moderate" || memory["state"] == "high" ||
                memory["state"] == "critical") << memory.dump();
    for (const char* tag : {"weights", "kv", "activations", "other"}) EXPECT_TRUE(memory["by_tag"].contains(tag));
    ASSERT_EQ(stats["models"].size(), 5u);  // three language models and the two built-in speech models
    for (const json& model : stats["models"]) {
        std::vector<std::string> fields;
        for (const auto& [key, value] : model.items()) fields.push_back(key);
        EXPECT_EQ(fields, (std::vector<std::string>{"bytes", "id", "last_used", "pinned", "status"}));
    }
    const json& queue = stats["queue"];
    for (const char* level : {"urgent", "high", "normal", "low"}) EXPECT_TRUE(queue["queued"][level].is_number());
    for (const char* counter : {"active", "completed", "failed", "cancelled"}) EXPECT_TRUE(queue[counter].is_number());
}

TEST_F(ManageTest, LoadPinUnpinUnload) {
    auto loaded = call("POST", "/api/models/qwen/load");
    ASSERT_EQ(loaded.status, 200) << loaded.body;
    EXPECT_EQ(parse(loaded)["status"], "loaded");
    json stats = parse(call("GET", "/api/system/stats"));
    const json qwen = model_entry(stats, "qwen");
    EXPECT_EQ(qwen["status"], "loaded");
    EXPECT_GT(qwen["bytes"].get<uint64_t>(), 0u);
    EXPECT_GE(stats["memory"]["used_bytes"].get<uint64_t>(), qwen["bytes"].get<uint64_t>());
    EXPECT_GT(stats["memory"]["by_tag"]["weights"].get<uint64_t>(), 0u);
    EXPECT_GT(stats["memory"]["by_tag"]["kv"].get<uint64_t>(), 0u);

    auto pinned = call("POST", "/api/models/qwen/pin");
    ASSERT_EQ(pinned.status, 200) << pinned.body;
    EXPECT_EQ(parse(pinned)["pinned"], true);
    // Cleanup unloads expired idle models only; a pinned one stays.
    ASSERT_EQ(call("POST", "/api/system/cleanup").status, 200);
    EXPECT_EQ(model_entry(parse(call("GET", "/api/system/stats")), "qwen")["status"], "loaded");
    auto unpinned = call("POST", "/api/models/qwen/unpin");
    ASSERT_EQ(unpinned.status, 200);
    EXPECT_EQ(parse(unpinned)["pinned"], false);
    // A pinned model is unloaded by an explicit unload; so is an unpinned one.
    ASSERT_EQ(call("POST", "/api/models/qwen/pin").status, 200);
    auto unloaded = call("POST", "/api/models/qwen/unload");
    ASSERT_EQ(unloaded.status, 200) << unloaded.body;
    EXPECT_EQ(parse(unloaded)["status"], "available");
    ASSERT_EQ(call("POST", "/api/models/qwen/unpin").status, 200);
    // Unloading what is not loaded is a no-op; loading again works.
    EXPECT_EQ(call("POST", "/api/models/qwen/unload").status, 200);
    EXPECT_EQ(call("POST", "/api/models/qwen/load").status, 200);
    const uint64_t before = parse(call("GET", "/api/system/stats"))["memory"]["used_bytes"];
    ASSERT_EQ(call("POST", "/api/models/qwen/unload").status, 200);
    EXPECT_LT(parse(call("GET", "/api/system/stats"))["memory"]["used_bytes"].get<uint64_t>(), before);
}

TEST_F(ManageTest, BadInputAnswersClearly) {
    for (const char* action : {"load", "unload", "pin", "unpin"}) {
        auto result = call("POST", std::string("/api/models/nonesuch/") + action);
        EXPECT_EQ(result.status, 404) << action << ": " << result.body;
        json body = parse(result);
        EXPECT_EQ(body["error"]["code"], "model_not_found") << body.dump();
        EXPECT_NE(body["error"]["message"].get<std::string>().find("nonesuch"), std::string::npos);
    }
    auto wrong_method = call("GET", "/api/models/tiny/load");
    EXPECT_EQ(wrong_method.status, 405);
    EXPECT_EQ(wrong_method.headers["allow"], "POST");
    EXPECT_EQ(call("POST", "/api/models/tiny/explode").status, 404);
    auto not_an_id = call("DELETE", "/api/requests/abc");
    EXPECT_EQ(not_an_id.status, 400) << not_an_id.body;
    EXPECT_EQ(parse(not_an_id)["error"]["param"], "id");
    auto unknown = call("DELETE", "/api/requests/987654321");
    EXPECT_EQ(unknown.status, 404) << unknown.body;
    EXPECT_EQ(parse(unknown)["error"]["code"], "request_not_found");

    const std::string chat = R"({"model":"tiny","messages":[{"role":"user","content":"hi"}],"max_tokens":2)";
    auto bad_header = call("POST", "/v1/chat/completions", chat + "}", {{"X-Priority", "extreme"}});
    EXPECT_EQ(bad_header.status, 400) << bad_header.body;
    EXPECT_EQ(parse(bad_header)["error"]["param"], "X-Priority");
    auto bad_field = call("POST", "/v1/chat/completions", chat + R"(,"priority":"soon"})");
    EXPECT_EQ(bad_field.status, 400) << bad_field.body;
    EXPECT_EQ(parse(bad_field)["error"]["param"], "priority");
    auto bad_type = call("POST", "/v1/completions", R"({"model":"tiny","prompt":"a","priority":3})");
    EXPECT_EQ(bad_type.status, 400) << bad_type.body;
    EXPECT_EQ(parse(bad_type)["error"]["param"], "priority");
    auto bad_timeout = call("POST", "/v1/completions", R"({"model":"tiny","prompt":"a","timeout":-1})");
    EXPECT_EQ(bad_timeout.status, 400) << bad_timeout.body;
    EXPECT_EQ(parse(bad_timeout)["error"]["param"], "timeout");
    auto bad_timeout_header = call("POST", "/v1/completions", R"({"model":"tiny","prompt":"a"})",
                                   {{"X-Request-Timeout", "soon"}});
    EXPECT_EQ(bad_timeout_header.status, 400) << bad_timeout_header.body;
    EXPECT_EQ(parse(bad_timeout_header)["error"]["param"], "X-Request-Timeout");
    auto ollama = call("POST", "/api/chat",
                       R"({"model":"tiny","stream":false,"priority":"whenever","messages":[{"role":"user","content":"hi"}]})");
    EXPECT_EQ(ollama.status, 400) << ollama.body;
    EXPECT_NE(parse(ollama)["error"].get<std::string>().find("priority"), std::string::npos);
    // Good values pass, in every family, and the response names its request id.
    auto good = call("POST", "/v1/chat/completions", chat + R"(,"priority":"low","timeout":60})", {{"X-Priority", "urgent"}});
    EXPECT_EQ(good.status, 200) << good.body;
    EXPECT_FALSE(good.headers["x-request-id"].empty());
    auto good_ollama = call("POST", "/api/generate",
                            R"({"model":"tiny","prompt":"hi","stream":false,"options":{"num_predict":2}})",
                            {{"X-Priority", "high"}});
    EXPECT_EQ(good_ollama.status, 200) << good_ollama.body;
    // The server keeps serving.
    EXPECT_EQ(call("GET", "/health").status, 200);
}

TEST_F(ManageTest, CancelByIdAndUnloadInUse) {
    test::HttpConnection stream(server_->port());
    ASSERT_TRUE(stream.send_request("POST", "/v1/completions", long_stream()));
    test::HttpResult head = stream.read_head();
    ASSERT_EQ(head.status, 200);
    const std::string id = head.headers["x-request-id"];
    ASSERT_FALSE(id.empty());
    ASSERT_TRUE(stream.read_chunk().has_value());  // generating

    auto in_use = call("POST", "/api/models/slow/unload");
    EXPECT_EQ(in_use.status, 409) << in_use.body;
    EXPECT_EQ(parse(in_use)["error"]["code"], "model_in_use");
    // The engines publish their counters once per step.
    json during;
    for (int tries = 0; tries < 100; ++tries) {
        during = parse(call("GET", "/api/system/stats"));
        if (during["queue"]["active"] == 1) break;
        std::this_thread::sleep_for(10ms);
    }
    EXPECT_EQ(during["queue"]["active"].get<int>(), 1) << during.dump();
    const int cancelled_before = during["queue"]["cancelled"];

    auto cancelled = call("DELETE", "/api/requests/" + id);
    ASSERT_EQ(cancelled.status, 200) << cancelled.body;
    std::string body;
    while (auto chunk = stream.read_chunk()) body += *chunk;
    const auto events = test::sse_events(body);
    ASSERT_FALSE(events.empty());
    // The last event says who cancelled it (not "the server is shutting down").
    EXPECT_NE(events.back().find("was cancelled (DELETE /api/requests/" + id + ")"), std::string::npos) << events.back();
    EXPECT_LT(events.size(), 4000u);
    // Finished: unknown now, and counted.
    EXPECT_EQ(call("DELETE", "/api/requests/" + id).status, 404);
    json after = parse(call("GET", "/api/system/stats"));
    EXPECT_EQ(after["queue"]["cancelled"].get<int>(), cancelled_before + 1) << after.dump();
    // The model is idle again: now it unloads.
    EXPECT_EQ(call("POST", "/api/models/slow/unload").status, 200);
}

// One sequence at a time: a blocker occupies the engine, low-priority requests queue, then an
// urgent one arrives last and is served first. A request whose timeout passes while it waits
// fails with 408.
TEST_F(ManageTest, PriorityOrdersTheQueueAndTimeoutsAnswer408) {
    std::unique_ptr<ServerProcess> server(start("--parallel 1"));
    ASSERT_NE(server->port(), 0) << server->log();
    ASSERT_EQ(call("POST", "/api/models/slow/load", "", {}, server.get()).status, 200);
    test::HttpConnection blocker(server->port());
    ASSERT_TRUE(blocker.send_request("POST", "/v1/completions", long_stream()));
    test::HttpResult head = blocker.read_head();
    ASSERT_EQ(head.status, 200);
    ASSERT_TRUE(blocker.read_chunk().has_value());

    std::mutex mutex;
    std::vector<std::string> finished;
    auto run = [&](const std::string& name, const std::vector<std::pair<std::string, std::string>>& headers,
                   const std::string& priority_field) {
        auto result = call("POST", "/v1/completions",
                           R"({"model":"slow","prompt":"Hello","max_tokens":4,"ignore_eos":true,"temperature":0)" +
                               priority_field + "}",
                           headers, server.get());
        EXPECT_EQ(result.status, 200) << result.body;
        std::lock_guard lock(mutex);
        finished.push_back(name);
    };
    std::vector<std::thread> clients;
    for (int idx = 0; idx < 3; ++idx)
        clients.emplace_back(run, "low" + std::to_string(idx), std::vector<std::pair<std::string, std::string>>{{"X-Priority", "low"}}, "");
    // Wait until the three are queued, then the urgent one (by body field) comes last.
    for (int tries = 0; tries < 200; ++tries) {
        json stats = parse(call("GET", "/api/system/stats", "", {}, server.get()));
        if (stats["queue"]["queued"]["low"] == 3) break;
        std::this_thread::sleep_for(10ms);
    }
    clients.emplace_back(run, "urgent", std::vector<std::pair<std::string, std::string>>{}, R"(,"priority":"urgent")");
    for (int tries = 0; tries < 200; ++tries) {
        json stats = parse(call("GET", "/api/system/stats", "", {}, server.get()));
        if (stats["queue"]["queued"]["urgent"] == 1) break;
        std::this_thread::sleep_for(10ms);
    }
    // Waits longer than its timeout behind the blocker.
    auto timed_out = call("POST", "/v1/completions", R"({"model":"slow","prompt":"Hi","max_tokens":2,"timeout":0.3})",
                          {}, server.get());
    EXPECT_EQ(timed_out.status, 408) << timed_out.body;
    EXPECT_EQ(parse(timed_out)["error"]["code"], "timeout");

    EXPECT_EQ(call("DELETE", "/api/requests/" + head.headers["x-request-id"], "", {}, server.get()).status, 200);
    while (blocker.read_chunk()) {
    }
    for (auto& client : clients) client.join();
    ASSERT_EQ(finished.size(), 4u);
    EXPECT_EQ(finished.front(), "urgent");
}

TEST_F(ManageTest, ModelThatCannotFitIs507) {
    std::unique_ptr<ServerProcess> server(start("--memory-budget-mb 1"));
    ASSERT_NE(server->port(), 0) << server->log();
    auto result = call("POST", "/api/models/tiny/load", "", {}, server.get());
    EXPECT_EQ(result.status, 507) << result.body;
    json body = parse(result);
    EXPECT_EQ(body["error"]["code"], "insufficient_memory");
    EXPECT_NE(body["error"]["message"].get<std::string>().find("memory budget"), std::string::npos) << body.dump();
    EXPECT_EQ(call("GET", "/health", "", {}, server.get()).status, 200);
}

// The account (weights + KV cache + buffers) against what the kernel says the server holds: the
// growth of its resident memory over the load. Tolerance: 3% of the account plus 6 MiB fixed
// slack, which covers what a load allocates outside the account: the tokenizer's tables and
// the parsed metadata (a few hundred KiB for these vocabularies), the engine's and loader's
// thread stacks and malloc arenas (touched pages only, ~1-2 MiB), and page-granular rounding.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif
#else
constexpr bool kAddressSanitizer = false;
#endif

TEST_F(ManageTest, AccountedBytesMatchResidentMemory) {
    // AddressSanitizer's shadow memory and quarantine of freed blocks make the process's resident
    // size say nothing about its allocations: the release build checks this.
    if (kAddressSanitizer) GTEST_SKIP() << "resident memory is not comparable under AddressSanitizer";
    test::TempDir dir;
    std::filesystem::create_directories(dir.file("models"));
    // ~113 MiB of f32 weights: large against the noise of the process.
    ASSERT_EQ(test::generate_model(dir.file("models/big.gguf"),
                                   "--arch llama --ctx 512 --n-layer 3 --n-embd 1024 --n-ff 2048 --n-head 4 --seed 3"),
              "");
    ServerProcess server("--models " + dir.file("models") + " --data-dir " + dir.file("data") +
                             " --insecure-no-auth --builtin-model '' --ctx 512 --parallel 2 -t 1",
                         dir.file("serve.log"));
    ASSERT_NE(server.port(), 0) << server.log();
    std::this_thread::sleep_for(200ms);
    const uint64_t before = resident_bytes(server.pid());
    ASSERT_GT(before, 0u);
    auto loaded = test::http_request(server.port(), "POST", "/api/models/big/load");
    ASSERT_EQ(loaded.status, 200) << loaded.body;
    // Run one request so the working buffers are touched as in service.
    ASSERT_EQ(test::http_request(server.port(), "POST", "/v1/completions",
                                 R"({"model":"big","prompt":"Once upon a time","max_tokens":4})").status, 200);
    const uint64_t after = resident_bytes(server.pid());
    json stats = parse(test::http_request(server.port(), "GET", "/api/system/stats"));
    const uint64_t accounted = stats["memory"]["used_bytes"];
    const double grown = static_cast<double>(after) - static_cast<double>(before);
    const double tolerance = 0.03 * static_cast<double>(accounted) + 6.0 * (1 << 20);
    std::printf("resident before %.1f MiB, after %.1f MiB, grown %.1f MiB; accounted %.1f MiB (%s)\n",
                before / 1048576.0, after / 1048576.0, grown / 1048576.0, accounted / 1048576.0,
                stats["memory"]["by_tag"].dump().c_str());
    EXPECT_NEAR(grown, static_cast<double>(accounted), tolerance);
    // Unloading gives it back (the weights are a file mapping, the KV cache a heap block).
    ASSERT_EQ(test::http_request(server.port(), "POST", "/api/models/big/unload").status, 200);
    const uint64_t unloaded = resident_bytes(server.pid());
    EXPECT_LT(static_cast<double>(unloaded), static_cast<double>(before) + tolerance) << unloaded / 1048576.0;
}

}  // namespace
}  // namespace hearth
