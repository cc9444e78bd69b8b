// `hearth serve` as a user runs it: the real binary on generated models, over real sockets.
// Every API family, stop strings across tokens, bad input (each followed by a good request), 64
// concurrent streams, a client that disconnects mid-stream, a broken chat template, and the
// SIGTERM drain.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "tests/server/http_client.h"
#include "tests/server/server_process.h"
#include "tests/util/process.h"

namespace hearth {
namespace {

using test::ServerProcess;
using nlohmann::json;
using namespace std::chrono_literals;

class ServeTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new test::TempDir();
        std::filesystem::create_directories(dir_->file("models"));
        ASSERT_EQ(test::generate_model(dir_->file("models/tiny.gguf"), "--arch llama --ctx 512 --n-layer 2 --seed 1"), "");
        ASSERT_EQ(test::generate_model(dir_->file("models/qwen.gguf"), "--arch qwen2 --ctx 512 --n-layer 1 --seed 2"), "");
        server_ = new ServerProcess("--models " + dir_->file("models") + " --data-dir " + dir_->file("data") +
                                    " --builtin-model '' --default-model tiny "
                                    "--ctx 256 --parallel 8 -t 1 --http-threads 2 --max-body-bytes 1048576",
                                    dir_->file("serve.log"));
        ASSERT_NE(server_->port(), 0) << server_->log();
    }
    static void TearDownTestSuite() {
        delete server_;
        delete dir_;
    }

    static test::HttpResult post(const std::string& path, const std::string& body) {
        return test::http_request(server_->port(), "POST", path, body);
    }
    static json post_json(const std::string& path, const std::string& body, int status = 200) {
        auto result = post(path, body);
        EXPECT_EQ(result.status, status) << path << " " << body << " -> " << result.body;
        try {
            return json::parse(result.body);
        } catch (const std::exception&) {
            ADD_FAILURE() << "not JSON: " << result.body;
            return json();
        }
    }
    static std::string chat_body(const std::string& extra) {
        return R"({"model":"tiny","messages":[{"role":"user","content":"Tell me a story"}],"temperature":0)" +
               (extra.empty() ? "" : "," + extra) + "}";
    }

    static inline test::TempDir* dir_ = nullptr;
    static inline ServerProcess* server_ = nullptr;
};

TEST_F(ServeTest, HealthReadyAndModels) {
    EXPECT_EQ(test::http_request(server_->port(), "GET", "/health").status, 200);
    EXPECT_EQ(test::http_request(server_->port(), "GET", "/ready").status, 200);
    json models = json::parse(test::http_request(server_->port(), "GET", "/v1/models").body);
    std::vector<std::string> ids;
    for (const json& model : models["data"]) ids.push_back(model["id"]);
    std::sort(ids.begin(), ids.end());
    // The built-in speech models are always listed, with their kind.
    EXPECT_EQ(ids, (std::vector<std::string>{"espeak", "pocketsphinx-en-us", "qwen", "tiny"}));
    for (const json& model : models["data"])
        EXPECT_EQ(model["kind"], model["id"] == "espeak" ? "tts" : model["id"] == "pocketsphinx-en-us" ? "stt" : "llm");
    EXPECT_EQ(json::parse(test::http_request(server_->port(), "GET", "/v1/models/qwen").body)["id"], "qwen");
    EXPECT_EQ(test::http_request(server_->port(), "GET", "/v1/models/none").status, 404);
}

TEST_F(ServeTest, ChatStreamedAndWholeAgree) {
    json whole = post_json("/v1/chat/completions", chat_body(R"("max_tokens":12,"seed":1)"));
    const std::string text = whole["choices"][0]["message"]["content"];
    EXPECT_EQ(whole["usage"]["completion_tokens"].get<int>() <= 12, true);
    EXPECT_GT(whole["usage"]["prompt_tokens"].get<int>(), 0);
    auto streamed = post("/v1/chat/completions",
                         chat_body(R"("max_tokens":12,"seed":1,"stream":true,"stream_options":{"include_usage":true})"));
    ASSERT_EQ(streamed.status, 200);
    EXPECT_EQ(streamed.headers["content-type"], "text/event-stream");
    auto events = test::sse_events(streamed.body);
    ASSERT_GE(events.size(), 3u) << streamed.body;
    EXPECT_EQ(events.back(), "[DONE]");
    std::string joined;
    std::string finish;
    for (size_t idx = 0; idx + 1 < events.size(); ++idx) {
        json chunk = json::parse(events[idx]);
        for (const json& choice : chunk["choices"]) {
            if (choice["delta"].contains("content")) joined += choice["delta"]["content"].get<std::string>();
            if (!choice["finish_reason"].is_null()) finish = choice["finish_reason"];
        }
    }
    EXPECT_EQ(joined, text);
    EXPECT_EQ(finish, whole["choices"][0]["finish_reason"]);
    EXPECT_EQ(json::parse(events[events.size() - 2])["usage"]["completion_tokens"], whole["usage"]["completion_tokens"]);
}

