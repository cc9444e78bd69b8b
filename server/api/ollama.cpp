#include "server/api/ollama.h"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <ctime>

#include "server/api/json_fields.h"
#include "server/api/scheduling.h"

namespace hearth::server::api {

using nlohmann::json;

namespace {

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// keep_alive: a number of seconds or a duration string ("5m", "30s", "1h", "-1"); negative: forever.
std::optional<int64_t> parse_keep_alive(const json& value) {
    if (value.is_number()) {
        const double seconds = value.get<double>();
        return seconds < 0 ? -1 : static_cast<int64_t>(seconds * 1000);
    }
    if (!value.is_string()) return std::nullopt;
    const std::string text = value.get<std::string>();
    if (text.empty()) return std::nullopt;
    size_t used = 0;
    double amount = 0;
    try {
        amount = std::stod(text, &used);
    } catch (const std::exception&) {
        return std::nullopt;
    }
    const std::string unit = text.substr(used);
    double scale = 1000;  // a bare number is seconds
    if (unit == "ms") scale = 1;
    else if (unit == "s" || unit.empty()) scale = 1000;
    else if (unit == "m") scale = 60'000;
    else if (unit == "h") scale = 3'600'000;
    else return std::nullopt;
    if (amount < 0) return -1;
    return static_cast<int64_t>(amount * scale);
}

// Fields shared by /api/chat and /api/generate: model, stream, format, options, keep_alive.
void read_common(FieldReader& fields, OllamaGenerateRequest& out) {
    fields.require("model");
    serving::GenerateRequest& request = out.generate;
    request.model = fields.string("model").value_or("");
    out.stream = fields.boolean("stream").value_or(true);
    read_scheduling_fields(fields, request);
    if (const json* format = fields.find("format")) {
        if (format->is_string() && format->get<std::string>() == "json") request.json_mode = true;
        else if (!(format->is_string() && format->get<std::string>().empty()))
            fields.fail(ApiError::invalid("format must be \"json\" (JSON schemas are not supported)", "format"));
    }
    if (const json* keep_alive = fields.find("keep_alive")) {
        if (auto ms = parse_keep_alive(*keep_alive)) request.keep_alive_ms = *ms;
        else fields.fail(ApiError::invalid("keep_alive must be a duration such as \"5m\" or a number of seconds",
                                           "keep_alive"));
    }
    if (const json* tools = fields.find("tools"); tools && !(tools->is_array() && tools->empty()))
        fields.fail(ApiError::invalid("tools are not supported by this server", "tools"));
    if (const json* images = fields.find("images"); images && !(images->is_array() && images->empty()))
        fields.fail(ApiError::invalid("images are not supported by this model", "images"));
    const json* options = fields.object("options");
    if (!options) return;
    // Ollama ignores options it does not know (num_ctx, num_thread, mirostat...); so do we.
    FieldReader option(*options, "options.");
    engine::SamplingParams& sampling = request.sampling;
    if (auto value = option.number("temperature", 0, 100)) sampling.temperature = static_cast<float>(*value);
    if (auto value = option.number("top_p", 0, 1)) sampling.top_p = static_cast<float>(*value);
    if (auto value = option.integer("top_k", 0, 1 << 20)) sampling.top_k = static_cast<int32_t>(*value);
    if (auto value = option.number("min_p", 0, 1)) sampling.min_p = static_cast<float>(*value);
    if (auto value = option.number("repeat_penalty", 0, 10)) sampling.repeat_penalty = static_cast<float>(*value);
    if (auto value = option.integer("repeat_last_n", -1, 1 << 20)) sampling.repeat_last_n = static_cast<int32_t>(*value);
    if (auto value = option.number("presence_penalty", -2, 2)) sampling.presence_penalty = static_cast<float>(*value);
    if (auto value = option.number("frequency_penalty", -2, 2)) sampling.frequency_penalty = static_cast<float>(*value);
    if (auto value = option.integer("seed", std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max())) {
        sampling.seed = static_cast<uint64_t>(*value);
        out.has_seed = true;
    }
    // num_predict: -1 unlimited, -2 fill the context (both: until the end or the context is full).
    if (auto value = option.integer("num_predict", -2, 1 << 20)) request.max_tokens = *value <= 0 ? -1 : static_cast<int32_t>(*value);
    if (const json* stop = option.array("stop")) {
        for (const json& item : *stop) {
            if (!item.is_string()) {
                option.fail(ApiError::invalid("options.stop must be a list of strings", "options.stop"));
                break;
            }
            if (!item.get<std::string>().empty()) request.stop.push_back(item.get<std::string>());
        }
    }
    if (option.error()) fields.fail(*option.error());
}

}  // namespace

std::optional<ApiError> parse_ollama_chat(std::string_view body, OllamaGenerateRequest& out) {
    json root;
    if (auto error = parse_json_object(body, root)) return error;
    FieldReader fields(root);
    out.chat = true;
    read_common(fields, out);
    const json* messages = fields.array("messages");
    if (fields.error()) return fields.error();
    if (!messages || messages->empty()) {
        out.load_only = true;  // Ollama: a chat with no messages loads the model
        return std::nullopt;
    }
    for (size_t idx = 0; idx < messages->size(); ++idx) {
        const json& item = (*messages)[idx];
        const std::string param = fmt::format("messages[{}]", idx);
        FieldReader message_fields(item, param + ".");
        if (!item.is_object()) return ApiError::invalid(param + " must be an object", param);
        message_fields.require("role");
        serving::ChatMessage message;
        message.role = message_fields.string("role").value_or("");
        message.content = message_fields.string("content").value_or("");
        if (const json* images = message_fields.find("images"); images && !(images->is_array() && images->empty()))
            message_fields.fail(ApiError::invalid("images are not supported by this model", param + ".images"));
        if (message_fields.error()) return message_fields.error();
        if (message.role != "system" && message.role != "user" && message.role != "assistant" && message.role != "tool")
            return ApiError::invalid(fmt::format("{}.role must be system, user, assistant or tool, not '{}'", param,
                                                 message.role), param + ".role");
        out.generate.messages.push_back(std::move(message));
    }
    return std::nullopt;
}

std::optional<ApiError> parse_ollama_generate(std::string_view body, OllamaGenerateRequest& out) {
    json root;
    if (auto error = parse_json_object(body, root)) return error;
    FieldReader fields(root);
    out.chat = false;
    read_common(fields, out);
    const std::string prompt = fields.string("prompt").value_or("");
    const std::string system = fields.string("system").value_or("");
    const bool raw = fields.boolean("raw").value_or(false);
    if (auto suffix = fields.string("suffix"); suffix && !suffix->empty())
        fields.fail(ApiError::invalid("suffix (fill-in-the-middle) is not supported", "suffix"));
    if (auto custom = fields.string("template"); custom && !custom->empty())
        fields.fail(ApiError::invalid("a per-request template is not supported; use --chat-template-file", "template"));
    if (fields.error()) return fields.error();
    if (prompt.empty()) {
        out.load_only = true;
        return std::nullopt;
    }
    if (raw) {
        out.generate.prompt = prompt;
    } else {
        // Without raw, Ollama renders the prompt (and system) with the model's template.
        if (!system.empty()) out.generate.messages.push_back({"system", system});
        out.generate.messages.push_back({"user", prompt});
    }
    return std::nullopt;
}

std::optional<ApiError> parse_ollama_embed(std::string_view body, OllamaEmbedRequest& out) {
    json root;
    if (auto error = parse_json_object(body, root)) return error;
    FieldReader fields(root);
    fields.require("model");
    fields.require("input");
    if (fields.error()) return fields.error();
    out.embed.model = fields.string("model").value_or("");
    const json& input = *fields.find("input");
    if (input.is_string()) {
        out.embed.inputs.push_back(input.get<std::string>());
    } else if (input.is_array() && !input.empty()) {
        for (const json& item : input) {
            if (!item.is_string()) return ApiError::invalid("input must be a string or a list of strings", "input");
            out.embed.inputs.push_back(item.get<std::string>());
        }
    } else {
        return ApiError::invalid("input must be a string or a non-empty list of strings", "input");
    }
    if (auto dimensions = fields.integer("dimensions", 1, 1 << 20)) out.embed.dimensions = static_cast<int32_t>(*dimensions);
    fields.boolean("truncate");
    if (fields.error()) return fields.error();
    return std::nullopt;
}

std::optional<ApiError> parse_ollama_show(std::string_view body, std::string& model) {
    json root;
    if (auto error = parse_json_object(body, root)) return error;
    FieldReader fields(root);
    model = fields.string("model").value_or("");
    if (model.empty()) model = fields.string("name").value_or("");
    if (fields.error()) return fields.error();
    if (model.empty()) return ApiError::invalid("model is required", "model");
    return std::nullopt;
}

std::string iso8601_utc(int64_t unix_ms) {
    const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
    std::tm utc{};
    ::gmtime_r(&seconds, &utc);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
                       utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(unix_ms % 1000));
}

