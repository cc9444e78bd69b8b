// OpenAI's audio requests -> typed serving requests: /v1/audio/speech (JSON) and
// /v1/audio/transcriptions (multipart/form-data). Every malformed field is a 400 naming it.
#pragma once

#include <optional>
#include <string>

#include "server/api/errors.h"
#include "server/http_message.h"
#include "serving/request.h"

namespace hearth::server::api {

std::optional<ApiError> parse_speech(std::string_view body, serving::SpeechRequest& out);

struct TranscriptionRequest {
    serving::TranscribeRequest transcribe;
    std::string response_format = "json";   // json, text, srt, vtt, verbose_json
};
std::optional<ApiError> parse_transcription(const HttpRequest& request, TranscriptionRequest& out);

}  // namespace hearth::server::api