TEST_F(ServeTest, CompletionsStopAtMaxTokensWithLength) {
    json out = post_json("/v1/completions",
                         R"({"model":"qwen","prompt":"Once upon a time","max_tokens":7,"temperature":0,"ignore_eos":true})");
    EXPECT_EQ(out["choices"][0]["finish_reason"], "length");
    EXPECT_EQ(out["usage"]["completion_tokens"], 7);
    EXPECT_EQ(out["model"], "qwen");
}

TEST_F(ServeTest, StopStringsAreMatchedAcrossTokensAndNeverLeak) {
    const std::string base = R"({"model":"tiny","prompt":"The","max_tokens":24,"temperature":0,"ignore_eos":true)";
    json free = post_json("/v1/completions", base + "}");
    const std::string text = free["choices"][0]["text"];
    ASSERT_GE(text.size(), 12u) << text;
    // A stop string from the middle of the greedy text, most likely spanning a token boundary.
    const std::string stop = text.substr(text.size() / 2, 3);
    const std::string expected = text.substr(0, text.find(stop));
    json stopped = post_json("/v1/completions", base + R"(,"stop":)" + json(stop).dump() + "}");
    EXPECT_EQ(stopped["choices"][0]["text"], expected) << "stop " << json(stop).dump() << " in " << json(text).dump();
    EXPECT_EQ(stopped["choices"][0]["finish_reason"], "stop");
    auto streamed = post("/v1/completions", base + R"(,"stream":true,"stop":)" + json(stop).dump() + "}");
    std::string joined;
    for (const std::string& event : test::sse_events(streamed.body))
        if (event != "[DONE]") joined += json::parse(event)["choices"][0]["text"].get<std::string>();
    EXPECT_EQ(joined, expected);
}

TEST_F(ServeTest, JsonModeAnswersWithOneJsonObject) {
    for (int seed = 0; seed < 3; ++seed) {
        json out = post_json("/v1/chat/completions",
                             chat_body(R"("max_tokens":48,"response_format":{"type":"json_object"},"temperature":1,)"
                                       R"("seed":)" + std::to_string(seed)));
        const std::string content = out["choices"][0]["message"]["content"];
        // An object from its first character; a whole one unless max_tokens cut it short.
        const size_t first = content.find_first_not_of(" \t\r\n");
        ASSERT_NE(first, std::string::npos) << json(content).dump();
        EXPECT_EQ(content[first], '{') << json(content).dump();
        if (out["choices"][0]["finish_reason"] == "stop")
            EXPECT_TRUE(json::parse(content, nullptr, false).is_object()) << json(content).dump();
    }
}

TEST_F(ServeTest, EmbeddingsAreNormalizedMeanPooledHiddenStates) {
    json out = post_json("/v1/embeddings", R"({"model":"tiny","input":["hello world","hello"]})");
    ASSERT_EQ(out["data"].size(), 2u);
    std::vector<float> first = out["data"][0]["embedding"];
    double norm = 0;
    for (float value : first) norm += double(value) * value;
    EXPECT_NEAR(norm, 1.0, 1e-4);
    EXPECT_NE(out["data"][0]["embedding"], out["data"][1]["embedding"]);
    json shorter = post_json("/v1/embeddings", R"({"model":"tiny","input":"hello world","dimensions":16})");
    EXPECT_EQ(shorter["data"][0]["embedding"].size(), 16u);
    json ollama = post_json("/api/embed", R"({"model":"tiny","input":"hello world"})");
    ASSERT_EQ(ollama["embeddings"].size(), 1u);
    for (size_t idx = 0; idx < first.size(); ++idx)
        ASSERT_NEAR(ollama["embeddings"][0][idx].get<float>(), first[idx], 1e-5);
}

