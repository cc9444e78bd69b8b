// Typed requests and streamed events between the HTTP edge (server/) and the scheduler. No JSON
// here: server/api parses wire formats (OpenAI, Ollama, native) into these and renders events
// back. Everything is plain data; validation of ranges happens in server/api (clear 400s) and,
// as a second line, in the scheduler (never trusts the edge).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "engine/llm/sampler.h"

namespace hearth::serving {

enum class Priority : uint8_t { kUrgent = 0, kHigh = 1, kNormal = 2, kLow = 3 };
inline constexpr int kPriorityCount = 4;
const char* priority_name(Priority priority);             // "urgent", "high", "normal", "low"
std::optional<Priority> parse_priority(std::string_view name);

struct ChatMessage {
    std::string role;     // "system", "user", "assistant" (others pass through to the template)
    std::string content;
};

enum class FinishReason { kStop, kLength, kCancelled, kError };
const char* finish_reason_name(FinishReason reason);      // "stop", "length", "cancelled", "error"

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
    std::optional<std::chrono::steady_clock::time_point> deadline;  // fail with kTimeout after
    std::optional<int64_t> keep_alive_ms;   // per-request keep-alive (0: unload after, -1: never)
    std::string client_key;                 // who asks (API key id) for quotas; empty: anonymous
};

struct TokenLogprob {
    int32_t token = 0;
    std::string text;
    float logprob = 0.0f;
};

struct TokenEvent {
    int32_t choice = 0;
    std::string text;                       // complete UTF-8; may be empty while a stop string is pending
    int32_t token = -1;
    std::optional<TokenLogprob> chosen;     // with top_logprobs >= 0
    std::vector<TokenLogprob> top;          // top_logprobs alternatives
};

struct Usage {
    int32_t prompt_tokens = 0;
    int32_t cached_prompt_tokens = 0;       // prompt tokens whose KV came from the prefix cache
    int32_t completion_tokens = 0;
};

struct Timings {
    double queue_seconds = 0;               // submitted -> admitted to the engine
    double time_to_first_token = 0;         // submitted -> first token
    double generate_seconds = 0;            // first token -> finish
};

struct FinishEvent {
    int32_t choice = 0;
    FinishReason reason = FinishReason::kStop;
    Usage usage;                            // per choice; prompt counted in every choice
    Timings timings;
};

// Receives one request's events. Called from engine threads, possibly before submit() returns:
// implementations must be thread-safe, return quickly and never block (post to an I/O strand).
// Order per choice: on_token* then exactly one on_finish; on_error instead of any finish when the
// whole request fails (then no further events).
class GenerateSink {
public:
    virtual ~GenerateSink() = default;
    virtual void on_token(const TokenEvent& event) = 0;
    virtual void on_finish(const FinishEvent& event) = 0;
    virtual void on_error(const Error& error) = 0;
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

}  // namespace hearth::serving
