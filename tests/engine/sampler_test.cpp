#include "engine/llm/sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

namespace hearth::engine {
namespace {

std::vector<float> ramp(int n) {  // logit of token t is t / 4: the highest id is the favourite
    std::vector<float> logits(static_cast<size_t>(n));
    for (int idx = 0; idx < n; ++idx) logits[static_cast<size_t>(idx)] = static_cast<float>(idx) / 4.0f;
    return logits;
}

SamplingParams greedy() {
    SamplingParams params;
    params.temperature = 0;
    return params;
}

TEST(Sampler, GreedyTakesTheArgmaxLowestIdOnTies) {
    Sampler sampler(greedy(), 5);
    const std::vector<float> logits = {0.5f, 2.0f, 2.0f, -1.0f, 1.0f};
    EXPECT_EQ(sampler.sample(logits, {}), 1);
}

TEST(Sampler, LogitBiasCanBanAndForce) {
    SamplingParams params = greedy();
    params.logit_bias = {{9, -INFINITY}, {3, 100.0f}};
    Sampler sampler(params, 10);
    EXPECT_EQ(sampler.sample(ramp(10), {}), 3);
}

TEST(Sampler, RepetitionPenaltyDemotesRecentTokens) {
    SamplingParams params = greedy();
    params.repeat_penalty = 2.0f;  // logit 9/4 -> 9/8 < 8/4
    Sampler sampler(params, 10);
    const std::vector<int32_t> history = {9};
    EXPECT_EQ(sampler.sample(ramp(10), history), 8);
    params.repeat_last_n = 0;  // window of nothing: no penalty
    Sampler no_window(params, 10);
    EXPECT_EQ(no_window.sample(ramp(10), history), 9);
}

TEST(Sampler, FrequencyAndPresencePenalties) {
    SamplingParams params = greedy();
    params.frequency_penalty = 0.2f;  // token 9 seen twice: 2.25 - 0.4 = 1.85 < 2.0
    Sampler frequency(params, 10);
    EXPECT_EQ(frequency.sample(ramp(10), std::vector<int32_t>{9, 9}), 8);
    params.frequency_penalty = 0;
    params.presence_penalty = 0.1f;  // seen once: 2.15 > 2.0
    Sampler presence(params, 10);
    EXPECT_EQ(presence.sample(ramp(10), std::vector<int32_t>{9, 9}), 9);
}

TEST(Sampler, SameSeedSameDraws) {
    SamplingParams params;
    params.temperature = 1.0f;
    params.top_k = 0;
    params.top_p = 1.0f;
    params.min_p = 0.0f;
    params.seed = 7;
    Sampler a(params, 50), b(params, 50);
    std::vector<int32_t> draws_a, draws_b;
    for (int idx = 0; idx < 100; ++idx) {
        draws_a.push_back(a.sample(ramp(50), {}));
        draws_b.push_back(b.sample(ramp(50), {}));
    }
    EXPECT_EQ(draws_a, draws_b);
}

TEST(Sampler, DrawsFollowTheDistribution) {
    // Two tokens with logits 0 and ln 3: probabilities 1/4 and 3/4.
    SamplingParams params;
    params.temperature = 1.0f;
    params.top_k = 0;
    params.top_p = 1.0f;
    params.min_p = 0.0f;
    params.seed = 3;
    Sampler sampler(params, 2);
    const std::vector<float> logits = {0.0f, std::log(3.0f)};
    int ones = 0;
    const int n_draws = 20000;
    for (int idx = 0; idx < n_draws; ++idx) ones += sampler.sample(logits, {}) == 1;
    EXPECT_NEAR(static_cast<double>(ones) / n_draws, 0.75, 0.015);
}

TEST(Sampler, TopKTopPMinPRestrictTheCandidates) {
    SamplingParams params;
    params.temperature = 1.0f;
    params.top_k = 3;
    params.top_p = 1.0f;
    params.min_p = 0.0f;
    Sampler top_k(params, 20);
    std::map<int32_t, int> seen;
    for (int idx = 0; idx < 500; ++idx) ++seen[top_k.sample(ramp(20), {})];
    for (const auto& [id, count] : seen) EXPECT_GE(id, 17);

    params.top_k = 0;
    params.top_p = 0.05f;  // the favourite alone holds more than 5%
    Sampler top_p(params, 20);
    for (int idx = 0; idx < 100; ++idx) EXPECT_EQ(top_p.sample(ramp(20), {}), 19);

    params.top_p = 1.0f;
    params.min_p = 0.9f;  // e^(-1/4) = 0.78 < 0.9: only the favourite survives
    Sampler min_p(params, 20);
    for (int idx = 0; idx < 100; ++idx) EXPECT_EQ(min_p.sample(ramp(20), {}), 19);
    ASSERT_EQ(min_p.last_candidates().items.size(), 1u);
}

TEST(Sampler, ValidateNamesTheBadField) {
    SamplingParams params;
    EXPECT_TRUE(params.validate(10).ok());
    params.temperature = -1;
    EXPECT_NE(params.validate(10).error().message.find("temperature"), std::string::npos);
    params = SamplingParams{};
    params.top_p = 1.5f;
    EXPECT_NE(params.validate(10).error().message.find("top_p"), std::string::npos);
    params = SamplingParams{};
    params.logit_bias = {{10, 1.0f}};
    EXPECT_NE(params.validate(10).error().message.find("token 10"), std::string::npos);
    params = SamplingParams{};
    params.frequency_penalty = 3;
    EXPECT_FALSE(params.validate(10).ok());
    params = SamplingParams{};
    params.temperature = NAN;
    EXPECT_FALSE(params.validate(10).ok());
}

TEST(LogSoftmax, NormalisesAndIsStable) {
    const std::vector<float> logits = {1000.0f, 1000.0f, -INFINITY};
    std::vector<float> out(3);
    log_softmax(logits, out);
    EXPECT_NEAR(out[0], std::log(0.5f), 1e-6);
    EXPECT_NEAR(out[1], std::log(0.5f), 1e-6);
    EXPECT_TRUE(std::isinf(out[2]));
}

}  // namespace
}  // namespace hearth::engine
