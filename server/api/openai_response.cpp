#include "server/api/openai_response.h"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <ctime>
#include <random>
#include <set>

#include "server/api/errors.h"
#include "server/api/json_fields.h"

namespace hearth::server::api {

using nlohmann::json;

namespace {

constexpr const char* kFingerprint = "fp_hearth";

std::string random_id(const char* prefix) {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    return fmt::format("{}{:016x}{:08x}", prefix, rng(), static_cast<uint32_t>(rng()));
}

json byte_list(const std::string& text) {
    json bytes = json::array();
    for (unsigned char c : text) bytes.push_back(static_cast<int>(c));
    return bytes;
}

// Chat logprobs: {"content":[{token, logprob, bytes, top_logprobs:[...]}]}.
json chat_logprob_entries(const std::vector<serving::TokenEvent>& tokens) {
    json content = json::array();
    for (const serving::TokenEvent& event : tokens) {
        if (!event.chosen) continue;
        json top = json::array();
        for (const serving::TokenLogprob& alt : event.top)
            top.push_back({{"token", alt.text}, {"logprob", alt.logprob}, {"bytes", byte_list(alt.text)}});
        content.push_back({{"token", event.chosen->text},
                           {"logprob", event.chosen->logprob},
                           {"bytes", byte_list(event.chosen->text)},
                           {"top_logprobs", std::move(top)}});
    }
    return {{"content", std::move(content)}, {"refusal", nullptr}};
}

// Completions logprobs: {"tokens","token_logprobs","top_logprobs":[{token: logprob}],"text_offset"}.
json completion_logprobs(const std::vector<serving::TokenEvent>& tokens, size_t offset) {
    json out = {{"tokens", json::array()}, {"token_logprobs", json::array()}, {"top_logprobs", json::array()},
                {"text_offset", json::array()}};
    for (const serving::TokenEvent& event : tokens) {
        if (!event.chosen) continue;
        out["tokens"].push_back(event.chosen->text);
        out["token_logprobs"].push_back(event.chosen->logprob);
        json top = json::object();
        for (const serving::TokenLogprob& alt : event.top) top[alt.text] = alt.logprob;
        out["top_logprobs"].push_back(std::move(top));
        out["text_offset"].push_back(offset);
        offset += event.text.size();
    }
    return out;
}

json usage_json(const serving::Usage& usage) {
    return {{"prompt_tokens", usage.prompt_tokens},
            {"completion_tokens", usage.completion_tokens},
            {"total_tokens", usage.prompt_tokens + usage.completion_tokens},
            {"prompt_tokens_details", {{"cached_tokens", usage.cached_prompt_tokens}}}};
}

std::string sse(const json& data) { return "data: " + dump_json(data) + "\n\n"; }

// Shared by both OpenAI formats: ids, errors, the usage chunk and [DONE].
class OpenAiFormat : public GenerationFormat {
public:
    OpenAiFormat(OpenAiFormatOptions options, const char* id_prefix, const char* object, const char* chunk_object)
        : options_(std::move(options)), id_(random_id(id_prefix)), created_(std::time(nullptr)), object_(object),
          chunk_object_(chunk_object) {}

    const char* stream_content_type() const override { return "text/event-stream"; }

    std::string stream_end(const serving::Usage& total, const serving::Timings&) override {
        std::string out;
        if (options_.include_usage) {
            json chunk = envelope(chunk_object_);
            chunk["choices"] = json::array();
            chunk["usage"] = usage_json(total);
            out += sse(chunk);
        }
        return out + "data: [DONE]\n\n";
    }

    std::string stream_error(const Error& error) override {
        return "data: " + openai_error_body(from_error(error)) + "\n\n";
    }

    HttpResponse failure(const Error& error) override { return error_response(from_error(error)); }

protected:
    json envelope(const char* object) const {
        json out = {{"id", id_}, {"object", object}, {"created", created_}, {"model", options_.model},
                    {"system_fingerprint", kFingerprint}};
        return out;
    }
    std::string chunk(json choice) const {
        json out = envelope(chunk_object_);
        out["choices"] = json::array({std::move(choice)});
        if (options_.include_usage) out["usage"] = nullptr;
        return sse(out);
    }
    HttpResponse whole(json choices, const serving::Usage& total) const {
        json out = envelope(object_);
        out["choices"] = std::move(choices);
        out["usage"] = usage_json(total);
        HttpResponse response;
        response.body = dump_json(out);
        return response;
    }

    OpenAiFormatOptions options_;
    std::string id_;
    int64_t created_;
    const char* object_;
    const char* chunk_object_;
};

class ChatCompletionFormat : public OpenAiFormat {
public:
    explicit ChatCompletionFormat(OpenAiFormatOptions options)
        : OpenAiFormat(std::move(options), "chatcmpl-", "chat.completion", "chat.completion.chunk") {}

    std::string stream_start() override { return {}; }

    std::string stream_token(const serving::TokenEvent& event) override {
        const bool with_logprobs = options_.logprobs && event.chosen;
        if (event.text.empty() && !with_logprobs) return {};
        json delta = {{"content", event.text}};
        if (started_.insert(event.choice).second) delta["role"] = "assistant";
        return chunk({{"index", event.choice},
                      {"delta", std::move(delta)},
                      {"logprobs", with_logprobs ? chat_logprob_entries({event}) : json(nullptr)},
                      {"finish_reason", nullptr}});
    }

