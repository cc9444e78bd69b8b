// Typed results -> OpenAI response bodies: chat and text completions (whole and as SSE chunks),
// embeddings, model lists.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "server/api/generation.h"
#include "serving/service.h"

namespace hearth::server::api {

struct OpenAiFormatOptions {
    std::string model;              // echoed in every response
    bool include_usage = false;     // streams: a last chunk with the usage
    bool logprobs = false;
    std::string echo_prompt;        // completions with echo: the prompt, prepended
};

std::unique_ptr<GenerationFormat> make_chat_completion_format(const OpenAiFormatOptions& options);
std::unique_ptr<GenerationFormat> make_completion_format(const OpenAiFormatOptions& options);

// {"object":"list","data":[...],"model","usage"}; base64: each vector as little-endian float32 bytes.
std::string render_embeddings(const std::string& model, const std::vector<std::vector<float>>& embeddings,
                              int32_t prompt_tokens, bool base64);
std::string render_model(const serving::ModelInfo& model);
std::string render_model_list(const std::vector<serving::ModelInfo>& models);

// Standard base64 with padding (for encoding_format "base64").
std::string base64_encode(const void* data, size_t n_bytes);
// "stop", "length"; other reasons (cancelled, error) never reach a finished choice.
const char* openai_finish_reason(serving::FinishReason reason);

}  // namespace hearth::server::api
