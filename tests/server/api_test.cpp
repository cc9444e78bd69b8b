// The API as plain functions: Api::handle() from HttpRequest to Reply, without sockets, over a
// scripted service. Response shapes (OpenAI, Ollama, native), error bodies and statuses,
// streaming formats, cancellation and metrics.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "server/api/api.h"
#include "server/api/openai_response.h"
#include "server/body_stream.h"
#include "server/pending_response.h"
#include "tests/server/fake_service.h"
#include "tests/server/http_client.h"

namespace hearth::server::api {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class ApiTest : public ::testing::Test {
protected:
    // Generations may still be finishing on the service's threads: they end before the API.
    void TearDown() override { service_.join(); }

    // A complete response: waits for pending ones, reads whole streams.
    HttpResponse call(const std::string& method, const std::string& path, const std::string& body = "") {
        Reply reply = api_.handle(request(method, path, body));
        HttpResponse response;
        if (auto* pending = std::get_if<std::shared_ptr<PendingResponse>>(&reply)) response = (*pending)->wait();
        else response = std::move(std::get<HttpResponse>(reply));
        if (response.stream) response.body = response.stream->read_all();
        return response;
    }
    static HttpRequest request(const std::string& method, const std::string& path, const std::string& body) {
        HttpRequest out;
        out.method = method;
        out.path = path;
        out.target = path;
        out.body = body;
        return out;
    }
    json call_json(const std::string& method, const std::string& path, const std::string& body, int status = 200) {
        HttpResponse response = call(method, path, body);
        EXPECT_EQ(response.status, status) << response.body;
        return json::parse(response.body);
    }
    // The OpenAI error object of a failed call, after checking its shape.
    json openai_error(const std::string& path, const std::string& body, int status) {
        json out = call_json("POST", path, body, status);
        EXPECT_TRUE(out.contains("error")) << out;
        const json& error = out["error"];
        EXPECT_TRUE(error["message"].is_string());
        EXPECT_TRUE(error["type"].is_string());
        EXPECT_TRUE(error.contains("param"));
        EXPECT_TRUE(error.contains("code"));
        return error;
    }

    test::FakeService service_;
    metrics::Registry registry_;
    Api api_{service_, registry_};
};

TEST_F(ApiTest, ChatCompletionNonStreamed) {
    json out = call_json("POST", "/v1/chat/completions",
                         R"({"model":"tiny","messages":[{"role":"user","content":"hi"}],"max_tokens":3,"seed":7})");
    EXPECT_EQ(out["object"], "chat.completion");
    EXPECT_EQ(out["model"], "tiny");
    EXPECT_EQ(out["id"].get<std::string>().rfind("chatcmpl-", 0), 0u);
    EXPECT_EQ(out["choices"][0]["message"]["role"], "assistant");
    EXPECT_EQ(out["choices"][0]["message"]["content"], "tok0tok1tok2");
    EXPECT_EQ(out["choices"][0]["finish_reason"], "length");
    EXPECT_EQ(out["usage"]["prompt_tokens"], 5);
    EXPECT_EQ(out["usage"]["completion_tokens"], 3);
    EXPECT_EQ(out["usage"]["total_tokens"], 8);
    EXPECT_EQ(service_.last_request.sampling.seed, 7u);
    EXPECT_EQ(service_.last_request.messages.at(0).content, "hi");
}

TEST_F(ApiTest, ChatCompletionRequestFieldsReachTheService) {
    call_json("POST", "/v1/chat/completions",
              R"({"model":"tiny","messages":[{"role":"developer","content":"be brief"},
                  {"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}],
                  "max_completion_tokens":2,"temperature":0,"top_p":0.5,"stop":["x","y"],"n":2,
                  "presence_penalty":1,"frequency_penalty":-1,"logit_bias":{"42":-100,"7":5},
                  "response_format":{"type":"json_object"},"logprobs":true,"top_logprobs":2})");
    const serving::GenerateRequest& sent = service_.last_request;
    EXPECT_EQ(sent.messages.at(0).role, "system");
    EXPECT_EQ(sent.messages.at(1).content, "ab");
    EXPECT_EQ(sent.max_tokens, 2);
    EXPECT_EQ(sent.sampling.temperature, 0.0f);
    EXPECT_EQ(sent.sampling.top_p, 0.5f);
    EXPECT_EQ(sent.stop, (std::vector<std::string>{"x", "y"}));
    EXPECT_EQ(sent.n_choices, 2);
    EXPECT_EQ(sent.sampling.presence_penalty, 1.0f);
    EXPECT_EQ(sent.sampling.frequency_penalty, -1.0f);
    ASSERT_EQ(sent.sampling.logit_bias.size(), 2u);
    EXPECT_TRUE(std::isinf(sent.sampling.logit_bias[0].second));
    EXPECT_TRUE(sent.json_mode);
    EXPECT_EQ(sent.top_logprobs, 2);
}

TEST_F(ApiTest, ChatCompletionWithSeveralChoicesAndLogprobs) {
    json out = call_json("POST", "/v1/chat/completions",
                         R"({"model":"tiny","messages":[{"role":"user","content":"hi"}],"max_tokens":2,"n":2,
                             "logprobs":true,"top_logprobs":1})");
    ASSERT_EQ(out["choices"].size(), 2u);
    EXPECT_EQ(out["choices"][1]["index"], 1);
    const json& logprobs = out["choices"][0]["logprobs"]["content"];
    ASSERT_EQ(logprobs.size(), 2u);
    EXPECT_EQ(logprobs[0]["token"], "tok0");
    EXPECT_FLOAT_EQ(logprobs[0]["logprob"].get<float>(), -0.5f);
    EXPECT_EQ(logprobs[0]["bytes"], json::array({'t', 'o', 'k', '0'}));
    EXPECT_EQ(logprobs[0]["top_logprobs"][0]["token"], "alt0");
    EXPECT_EQ(out["usage"]["prompt_tokens"], 5);       // the prompt counted once
    EXPECT_EQ(out["usage"]["completion_tokens"], 4);   // both choices
}