    std::string stream_finish(const serving::FinishEvent& event) override {
        json delta = json::object();
        if (started_.insert(event.choice).second) delta = {{"role", "assistant"}, {"content", ""}};
        return chunk({{"index", event.choice},
                      {"delta", std::move(delta)},
                      {"logprobs", nullptr},
                      {"finish_reason", openai_finish_reason(event.reason)}});
    }

    HttpResponse complete(const std::vector<ChoiceOutput>& choices, const serving::Usage& total,
                          const serving::Timings&) override {
        json out = json::array();
        for (size_t idx = 0; idx < choices.size(); ++idx)
            out.push_back({{"index", idx},
                           {"message", {{"role", "assistant"}, {"content", choices[idx].text}, {"refusal", nullptr}}},
                           {"logprobs", options_.logprobs ? chat_logprob_entries(choices[idx].tokens) : json(nullptr)},
                           {"finish_reason", openai_finish_reason(choices[idx].reason)}});
        return whole(std::move(out), total);
    }

private:
    std::set<int32_t> started_;   // choices whose first chunk (with the role) went out
};

class CompletionFormat : public OpenAiFormat {
public:
    explicit CompletionFormat(OpenAiFormatOptions options)
        : OpenAiFormat(std::move(options), "cmpl-", "text_completion", "text_completion") {}

    std::string stream_token(const serving::TokenEvent& event) override {
        const bool with_logprobs = options_.logprobs && event.chosen;
        std::string text = event.text;
        if (!options_.echo_prompt.empty() && echoed_.insert(event.choice).second) text = options_.echo_prompt + text;
        if (text.empty() && !with_logprobs) return {};
        return chunk({{"index", event.choice},
                      {"text", text},
                      {"logprobs", with_logprobs ? completion_logprobs({event}, 0) : json(nullptr)},
                      {"finish_reason", nullptr}});
    }

    std::string stream_finish(const serving::FinishEvent& event) override {
        std::string text;
        if (!options_.echo_prompt.empty() && echoed_.insert(event.choice).second) text = options_.echo_prompt;
        return chunk({{"index", event.choice},
                      {"text", text},
                      {"logprobs", nullptr},
                      {"finish_reason", openai_finish_reason(event.reason)}});
    }

    HttpResponse complete(const std::vector<ChoiceOutput>& choices, const serving::Usage& total,
                          const serving::Timings&) override {
        json out = json::array();
        for (size_t idx = 0; idx < choices.size(); ++idx)
            out.push_back({{"index", idx},
                           {"text", options_.echo_prompt + choices[idx].text},
                           {"logprobs", options_.logprobs
                                            ? completion_logprobs(choices[idx].tokens, options_.echo_prompt.size())
                                            : json(nullptr)},
                           {"finish_reason", openai_finish_reason(choices[idx].reason)}});
        return whole(std::move(out), total);
    }

private:
    std::set<int32_t> echoed_;
};

}  // namespace

const char* openai_finish_reason(serving::FinishReason reason) {
    return reason == serving::FinishReason::kLength ? "length" : "stop";
}

std::unique_ptr<GenerationFormat> make_chat_completion_format(const OpenAiFormatOptions& options) {
    return std::make_unique<ChatCompletionFormat>(options);
}

std::unique_ptr<GenerationFormat> make_completion_format(const OpenAiFormatOptions& options) {
    return std::make_unique<CompletionFormat>(options);
}

std::string base64_encode(const void* data, size_t n_bytes) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const auto* bytes = static_cast<const unsigned char*>(data);
    std::string out;
    out.reserve((n_bytes + 2) / 3 * 4);
    for (size_t idx = 0; idx < n_bytes; idx += 3) {
        const uint32_t b0 = bytes[idx];
        const uint32_t b1 = idx + 1 < n_bytes ? bytes[idx + 1] : 0;
        const uint32_t b2 = idx + 2 < n_bytes ? bytes[idx + 2] : 0;
        const uint32_t triple = (b0 << 16) | (b1 << 8) | b2;
        out += kAlphabet[(triple >> 18) & 63];
        out += kAlphabet[(triple >> 12) & 63];
        out += idx + 1 < n_bytes ? kAlphabet[(triple >> 6) & 63] : '=';
        out += idx + 2 < n_bytes ? kAlphabet[triple & 63] : '=';
    }
    return out;
}

std::string render_embeddings(const std::string& model, const std::vector<std::vector<float>>& embeddings,
                              int32_t prompt_tokens, bool base64) {
    json data = json::array();
    for (size_t idx = 0; idx < embeddings.size(); ++idx) {
        const auto& vector = embeddings[idx];
        json embedding = base64 ? json(base64_encode(vector.data(), vector.size() * sizeof(float))) : json(vector);
        data.push_back({{"object", "embedding"}, {"index", idx}, {"embedding", std::move(embedding)}});
    }
    return dump_json({{"object", "list"},
                      {"data", std::move(data)},
                      {"model", model},
                      {"usage", {{"prompt_tokens", prompt_tokens}, {"total_tokens", prompt_tokens}}}});
}

namespace {
json model_json(const serving::ModelInfo& model) {
    return {{"id", model.id}, {"object", "model"}, {"created", model.created_unix_s}, {"owned_by", "hearth"},
            {"kind", model.kind}};
}
}  // namespace

std::string render_model(const serving::ModelInfo& model) { return dump_json(model_json(model)); }

std::string render_model_list(const std::vector<serving::ModelInfo>& models) {
    json data = json::array();
    for (const serving::ModelInfo& model : models) data.push_back(model_json(model));
    return dump_json({{"object", "list"}, {"data", std::move(data)}});
}

}  // namespace hearth::server::api