TEST_F(ServeTest, TokenizeDetokenizeAndApplyTemplate) {
    json tokens = post_json("/tokenize", R"({"content":"Hello world","add_special":true})");
    ASSERT_GT(tokens["tokens"].size(), 1u);
    EXPECT_EQ(tokens["tokens"][0], 1);   // BOS
    json text = post_json("/detokenize", json{{"tokens", tokens["tokens"]}}.dump());
    EXPECT_NE(text["content"].get<std::string>().find("Hello world"), std::string::npos) << text;
    json prompt = post_json("/apply-template", R"({"messages":[{"role":"user","content":"Hi there"}]})");
    EXPECT_NE(prompt["prompt"].get<std::string>().find("Hi there"), std::string::npos) << prompt;
}

TEST_F(ServeTest, OllamaChatAndGenerate) {
    auto chat = post("/api/chat", R"({"model":"tiny","messages":[{"role":"user","content":"Hi"}],
                                      "options":{"num_predict":5,"temperature":0}})");
    ASSERT_EQ(chat.status, 200);
    auto lines = test::ndjson_lines(chat.body);
    ASSERT_GE(lines.size(), 2u) << chat.body;
    json last = json::parse(lines.back());
    EXPECT_EQ(last["done"], true);
    EXPECT_LE(last["eval_count"].get<int>(), 5);
    for (size_t idx = 0; idx + 1 < lines.size(); ++idx) EXPECT_EQ(json::parse(lines[idx])["done"], false);
    json generated = post_json("/api/generate", R"({"model":"tiny","prompt":"Hi","stream":false,"raw":true,
                                                    "options":{"num_predict":4,"temperature":0}})");
    EXPECT_EQ(generated["done"], true);
    EXPECT_TRUE(generated["response"].is_string());
    json tags = json::parse(test::http_request(server_->port(), "GET", "/api/tags").body);
    EXPECT_EQ(tags["models"].size(), 2u);
    json show = post_json("/api/show", R"({"model":"qwen"})");
    EXPECT_EQ(show["details"]["family"], "qwen2");
    EXPECT_EQ(post("/api/show", R"({"model":"nope"})").status, 404);
}

TEST_F(ServeTest, BadInputGetsTheRightStatusAndTheServerKeepsServing) {
    struct Case {
        std::string name, body;
        int status;
        std::string param;   // "" -> null
    };
    const std::string msgs = R"("messages":[{"role":"user","content":"x"}])";
    const std::vector<Case> cases = {
        {"malformed JSON", R"({"model":"tiny",)", 400, ""},
        {"not an object", "42", 400, ""},
        {"wrong type", R"({"model":"tiny",)" + msgs + R"(,"temperature":"warm"})", 400, "temperature"},
        {"wrong type for messages", R"({"model":"tiny","messages":{"role":"user"}})", 400, "messages"},
        {"unknown field", R"({"model":"tiny",)" + msgs + R"(,"temprature":0.5})", 400, "temprature"},
        {"missing model", "{" + msgs + "}", 400, "model"},
        {"model of the wrong type", R"({"model":5,)" + msgs + "}", 400, "model"},
        {"unknown model", R"({"model":"gpt-9",)" + msgs + "}", 404, "model"},
        {"negative max_tokens", R"({"model":"tiny",)" + msgs + R"(,"max_tokens":-5})", 400, "max_tokens"},
        {"huge max_tokens", R"({"model":"tiny",)" + msgs + R"(,"max_tokens":99999999999})", 400, "max_tokens"},
        {"max_tokens past the context", R"({"model":"tiny",)" + msgs + R"(,"max_tokens":100000})", 400, "max_tokens"},
        {"empty messages", R"({"model":"tiny","messages":[]})", 400, "messages"},
        {"invalid UTF-8", "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"\xc3\x28\"}]}", 400, ""},
    };
    for (const Case& bad : cases) {
        auto result = post("/v1/chat/completions", bad.body);
        EXPECT_EQ(result.status, bad.status) << bad.name << ": " << result.body;
        json error = json::parse(result.body, nullptr, false);
        ASSERT_TRUE(error.contains("error")) << bad.name << ": " << result.body;
        EXPECT_TRUE(error["error"]["message"].is_string()) << bad.name;
        EXPECT_TRUE(error["error"]["type"].is_string()) << bad.name;
        EXPECT_TRUE(error["error"].contains("code")) << bad.name;
        if (bad.param.empty()) EXPECT_TRUE(error["error"]["param"].is_null()) << bad.name << ": " << result.body;
        else EXPECT_EQ(error["error"]["param"], bad.param) << bad.name;
        // The next request is served.
        EXPECT_EQ(post("/v1/chat/completions", chat_body(R"("max_tokens":2)")).status, 200) << "after " << bad.name;
    }
    // A 10 MB body: 413 before the body is read, and the server goes on.
    auto big = post("/v1/chat/completions", R"({"model":"tiny","pad":")" + std::string(10 << 20, 'x') + "\"}");
    EXPECT_EQ(big.status, 413) << big.body.substr(0, 200);
    EXPECT_EQ(json::parse(big.body)["error"]["code"], "request_too_large");
    EXPECT_EQ(post("/v1/chat/completions", chat_body(R"("max_tokens":2)")).status, 200);
}

