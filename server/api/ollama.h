// Ollama's API: /api/chat, /api/generate (NDJSON streams, `stream` defaults to true), /api/embed,
// /api/tags, /api/show, /api/ps, /api/version. Request parsing and response shapes only; errors
// are `{"error": "..."}`.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/api/errors.h"
#include "server/api/generation.h"
#include "serving/service.h"

namespace hearth::server::api {

struct OllamaGenerateRequest {
    serving::GenerateRequest generate;   // messages (chat, or generate without raw) or prompt (raw)
    bool stream = true;
    bool chat = true;                    // /api/chat (message objects) or /api/generate (response text)
    bool load_only = false;              // /api/generate with an empty prompt: load the model, generate nothing
    bool has_seed = false;
};

struct OllamaEmbedRequest {
    serving::EmbedRequest embed;
};

std::optional<ApiError> parse_ollama_chat(std::string_view body, OllamaGenerateRequest& out);
std::optional<ApiError> parse_ollama_generate(std::string_view body, OllamaGenerateRequest& out);
std::optional<ApiError> parse_ollama_embed(std::string_view body, OllamaEmbedRequest& out);
// /api/show: {"model": ...} (or the older "name").
std::optional<ApiError> parse_ollama_show(std::string_view body, std::string& model);

std::unique_ptr<GenerationFormat> make_ollama_format(const std::string& model, bool chat);

// The answer to a chat without messages or a generate without a prompt: the model is loaded.
std::string render_ollama_load(const std::string& model, bool chat);
std::string render_ollama_embed(const std::string& model, const std::vector<std::vector<float>>& embeddings,
                                int32_t prompt_tokens, double seconds);
std::string render_ollama_tags(const std::vector<serving::ModelInfo>& models);
std::string render_ollama_ps(const std::vector<serving::ModelInfo>& models);
std::string render_ollama_show(const serving::ModelInfo& model);
std::string render_ollama_version(const std::string& version);

// "2024-05-01T12:00:00.123Z" for a Unix time in milliseconds.
std::string iso8601_utc(int64_t unix_ms);

}  // namespace hearth::server::api
