#include "server/api/native.h"

#include <nlohmann/json.hpp>

#include <limits>

#include "server/api/context.h"
#include "server/api/json_fields.h"
#include "server/api/openai_request.h"

namespace hearth::server::api {

using nlohmann::json;

std::optional<ApiError> parse_tokenize(std::string_view body, TokenizeRequest& out) {
    json root;
    if (auto error = parse_json_object(body, root)) return error;
    FieldReader fields(root);
    fields.require("content");
    out.model = fields.string("model").value_or("");
    out.content = fields.string("content").value_or("");
    out.add_special = fields.boolean("add_special").value_or(false);
    out.parse_special = fields.boolean("parse_special").value_or(true);
    out.with_pieces = fields.boolean("with_pieces").value_or(false);
    fields.reject_unknown({"model", "content", "add_special", "parse_special", "with_pieces"});
    if (fields.error()) return fields.error();
    return std::nullopt;
}

std::optional<ApiError> parse_detokenize(std::string_view body, DetokenizeRequest& out) {
    json root;
    if (auto error = parse_json_object(body, root)) return error;
    FieldReader fields(root);
    fields.require("tokens");
    out.model = fields.string("model").value_or("");
    const json* tokens = fields.array("tokens");
    fields.reject_unknown({"model", "tokens"});
    if (fields.error()) return fields.error();
    for (const json& token : *tokens) {
        if (!token.is_number_integer() || token.get<int64_t>() < 0 ||
            token.get<int64_t>() > std::numeric_limits<int32_t>::max())
            return ApiError::invalid("'tokens' must be a list of non-negative token ids", "tokens", "invalid_value");
        out.tokens.push_back(token.get<int32_t>());
    }
    return std::nullopt;
}

std::optional<ApiError> parse_apply_template(std::string_view body, ApplyTemplateRequest& out) {
    json root;
    if (auto error = parse_json_object(body, root)) return error;
    FieldReader fields(root);
    fields.require("messages");
    out.model = fields.string("model").value_or("");
    out.add_generation_prompt = fields.boolean("add_generation_prompt").value_or(true);
    fields.reject_unknown({"model", "messages", "add_generation_prompt"});
    if (fields.error()) return fields.error();
    return parse_messages(*fields.find("messages"), "messages", out.messages);
}

std::string render_tokens(const std::vector<int32_t>& tokens, const std::vector<std::string>* pieces) {
    json list = json::array();
    for (size_t idx = 0; idx < tokens.size(); ++idx) {
        if (pieces && idx < pieces->size()) list.push_back({{"id", tokens[idx]}, {"piece", (*pieces)[idx]}});
        else list.push_back(tokens[idx]);
    }
    return dump_json({{"tokens", std::move(list)}});
}

std::string render_content(const std::string& content) { return dump_json({{"content", content}}); }
std::string render_prompt(const std::string& prompt) { return dump_json({{"prompt", prompt}}); }

std::string render_system_status(const SystemStatus& status) {
    json models = json::array();
    for (const serving::ModelInfo& model : status.models) {
        models.push_back({{"id", model.id},
                          {"kind", model.kind},
                          {"path", model.path},
                          {"state", model_state_label(model.state)},
                          {"load_progress", model.load_progress},
                          {"failure", model.failure},
                          {"bytes", model.bytes},
                          {"pinned", model.pinned},
                          {"builtin", model.builtin},
                          {"architecture", model.architecture},
                          {"n_params", model.n_params},
                          {"quantization", model.quantization},
                          {"n_ctx", model.n_ctx},
                          {"last_used_unix_ms", model.last_used_unix_ms}});
    }
    const serving::QueueStats& queue = status.queue;
    return dump_json(
        {{"status", status.status},
         {"version", status.version},
         {"uptime_seconds", status.uptime_seconds},
         {"ready", status.ready},
         {"models", std::move(models)},
         {"queue",
          {{"queued", {{"urgent", queue.queued[0]}, {"high", queue.queued[1]}, {"normal", queue.queued[2]},
                       {"low", queue.queued[3]}}},
           {"active", queue.active},
           {"completed", queue.completed},
           {"failed", queue.failed},
           {"cancelled", queue.cancelled}}},
         {"http", {{"connections_open", status.connections_open}, {"requests_in_flight", status.requests_in_flight}}},
         {"tokens",
          {{"prompt_total", status.prompt_tokens_total},
           {"generated_total", status.generated_tokens_total},
           {"generated_per_second", status.generated_tokens_per_second}}}});
}

}  // namespace hearth::server::api