TEST_F(ServeTest, SixtyFourConcurrentStreamsAllFinishWellFormed) {
    constexpr int kStreams = 64;
    std::vector<std::thread> clients;
    std::vector<std::string> problems(kStreams);
    std::atomic<int> completed{0};
    const auto start = std::chrono::steady_clock::now();
    for (int idx = 0; idx < kStreams; ++idx) {
        clients.emplace_back([&, idx] {
            const std::string body = R"({"model":"tiny","messages":[{"role":"user","content":"Story )" +
                                     std::to_string(idx) + R"("}],"max_tokens":16,"stream":true,"seed":)" +
                                     std::to_string(idx) + R"(,"stream_options":{"include_usage":true}})";
            auto result = post("/v1/chat/completions", body);
            if (result.status != 200) {
                problems[idx] = "status " + std::to_string(result.status) + ": " + result.body;
                return;
            }
            auto events = test::sse_events(result.body);
            if (events.size() < 3 || events.back() != "[DONE]") {
                problems[idx] = "no [DONE]: " + result.body;
                return;
            }
            bool finished = false;
            int32_t tokens = -1;
            for (size_t event_idx = 0; event_idx + 1 < events.size(); ++event_idx) {
                json chunk = json::parse(events[event_idx], nullptr, false);
                if (chunk.is_discarded() || chunk.contains("error")) {
                    problems[idx] = "bad event: " + events[event_idx];
                    return;
                }
                for (const json& choice : chunk["choices"]) finished = finished || !choice["finish_reason"].is_null();
                if (chunk["usage"].is_object()) tokens = chunk["usage"]["completion_tokens"];
            }
            if (!finished || tokens < 1 || tokens > 16) problems[idx] = "no finish or usage: " + result.body;
            else completed.fetch_add(1);
        });
    }
    for (auto& client : clients) client.join();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    for (int idx = 0; idx < kStreams; ++idx) EXPECT_EQ(problems[idx], "") << "stream " << idx;
    EXPECT_EQ(completed.load(), kStreams);
    std::printf("64 concurrent streams of up to 16 tokens: %.2f s\n", seconds);
}

TEST_F(ServeTest, ClientThatDisconnectsMidStreamStopsItsGeneration) {
    {
        test::HttpConnection connection(server_->port());
        ASSERT_TRUE(connection.send_request(
            "POST", "/v1/completions",
            R"({"model":"tiny","prompt":"Go","max_tokens":200,"stream":true,"ignore_eos":true,"temperature":0})"));
        ASSERT_EQ(connection.read_head().status, 200);
        ASSERT_TRUE(connection.read_chunk().has_value());
        ASSERT_TRUE(connection.read_chunk().has_value());
    }
    bool counted = false;
    for (int idx = 0; idx < 100 && !counted; ++idx) {
        const std::string metrics = test::http_request(server_->port(), "GET", "/metrics").body;
        counted = metrics.find("hearth_generations_cancelled_total{reason=\"client_disconnected\"}") != std::string::npos;
        if (!counted) std::this_thread::sleep_for(50ms);
    }
    EXPECT_TRUE(counted) << test::http_request(server_->port(), "GET", "/metrics").body;
    EXPECT_NE(server_->log().find("the client went away"), std::string::npos) << server_->log();
}