namespace {

int64_t nanoseconds(double seconds) { return static_cast<int64_t>(std::llround(seconds * 1e9)); }

const char* done_reason(serving::FinishReason reason) {
    return reason == serving::FinishReason::kLength ? "length" : "stop";
}

class OllamaFormat : public GenerationFormat {
public:
    OllamaFormat(std::string model, bool chat) : model_(std::move(model)), chat_(chat), start_(Clock::now()) {}

    const char* stream_content_type() const override { return "application/x-ndjson"; }

    std::string stream_token(const serving::TokenEvent& event) override {
        if (event.text.empty()) return {};
        return dump_json(message(event.text, false)) + "\n";
    }
    std::string stream_finish(const serving::FinishEvent& event) override {
        reason_ = event.reason;
        return {};
    }
    std::string stream_end(const serving::Usage& total, const serving::Timings& timings) override {
        return dump_json(final_message("", total, timings)) + "\n";
    }
    std::string stream_error(const Error& error) override { return dump_json({{"error", error.message}}) + "\n"; }

    HttpResponse complete(const std::vector<ChoiceOutput>& choices, const serving::Usage& total,
                          const serving::Timings& timings) override {
        reason_ = choices.front().reason;
        HttpResponse response;
        response.body = dump_json(final_message(choices.front().text, total, timings));
        return response;
    }
    HttpResponse failure(const Error& error) override {
        return error_response(from_error(error), ErrorStyle::kOllama);
    }

private:
    json message(const std::string& text, bool done) const {
        json out = {{"model", model_}, {"created_at", iso8601_utc(now_ms())}};
        if (chat_) out["message"] = {{"role", "assistant"}, {"content", text}};
        else out["response"] = text;
        out["done"] = done;
        return out;
    }
    json final_message(const std::string& text, const serving::Usage& total, const serving::Timings& timings) const {
        json out = message(text, true);
        out["done_reason"] = done_reason(reason_);
        out["total_duration"] = nanoseconds(seconds_since(start_));
        out["load_duration"] = 0;
        out["prompt_eval_count"] = total.prompt_tokens;
        out["prompt_eval_duration"] = nanoseconds(std::max(0.0, timings.time_to_first_token - timings.queue_seconds));
        out["eval_count"] = total.completion_tokens;
        out["eval_duration"] = nanoseconds(timings.generate_seconds);
        return out;
    }

