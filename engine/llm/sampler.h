// The sampler chain: turns one row of logits into the next token.
//
// Stages run in this order, each a small class behind SamplerStage (add one by writing a stage,
// not by growing a function):
//   logit bias -> repetition / frequency / presence penalties -> top-k -> (temperature == 0:
//   greedy argmax) -> temperature -> softmax -> top-p -> min-p -> draw with the seeded RNG.
// Same seed, same logits and history: same token, on every run.
// Threads: a Sampler belongs to one sequence; it is not shared.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <span>
#include <utility>
#include <vector>

#include "base/result.h"

namespace hearth::engine {

struct SamplingParams {
    float temperature = 0.8f;      // 0: greedy
    int32_t top_k = 40;            // 0: off
    float top_p = 0.95f;           // 1: off
    float min_p = 0.05f;           // 0: off
    float repeat_penalty = 1.0f;   // 1: off (llama.cpp's definition: divide positive logits)
    int32_t repeat_last_n = 64;    // history window for all penalties
    float frequency_penalty = 0.0f;
    float presence_penalty = 0.0f;
    std::vector<std::pair<int32_t, float>> logit_bias;  // token -> added to its logit (-inf bans)
    uint64_t seed = 0;

    // kInvalidArgument naming the first bad field (ranges as OpenAI documents them).
    Status validate(int64_t n_vocab) const;
};

struct Candidate {
    int32_t id;
    float logit;
    float p;  // probability once a stage has normalised
};

// The working set the stages transform.
struct Candidates {
    std::vector<Candidate> items;
    bool sorted = false;      // items in descending logit order
    bool normalized = false;  // p holds softmax probabilities
};

class SamplerStage {
public:
    virtual ~SamplerStage() = default;
    virtual void apply(Candidates& candidates, std::span<const int32_t> history) = 0;
};

class Sampler {
public:
    // `constraint` (optional) runs after logit bias and penalties, before top-k: a stage that
    // removes tokens the output may not contain (JSON mode).
    Sampler(const SamplingParams& params, int64_t n_vocab, std::unique_ptr<SamplerStage> constraint = nullptr);

    // Picks the next token from `logits` (n_vocab floats). `history` is the sequence so far
    // (prompt and generated tokens) for the penalties.
    int32_t sample(std::span<const float> logits, std::span<const int32_t> history);

    // Probabilities of the final candidate set of the last sample() (for logprobs), sorted.
    const Candidates& last_candidates() const { return candidates_; }
    const SamplingParams& params() const { return params_; }

private:
    SamplingParams params_;
    int64_t n_vocab_;
    std::vector<std::unique_ptr<SamplerStage>> stages_;
    Candidates candidates_;
    std::mt19937_64 rng_;
};

// Softmax of every logit (float64 accumulation): the log-probability of each token, for
// perplexity and logprobs. Writes n entries.
void log_softmax(std::span<const float> logits, std::span<float> out);

}  // namespace hearth::engine