TEST_F(ApiTest, ChatCompletionStreamIsWellFormedSse) {
    HttpResponse response = call("POST", "/v1/chat/completions",
                                 R"({"model":"tiny","messages":[{"role":"user","content":"hi"}],"max_tokens":3,
                                     "stream":true,"stream_options":{"include_usage":true}})");
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.content_type, "text/event-stream");
    auto events = test::sse_events(response.body);
    ASSERT_EQ(events.size(), 6u) << response.body;   // 3 tokens, finish, usage, [DONE]
    std::string content;
    for (size_t idx = 0; idx < 3; ++idx) {
        json chunk = json::parse(events[idx]);
        EXPECT_EQ(chunk["object"], "chat.completion.chunk");
        EXPECT_TRUE(chunk["usage"].is_null());
        content += chunk["choices"][0]["delta"]["content"].get<std::string>();
        EXPECT_EQ(chunk["choices"][0]["delta"].contains("role"), idx == 0);
    }
    EXPECT_EQ(content, "tok0tok1tok2");
    json finish = json::parse(events[3]);
    EXPECT_EQ(finish["choices"][0]["finish_reason"], "length");
    json usage = json::parse(events[4]);
    EXPECT_TRUE(usage["choices"].empty());
    EXPECT_EQ(usage["usage"]["completion_tokens"], 3);
    EXPECT_EQ(events[5], "[DONE]");
}

TEST_F(ApiTest, CompletionWithEchoAndLogprobs) {
    json out = call_json("POST", "/v1/completions",
                         R"({"model":"tiny","prompt":"Once","max_tokens":2,"echo":true,"logprobs":1})");
    EXPECT_EQ(out["object"], "text_completion");
    EXPECT_EQ(out["choices"][0]["text"], "Oncetok0tok1");
    EXPECT_EQ(out["choices"][0]["logprobs"]["tokens"], json::array({"tok0", "tok1"}));
    EXPECT_EQ(out["choices"][0]["logprobs"]["text_offset"], json::array({4, 8}));
    // OpenAI's default max_tokens for completions is 16.
    call_json("POST", "/v1/completions", R"({"model":"tiny","prompt":"x"})");
    EXPECT_EQ(service_.last_request.max_tokens, 16);
}

