// Typed requests and streamed events between the HTTP edge (server/) and the scheduler. No JSON
// here: server/api parses wire formats (OpenAI, Ollama, native) into these and renders events
// back. Everything is plain data; validation of ranges happens in server/api (clear 400s) and,
// as a second line, in the scheduler (never trusts the edge).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "engine/llm/generation.h"
#include "engine/llm/sampler.h"
#include "engine/speech/transcript.h"
#include "engine/speech/voice.h"

namespace hearth::serving {

enum class Priority : uint8_t { kUrgent = 0, kHigh = 1, kNormal = 2, kLow = 3 };
inline constexpr int kPriorityCount = 4;
// Inline: the HTTP edge parses priorities without linking the scheduler.
inline const char* priority_name(Priority priority) {   // "urgent", "high", "normal", "low"
    switch (priority) {
        case Priority::kUrgent: return "urgent";
        case Priority::kHigh: return "high";
        case Priority::kNormal: return "normal";
        case Priority::kLow: return "low";
    }
    return "normal";
}
inline std::optional<Priority> parse_priority(std::string_view name) {
    if (name == "urgent") return Priority::kUrgent;
    if (name == "high") return Priority::kHigh;
    if (name == "normal") return Priority::kNormal;
    if (name == "low") return Priority::kLow;
    return std::nullopt;
}

struct ChatMessage {
    std::string role;     // "system", "user", "assistant" (others pass through to the template)
    std::string content;
};

// Results stream back as the engine's events (engine/llm/generation.h).
using engine::FinishEvent;
using engine::FinishReason;
using engine::finish_reason_name;
using engine::TokenEvent;
using engine::TokenLogprob;
using engine::Timings;
using engine::Usage;
using GenerateSink = engine::GenerationSink;

struct GenerateRequest {
    std::string model;                      // catalog id; empty: the default model
    // Exactly one of these: a raw prompt (completion) or a conversation (chat).
    std::optional<std::string> prompt;
    std::vector<ChatMessage> messages;
    bool add_generation_prompt = true;      // chat: end the rendered prompt with the assistant turn

    int32_t max_tokens = -1;                // -1: until end of generation or the context is full
    engine::SamplingParams sampling;
    std::vector<std::string> stop;          // stop strings (never emitted, matched across tokens)
    bool ignore_eos = false;                // generate exactly max_tokens (benchmarks)
    int32_t n_choices = 1;                  // OpenAI's n: independent samples of one prompt
    int32_t top_logprobs = -1;              // -1: no logprobs; 0..20: the chosen token's plus N
    bool json_mode = false;                 // constrain output to one JSON object

    Priority priority = Priority::kNormal;
    std::optional<std::chrono::steady_clock::time_point> deadline;  // must start before this
    std::optional<int64_t> keep_alive_ms;   // per-request keep-alive (0: unload after, -1: never)
    std::string client_key;                 // who asks (API key id) for quotas; empty: anonymous
};

struct EmbedRequest {
    std::string model;
    std::vector<std::string> inputs;        // one embedding per input
    bool normalize = true;                  // L2-normalise the mean-pooled hidden state
    int32_t dimensions = 0;                 // 0: full size; else truncate (then normalise)
    Priority priority = Priority::kNormal;
    std::string client_key;
};

struct EmbedResult {
    std::vector<std::vector<float>> embeddings;
    int32_t prompt_tokens = 0;
};

// Text to speech: the audio comes back encoded in `format` ("wav", "flac", "mp3", "opus", "pcm").
struct SpeechRequest {
    std::string model;                      // a "tts" model; empty: the first one in the catalog
    std::string input;
    std::string voice;                      // "" the model's default
    std::string format = "wav";
    double speed = 1.0;                     // 0.25 .. 4.0
    int pitch = 50;                         // 0 .. 100
    Priority priority = Priority::kNormal;
    std::string client_key;
};

// Speech to text: `audio` is a whole file (WAV, FLAC, OGG, Opus, MP3; any rate and channels).
struct TranscribeRequest {
    std::string model;                      // an "stt" model; empty: the first one in the catalog
    std::string audio;
    std::string language;                   // "" or the model's language ("en")
    Priority priority = Priority::kNormal;
    std::string client_key;
};

using Transcript = engine::speech::Transcript;
using TranscriptSegment = engine::speech::Segment;
using VoiceInfo = engine::speech::Voice;

// Receives encoded audio as it is produced; false stops the synthesis (the client went away).
using AudioSink = std::function<bool(std::string_view bytes)>;

}  // namespace hearth::serving
