#include "server/api/openai_request.h"

#include <fmt/core.h>

#include <cstdlib>
#include <limits>

#include "server/api/json_fields.h"
#include "server/api/scheduling.h"

namespace hearth::server::api {

using nlohmann::json;

namespace {

constexpr int64_t kMaxChoices = 128;
constexpr size_t kMaxStopStrings = 16;
constexpr size_t kMaxEmbeddingInputs = 2048;

// Sampling fields shared by chat and completions. OpenAI's ranges; top_k, min_p,
// repeat_penalty, repeat_last_n and ignore_eos are llama.cpp's extensions.
void read_sampling(FieldReader& fields, serving::GenerateRequest& request, bool& has_seed) {
    engine::SamplingParams& sampling = request.sampling;
    if (auto value = fields.number("temperature", 0, 2)) sampling.temperature = static_cast<float>(*value);
    if (auto value = fields.number("top_p", 0, 1)) sampling.top_p = static_cast<float>(*value);
    if (auto value = fields.integer("top_k", 0, 1 << 20)) sampling.top_k = static_cast<int32_t>(*value);
    if (auto value = fields.number("min_p", 0, 1)) sampling.min_p = static_cast<float>(*value);
    if (auto value = fields.number("presence_penalty", -2, 2)) sampling.presence_penalty = static_cast<float>(*value);
    if (auto value = fields.number("frequency_penalty", -2, 2)) sampling.frequency_penalty = static_cast<float>(*value);
    if (auto value = fields.number("repeat_penalty", 0, 10)) sampling.repeat_penalty = static_cast<float>(*value);
    if (auto value = fields.integer("repeat_last_n", 0, 1 << 20)) sampling.repeat_last_n = static_cast<int32_t>(*value);
    if (auto value = fields.integer("seed", std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max())) {
        sampling.seed = static_cast<uint64_t>(*value);
        has_seed = true;
    }
    if (auto value = fields.boolean("ignore_eos")) request.ignore_eos = *value;
    if (auto value = fields.integer("n", 1, kMaxChoices)) request.n_choices = static_cast<int32_t>(*value);
    read_scheduling_fields(fields, request);

    if (const json* bias = fields.object("logit_bias")) {
        for (const auto& [key, value] : bias->items()) {
            const std::string param = fields.param("logit_bias");
            char* end = nullptr;
            const long token = std::strtol(key.c_str(), &end, 10);
            if (key.empty() || *end != '\0' || token < 0 || token > std::numeric_limits<int32_t>::max()) {
                fields.fail(ApiError::invalid(
                    fmt::format("Invalid key in '{}': '{}' is not a token id", param, key), param, "invalid_value"));
                return;
            }
            if (!value.is_number() || value.get<double>() < -100 || value.get<double>() > 100) {
                fields.fail(ApiError::invalid(
                    fmt::format("Invalid value in '{}' for token {}: expected a number between -100 and 100", param, key),
                    param, "invalid_value"));
                return;
            }
            // -100 bans the token, as OpenAI documents.
            const float amount = value.get<double>() <= -100 ? -std::numeric_limits<float>::infinity()
                                                            : static_cast<float>(value.get<double>());
            request.sampling.logit_bias.emplace_back(static_cast<int32_t>(token), amount);
        }
    }

    if (const json* stop = fields.find("stop")) {
        const std::string param = fields.param("stop");
        if (stop->is_string()) {
            if (!stop->get<std::string>().empty()) request.stop.push_back(stop->get<std::string>());
        } else if (stop->is_array()) {
            if (stop->size() > kMaxStopStrings) {
                fields.fail(ApiError::invalid(fmt::format("'{}' holds {} strings; at most {} are allowed", param,
                                                          stop->size(), kMaxStopStrings), param, "invalid_value"));
                return;
            }
            for (const json& item : *stop) {
                if (!item.is_string()) {
                    fields.fail(ApiError::invalid(fmt::format("Invalid type for '{}': expected a string or an array of "
                                                              "strings, but the array holds {}", param,
                                                              json_type_name(item)), param, "invalid_type"));
                    return;
                }
                if (!item.get<std::string>().empty()) request.stop.push_back(item.get<std::string>());
            }
        } else {
            fields.fail(ApiError::invalid(fmt::format("Invalid type for '{}': expected a string or an array of strings, "
                                                      "but got {} instead.", param, json_type_name(*stop)),
                                          param, "invalid_type"));
        }
    }
}

// max_tokens and (chat) max_completion_tokens; 0 or less is refused as OpenAI does.
void read_max_tokens(FieldReader& fields, serving::GenerateRequest& request, bool chat) {
    if (auto value = fields.integer("max_tokens", 1, kMaxTokensLimit)) request.max_tokens = static_cast<int32_t>(*value);
    if (chat)
        if (auto value = fields.integer("max_completion_tokens", 1, kMaxTokensLimit))
            request.max_tokens = static_cast<int32_t>(*value);
}

void read_stream_options(FieldReader& fields, bool stream, bool& include_usage) {
    const json* options = fields.object("stream_options");
    if (!options) return;
    if (!stream) {
        fields.fail(ApiError::invalid("The 'stream_options' parameter is only allowed when 'stream' is enabled.",
                                      "stream_options", "invalid_value"));
        return;
    }
    FieldReader nested(*options, "stream_options.");
    if (auto value = nested.boolean("include_usage")) include_usage = *value;
    nested.reject_unknown({"include_usage", "include_obfuscation"});
    if (nested.error()) fields.fail(*nested.error());
}

}  // namespace

std::optional<ApiError> parse_messages(const json& messages, const std::string& param,
                                       std::vector<serving::ChatMessage>& out) {
    if (!messages.is_array())
        return ApiError::invalid(fmt::format("Invalid type for '{}': expected an array, but got {} instead.", param,
                                             json_type_name(messages)), param, "invalid_type");
    if (messages.empty())
        return ApiError::invalid(fmt::format("'{}' must contain at least one message", param), param, "invalid_value");
    for (size_t idx = 0; idx < messages.size(); ++idx) {
        const std::string item = fmt::format("{}[{}]", param, idx);
        if (!messages[idx].is_object())
            return ApiError::invalid(fmt::format("Invalid type for '{}': expected an object, but got {} instead.", item,
                                                 json_type_name(messages[idx])), item, "invalid_type");
        FieldReader fields(messages[idx], item + ".");
        fields.require("role");
        auto role = fields.string("role");
        if (fields.error()) return fields.error();
        serving::ChatMessage message;
        message.role = *role;
        if (message.role == "developer") message.role = "system";
        if (message.role != "system" && message.role != "user" && message.role != "assistant" && message.role != "tool")
            return ApiError::invalid(fmt::format("Invalid value for '{}.role': '{}'; expected one of system, developer, "
                                                 "user, assistant, tool", item, *role), item + ".role", "invalid_value");
        if (const json* content = fields.find("content")) {
            if (content->is_string()) {
                message.content = content->get<std::string>();
            } else if (content->is_array()) {
                for (size_t part_idx = 0; part_idx < content->size(); ++part_idx) {
                    const json& part = (*content)[part_idx];
                    const std::string part_param = fmt::format("{}.content[{}]", item, part_idx);
                    FieldReader part_fields(part, part_param + ".");
                    auto type = part_fields.string("type");
                    auto text = part_fields.string("text");
                    if (!part.is_object() || !type || *type != "text" || !text)
                        return ApiError::invalid(fmt::format("Invalid content part '{}': only {{\"type\": \"text\", "
                                                             "\"text\": ...}} parts are supported", part_param),
                                                 part_param, "invalid_value");
                    message.content += *text;
                }
            } else {
                return ApiError::invalid(fmt::format("Invalid type for '{}.content': expected a string or an array of "
                                                     "content parts, but got {} instead.", item, json_type_name(*content)),
                                         item + ".content", "invalid_type");
            }
        } else if (message.role != "assistant") {
            return ApiError::invalid(fmt::format("you must provide a '{}.content' parameter", item), item + ".content",
                                     "missing_required_parameter");
        }
        fields.reject_unknown({"role", "content", "name", "tool_calls", "tool_call_id", "refusal", "function_call",
                               "audio"});
        if (fields.find("tool_calls") || fields.find("function_call"))
            fields.fail(ApiError::invalid("tool calls are not supported", item + ".tool_calls", "unsupported_value"));
        if (fields.error()) return fields.error();
        out.push_back(std::move(message));
    }
    return std::nullopt;
}

std::optional<ApiError> parse_chat_completion(std::string_view body, ChatCompletionRequest& out) {
    json root;
    if (auto error = parse_json_object(body, root)) return error;
    FieldReader fields(root);
    fields.reject_unknown({"model", "messages", "frequency_penalty", "logit_bias", "logprobs", "top_logprobs",
                           "max_tokens", "max_completion_tokens", "n", "presence_penalty", "response_format", "seed",
                           "service_tier", "stop", "stream", "stream_options", "temperature", "top_p", "tools",
                           "tool_choice", "parallel_tool_calls", "user", "store", "metadata", "reasoning_effort",
                           "modalities", "prediction", "audio", "web_search_options", "function_call", "functions",
                           "top_k", "min_p", "repeat_penalty", "repeat_last_n", "ignore_eos", "cache_prompt",
                           "priority", "timeout"});
    fields.require("model");
    fields.require("messages");
    if (fields.error()) return fields.error();
    serving::GenerateRequest& request = out.generate;
    request.model = fields.string("model").value_or("");
    if (auto error = parse_messages(*fields.find("messages"), "messages", request.messages)) return error;

    read_max_tokens(fields, request, /*chat=*/true);
    read_sampling(fields, request, out.has_seed);
    out.stream = fields.boolean("stream").value_or(false);
    read_stream_options(fields, out.stream, out.include_usage);
    out.logprobs = fields.boolean("logprobs").value_or(false);
    if (auto top = fields.integer("top_logprobs", 0, 20)) {
        if (!out.logprobs)
            fields.fail(ApiError::invalid("Invalid value for 'top_logprobs': 'logprobs' must be true to use it",
                                          "top_logprobs", "invalid_value"));
        request.top_logprobs = static_cast<int32_t>(*top);
    } else if (out.logprobs) {
        request.top_logprobs = 0;
    }
    if (const json* format = fields.object("response_format")) {
        FieldReader format_fields(*format, "response_format.");
        const std::string type = format_fields.string("type").value_or("");
        if (type == "json_object") request.json_mode = true;
        else if (type != "text")
            fields.fail(ApiError::invalid(fmt::format("Invalid value for 'response_format.type': '{}'; supported: "
                                                      "'text', 'json_object'", type), "response_format.type",
                                          "invalid_value"));
        if (format_fields.error()) fields.fail(*format_fields.error());
    }
    for (const char* key : {"tools", "functions"})
        if (const json* tools = fields.find(key); tools && !(tools->is_array() && tools->empty()))
            fields.fail(ApiError::invalid(fmt::format("'{}' is not supported by this server", key), key,
                                          "unsupported_parameter"));
    if (fields.find("audio")) fields.fail(ApiError::invalid("audio output is not supported", "audio", "unsupported_parameter"));
    fields.string("user");
    if (fields.error()) return fields.error();
    return std::nullopt;
}

std::optional<ApiError> parse_completion(std::string_view body, CompletionRequest& out) {
    json root;
    if (auto error = parse_json_object(body, root)) return error;
    FieldReader fields(root);
    fields.reject_unknown({"model", "prompt", "best_of", "echo", "frequency_penalty", "logit_bias", "logprobs",
                           "max_tokens", "n", "presence_penalty", "seed", "stop", "stream", "stream_options",
                           "suffix", "temperature", "top_p", "user", "top_k", "min_p", "repeat_penalty",
                           "repeat_last_n", "ignore_eos", "cache_prompt",
                           "priority", "timeout"});
    fields.require("model");
    fields.require("prompt");
    if (fields.error()) return fields.error();
    serving::GenerateRequest& request = out.generate;
    request.model = fields.string("model").value_or("");
    request.max_tokens = 16;  // OpenAI's default for completions
    const json& prompt = *fields.find("prompt");
    if (prompt.is_string()) {
        request.prompt = prompt.get<std::string>();
    } else if (prompt.is_array() && prompt.size() == 1 && prompt[0].is_string()) {
        request.prompt = prompt[0].get<std::string>();
    } else {
        return ApiError::invalid("Invalid 'prompt': expected a string (or a list of one string); lists of several "
                                 "prompts and token-id prompts are not supported", "prompt", "invalid_value");
    }
    read_max_tokens(fields, request, /*chat=*/false);
    read_sampling(fields, request, out.has_seed);
    out.stream = fields.boolean("stream").value_or(false);
    read_stream_options(fields, out.stream, out.include_usage);
    out.echo = fields.boolean("echo").value_or(false);
    if (auto logprobs = fields.integer("logprobs", 0, 5)) request.top_logprobs = static_cast<int32_t>(*logprobs);
    if (auto best_of = fields.integer("best_of", 1, kMaxChoices); best_of && *best_of != request.n_choices)
        fields.fail(ApiError::invalid("'best_of' other than 'n' is not supported", "best_of", "unsupported_value"));
    if (auto suffix = fields.string("suffix"); suffix && !suffix->empty())
        fields.fail(ApiError::invalid("'suffix' is not supported", "suffix", "unsupported_parameter"));
    fields.string("user");
    if (fields.error()) return fields.error();
    return std::nullopt;
}

std::optional<ApiError> parse_embedding(std::string_view body, EmbeddingRequest& out) {
    json root;
    if (auto error = parse_json_object(body, root)) return error;
    FieldReader fields(root);
    fields.reject_unknown({"model", "input", "encoding_format", "dimensions", "user"});
    fields.require("model");
    fields.require("input");
    if (fields.error()) return fields.error();
    out.embed.model = fields.string("model").value_or("");
    const json& input = *fields.find("input");
    auto invalid_input = [](const std::string& why) {
        return ApiError::invalid("Invalid 'input': " + why, "input", "invalid_value");
    };
    auto token_list = [&](const json& list, std::vector<int32_t>& tokens) -> bool {
        for (const json& token : list) {
            if (!token.is_number_integer() || token.get<int64_t>() < 0 ||
                token.get<int64_t>() > std::numeric_limits<int32_t>::max())
                return false;
            tokens.push_back(token.get<int32_t>());
        }
        return !tokens.empty();
    };
    if (input.is_string()) {
        if (input.get<std::string>().empty()) return invalid_input("the input must not be empty");
        out.embed.inputs.push_back(input.get<std::string>());
    } else if (input.is_array() && !input.empty()) {
        if (input.size() > kMaxEmbeddingInputs)
            return invalid_input(fmt::format("at most {} inputs per request", kMaxEmbeddingInputs));
        if (input[0].is_string()) {
            for (const json& item : input) {
                if (!item.is_string() || item.get<std::string>().empty())
                    return invalid_input("every item of a list of strings must be a non-empty string");
                out.embed.inputs.push_back(item.get<std::string>());
            }
        } else if (input[0].is_number()) {
            std::vector<int32_t> tokens;
            if (!token_list(input, tokens)) return invalid_input("token ids must be non-negative integers");
            out.token_inputs.push_back(std::move(tokens));
        } else if (input[0].is_array()) {
            for (const json& item : input) {
                std::vector<int32_t> tokens;
                if (!item.is_array() || !token_list(item, tokens))
                    return invalid_input("every item of a list of token lists must be a non-empty list of token ids");
                out.token_inputs.push_back(std::move(tokens));
            }
        } else {
            return invalid_input("expected a string, a list of strings, a list of token ids or a list of such lists");
        }
    } else {
        return invalid_input("expected a non-empty string or list");
    }
    if (auto format = fields.string("encoding_format")) {
        if (*format == "base64") out.base64 = true;
        else if (*format != "float")
            fields.fail(ApiError::invalid(fmt::format("Invalid value for 'encoding_format': '{}'; expected 'float' or "
                                                      "'base64'", *format), "encoding_format", "invalid_value"));
    }
    if (auto dimensions = fields.integer("dimensions", 1, 1 << 20)) out.embed.dimensions = static_cast<int32_t>(*dimensions);
    fields.string("user");
    if (fields.error()) return fields.error();
    return std::nullopt;
}

}  // namespace hearth::server::api
