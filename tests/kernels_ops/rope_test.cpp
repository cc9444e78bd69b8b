// kernels/rope.h: hand-computed angles and rotations for small cases (the expected numbers were
// worked out with Python's math module from the formulas in kernels/rope.cpp), and the identities
// the scalings must satisfy.
#include "kernels/rope.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace hearth::kernels {
namespace {

std::vector<float> cache_at(const RopeConfig& config, int64_t pos) {
    std::vector<float> cos_sin(static_cast<size_t>(config.n_dims));
    rope_cache(config, pos, cos_sin.data());
    return cos_sin;
}

TEST(Rope, PositionZeroIsTheIdentityTimesMscale) {
    RopeConfig config;
    config.n_dims = 16;
    config.attn_factor = 1.5f;
    const std::vector<float> cos_sin = cache_at(config, 0);
    for (int pair_idx = 0; pair_idx < 8; ++pair_idx) {
        EXPECT_EQ(cos_sin[2 * pair_idx], 1.5f);
        EXPECT_EQ(cos_sin[2 * pair_idx + 1], 0.0f);
    }
}

TEST(Rope, HandComputedNormalPairing) {
    // n_dims 4, base 10000, pos 1: theta_0 = 1, theta_1 = 10000^(-1/2) = 0.01.
    RopeConfig config;
    config.n_dims = 4;
    const std::vector<float> cos_sin = cache_at(config, 1);
    EXPECT_FLOAT_EQ(cos_sin[0], 0.5403023058681398f);
    EXPECT_FLOAT_EQ(cos_sin[1], 0.8414709848078965f);
    EXPECT_FLOAT_EQ(cos_sin[2], 0.9999500004166653f);
    EXPECT_FLOAT_EQ(cos_sin[3], 0.009999833334166664f);

    // Pairs (x0, x1) by 1 rad and (x2, x3) by 0.01 rad; x4, x5 are past n_dims and stay.
    std::vector<float> x = {1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f};
    rope_apply(x.data(), cos_sin.data(), 4, RopeMode::kNormal);
    EXPECT_FLOAT_EQ(x[0], -1.1426396637476532f);
    EXPECT_FLOAT_EQ(x[1], 1.922075596544176f);
    EXPECT_FLOAT_EQ(x[2], 2.9598506679133294f);
    EXPECT_FLOAT_EQ(x[3], 4.029799501669161f);
    EXPECT_EQ(x[4], 5.0f);
    EXPECT_EQ(x[5], 6.0f);
}

TEST(Rope, HandComputedNeoxPairing) {
    RopeConfig config;
    config.n_dims = 4;
    config.mode = RopeMode::kNeox;
    const std::vector<float> cos_sin = cache_at(config, 1);
    // Pairs (x0, x2) by 1 rad and (x1, x3) by 0.01 rad.
    std::vector<float> x = {1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f};
    rope_apply(x.data(), cos_sin.data(), 4, RopeMode::kNeox);
    EXPECT_FLOAT_EQ(x[0], -1.9841106485555495f);
    EXPECT_FLOAT_EQ(x[1], 1.959900667496664f);
    EXPECT_FLOAT_EQ(x[2], 2.4623779024123156f);
    EXPECT_FLOAT_EQ(x[3], 4.019799668334994f);
    EXPECT_EQ(x[4], 5.0f);
    EXPECT_EQ(x[5], 6.0f);
}

TEST(Rope, NeoxIsNormalOnPermutedDimensions) {
    // Interleaving the two halves of a NeoX head gives the normal layout: the same rotation.
    const int n_dims = 64;
    RopeConfig config;
    config.n_dims = n_dims;
    config.freq_base = 500000.0f;
    const std::vector<float> cos_sin = cache_at(config, 4321);
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> dist(-2.0f, 2.0f);
    std::vector<float> neox(n_dims), normal(n_dims);
    for (int pair_idx = 0; pair_idx < n_dims / 2; ++pair_idx) {
        neox[pair_idx] = normal[2 * pair_idx] = dist(rng);
        neox[pair_idx + n_dims / 2] = normal[2 * pair_idx + 1] = dist(rng);
    }
    rope_apply(neox.data(), cos_sin.data(), n_dims, RopeMode::kNeox);
    rope_apply(normal.data(), cos_sin.data(), n_dims, RopeMode::kNormal);
    for (int pair_idx = 0; pair_idx < n_dims / 2; ++pair_idx) {
        EXPECT_EQ(neox[pair_idx], normal[2 * pair_idx]);
        EXPECT_EQ(neox[pair_idx + n_dims / 2], normal[2 * pair_idx + 1]);
    }
    // And it is not the identity: the layouts really differ.
    std::vector<float> x(n_dims);
    for (int dim_idx = 0; dim_idx < n_dims; ++dim_idx) x[dim_idx] = static_cast<float>(dim_idx + 1);
    std::vector<float> as_neox = x, as_normal = x;
    rope_apply(as_neox.data(), cos_sin.data(), n_dims, RopeMode::kNeox);
    rope_apply(as_normal.data(), cos_sin.data(), n_dims, RopeMode::kNormal);
    EXPECT_NE(as_neox, as_normal);
}

TEST(Rope, RotationPreservesNormWhenMscaleIsOne) {
    std::mt19937 rng(2);
    std::uniform_real_distribution<float> dist(-3.0f, 3.0f);
    for (RopeMode mode : {RopeMode::kNormal, RopeMode::kNeox}) {
        for (int64_t pos : {1, 17, 4096, 123457}) {
            RopeConfig config;
            config.n_dims = 128;
            config.mode = mode;
            const std::vector<float> cos_sin = cache_at(config, pos);
            std::vector<float> x(128);
            for (float& value : x) value = dist(rng);
            double norm_before = 0.0, norm_after = 0.0;
            for (float value : x) norm_before += static_cast<double>(value) * value;
            rope_apply(x.data(), cos_sin.data(), 128, mode);
            for (float value : x) norm_after += static_cast<double>(value) * value;
            EXPECT_NEAR(norm_after / norm_before, 1.0, 1e-6) << "pos " << pos;
        }
    }
}

TEST(Rope, LinearScalingDividesThePosition) {
    RopeConfig plain;
    plain.n_dims = 32;
    RopeConfig scaled = plain;
    scaled.freq_scale = 0.25f;
    const std::vector<float> expected = cache_at(plain, 250);
    const std::vector<float> actual = cache_at(scaled, 1000);
    for (int idx = 0; idx < 32; ++idx) EXPECT_FLOAT_EQ(actual[idx], expected[idx]) << idx;
}

TEST(Rope, FreqFactorsDivideTheta) {
    // freq_factors[i] = 2^k_i turns pair i at position 64 as far as plain pair i at 64 / 2^k_i.
    const int n_dims = 16;
    const std::vector<float> factors = {1, 2, 4, 8, 1, 2, 4, 8};
    RopeConfig plain;
    plain.n_dims = n_dims;
    RopeConfig llama3 = plain;
    llama3.freq_factors = factors.data();
    const std::vector<float> actual = cache_at(llama3, 64);
    for (int pair_idx = 0; pair_idx < n_dims / 2; ++pair_idx) {
        const std::vector<float> expected =
            cache_at(plain, 64 / static_cast<int64_t>(factors[pair_idx]));
        EXPECT_FLOAT_EQ(actual[2 * pair_idx], expected[2 * pair_idx]) << pair_idx;
        EXPECT_FLOAT_EQ(actual[2 * pair_idx + 1], expected[2 * pair_idx + 1]) << pair_idx;
    }
}

TEST(Rope, YarnDisabledIsPlainLinearScaling) {
    RopeConfig plain;
    plain.n_dims = 64;
    plain.freq_scale = 0.5f;
    plain.attn_factor = 1.25f;
    RopeConfig yarn_off = plain;
    yarn_off.ext_factor = 0.0f;
    yarn_off.beta_fast = 24.0f;
    yarn_off.beta_slow = 2.0f;
    yarn_off.n_ctx_orig = 2048;
    EXPECT_EQ(cache_at(yarn_off, 3000), cache_at(plain, 3000));
    // attn_factor scales magnitudes only.
    RopeConfig unit = plain;
    unit.attn_factor = 1.0f;
    const std::vector<float> scaled = cache_at(plain, 3000);
    const std::vector<float> unscaled = cache_at(unit, 3000);
    for (int idx = 0; idx < 64; ++idx) EXPECT_FLOAT_EQ(scaled[idx], 1.25f * unscaled[idx]);
}

RopeConfig yarn_config(float ext_factor) {
    // n_dims 8, base 10000, n_ctx_orig 4096: corr_dim(32) = 1.309 -> low 1,
    // corr_dim(1) = 2.814 -> high 3; ramp over pairs = {1, 1, 0.5, 0};
    // mscale = 1 + 0.1 ln 4 = 1.138629436.
    RopeConfig config;
    config.n_dims = 8;
    config.freq_scale = 0.25f;
    config.ext_factor = ext_factor;
    config.beta_fast = 32.0f;
    config.beta_slow = 1.0f;
    config.n_ctx_orig = 4096;
    return config;
}

TEST(Rope, YarnHandComputed) {
    // pos 100: theta_extrap = {100, 10, 1, 0.1}, theta_interp = theta_extrap / 4.
    // mix = ramp: theta = {100, 10, 0.625, 0.025}.
    const std::vector<float> full = cache_at(yarn_config(1.0f), 100);
    const std::vector<float> expected_full = {
        0.9818616513016518f, -0.5765628244032905f, -0.9553915420099455f, -0.6194384507249809f,
        0.9233864794698459f, 0.666208977958861f,   1.1382736329451981f,  0.028462770814637044f};
    for (int idx = 0; idx < 8; ++idx) EXPECT_NEAR(full[idx], expected_full[idx], 2e-6) << idx;

    // ext_factor 0.5 halves the mix: theta = {62.5, 6.25, 0.4375, 0.025}.
    const std::vector<float> half = cache_at(yarn_config(0.5f), 100);
    const std::vector<float> expected_half = {
        1.076506092564084f,  -0.37096040954947473f, 1.1380025274954173f, -0.03777883262818219f,
        1.0313861235817978f, 0.48241025783415803f,  1.1382736329451981f, 0.028462770814637044f};
    for (int idx = 0; idx < 8; ++idx) EXPECT_NEAR(half[idx], expected_half[idx], 2e-6) << idx;
}

TEST(Rope, YarnMscaleFollowsAttnFactor) {
    RopeConfig config = yarn_config(1.0f);
    const std::vector<float> unit = cache_at(config, 77);
    config.attn_factor = 0.5f;
    const std::vector<float> halved = cache_at(config, 77);
    for (int idx = 0; idx < 8; ++idx) EXPECT_FLOAT_EQ(halved[idx], 0.5f * unit[idx]);
}

}  // namespace
}  // namespace hearth::kernels
