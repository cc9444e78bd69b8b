#include "server/api/audio_request.h"

#include "server/api/json_fields.h"
#include "server/api/multipart.h"

namespace hearth::server::api {

namespace {

std::optional<serving::Priority> priority_from(std::string_view name) {
    if (name == "urgent") return serving::Priority::kUrgent;
    if (name == "high") return serving::Priority::kHigh;
    if (name == "normal") return serving::Priority::kNormal;
    if (name == "low") return serving::Priority::kLow;
    return std::nullopt;
}

}  // namespace

std::optional<ApiError> parse_speech(std::string_view body, serving::SpeechRequest& out) {
    nlohmann::json json;
    if (auto error = parse_json_object(body, json)) return error;
    FieldReader fields(json);
    fields.require("input");
    if (auto model = fields.string("model")) out.model = *model;
    if (auto input = fields.string("input")) out.input = *input;
    if (auto voice = fields.string("voice")) out.voice = *voice;
    if (auto format = fields.string("response_format")) out.format = *format;
    if (auto speed = fields.number("speed", 0.25, 4.0)) out.speed = *speed;
    if (auto pitch = fields.integer("pitch", 0, 100)) out.pitch = static_cast<int>(*pitch);
    if (auto priority = fields.string("priority")) {
        if (auto parsed = priority_from(*priority)) out.priority = *parsed;
        else fields.fail(ApiError::invalid("priority must be urgent, high, normal or low", "priority"));
    }
    fields.reject_unknown({"model", "input", "voice", "response_format", "speed", "pitch", "priority", "instructions",
                           "stream_format"});
    if (fields.error()) return fields.error();
    if (out.input.empty()) return ApiError::invalid("input must not be empty", "input");
    return std::nullopt;
}

std::optional<ApiError> parse_transcription(const HttpRequest& request, TranscriptionRequest& out) {
    auto boundary = multipart_boundary(request.header("content-type"));
    if (!boundary.ok()) return ApiError::invalid(boundary.error().message);
    auto parts = parse_multipart(request.body, *boundary);
    if (!parts.ok()) return ApiError::invalid(parts.error().message);
    bool has_file = false;
    for (const FormPart& part : *parts) {
        const std::string value(part.data);
        if (part.name == "file") {
            has_file = true;
            out.transcribe.audio = value;
        } else if (part.name == "model") {
            out.transcribe.model = value;
        } else if (part.name == "language") {
            out.transcribe.language = value;
        } else if (part.name == "response_format") {
            out.response_format = value;
        } else if (part.name == "priority") {
            auto parsed = priority_from(value);
            if (!parsed) return ApiError::invalid("priority must be urgent, high, normal or low", "priority");
            out.transcribe.priority = *parsed;
        } else if (part.name == "prompt" || part.name == "temperature" || part.name == "timestamp_granularities[]" ||
                   part.name == "timestamp_granularities" || part.name == "stream") {
            // Accepted and ignored: the recognizer has no prompt conditioning and no sampling.
        } else {
            return ApiError::invalid("Unrecognized request argument supplied: " + part.name, part.name);
        }
    }
    if (!has_file) return ApiError::invalid("you must provide a 'file' part (the audio to transcribe)", "file");
    if (out.transcribe.audio.empty()) return ApiError::invalid("the audio file is empty", "file");
    const std::string& format = out.response_format;
    if (format != "json" && format != "text" && format != "srt" && format != "vtt" && format != "verbose_json")
        return ApiError::invalid("response_format must be json, text, srt, vtt or verbose_json", "response_format");
    return std::nullopt;
}

}  // namespace hearth::server::api
