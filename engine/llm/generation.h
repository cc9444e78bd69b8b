// What a caller asks of a language-model engine, and what streams back. Plain data; serving/
// re-exports these types for the HTTP edge (they are the events of serving::GenerateSink).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "engine/llm/sampler.h"

namespace hearth::engine {

enum class FinishReason { kStop, kLength, kCancelled, kError };
const char* finish_reason_name(FinishReason reason);  // "stop", "length", "cancelled", "error"

struct TokenLogprob {
    int32_t token = 0;
    std::string text;
    float logprob = 0.0f;
};

struct TokenEvent {
    int32_t choice = 0;
    std::string text;                    // complete UTF-8; may be empty (held bytes, pending stop)
    int32_t token = -1;
    std::optional<TokenLogprob> chosen;  // with top_logprobs >= 0
    std::vector<TokenLogprob> top;       // the top_logprobs most likely tokens
};

struct Usage {
    int32_t prompt_tokens = 0;
    int32_t cached_prompt_tokens = 0;    // prompt tokens whose KV came from the prefix cache
    int32_t completion_tokens = 0;
};

struct Timings {
    double queue_seconds = 0;            // submitted -> first scheduled
    double time_to_first_token = 0;      // submitted -> first token
    double generate_seconds = 0;         // first token -> finish
};

struct FinishEvent {
    int32_t choice = 0;
    FinishReason reason = FinishReason::kStop;
    Usage usage;
    Timings timings;
};

// Receives one request's events, from the engine's step-loop thread (possibly before submit()
// returns): implementations return quickly and never block. Per choice: on_token* then one
// on_finish; on_error instead when the whole request fails (then nothing more).
class GenerationSink {
public:
    virtual ~GenerationSink() = default;
    virtual void on_token(const TokenEvent& event) = 0;
    virtual void on_finish(const FinishEvent& event) = 0;
    virtual void on_error(const Error& error) = 0;
};

struct GenerationParams {
    std::vector<int32_t> prompt;         // tokens, BOS included when the vocabulary wants it
    int32_t max_tokens = -1;             // -1: until end of generation or the context is full
    SamplingParams sampling;
    std::vector<std::string> stop;       // stop strings
    bool ignore_eos = false;
    int32_t n_choices = 1;
    int32_t top_logprobs = -1;           // -1 off; else 0..20
    bool json_mode = false;
    int priority = 2;                    // 0 urgent, 1 high, 2 normal, 3 low
    std::optional<std::chrono::steady_clock::time_point> deadline;
};

}  // namespace hearth::engine
