// JSON mode on a 32,000-token vocabulary shaped like a real one (byte tokens, words with and
// without the SentencePiece space, JSON punctuation runs, numbers, whitespace runs): random
// sampling under the constraint always produces text nlohmann parses as one object; cached
// bitmaps agree with a token-by-token check; whitespace runs, completion, failures and rewinds
// behave as documented. Also reports the cost per sampled token.
#include "engine/llm/json_constraint.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <ctime>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <sstream>
#include <string>

#include "formats/gguf.h"
#include "formats/gguf_keys.h"
#include "text/tokenizer.h"

namespace hearth::engine {
namespace {

namespace keys = gguf::keys;
constexpr int32_t kVocabSize = 32000;
constexpr int32_t kEos = 2;

// SentencePiece-style vocabulary: <unk> <s> </s>, 256 byte tokens, then pieces.
std::unique_ptr<text::Tokenizer> make_tokenizer() {
    std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
    std::vector<int32_t> types = {2, 3, 3};
    for (int byte = 0; byte < 256; ++byte) {
        char name[8];
        std::snprintf(name, sizeof(name), "<0x%02X>", byte);
        tokens.emplace_back(name);
        types.push_back(6);
    }
    std::set<std::string> seen(tokens.begin(), tokens.end());
    auto add = [&](const std::string& piece) {
        if (static_cast<int32_t>(tokens.size()) >= kVocabSize || piece.empty()) return;
        if (!seen.insert(piece).second) return;
        tokens.push_back(piece);
        types.push_back(1);
    };
    const std::string space = "\xE2\x96\x81";  // ▁
    for (const char* piece :
         {"{",     "}",    "[",     "]",      ":",      ",",     "\"",  "\":", "\",", "{\"", "\"}",
          "},",    "],",   "\":\"", "\": \"", "\", \"", "\"]",   "[\"", "[{",  "}]",  "}}",  "]]",
          "\\",    "\\n",  "\\\"",  "\\u",    "\\t",    "-",     ".",   "e",   "E",   "+",   "true",
          "false", "null", "\":[",  "\": [",  "\":{",   "\": {", "{}",  "[]"}) {
        add(piece);
        add(space + piece);
    }
    std::string blank_run;
    for (int count = 1; count <= 16; ++count) {
        blank_run += space;
        add(blank_run);
    }
    for (int number = 0; number < 1000; ++number) {
        add(std::to_string(number));
        add(space + std::to_string(number));
    }
    // Words of a real text, with and without the leading space, and their prefixes.
    std::ifstream license("/usr/share/common-licenses/GPL-3");
    std::stringstream text;
    text << license.rdbuf();
    std::string word;
    for (char ch : text.str() + " ") {
        if (std::isalnum(static_cast<unsigned char>(ch)) != 0) {
            word += ch;
            continue;
        }
        for (size_t length = 1; length <= word.size(); ++length) {
            add(word.substr(0, length));
            add(space + word.substr(0, length));
        }
        word.clear();
    }
    // Fill up with random letter n-grams and a few multi-byte characters.
    std::mt19937 rng(7);
    const std::vector<std::string> extra = {"é", "ü", "€", "中", "文", "😀", "ß", "ñ"};
    while (static_cast<int32_t>(tokens.size()) < kVocabSize) {
        std::string piece = rng() % 2 == 0 ? space : "";
        for (size_t idx = 2 + rng() % 5; idx > 0; --idx) {
            piece += rng() % 10 == 0 ? extra[rng() % extra.size()]
                                     : std::string(1, static_cast<char>('a' + rng() % 26));
        }
        add(piece);
    }
    std::vector<float> scores(tokens.size());
    for (size_t idx = 0; idx < scores.size(); ++idx) scores[idx] = -static_cast<float>(idx);

    gguf::Writer writer;
    writer.set_string(keys::kArchitecture, "llama");
    writer.set_string(keys::kTokenizerModel, "llama");
    writer.set_array_strings(keys::kTokenizerTokens, tokens);
    writer.set_array_f32(keys::kTokenizerScores, scores);
    writer.set_array_i32(keys::kTokenizerTokenType, types);
    writer.set_u32(keys::kTokenizerUnkId, 0);
    writer.set_u32(keys::kTokenizerBosId, 1);
    writer.set_u32(keys::kTokenizerEosId, kEos);
    auto bytes = writer.write_memory();
    EXPECT_TRUE(bytes.ok());
    auto file = gguf::File::parse(bytes->data(), bytes->size());
    EXPECT_TRUE(file.ok());
    auto tokenizer = text::Tokenizer::from_gguf(*file);
    EXPECT_TRUE(tokenizer.ok()) << tokenizer.error().message;
    return std::move(tokenizer).value();
}

// HEARTH_JSON_VOCAB_GGUF=path runs the suite on a real model's vocabulary instead (for example
// the LLaMA 32,000-token SentencePiece vocabulary) to measure its cost there.
std::unique_ptr<text::Tokenizer> load_tokenizer() {
    const char* path = std::getenv("HEARTH_JSON_VOCAB_GGUF");
    if (path == nullptr) return make_tokenizer();
    std::ifstream in(path, std::ios::binary);
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                     std::istreambuf_iterator<char>());
    auto file = gguf::File::parse(bytes.data(), bytes.size());
    EXPECT_TRUE(file.ok()) << path;
    auto tokenizer = text::Tokenizer::from_gguf(*file);
    EXPECT_TRUE(tokenizer.ok()) << tokenizer.error().message;
    return std::move(tokenizer).value();
}

const text::Tokenizer& tokenizer() {
    static const std::unique_ptr<text::Tokenizer> instance = load_tokenizer();
    return *instance;
}

int32_t n_vocab() {
    return tokenizer().n_vocab();
}

Candidates all_candidates(const std::vector<float>& logits) {
    Candidates candidates;
    for (size_t id = 0; id < logits.size(); ++id)
        candidates.items.push_back({static_cast<int32_t>(id), logits[id], 0.0f});
    return candidates;
}

// A stand-in model: random logits, leaning towards closing brackets and quotes as the text grows
// so that objects get finished.
std::vector<float> fake_logits(std::mt19937& rng, size_t step,
                               const std::vector<int32_t>& closers) {
    std::vector<float> logits(n_vocab());
    // Uniform in [-4, 4): cheap, and spread like real logits.
    for (float& logit : logits)
        logit = static_cast<float>(rng() >> 8) * (8.0f / 16777216.0f) - 4.0f;
    const float lean = static_cast<float>(step) / 40.0f;
    for (int32_t id : closers) logits[static_cast<size_t>(id)] += lean;
    return logits;
}

int32_t draw(const Candidates& candidates, std::mt19937& rng) {
    float max_logit = -INFINITY;
    for (const Candidate& item : candidates.items) max_logit = std::max(max_logit, item.logit);
    std::vector<double> weights;
    for (const Candidate& item : candidates.items)
        weights.push_back(std::exp(item.logit - max_logit));
    std::discrete_distribution<size_t> pick(weights.begin(), weights.end());
    return candidates.items[pick(rng)].id;
}

// CPU time of this thread: steadier than wall time on a shared machine.
double thread_seconds() {
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

struct Generation {
    std::string text;
    bool ended = false;  // drew end-of-generation
    size_t n_sampled = 0;
    JsonConstraint::Stats stats;
};

Generation generate(uint64_t seed, size_t max_tokens, double* seconds) {
    std::vector<int32_t> closers;
    for (const char* text : {"}", "]", "\"", "\"}", "}}", "]}", "}]", "\"]"}) {
        if (auto id = tokenizer().find_token(text)) closers.push_back(*id);
    }
    std::mt19937 rng(static_cast<uint32_t>(seed));
    std::vector<int32_t> history = {1, 400, 500};  // a "prompt"
    JsonConstraint::Options options;
    options.n_prompt_tokens = static_cast<int64_t>(history.size());
    JsonConstraint constraint(tokenizer(), options);
    Generation out;
    for (size_t step = 0; step < max_tokens; ++step) {
        Candidates candidates = all_candidates(fake_logits(rng, step, closers));
        const double start = thread_seconds();
        constraint.apply(candidates, history);
        *seconds += thread_seconds() - start;
        EXPECT_FALSE(candidates.items.empty());
        const int32_t id = draw(candidates, rng);
        ++out.n_sampled;
        if (tokenizer().is_end_of_generation(id)) {
            out.ended = true;
            EXPECT_TRUE(constraint.complete());
            break;
        }
        history.push_back(id);
        out.text += tokenizer().piece(id, false);
    }
    out.stats = constraint.stats();
    return out;
}

TEST(JsonConstraint, RandomSamplingAlwaysYieldsValidJsonObjects) {
    {
        int n_ended = 0;
        double seconds = 0;
        for (uint64_t seed = 0; seed < 30; ++seed) {
            const Generation generation = generate(seed, 300, &seconds);
            if (generation.ended) {
                ++n_ended;
                ASSERT_TRUE(nlohmann::json::accept(generation.text)) << generation.text;
                EXPECT_TRUE(nlohmann::json::parse(generation.text).is_object()) << generation.text;
            } else {
                text::JsonPrefix prefix;
                EXPECT_TRUE(prefix.push(generation.text)) << generation.text;
            }
        }
        EXPECT_GE(n_ended, 20) << "objects should usually be finished";
    }
}

TEST(JsonConstraint, CachedBitmapsAgreeWithTokenByTokenChecks) {
    std::mt19937 rng(5);
    const std::vector<std::string> prefixes = {"",
                                               "{",
                                               "{\"a",
                                               "{\"a\"",
                                               "{\"a\":",
                                               "{\"a\": [1, 2",
                                               "{\"a\": \"x\\",
                                               "{\"a\": \"x\\u00",
                                               "{\"a\": tr",
                                               "{\"a\": -",
                                               "{\"a\": 1.5e",
                                               "{\"a\": {\"b\": [",
                                               "{\"a\": \"\xC3"};
    for (const std::string& prefix : prefixes) {
        std::vector<int32_t> history = tokenizer().encode(prefix, false, false);
        JsonConstraint full(tokenizer(), {});

        std::vector<float> logits(n_vocab());
        std::normal_distribution<float> normal(0.0f, 1.0f);
        for (float& logit : logits) logit = normal(rng);
        Candidates all = all_candidates(logits);
        full.apply(all, history);
        ASSERT_EQ(full.state().valid(), true) << prefix;
        std::set<int32_t> allowed;
        for (const Candidate& item : all.items) allowed.insert(item.id);
        for (int32_t id = 0; id < n_vocab(); ++id) {
            ASSERT_EQ(allowed.count(id) > 0, full.allows(id))
                << "prefix '" << prefix << "' token " << id << " '" << tokenizer().piece(id, false)
                << "'";
        }
        // The same state again: now cached, same answer.
        Candidates again = all_candidates(logits);
        full.apply(again, history);
        EXPECT_EQ(again.items.size(), allowed.size());
        EXPECT_GE(full.stats().cache_hits, 1u);
    }
}

TEST(JsonConstraint, CompleteObjectsAllowOnlyEndOfGeneration) {
    JsonConstraint constraint(tokenizer(), {});
    const std::vector<int32_t> history =
        tokenizer().encode("{\"a\": [1, {\"b\": null}]}", false, false);
    Candidates candidates = all_candidates(std::vector<float>(n_vocab(), 0.0f));
    constraint.apply(candidates, history);
    EXPECT_TRUE(constraint.complete());
    ASSERT_FALSE(candidates.items.empty());
    for (const Candidate& item : candidates.items)
        EXPECT_TRUE(tokenizer().is_end_of_generation(item.id));
}

TEST(JsonConstraint, WhitespaceRunsAreBounded) {
    JsonConstraint::Options options;
    options.max_whitespace_run = 4;
    JsonConstraint constraint(tokenizer(), options);
    const int32_t blank = *tokenizer().find_token("\xE2\x96\x81\xE2\x96\x81");  // two spaces
    std::vector<int32_t> history = tokenizer().encode("{\"a\":", false, false);
    Candidates candidates = all_candidates(std::vector<float>(n_vocab(), 0.0f));
    constraint.apply(candidates, history);
    EXPECT_TRUE(constraint.allows(blank));
    history.push_back(blank);
    history.push_back(blank);  // 4 spaces: the limit
    candidates = all_candidates(std::vector<float>(n_vocab(), 0.0f));
    constraint.apply(candidates, history);
    EXPECT_FALSE(constraint.allows(blank));
    for (const Candidate& item : candidates.items) EXPECT_NE(item.id, blank);
    // Inside a string whitespace is content, not a run.
    history.push_back(*tokenizer().find_token("\""));
    candidates = all_candidates(std::vector<float>(n_vocab(), 0.0f));
    constraint.apply(candidates, history);
    EXPECT_TRUE(constraint.allows(blank));
}

TEST(JsonConstraint, ATokenOutsideTheGrammarFailsToEndOfGeneration) {
    JsonConstraint constraint(tokenizer(), {});
    std::vector<int32_t> history = tokenizer().encode("{\"a\" x", false, false);
    Candidates candidates = all_candidates(std::vector<float>(n_vocab(), 0.0f));
    constraint.apply(candidates, history);
    EXPECT_TRUE(constraint.failed());
    ASSERT_EQ(candidates.items.size(), 1u);
    EXPECT_EQ(candidates.items[0].id, tokenizer().eos_id());
    // A rewound history starts over.
    history = tokenizer().encode("{", false, false);
    candidates = all_candidates(std::vector<float>(n_vocab(), 0.0f));
    constraint.apply(candidates, history);
    EXPECT_FALSE(constraint.failed());
    EXPECT_EQ(constraint.state().depth(), 1);
    EXPECT_GT(candidates.items.size(), 10u);  // '"'-led and '}'-led pieces, whitespace
}

TEST(JsonConstraint, CostPerSampledToken) {
    {
        double seconds = 0;
        size_t n_tokens = 0;
        JsonConstraint::Stats stats;
        for (uint64_t seed = 100; seed < 120; ++seed) {
            const Generation generation = generate(seed, 300, &seconds);
            n_tokens += generation.n_sampled;
            stats.applies += generation.stats.applies;
            stats.cache_hits += generation.stats.cache_hits;
            stats.tokens_checked += generation.stats.tokens_checked;
        }
        // Most steps must be answered from the cache (the timing itself is only reported: it
        // depends on the machine and the build).
        EXPECT_GT(stats.cache_hits * 2, stats.applies);
        std::printf(
            "json constraint, %d-token vocabulary: %.1f us of CPU time per sampled "
            "token (%zu tokens, %.0f%% cache hits, %.0f piece checks per token)\n",
            n_vocab(), seconds * 1e6 / static_cast<double>(n_tokens), n_tokens,
            100.0 * static_cast<double>(stats.cache_hits) / static_cast<double>(stats.applies),
            static_cast<double>(stats.tokens_checked) / static_cast<double>(stats.applies));
    }
}

}  // namespace
}  // namespace hearth::engine