TEST_F(ApiTest, CompletionStream) {
    HttpResponse response =
        call("POST", "/v1/completions", R"({"model":"tiny","prompt":["Once"],"max_tokens":2,"stream":true})");
    auto events = test::sse_events(response.body);
    ASSERT_EQ(events.size(), 4u) << response.body;
    EXPECT_EQ(json::parse(events[0])["choices"][0]["text"], "tok0");
    EXPECT_EQ(json::parse(events[2])["choices"][0]["finish_reason"], "length");
    EXPECT_EQ(events[3], "[DONE]");
}

TEST_F(ApiTest, BadRequestsGetOpenAiErrorsNamingTheParam) {
    const std::string chat = "/v1/chat/completions";
    json error = openai_error(chat, "{not json", 400);
    EXPECT_EQ(error["type"], "invalid_request_error");
    EXPECT_NE(error["message"].get<std::string>().find("not valid JSON"), std::string::npos);
    EXPECT_EQ(openai_error(chat, "[1,2]", 400)["message"], "the request body must be a JSON object, not an array");
    EXPECT_EQ(openai_error(chat, R"({"messages":[{"role":"user","content":"x"}]})", 400)["param"], "model");
    EXPECT_EQ(openai_error(chat, R"({"model":["tiny"],"messages":[{"role":"user","content":"x"}]})", 400)["param"],
              "model");
    EXPECT_EQ(openai_error(chat, R"({"model":"tiny","messages":[]})", 400)["param"], "messages");
    EXPECT_EQ(openai_error(chat, R"({"model":"tiny","messages":"hi"})", 400)["param"], "messages");
    EXPECT_EQ(openai_error(chat, R"({"model":"tiny","messages":[{"role":"wizard","content":"x"}]})", 400)["param"],
              "messages[0].role");
    EXPECT_EQ(openai_error(chat, R"({"model":"tiny","messages":[{"role":"user"}]})", 400)["param"],
              "messages[0].content");
    const std::string msgs = R"("messages":[{"role":"user","content":"x"}])";
    json type_error = openai_error(chat, R"({"model":"tiny",)" + msgs + R"(,"temperature":"hot"})", 400);
    EXPECT_EQ(type_error["param"], "temperature");
    EXPECT_EQ(type_error["message"], "Invalid type for 'temperature': expected a number, but got a string instead.");
    EXPECT_EQ(openai_error(chat, R"({"model":"tiny",)" + msgs + R"(,"temperature":3})", 400)["param"], "temperature");
    EXPECT_EQ(openai_error(chat, R"({"model":"tiny",)" + msgs + R"(,"max_tokens":-1})", 400)["param"], "max_tokens");
    EXPECT_EQ(openai_error(chat, R"({"model":"tiny",)" + msgs + R"(,"max_tokens":0})", 400)["param"], "max_tokens");
    EXPECT_EQ(openai_error(chat, R"({"model":"tiny",)" + msgs + R"(,"max_tokens":1e30})", 400)["param"], "max_tokens");
    json too_long = openai_error(chat, R"({"model":"tiny",)" + msgs + R"(,"max_tokens":100000})", 400);
    EXPECT_EQ(too_long["code"], "context_length_exceeded");
    EXPECT_EQ(openai_error(chat, R"({"model":"tiny",)" + msgs + R"(,"n":0})", 400)["param"], "n");
    EXPECT_EQ(openai_error(chat, R"({"model":"tiny",)" + msgs + R"(,"stop":[1]})", 400)["param"], "stop");
    EXPECT_EQ(openai_error(chat, R"({"model":"tiny",)" + msgs + R"(,"logit_bias":{"x":1}})", 400)["param"],
              "logit_bias");
    EXPECT_EQ(openai_error(chat, R"({"model":"tiny",)" + msgs + R"(,"top_logprobs":2})", 400)["param"], "top_logprobs");
    EXPECT_EQ(openai_error(chat, R"({"model":"tiny",)" + msgs + R"(,"stream_options":{"include_usage":true}})", 400)
                  ["param"], "stream_options");
    EXPECT_EQ(openai_error(chat, R"({"model":"tiny",)" + msgs + R"(,"response_format":{"type":"xml"}})", 400)
                  ["param"], "response_format.type");
    json unknown = openai_error(chat, R"({"model":"tiny",)" + msgs + R"(,"frobnicate":1})", 400);
    EXPECT_EQ(unknown["message"], "Unrecognized request argument supplied: frobnicate");
    json missing = openai_error(chat, R"({"model":"nope",)" + msgs + "}", 404);
    EXPECT_EQ(missing["code"], "model_not_found");
    EXPECT_EQ(missing["message"], "The model 'nope' does not exist");
    // Invalid UTF-8 inside a string is malformed JSON.
    EXPECT_EQ(call("POST", chat, "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"\xff\xfe\"}]}").status,
              400);
    // And the API keeps answering.
    EXPECT_EQ(call("POST", chat, R"({"model":"tiny",)" + msgs + "}").status, 200);
}

