#include "engine/llm/sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

namespace hearth::engine {
namespace {

void sort_descending(Candidates& c) {
    if (c.sorted) return;
    std::sort(c.items.begin(), c.items.end(), [](const Candidate& a, const Candidate& b) {
        return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
    });
    c.sorted = true;
}

void softmax(Candidates& c) {
    sort_descending(c);
    const float max_logit = c.items.empty() ? 0.0f : c.items.front().logit;
    double sum = 0.0;
    for (Candidate& item : c.items) {
        item.p = std::isinf(item.logit) && item.logit < 0 ? 0.0f : std::exp(item.logit - max_logit);
        sum += item.p;
    }
    for (Candidate& item : c.items) item.p = static_cast<float>(item.p / sum);
    c.normalized = true;
}

class LogitBiasStage final : public SamplerStage {
public:
    explicit LogitBiasStage(std::vector<std::pair<int32_t, float>> bias) : bias_(std::move(bias)) {}
    void apply(Candidates& c, std::span<const int32_t>) override {
        // Candidates are still indexed by id here (the first stage after filling).
        for (const auto& [id, delta] : bias_) c.items[static_cast<size_t>(id)].logit += delta;
    }

private:
    std::vector<std::pair<int32_t, float>> bias_;
};

class PenaltyStage final : public SamplerStage {
public:
    PenaltyStage(float repeat, float frequency, float presence, int32_t last_n)
        : repeat_(repeat), frequency_(frequency), presence_(presence), last_n_(last_n) {}
    void apply(Candidates& c, std::span<const int32_t> history) override {
        const size_t window = last_n_ < 0 ? history.size() : std::min(history.size(), static_cast<size_t>(last_n_));
        counts_.clear();
        for (size_t idx = history.size() - window; idx < history.size(); ++idx) ++counts_[history[idx]];
        for (const auto& [id, count] : counts_) {
            if (id < 0 || static_cast<size_t>(id) >= c.items.size()) continue;
            float& logit = c.items[static_cast<size_t>(id)].logit;
            if (repeat_ != 1.0f) logit = logit > 0 ? logit / repeat_ : logit * repeat_;
            logit -= static_cast<float>(count) * frequency_ + (count > 0 ? presence_ : 0.0f);
        }
    }

private:
    float repeat_, frequency_, presence_;
    int32_t last_n_;
    std::unordered_map<int32_t, int32_t> counts_;
};

class TopKStage final : public SamplerStage {
public:
    explicit TopKStage(int32_t k) : k_(k) {}
    void apply(Candidates& c, std::span<const int32_t>) override {
        const size_t k = std::min(c.items.size(), static_cast<size_t>(k_));
        auto by_logit = [](const Candidate& a, const Candidate& b) {
            return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
        };
        if (k < c.items.size()) {
            std::nth_element(c.items.begin(), c.items.begin() + static_cast<long>(k), c.items.end(), by_logit);
            c.items.resize(k);
        }
        std::sort(c.items.begin(), c.items.end(), by_logit);
        c.sorted = true;
    }

private:
    int32_t k_;
};

class TemperatureStage final : public SamplerStage {
public:
    explicit TemperatureStage(float temperature) : temperature_(temperature) {}
    void apply(Candidates& c, std::span<const int32_t>) override {
        for (Candidate& item : c.items) item.logit /= temperature_;
        softmax(c);
    }

private:
    float temperature_;
};

class TopPStage final : public SamplerStage {
public:
    explicit TopPStage(float p) : p_(p) {}
    void apply(Candidates& c, std::span<const int32_t>) override {
        if (!c.normalized) softmax(c);
        double cumulative = 0.0;
        size_t keep = c.items.size();
        for (size_t idx = 0; idx < c.items.size(); ++idx) {
            cumulative += c.items[idx].p;
            if (cumulative >= p_) {
                keep = idx + 1;
                break;
            }
        }
        c.items.resize(std::max<size_t>(keep, 1));
        renormalize(c);
    }
    static void renormalize(Candidates& c) {
        double sum = 0.0;
        for (const Candidate& item : c.items) sum += item.p;
        if (sum > 0)
            for (Candidate& item : c.items) item.p = static_cast<float>(item.p / sum);
    }

private:
    float p_;
};

class MinPStage final : public SamplerStage {
public:
    explicit MinPStage(float p) : p_(p) {}
    void apply(Candidates& c, std::span<const int32_t>) override {
        if (!c.normalized) softmax(c);
        if (c.items.empty()) return;
        const float threshold = c.items.front().p * p_;
        size_t keep = 1;
        while (keep < c.items.size() && c.items[keep].p >= threshold) ++keep;
        c.items.resize(keep);
        TopPStage::renormalize(c);
    }

private:
    float p_;
};

}  // namespace

Status SamplingParams::validate(int64_t n_vocab) const {
    if (!std::isfinite(temperature) || temperature < 0.0f || temperature > 100.0f)
        return Error::make(Errc::kInvalidArgument, "temperature {} is outside 0..100", temperature);
    if (top_k < 0) return Error::make(Errc::kInvalidArgument, "top_k {} is negative", top_k);
    if (!(top_p > 0.0f && top_p <= 1.0f))
        return Error::make(Errc::kInvalidArgument, "top_p {} is outside (0, 1]", top_p);
    if (!(min_p >= 0.0f && min_p <= 1.0f))
        return Error::make(Errc::kInvalidArgument, "min_p {} is outside [0, 1]", min_p);
    if (!(repeat_penalty > 0.0f && repeat_penalty <= 10.0f))
        return Error::make(Errc::kInvalidArgument, "repeat_penalty {} is outside (0, 10]", repeat_penalty);
    if (!(frequency_penalty >= -2.0f && frequency_penalty <= 2.0f))
        return Error::make(Errc::kInvalidArgument, "frequency_penalty {} is outside -2..2", frequency_penalty);
    if (!(presence_penalty >= -2.0f && presence_penalty <= 2.0f))
        return Error::make(Errc::kInvalidArgument, "presence_penalty {} is outside -2..2", presence_penalty);
    if (repeat_last_n < -1) return Error::make(Errc::kInvalidArgument, "repeat_last_n {} is below -1", repeat_last_n);
    for (const auto& [id, delta] : logit_bias) {
        if (id < 0 || id >= n_vocab)
            return Error::make(Errc::kInvalidArgument, "logit_bias names token {}, outside the vocabulary (0..{})",
                               id, n_vocab - 1);
        if (std::isnan(delta)) return Error::make(Errc::kInvalidArgument, "logit_bias for token {} is NaN", id);
    }
    return {};
}

Sampler::Sampler(const SamplingParams& params, int64_t n_vocab, std::unique_ptr<SamplerStage> constraint)
    : params_(params), n_vocab_(n_vocab), rng_(params.seed) {
    if (!params.logit_bias.empty()) stages_.push_back(std::make_unique<LogitBiasStage>(params.logit_bias));
    if (params.repeat_penalty != 1.0f || params.frequency_penalty != 0.0f || params.presence_penalty != 0.0f)
        stages_.push_back(std::make_unique<PenaltyStage>(params.repeat_penalty, params.frequency_penalty,
                                                         params.presence_penalty, params.repeat_last_n));
    if (constraint) stages_.push_back(std::move(constraint));
    if (params.temperature <= 0.0f) return;  // greedy: argmax after bias and penalties
    if (params.top_k > 0) stages_.push_back(std::make_unique<TopKStage>(params.top_k));
    stages_.push_back(std::make_unique<TemperatureStage>(params.temperature));
    if (params.top_p < 1.0f) stages_.push_back(std::make_unique<TopPStage>(params.top_p));
    if (params.min_p > 0.0f) stages_.push_back(std::make_unique<MinPStage>(params.min_p));
}

int32_t Sampler::sample(std::span<const float> logits, std::span<const int32_t> history) {
    Candidates& c = candidates_;
    c.items.resize(static_cast<size_t>(n_vocab_));
    for (int64_t id = 0; id < n_vocab_; ++id)
        c.items[static_cast<size_t>(id)] = Candidate{static_cast<int32_t>(id), logits[static_cast<size_t>(id)], 0.0f};
    c.sorted = false;
    c.normalized = false;
    for (auto& stage : stages_) stage->apply(c, history);

    if (params_.temperature <= 0.0f) {
        // Greedy: the highest logit, lowest id on ties (deterministic).
        size_t best = 0;
        for (size_t idx = 1; idx < c.items.size(); ++idx)
            if (c.items[idx].logit > c.items[best].logit) best = idx;
        const Candidate winner = c.items[best];
        c.items.assign(1, Candidate{winner.id, winner.logit, 1.0f});
        c.sorted = c.normalized = true;
        return winner.id;
    }
    if (!c.normalized) softmax(c);
    // Inverse-CDF draw; uniform_real_distribution is avoided because its algorithm is not pinned
    // by the standard: this is reproducible across standard libraries.
    const double draw = static_cast<double>(rng_() >> 11) * 0x1.0p-53;
    double cumulative = 0.0;
    for (const Candidate& item : c.items) {
        cumulative += item.p;
        if (draw < cumulative) return item.id;
    }
    return c.items.back().id;
}

void log_softmax(std::span<const float> logits, std::span<float> out) {
    float max_logit = -std::numeric_limits<float>::infinity();
    for (float logit : logits) max_logit = std::max(max_logit, logit);
    double sum = 0.0;
    for (float logit : logits) sum += std::exp(static_cast<double>(logit - max_logit));
    const double log_sum = std::log(sum);
    for (size_t idx = 0; idx < logits.size(); ++idx)
        out[idx] = static_cast<float>(static_cast<double>(logits[idx] - max_logit) - log_sum);
}

}  // namespace hearth::engine
