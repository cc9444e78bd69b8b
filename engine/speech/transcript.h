// What the recognizer produces: the text, and segments with start and end times (seconds), and
// the subtitle formats (SubRip, WebVTT) of a transcript. Threads: plain data and pure functions.
#pragma once

#include <string>
#include <vector>

namespace hearth::engine::speech {

struct Segment {
    double start = 0.0;
    double end = 0.0;
    std::string text;
};

struct Transcript {
    std::string text;
    std::vector<Segment> segments;
    double duration = 0.0;        // seconds of audio
    std::string language = "en";
};

std::string render_srt(const Transcript& transcript);
std::string render_vtt(const Transcript& transcript);

}  // namespace hearth::engine::speech