TEST_F(ApiTest, Embeddings) {
    json out = call_json("POST", "/v1/embeddings", R"({"model":"tiny","input":["ab","abc"]})");
    EXPECT_EQ(out["object"], "list");
    ASSERT_EQ(out["data"].size(), 2u);
    EXPECT_EQ(out["data"][1]["index"], 1);
    EXPECT_EQ(out["data"][1]["embedding"], json::array({0.6f, 0.8f, 3.0f}));
    EXPECT_EQ(out["usage"]["prompt_tokens"], 5);
    // base64: little-endian float32 bytes.
    json encoded = call_json("POST", "/v1/embeddings", R"({"model":"tiny","input":"ab","encoding_format":"base64"})");
    const float expected[3] = {0.6f, 0.8f, 2.0f};
    EXPECT_EQ(encoded["data"][0]["embedding"], base64_encode(expected, sizeof expected));
    // Token-id inputs go through the vocabulary.
    json tokens = call_json("POST", "/v1/embeddings", R"({"model":"tiny","input":[[97,98,99]]})");
    EXPECT_EQ(tokens["data"][0]["embedding"][2], 3.0f);
    EXPECT_EQ(openai_error("/v1/embeddings", R"({"model":"tiny","input":""})", 400)["param"], "input");
    EXPECT_EQ(openai_error("/v1/embeddings", R"({"model":"tiny","input":"a","encoding_format":"hex"})", 400)["param"],
              "encoding_format");
}

TEST_F(ApiTest, Base64MatchesTheStandardAlphabet) {
    EXPECT_EQ(base64_encode("Man", 3), "TWFu");
    EXPECT_EQ(base64_encode("Ma", 2), "TWE=");
    EXPECT_EQ(base64_encode("M", 1), "TQ==");
}

TEST_F(ApiTest, Models) {
    json list = call_json("GET", "/v1/models", "");
    EXPECT_EQ(list["object"], "list");
    EXPECT_EQ(list["data"][0]["id"], "tiny");
    EXPECT_EQ(list["data"][0]["object"], "model");
    EXPECT_EQ(call_json("GET", "/v1/models/tiny", "")["id"], "tiny");
    EXPECT_EQ(call_json("GET", "/v1/models/missing", "", 404)["error"]["code"], "model_not_found");
}

TEST_F(ApiTest, OllamaChatStreamsNdjsonByDefault) {
    HttpResponse response = call("POST", "/api/chat",
                                 R"({"model":"tiny","messages":[{"role":"user","content":"hi"}],
                                     "options":{"num_predict":2,"temperature":0,"stop":["zz"],"num_ctx":4096}})");
    EXPECT_EQ(response.content_type, "application/x-ndjson");
    auto lines = test::ndjson_lines(response.body);
    ASSERT_EQ(lines.size(), 3u) << response.body;
    EXPECT_EQ(json::parse(lines[0])["message"]["content"], "tok0");
    EXPECT_EQ(json::parse(lines[0])["done"], false);
    json last = json::parse(lines[2]);
    EXPECT_EQ(last["done"], true);
    EXPECT_EQ(last["done_reason"], "length");
    EXPECT_EQ(last["eval_count"], 2);
    EXPECT_EQ(last["prompt_eval_count"], 5);
    EXPECT_EQ(service_.last_request.stop, std::vector<std::string>{"zz"});
}