    std::string model_;
    bool chat_;
    Clock::time_point start_;
    serving::FinishReason reason_ = serving::FinishReason::kStop;
};

// "1.2M", "350K", "7B" (Ollama's parameter_size).
std::string parameter_size(uint64_t n_params) {
    if (n_params >= 1'000'000'000) return fmt::format("{:.1f}B", n_params / 1e9);
    if (n_params >= 1'000'000) return fmt::format("{:.1f}M", n_params / 1e6);
    if (n_params >= 1'000) return fmt::format("{:.1f}K", n_params / 1e3);
    return std::to_string(n_params);
}

json details(const serving::ModelInfo& model) {
    return {{"parent_model", ""},
            {"format", "gguf"},
            {"family", model.architecture},
            {"families", json::array({model.architecture})},
            {"parameter_size", parameter_size(model.n_params)},
            {"quantization_level", model.quantization}};
}

// Ollama's digests are sha256 of the blob; hashing gigabytes to list models would be slow, so
// this is a stable fingerprint of the path and size instead (documented in docs/api.md).
std::string digest(const serving::ModelInfo& model) {
    const uint64_t hash = std::hash<std::string>{}(model.path + "#" + std::to_string(model.bytes));
    return fmt::format("{:016x}", hash);
}

json tag(const serving::ModelInfo& model) {
    return {{"name", model.id},
            {"model", model.id},
            {"modified_at", iso8601_utc(model.created_unix_s * 1000)},
            {"size", model.bytes},
            {"digest", digest(model)},
            {"details", details(model)}};
}

}  // namespace

std::unique_ptr<GenerationFormat> make_ollama_format(const std::string& model, bool chat) {
    return std::make_unique<OllamaFormat>(model, chat);
}

std::string render_ollama_load(const std::string& model, bool chat) {
    json out = {{"model", model}, {"created_at", iso8601_utc(now_ms())}};
    if (chat) out["message"] = {{"role", "assistant"}, {"content", ""}};
    else out["response"] = "";
    out["done"] = true;
    out["done_reason"] = "load";
    return dump_json(out);
}

std::string render_ollama_embed(const std::string& model, const std::vector<std::vector<float>>& embeddings,
                                int32_t prompt_tokens, double seconds) {
    return dump_json({{"model", model},
                      {"embeddings", embeddings},
                      {"total_duration", nanoseconds(seconds)},
                      {"load_duration", 0},
                      {"prompt_eval_count", prompt_tokens}});
}

std::string render_ollama_tags(const std::vector<serving::ModelInfo>& models) {
    json list = json::array();
    for (const serving::ModelInfo& model : models)
        if (model.kind == "llm" || model.kind.empty()) list.push_back(tag(model));   // Ollama has no audio
    return dump_json({{"models", std::move(list)}});
}

std::string render_ollama_ps(const std::vector<serving::ModelInfo>& models) {
    json list = json::array();
    for (const serving::ModelInfo& model : models) {
        if (model.state != serving::ModelState::kLoaded || (model.kind != "llm" && !model.kind.empty())) continue;
        json entry = tag(model);
        entry.erase("modified_at");
        entry["expires_at"] = iso8601_utc(now_ms() + 5 * 60 * 1000);
        entry["size_vram"] = 0;
        list.push_back(std::move(entry));
    }
    return dump_json({{"models", std::move(list)}});
}

std::string render_ollama_show(const serving::ModelInfo& model) {
    json info = {{"general.architecture", model.architecture}, {"general.parameter_count", model.n_params}};
    if (!model.architecture.empty()) {
        info[model.architecture + ".context_length"] = model.n_ctx_train;
        info[model.architecture + ".embedding_length"] = model.n_embd;
    }
    return dump_json({{"license", ""},
                      {"modelfile", "FROM " + model.path + "\n"},
                      {"parameters", ""},
                      {"template", model.chat_template},
                      {"details", details(model)},
                      {"model_info", std::move(info)},
                      {"capabilities", json::array({"completion", "embedding"})},
                      {"modified_at", iso8601_utc(model.created_unix_s * 1000)}});
}

std::string render_ollama_version(const std::string& version) { return dump_json({{"version", version}}); }

}  // namespace hearth::server::api
