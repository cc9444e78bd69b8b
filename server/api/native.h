// Hearth's own endpoints, llama-server style: /tokenize, /detokenize, /apply-template, and the
// system status. Request parsing and response shapes.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/api/errors.h"
#include "serving/service.h"

namespace hearth::server::api {

struct TokenizeRequest {
    std::string model;              // "" -> the default model
    std::string content;
    bool add_special = false;
    bool parse_special = true;
    bool with_pieces = false;
};

struct DetokenizeRequest {
    std::string model;
    std::vector<int32_t> tokens;
};

struct ApplyTemplateRequest {
    std::string model;
    std::vector<serving::ChatMessage> messages;
    bool add_generation_prompt = true;
};

std::optional<ApiError> parse_tokenize(std::string_view body, TokenizeRequest& out);
std::optional<ApiError> parse_detokenize(std::string_view body, DetokenizeRequest& out);
std::optional<ApiError> parse_apply_template(std::string_view body, ApplyTemplateRequest& out);

// {"tokens":[1,2]} or, with pieces, {"tokens":[{"id":1,"piece":"<s>"}]}.
std::string render_tokens(const std::vector<int32_t>& tokens, const std::vector<std::string>* pieces);
std::string render_content(const std::string& content);   // {"content": ...}
std::string render_prompt(const std::string& prompt);     // {"prompt": ...}

struct SystemStatus {
    std::string status;             // "ok" or "draining"
    std::string version;
    double uptime_seconds = 0;
    bool ready = false;
    std::vector<serving::ModelInfo> models;
    serving::QueueStats queue;
    int64_t connections_open = 0;
    int64_t requests_in_flight = 0;
    double prompt_tokens_total = 0;
    double generated_tokens_total = 0;
    double generated_tokens_per_second = 0;   // live feed: over the last interval
};
std::string render_system_status(const SystemStatus& status);

}  // namespace hearth::server::api