TEST_F(ServeTest, MetricsUsePrometheusNames) {
    post("/v1/chat/completions", chat_body(R"("max_tokens":3)"));
    auto metrics = test::http_request(server_->port(), "GET", "/metrics");
    ASSERT_EQ(metrics.status, 200);
    EXPECT_EQ(metrics.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
    for (const char* name : {"hearth_http_requests_total{route=\"/v1/chat/completions\",code=\"200\"}",
                             "hearth_http_request_duration_seconds_bucket{route=\"/v1/chat/completions\",le=\"+Inf\"}",
                             "hearth_prompt_tokens_total{model=\"tiny\"}", "hearth_generated_tokens_total{model=\"tiny\"}",
                             "hearth_time_to_first_token_seconds_count{model=\"tiny\"}",
                             "hearth_inter_token_latency_seconds_count{model=\"tiny\"}", "hearth_http_requests_in_flight",
                             "hearth_http_connections_open", "hearth_queue_requests_waiting"})
        EXPECT_NE(metrics.body.find(name), std::string::npos) << name;
    // Every sample line is "name{labels} value" or "name value".
    std::istringstream lines(metrics.body);
    const std::regex sample(
        R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*")*\})? [-+0-9.eEInfNa]+$)");
    for (std::string line; std::getline(lines, line);)
        if (!line.empty() && line[0] != '#') EXPECT_TRUE(std::regex_match(line, sample)) << line;
}

TEST(ServeTemplate, ATemplateThatFailsToRenderIsAClearErrorNotACrash) {
    test::TempDir dir;
    std::filesystem::create_directories(dir.file("models"));
    ASSERT_EQ(test::generate_model(dir.file("models/tiny.gguf"), "--arch llama --ctx 256 --n-layer 1"), "");
    std::ofstream(dir.file("bad.jinja")) << "{{ raise_exception('this template refuses every conversation') }}";
    ServerProcess server("--models " + dir.file("models") + " --data-dir " + dir.file("data") + " --builtin-model '' --chat-template-file " +
                             dir.file("bad.jinja") + " -t 1",
                         dir.file("serve.log"));
    ASSERT_NE(server.port(), 0) << server.log();
    auto applied = test::http_request(server.port(), "POST", "/apply-template",
                                      R"({"messages":[{"role":"user","content":"hi"}]})");
    EXPECT_EQ(applied.status, 400) << applied.body;
    EXPECT_NE(applied.body.find("this template refuses every conversation"), std::string::npos) << applied.body;
    auto chat = test::http_request(server.port(), "POST", "/v1/chat/completions",
                                   R"({"model":"tiny","messages":[{"role":"user","content":"hi"}]})");
    EXPECT_EQ(chat.status, 400) << chat.body;
    EXPECT_EQ(test::http_request(server.port(), "GET", "/health").status, 200);
    // Completions do not use the template.
    EXPECT_EQ(test::http_request(server.port(), "POST", "/v1/completions",
                                 R"({"model":"tiny","prompt":"hi","max_tokens":2})").status, 200);
}

TEST(ServeDrain, SigtermLetsInFlightRequestsFinishAndExitsZero) {
    test::TempDir dir;
    std::filesystem::create_directories(dir.file("models"));
    ASSERT_EQ(test::generate_model(dir.file("models/tiny.gguf"), "--arch llama --ctx 512 --n-layer 2"), "");
    ServerProcess server("--models " + dir.file("models") + " --data-dir " + dir.file("data") + " --builtin-model '' -t 1 --drain-timeout 20",
                         dir.file("serve.log"));
    ASSERT_NE(server.port(), 0) << server.log();
    test::HttpConnection connection(server.port());
    ASSERT_TRUE(connection.send_request(
        "POST", "/v1/completions",
        R"({"model":"tiny","prompt":"Go","max_tokens":150,"stream":true,"ignore_eos":true,"temperature":0})"));
    ASSERT_EQ(connection.read_head().status, 200);
    ASSERT_TRUE(connection.read_chunk().has_value());
    std::thread stopper([&] { EXPECT_EQ(server.terminate(std::chrono::seconds(60)), 0) << server.log(); });
    std::string body;
    while (auto chunk = connection.read_chunk()) body += *chunk;
    stopper.join();
    auto events = test::sse_events(body);
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.back(), "[DONE]") << body;   // finished, not cut off
    EXPECT_NE(server.log().find("draining"), std::string::npos);
    EXPECT_NE(server.log().find("hearth: stopped"), std::string::npos) << server.log();
}

}  // namespace
}  // namespace hearth

