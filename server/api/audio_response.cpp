#include "server/api/audio_response.h"

#include <fmt/core.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "server/api/json_fields.h"

namespace hearth::server::api {

namespace {

std::string timestamp(double seconds, char separator) {
    const auto ms = static_cast<int64_t>(std::llround(std::max(0.0, seconds) * 1000.0));
    return fmt::format("{:02}:{:02}:{:02}{}{:03}", ms / 3600000, (ms / 60000) % 60, (ms / 1000) % 60, separator,
                       ms % 1000);
}

}  // namespace

std::string render_srt(const serving::Transcript& transcript) {
    std::string out;
    int index = 1;
    for (const serving::TranscriptSegment& segment : transcript.segments)
        out += fmt::format("{}\n{} --> {}\n{}\n\n", index++, timestamp(segment.start, ','), timestamp(segment.end, ','),
                           segment.text);
    return out;
}

std::string render_vtt(const serving::Transcript& transcript) {
    std::string out = "WEBVTT\n\n";
    for (const serving::TranscriptSegment& segment : transcript.segments)
        out += fmt::format("{} --> {}\n{}\n\n", timestamp(segment.start, '.'), timestamp(segment.end, '.'), segment.text);
    return out;
}

HttpResponse render_transcript(const serving::Transcript& transcript, const std::string& format) {
    HttpResponse response;
    if (format == "text" || format == "srt" || format == "vtt") {
        response.content_type = format == "vtt" ? "text/vtt; charset=utf-8" : "text/plain; charset=utf-8";
        response.body = format == "text" ? transcript.text + "\n" : format == "srt" ? render_srt(transcript)
                                                                                     : render_vtt(transcript);
        return response;
    }
    nlohmann::json body = {{"text", transcript.text}};
    if (format == "verbose_json") {
        body["task"] = "transcribe";
        body["language"] = transcript.language == "en" ? "english" : transcript.language;
        body["duration"] = transcript.duration;
        nlohmann::json segments = nlohmann::json::array();
        int id = 0;
        for (const serving::TranscriptSegment& segment : transcript.segments)
            segments.push_back({{"id", id++}, {"start", segment.start}, {"end", segment.end}, {"text", segment.text}});
        body["segments"] = std::move(segments);
    }
    response.body = dump_json(body);
    return response;
}

std::string render_voices(const std::string& model, const std::vector<serving::VoiceInfo>& voices) {
    nlohmann::json list = nlohmann::json::array();
    for (const serving::VoiceInfo& voice : voices) {
        nlohmann::json item = {{"id", voice.id}, {"name", voice.name}, {"variant", voice.variant}};
        if (!voice.language.empty()) item["language"] = voice.language;
        if (!voice.gender.empty()) item["gender"] = voice.gender;
        list.push_back(std::move(item));
    }
    return dump_json(nlohmann::json{{"object", "list"}, {"model", model}, {"data", std::move(list)}});
}

}  // namespace hearth::server::api
