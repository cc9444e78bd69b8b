// Request parsing as pure functions: JSON text -> typed serving requests, or the 400 naming the
// field.
#include <gtest/gtest.h>

#include "server/api/native.h"
#include "server/api/ollama.h"
#include "server/api/openai_request.h"
#include "server/api/router.h"
#include "server/api/scheduling.h"

namespace hearth::server::api {
namespace {

TEST(ApiParse, ChatDefaultsAndNulls) {
    ChatCompletionRequest out;
    ASSERT_FALSE(parse_chat_completion(
        R"({"model":"m","messages":[{"role":"user","content":"x"}],"stop":null,"temperature":null,"user":"u"})", out));
    EXPECT_EQ(out.generate.max_tokens, -1);
    EXPECT_FALSE(out.stream);
    EXPECT_TRUE(out.generate.stop.empty());
    EXPECT_EQ(out.generate.top_logprobs, -1);
    EXPECT_FALSE(out.has_seed);
}

TEST(ApiParse, StopAsStringOrList) {
    ChatCompletionRequest one, list;
    ASSERT_FALSE(parse_chat_completion(R"({"model":"m","messages":[{"role":"user","content":"x"}],"stop":"\n"})", one));
    EXPECT_EQ(one.generate.stop, std::vector<std::string>{"\n"});
    ASSERT_FALSE(parse_chat_completion(
        R"({"model":"m","messages":[{"role":"user","content":"x"}],"stop":["a","","b"]})", list));
    EXPECT_EQ(list.generate.stop, (std::vector<std::string>{"a", "b"}));
}

TEST(ApiParse, ToolsAndImagesAreRefusedClearly) {
    ChatCompletionRequest out;
    auto tools = parse_chat_completion(
        R"({"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function"}]})", out);
    ASSERT_TRUE(tools);
    EXPECT_EQ(tools->param, "tools");
    auto image = parse_chat_completion(
        R"({"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]})", out);
    ASSERT_TRUE(image);
    EXPECT_EQ(image->param, "messages[0].content[0]");
}

TEST(ApiParse, CompletionPromptForms) {
    CompletionRequest out;
    EXPECT_FALSE(parse_completion(R"({"model":"m","prompt":["one"]})", out));
    EXPECT_EQ(out.generate.prompt.value_or(""), "one");
    CompletionRequest several;
    auto error = parse_completion(R"({"model":"m","prompt":["one","two"]})", several);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->param, "prompt");
    CompletionRequest suffix;
    EXPECT_TRUE(parse_completion(R"({"model":"m","prompt":"a","suffix":"b"})", suffix));
}

TEST(ApiParse, EmbeddingInputForms) {
    EmbeddingRequest text, tokens, nested;
    EXPECT_FALSE(parse_embedding(R"({"model":"m","input":"a","dimensions":8})", text));
    EXPECT_EQ(text.embed.dimensions, 8);
    EXPECT_FALSE(parse_embedding(R"({"model":"m","input":[1,2,3]})", tokens));
    EXPECT_EQ(tokens.token_inputs, (std::vector<std::vector<int32_t>>{{1, 2, 3}}));
    EXPECT_FALSE(parse_embedding(R"({"model":"m","input":[[1],[2,3]]})", nested));
    EXPECT_EQ(nested.token_inputs.size(), 2u);
    EmbeddingRequest mixed;
    EXPECT_TRUE(parse_embedding(R"({"model":"m","input":["a",1]})", mixed));
    EmbeddingRequest negative;
    EXPECT_TRUE(parse_embedding(R"({"model":"m","input":[-1]})", negative));
}

