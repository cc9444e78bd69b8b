// JSON mode: a sampler stage that keeps only the candidate tokens whose text keeps the generated
// output a valid prefix of one JSON object (text/json_prefix.h), and once the object is
// complete, only end-of-generation tokens.
//
// Place it after the logit-bias and penalty stages (which index candidates by id) and before
// top-k; it removes candidates, so it leaves them in no particular order (sorted = false) unless
// it sorted them itself.
//
// The generated text is followed through `history` (prompt + generated ids, as Sampler::sample
// gets it): on each apply() the tokens after Options::n_prompt_tokens that it has not seen yet
// are appended to its JSON state, so the caller only has to pass the same history it gives the
// sampler. A shorter history than before (a rewound sequence) restarts from the prompt.
//
// Rules on top of the JSON grammar:
//   - tokens whose text is empty (control tokens other than end-of-generation) are never kept;
//   - tokens made only of whitespace outside strings are kept while the run of whitespace bytes
//     outside strings stays within Options::max_whitespace_run (no endless blank output);
//   - if the state is invalid (a token the stage did not allow was appended) or no candidate can
//     continue the JSON, only end-of-generation tokens are kept (failed() tells).
//
// Cost: which tokens a JSON state allows depends only on the state, so allowed-token bitmaps are
// cached per state (most steps inside a string or between values hit the cache). A miss checks
// only the tokens whose first byte the state accepts, and inside a string only the pieces that
// contain a quote, a backslash, a control byte or a partial UTF-8 character (the rest are known
// to be allowed); filtering is one branch-free pass over the candidates. (Walking candidates in
// descending logit order and stopping after top_k allowed ones was tried and measured slower:
// the partial sort costs more than a cached bitmap, and it cannot fill the cache.) Measured on a
// 32,000-token vocabulary: tests/engine/json_constraint_test.cpp (CostPerSampledToken) prints
// the cost per sampled token.
// Threads: one instance per sequence; the Tokenizer must outlive it.
#pragma once

#include <cstdint>
#include <list>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/llm/sampler.h"
#include "text/json_prefix.h"
#include "text/tokenizer.h"

namespace hearth::engine {

class JsonConstraint final : public SamplerStage {
public:
    struct Options {
        int64_t n_prompt_tokens = 0;  // history[0, n) is the prompt
        int32_t max_whitespace_run = 32;
        size_t max_cached_states = 128;  // allowed-token bitmaps kept (n_vocab / 8 bytes each)
    };

    JsonConstraint(const text::Tokenizer& tokenizer, Options options);

    void apply(Candidates& candidates, std::span<const int32_t> history) override;

    // The JSON state after the last history seen.
    const text::JsonPrefix& state() const { return state_; }
    bool complete() const { return state_.complete(); }
    bool failed() const { return failed_; }

    // Whether `id` may come next (the same rule apply() uses). For tests and diagnostics.
    bool allows(int32_t id) const;

    struct Stats {
        uint64_t applies = 0;
        uint64_t cache_hits = 0;
        uint64_t tokens_checked = 0;  // piece checks run on a JSON state copy
    };
    const Stats& stats() const { return stats_; }

private:
    enum class PieceKind : uint8_t { kEmpty, kWhitespace, kText, kEndOfGeneration };

    void sync(std::span<const int32_t> history);
    void append(int32_t id);
    bool piece_allowed(int32_t id) const;  // JSON grammar only
    bool whitespace_allowed(int32_t id) const;
    const std::vector<uint64_t>& allowed_bitmap();
    void keep_end_of_generation(Candidates& candidates) const;
    void filter_with_bitmap(Candidates& candidates, const std::vector<uint64_t>& bitmap);
    // Moves the end-of-generation candidates out first when nothing else may be kept.
    std::vector<Candidate> end_of_generation_candidates(const Candidates& candidates) const;

    const text::Tokenizer& tokenizer_;
    Options options_;
    std::vector<std::string_view> pieces_;  // per id, without control-token text
    std::vector<PieceKind> kinds_;
    // Ids grouped by their piece's first byte (kText / kWhitespace only).
    std::vector<std::vector<int32_t>> ids_by_first_byte_;
    // Inside a string body these are always allowed (no quote, backslash, control byte, and
    // whole UTF-8 characters); the other text pieces are checked one by one.
    std::vector<uint64_t> plain_string_bitmap_;
    std::vector<int32_t> not_plain_ids_;
    std::vector<int32_t> whitespace_ids_;
    std::vector<int32_t> end_of_generation_ids_;
    std::vector<uint64_t> scratch_bitmap_;

    text::JsonPrefix state_;
    bool failed_ = false;
    int32_t whitespace_run_ = 0;
    int64_t n_seen_ = 0;  // generated tokens appended to state_

    std::unordered_map<text::JsonPrefix, std::vector<uint64_t>, text::JsonPrefixHash> cache_;
    std::list<text::JsonPrefix> cache_order_;  // oldest first
    Stats stats_;
};

}  // namespace hearth::engine
