// Fuzzes request parsing, JSON text -> typed request, for every endpoint that reads a body
// (OpenAI chat, completions, embeddings; Ollama chat, generate, embed, show; tokenize,
// detokenize, apply-template). Each parser must accept or refuse with a 400 that names a field
// or says what is wrong, never crash; the refusal must render as a valid OpenAI error body, and an
// accepted request must satisfy the ranges the parser promises.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/api/errors.h"
#include "server/api/native.h"
#include "server/api/ollama.h"
#include "server/api/openai_request.h"

namespace {

using namespace hearth::server::api;

void check_error(const std::optional<ApiError>& error) {
    if (!error) return;
    if (error->status != 400 || error->message.empty()) std::abort();
    const auto body = nlohmann::json::parse(openai_error_body(*error), nullptr, false);
    if (body.is_discarded() || !body["error"]["message"].is_string()) std::abort();
}

void check_generate(const hearth::serving::GenerateRequest& request) {
    if (request.n_choices < 1 || request.n_choices > 128) std::abort();
    if (request.max_tokens == 0 || request.max_tokens < -1 || request.max_tokens > kMaxTokensLimit) std::abort();
    if (request.top_logprobs < -1 || request.top_logprobs > 20) std::abort();
    if (!request.prompt && request.messages.empty()) std::abort();
    for (const auto& message : request.messages)
        if (message.role.empty()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    {
        ChatCompletionRequest out;
        auto error = parse_chat_completion(body, out);
        check_error(error);
        if (!error) check_generate(out.generate);
    }
    {
        CompletionRequest out;
        auto error = parse_completion(body, out);
        check_error(error);
        if (!error) check_generate(out.generate);
    }
    {
        EmbeddingRequest out;
        auto error = parse_embedding(body, out);
        check_error(error);
        if (!error && out.embed.inputs.empty() && out.token_inputs.empty()) std::abort();
    }
    {
        OllamaGenerateRequest chat, generate;
        auto chat_error = parse_ollama_chat(body, chat);
        check_error(chat_error);
        if (!chat_error && !chat.load_only) check_generate(chat.generate);
        auto generate_error = parse_ollama_generate(body, generate);
        check_error(generate_error);
        if (!generate_error && !generate.load_only) check_generate(generate.generate);
    }
    {
        OllamaEmbedRequest embed;
        check_error(parse_ollama_embed(body, embed));
        std::string model;
        check_error(parse_ollama_show(body, model));
    }
    {
        TokenizeRequest tokenize;
        check_error(parse_tokenize(body, tokenize));
        DetokenizeRequest detokenize;
        check_error(parse_detokenize(body, detokenize));
        ApplyTemplateRequest apply;
        auto error = parse_apply_template(body, apply);
        check_error(error);
        if (!error && apply.messages.empty()) std::abort();
    }
    return 0;
}
