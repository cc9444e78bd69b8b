// What the recognizer produces: the text, and segments with start and end times (seconds).
// Plain data (header only: the HTTP layer renders it without linking the engine).
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

}  // namespace hearth::engine::speech