namespace hearth {
namespace {

TEST(ServeDrain, RequestsStillRunningAtTheDeadlineAreCancelled) {
    test::TempDir dir;
    std::filesystem::create_directories(dir.file("models"));
    ASSERT_EQ(test::generate_model(dir.file("models/tiny.gguf"), "--arch llama --ctx 4096 --n-layer 2"), "");
    ServerProcess server("--models " + dir.file("models") + " --data-dir " + dir.file("data") + " --builtin-model '' -t 1 --ctx 4096 --drain-timeout 0.2",
                         dir.file("serve.log"));
    ASSERT_NE(server.port(), 0) << server.log();
    test::HttpConnection connection(server.port());
    ASSERT_TRUE(connection.send_request(
        "POST", "/v1/completions",
        R"({"model":"tiny","prompt":"Go","max_tokens":4000,"stream":true,"ignore_eos":true,"temperature":0})"));
    ASSERT_EQ(connection.read_head().status, 200);
    ASSERT_TRUE(connection.read_chunk().has_value());
    std::thread stopper([&] { EXPECT_EQ(server.terminate(std::chrono::seconds(60)), 0) << server.log(); });
    std::string body;
    while (auto chunk = connection.read_chunk()) body += *chunk;
    stopper.join();
    auto events = test::sse_events(body);
    ASSERT_FALSE(events.empty());
    // Cut short: the last event says why, and the stream is still well formed.
    json last = json::parse(events.back(), nullptr, false);
    ASSERT_TRUE(last.contains("error")) << events.back();
    EXPECT_EQ(last["error"]["code"], "service_unavailable");
    EXPECT_NE(server.log().find("cancelling"), std::string::npos) << server.log();
}

// `hearth serve` with no model named, as scripts/serve.sh starts it: the built-in model
// (models/fortune-teller.gguf of the source tree) is listed and answers.
TEST(ServeBuiltin, WithNoModelNamedTheBuiltinModelServes) {
    test::TempDir dir;
    ServerProcess server("--data-dir " + dir.file("data") + " -t 1", dir.file("serve.log"));
    ASSERT_NE(server.port(), 0) << server.log();
    auto models = test::http_request(server.port(), "GET", "/v1/models");
    ASSERT_EQ(models.status, 200) << models.body;
    json listed = json::parse(models.body);
    // The built-in language model first, then the built-in speech models.
    ASSERT_EQ(listed["data"].size(), 3u) << models.body;
    EXPECT_EQ(listed["data"][0]["id"], "fortune-teller");
    EXPECT_EQ(listed["data"][0]["kind"], "llm");
    EXPECT_EQ(listed["data"][1]["kind"], "tts");
    EXPECT_EQ(listed["data"][2]["kind"], "stt");
    auto tags = test::http_request(server.port(), "GET", "/api/tags");
    ASSERT_EQ(tags.status, 200);
    EXPECT_NE(tags.body.find("fortune-teller"), std::string::npos) << tags.body;

    auto chat = test::http_request(server.port(), "POST", "/v1/chat/completions",
                                   R"({"model":"fortune-teller","messages":[{"role":"user","content":"What does my future hold?"}],)"
                                   R"("max_tokens":64,"temperature":0})",
                                   {{"Content-Type", "application/json"}});
    ASSERT_EQ(chat.status, 200) << chat.body;
    json answer = json::parse(chat.body);
    EXPECT_EQ(answer["model"], "fortune-teller");
    const std::string content = answer["choices"][0]["message"]["content"];
    EXPECT_GE(content.size(), 8u) << content;
    // The model ends its fortunes with its end-of-turn token well within 64 tokens.
    EXPECT_EQ(answer["choices"][0]["finish_reason"], "stop") << content;
    EXPECT_EQ(content.find("<|end|>"), std::string::npos) << "control tokens are not text: " << content;
}

}  // namespace
}  // namespace hearth
