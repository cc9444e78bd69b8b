// Rendering of transcripts (OpenAI's json / text / srt / vtt / verbose_json) and voice lists.
#pragma once

#include <string>
#include <vector>

#include "server/http_message.h"
#include "serving/request.h"

namespace hearth::server::api {

std::string render_srt(const serving::Transcript& transcript);
std::string render_vtt(const serving::Transcript& transcript);
// The response for `format` (validated by the parser).
HttpResponse render_transcript(const serving::Transcript& transcript, const std::string& format);
std::string render_voices(const std::string& model, const std::vector<serving::VoiceInfo>& voices);

}  // namespace hearth::server::api
