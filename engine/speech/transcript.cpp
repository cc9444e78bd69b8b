#include "engine/speech/transcript.h"

#include <fmt/core.h>

#include <cmath>

namespace hearth::engine::speech {

namespace {

std::string timestamp(double seconds, char separator) {
    const auto ms = static_cast<int64_t>(std::llround(std::max(0.0, seconds) * 1000.0));
    return fmt::format("{:02}:{:02}:{:02}{}{:03}", ms / 3600000, (ms / 60000) % 60, (ms / 1000) % 60, separator,
                       ms % 1000);
}

}  // namespace

std::string render_srt(const Transcript& transcript) {
    std::string out;
    int index = 1;
    for (const Segment& segment : transcript.segments)
        out += fmt::format("{}\n{} --> {}\n{}\n\n", index++, timestamp(segment.start, ','), timestamp(segment.end, ','),
                           segment.text);
    return out;
}

std::string render_vtt(const Transcript& transcript) {
    std::string out = "WEBVTT\n\n";
    for (const Segment& segment : transcript.segments)
        out += fmt::format("{} --> {}\n{}\n\n", timestamp(segment.start, '.'), timestamp(segment.end, '.'), segment.text);
    return out;
}

}  // namespace hearth::engine::speech