TEST_F(ApiTest, OllamaGenerateNonStreamedAndLoadOnly) {
    json out = call_json("POST", "/api/generate",
                         R"({"model":"tiny","prompt":"Once","system":"s","stream":false,"options":{"num_predict":2}})");
    EXPECT_EQ(out["response"], "tok0tok1");
    EXPECT_EQ(out["done"], true);
    EXPECT_EQ(service_.last_request.messages.size(), 2u);   // system + user, for the template
    call_json("POST", "/api/generate", R"({"model":"tiny","prompt":"Once","raw":true,"stream":false})");
    EXPECT_EQ(service_.last_request.prompt.value_or(""), "Once");
    EXPECT_EQ(call_json("POST", "/api/generate", R"({"model":"tiny"})")["done_reason"], "load");
}

TEST_F(ApiTest, OllamaErrorsAndModelEndpoints) {
    json missing = call_json("POST", "/api/chat", R"({"model":"nope","messages":[]})", 404);
    EXPECT_EQ(missing, json({{"error", "model 'nope' not found"}}));
    EXPECT_TRUE(call_json("POST", "/api/chat", "{", 400)["error"].is_string());
    json tags = call_json("GET", "/api/tags", "");
    EXPECT_EQ(tags["models"][0]["name"], "tiny");
    EXPECT_EQ(tags["models"][0]["details"]["parameter_size"], "1.2M");
    EXPECT_EQ(tags["models"][0]["details"]["family"], "llama");
    json show = call_json("POST", "/api/show", R"({"model":"tiny"})");
    EXPECT_EQ(show["template"], "{{ messages }}");
    EXPECT_EQ(show["model_info"]["llama.context_length"], 256);
    EXPECT_EQ(call_json("POST", "/api/show", R"({"name":"nope"})", 404)["error"], "model 'nope' not found");
    EXPECT_EQ(call_json("GET", "/api/ps", "")["models"][0]["name"], "tiny");
    EXPECT_EQ(call_json("GET", "/api/version", "")["version"], "0.1.0");
    json embed = call_json("POST", "/api/embed", R"({"model":"tiny","input":["abc"]})");
    EXPECT_EQ(embed["embeddings"][0][2], 3.0f);
}

TEST_F(ApiTest, NativeEndpoints) {
    EXPECT_EQ(call_json("POST", "/tokenize", R"({"content":"ab","add_special":true})")["tokens"],
              json::array({1, 97, 98}));
    EXPECT_EQ(call_json("POST", "/tokenize", R"({"content":"a","with_pieces":true})")["tokens"][0],
              json({{"id", 97}, {"piece", "a"}}));
    EXPECT_EQ(call_json("POST", "/detokenize", R"({"tokens":[104,105]})")["content"], "hi");
    EXPECT_EQ(call_json("POST", "/detokenize", R"({"tokens":[1000]})", 400)["error"]["type"], "invalid_request_error");
    EXPECT_EQ(call_json("POST", "/apply-template", R"({"messages":[{"role":"user","content":"hi"}]})")["prompt"],
              "<|user|>hi\n<|assistant|>");
    json failed = call_json("POST", "/apply-template", R"({"messages":[{"role":"tool","content":"x"}]})", 400);
    EXPECT_NE(failed["error"]["message"].get<std::string>().find("chat template failed"), std::string::npos);
    json status = call_json("GET", "/api/system/status", "");
    EXPECT_EQ(status["status"], "ok");
    EXPECT_EQ(status["models"][0]["state"], "loaded");
    EXPECT_EQ(call("GET", "/health").status, 200);
    EXPECT_EQ(call("GET", "/ready").status, 200);
    api_.set_draining(true);
    EXPECT_EQ(call("GET", "/ready").status, 503);
    EXPECT_EQ(call_json("GET", "/api/system/status", "")["status"], "draining");
}

TEST_F(ApiTest, UnknownRoutesAndMethods) {
    EXPECT_EQ(call_json("GET", "/v2/nothing", "", 404)["error"]["code"], "unknown_url");
    HttpResponse wrong = call("GET", "/v1/chat/completions");
    EXPECT_EQ(wrong.status, 405);
    ASSERT_FALSE(wrong.headers.empty());
    EXPECT_EQ(wrong.headers[0], (std::pair<std::string, std::string>{"Allow", "POST"}));
    EXPECT_EQ(call_json("GET", "/api/nothing", "", 404)["error"].is_string(), true);  // Ollama's shape
}

