// OpenAI request bodies -> typed serving requests, validated field by field with the errors
// OpenAI gives (400, naming the param). Pure functions: no service, no sockets.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/api/errors.h"
#include "serving/request.h"

namespace hearth::server::api {

struct ChatCompletionRequest {
    serving::GenerateRequest generate;   // messages, sampling, stop, n, logprobs, json_mode
    bool stream = false;
    bool include_usage = false;          // stream_options.include_usage
    bool logprobs = false;
    bool has_seed = false;               // without one the handler draws a random seed
};

struct CompletionRequest {
    serving::GenerateRequest generate;   // prompt, sampling, stop, n, logprobs
    bool stream = false;
    bool include_usage = false;
    bool echo = false;                   // prepend the prompt to the completion
    bool has_seed = false;
};

struct EmbeddingRequest {
    serving::EmbedRequest embed;         // text inputs (when the input was text)
    std::vector<std::vector<int32_t>> token_inputs;   // when the input was token ids
    bool base64 = false;                 // encoding_format "base64": little-endian float32 bytes
};

std::optional<ApiError> parse_chat_completion(std::string_view body, ChatCompletionRequest& out);
std::optional<ApiError> parse_completion(std::string_view body, CompletionRequest& out);
std::optional<ApiError> parse_embedding(std::string_view body, EmbeddingRequest& out);

// A conversation: [{role, content}] where content is a string or a list of {type:"text", text}
// parts. Roles system, developer (read as system), user, assistant, tool. Shared with the Ollama
// and native endpoints; `param` names the field in errors.
std::optional<ApiError> parse_messages(const nlohmann::json& messages, const std::string& param,
                                       std::vector<serving::ChatMessage>& out);

// The largest max_tokens accepted before the model's context is known.
inline constexpr int64_t kMaxTokensLimit = 1 << 20;

}  // namespace hearth::server::api