TEST(ApiParse, OllamaOptionsAndKeepAlive) {
    OllamaGenerateRequest out;
    ASSERT_FALSE(parse_ollama_chat(R"({"model":"m","messages":[{"role":"user","content":"x"}],"keep_alive":"5m",
                                      "format":"json","options":{"seed":3,"num_predict":-1,"top_k":5,"mirostat":0}})",
                                   out));
    EXPECT_TRUE(out.stream);
    EXPECT_EQ(out.generate.keep_alive_ms.value_or(0), 300000);
    EXPECT_TRUE(out.generate.json_mode);
    EXPECT_EQ(out.generate.sampling.seed, 3u);
    EXPECT_EQ(out.generate.max_tokens, -1);
    EXPECT_EQ(out.generate.sampling.top_k, 5);
    OllamaGenerateRequest forever;
    ASSERT_FALSE(parse_ollama_generate(R"({"model":"m","prompt":"x","keep_alive":-1})", forever));
    EXPECT_EQ(forever.generate.keep_alive_ms.value_or(0), -1);
    OllamaGenerateRequest bad;
    auto error = parse_ollama_generate(R"({"model":"m","prompt":"x","keep_alive":"soon"})", bad);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->param, "keep_alive");
}

TEST(ApiParse, NativeRequests) {
    TokenizeRequest tokenize;
    EXPECT_FALSE(parse_tokenize(R"({"content":"x","with_pieces":true})", tokenize));
    EXPECT_TRUE(tokenize.with_pieces);
    EXPECT_FALSE(tokenize.add_special);
    DetokenizeRequest detokenize;
    EXPECT_TRUE(parse_detokenize(R"({"tokens":[1,"2"]})", detokenize));
    ApplyTemplateRequest apply;
    EXPECT_FALSE(parse_apply_template(R"({"messages":[{"role":"user","content":"x"}],"add_generation_prompt":false})",
                                      apply));
    EXPECT_FALSE(apply.add_generation_prompt);
}

TEST(ApiParse, PriorityAndTimeoutFromBodyOrHeaders) {
    HttpRequest http;
    http.headers = {{"x-priority", "low"}, {"x-request-timeout", "2.5"}};
    ChatCompletionRequest out;
    const auto before = std::chrono::steady_clock::now();
    ASSERT_FALSE(read_scheduling_headers(http, out.generate));
    EXPECT_EQ(out.generate.priority, serving::Priority::kLow);
    ASSERT_TRUE(out.generate.deadline.has_value());
    EXPECT_GE(*out.generate.deadline, before + std::chrono::milliseconds(2500));
    // The body's field wins over the header.
    ASSERT_FALSE(parse_chat_completion(R"({"model":"m","messages":[{"role":"user","content":"x"}],"priority":"urgent"})",
                                       out));
    EXPECT_EQ(out.generate.priority, serving::Priority::kUrgent);
    OllamaGenerateRequest ollama;
    ASSERT_FALSE(parse_ollama_generate(R"({"model":"m","prompt":"x","priority":"high","timeout":1})", ollama));
    EXPECT_EQ(ollama.generate.priority, serving::Priority::kHigh);
    EXPECT_TRUE(ollama.generate.deadline.has_value());
    CompletionRequest bad;
    auto error = parse_completion(R"({"model":"m","prompt":"x","timeout":0})", bad);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->param, "timeout");
    http.headers = {{"x-priority", "URGENT"}};
    auto header_error = read_scheduling_headers(http, out.generate);
    ASSERT_TRUE(header_error);
    EXPECT_EQ(header_error->param, "X-Priority");
    http.headers = {{"x-request-timeout", "1e9"}};
    ASSERT_TRUE(read_scheduling_headers(http, out.generate));
}

TEST(ApiParse, RouterCapturesAnIdBetweenPrefixAndSuffix) {
    Router router;
    auto none = [](const HttpRequest&, const RouteParams&, std::shared_ptr<RequestRecord>) -> Reply { return HttpResponse{}; };
    router.add("POST", "/api/models/{id}/load", none);
    router.add("GET", "/v1/models/{id}", none);
    auto load = router.match("POST", "/api/models/qwen2.5:0.5b/load");
    ASSERT_NE(load.route, nullptr);
    EXPECT_EQ(load.params.id, "qwen2.5:0.5b");
    EXPECT_EQ(router.match("POST", "/api/models//load").route, nullptr);      // empty id
    EXPECT_EQ(router.match("POST", "/api/models/x/unload").route, nullptr);   // other suffix
    EXPECT_EQ(router.match("GET", "/api/models/x/load").allowed, "POST");
    EXPECT_EQ(router.match("GET", "/v1/models/a/b").params.id, "a/b");
}

}  // namespace
}  // namespace hearth::server::api