TEST_F(ApiTest, MetricsCountRequestsTokensAndLatencies) {
    call("POST", "/v1/chat/completions", R"({"model":"tiny","messages":[{"role":"user","content":"x"}],"max_tokens":3})");
    call("POST", "/v1/chat/completions", "{");
    HttpResponse metrics = call("GET", "/metrics");
    EXPECT_EQ(metrics.content_type, "text/plain; version=0.0.4; charset=utf-8");
    const std::string& text = metrics.body;
    EXPECT_NE(text.find("hearth_http_requests_total{route=\"/v1/chat/completions\",code=\"200\"} 1"), std::string::npos)
        << text;
    EXPECT_NE(text.find("hearth_http_requests_total{route=\"/v1/chat/completions\",code=\"400\"} 1"), std::string::npos);
    EXPECT_NE(text.find("hearth_generated_tokens_total{model=\"tiny\"} 3"), std::string::npos);
    EXPECT_NE(text.find("hearth_prompt_tokens_total{model=\"tiny\"} 5"), std::string::npos);
    EXPECT_NE(text.find("hearth_time_to_first_token_seconds_count{model=\"tiny\"} 1"), std::string::npos);
    EXPECT_NE(text.find("hearth_inter_token_latency_seconds_count{model=\"tiny\"} 2"), std::string::npos);
    EXPECT_NE(text.find("# TYPE hearth_http_request_duration_seconds histogram"), std::string::npos);
    EXPECT_NE(text.find("hearth_http_requests_in_flight 1"), std::string::npos);  // the /metrics call itself
}

TEST_F(ApiTest, ClientGoingAwayCancelsTheGeneration) {
    service_.token_interval = 5ms;
    Reply reply = api_.handle(request("POST", "/v1/chat/completions",
                                      R"({"model":"tiny","messages":[{"role":"user","content":"x"}],
                                          "max_tokens":100,"stream":true})"));
    auto stream = std::get<HttpResponse>(reply).stream;
    ASSERT_TRUE(stream);
    std::this_thread::sleep_for(20ms);
    stream->cancel();   // what the transport does when the socket closes
    EXPECT_EQ(service_.cancels.load(), 1);
    for (int idx = 0; idx < 200; ++idx) {
        if (registry_.render().find("hearth_generations_cancelled_total{reason=\"client_disconnected\"} 1") !=
            std::string::npos)
            return;
        std::this_thread::sleep_for(10ms);
    }
    FAIL() << registry_.render();
}

TEST_F(ApiTest, LiveMetricsFeedReportsStatusAndGenerationRate) {
    HttpHandlers handlers = api_.handlers();
    ASSERT_EQ(handlers.websocket_feeds.count("/ws/metrics"), 1u);
    auto feed = handlers.websocket_feeds["/ws/metrics"];
    json before = json::parse(feed());
    EXPECT_EQ(before["tokens"]["generated_total"], 0);
    call("POST", "/v1/chat/completions", R"({"model":"tiny","messages":[{"role":"user","content":"x"}],"max_tokens":3})");
    json after = json::parse(feed());
    EXPECT_EQ(after["tokens"]["generated_total"], 3);
    EXPECT_GT(after["tokens"]["generated_per_second"].get<double>(), 0.0);
    EXPECT_EQ(after["models"][0]["id"], "tiny");
    EXPECT_TRUE(after["queue"]["queued"].contains("urgent"));
}

class DenyAll : public Authorizer {
public:
    Authorization authorize(const HttpRequest&, const std::string& route) override {
        return {Error::make(Errc::kUnauthenticated, "no API key for {}", route), {}, {}, {}};
    }
};

TEST(ApiAuthorize, TheHookRunsBeforeDispatch) {
    test::FakeService service;
    metrics::Registry registry;
    Api api(service, registry, {}, std::make_shared<DenyAll>());
    HttpRequest request;
    request.method = "GET";
    request.path = "/v1/models";
    HttpResponse response = std::get<HttpResponse>(api.handle(std::move(request)));
    EXPECT_EQ(response.status, 401);
    EXPECT_EQ(json::parse(response.body)["error"]["message"], "no API key for /v1/models");
}

}  // namespace
}  // namespace hearth::server::api
