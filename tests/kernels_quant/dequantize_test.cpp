// Known-answer decoding: for every type a block built by hand from the GGUF layout
// (tensor/blocks.h), decoded and compared with values worked out independently from the format
// definition: a few elements spelled out (spanning sub-blocks, bit planes and halves), plus the
// sum and the position-weighted sum of the whole block, which catch any element in the wrong
// place. All expected values are exact (power-of-two scales times integers).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <utility>
#include <vector>

#include "kernels/quant.h"
#include "tensor/blocks.h"
#include "tensor/half.h"

namespace hearth::kernels {
namespace {

struct Spot {
    int elem_idx;
    float value;
};

template <typename Block>
std::vector<float> decode(DType type, const Block& block) {
    const int64_t n = dtype_info(type).block_size;
    std::vector<float> out(static_cast<size_t>(n));
    dequantize_row(type, &block, out.data(), n);
    return out;
}

void expect_block(const std::vector<float>& out, const std::vector<Spot>& spots, double sum,
                  double weighted_sum) {
    for (const Spot& spot : spots)
        EXPECT_EQ(out[static_cast<size_t>(spot.elem_idx)], spot.value)
            << "element " << spot.elem_idx;
    double actual_sum = 0, actual_weighted = 0;
    for (size_t idx = 0; idx < out.size(); ++idx) {
        actual_sum += out[idx];
        actual_weighted += static_cast<double>(idx + 1) * out[idx];
    }
    EXPECT_EQ(actual_sum, sum);
    EXPECT_EQ(actual_weighted, weighted_sum);
}

// Byte patterns shared by the blocks below.
uint8_t nibble_pair(int lane) {
    return static_cast<uint8_t>(lane | ((15 - lane) << 4));
}
uint8_t pattern_a(int byte_idx) {
    return static_cast<uint8_t>(byte_idx * 37 + 11);
}
uint8_t pattern_b(int byte_idx) {
    return static_cast<uint8_t>(byte_idx * 53 + 7);
}

constexpr uint16_t kHalfQuarter = 0x3400;  // 0.25
constexpr uint16_t kHalfHalf = 0x3800;     // 0.5
constexpr uint16_t kHalfOne = 0x3c00;      // 1.0
constexpr uint16_t kHalfTwo = 0x4000;      // 2.0
constexpr uint16_t kHalfMinusOne = 0xbc00;

TEST(Dequantize, Q4_0) {
    BlockQ4_0 block;
    block.d = kHalfHalf;
    for (int lane = 0; lane < 16; ++lane) block.qs[lane] = nibble_pair(lane);
    // Element lane = (lane - 8) * 0.5 from the low nibble, element lane + 16 from the high one.
    expect_block(decode(DType::kQ4_0, block),
                 {{0, -4.0f}, {5, -1.5f}, {15, 3.5f}, {16, 3.5f}, {20, 1.5f}, {31, -4.0f}}, -8.0,
                 -132.0);
}

TEST(Dequantize, Q4_1) {
    BlockQ4_1 block;
    block.d = kHalfQuarter;
    block.m = kHalfMinusOne;
    for (int lane = 0; lane < 16; ++lane) block.qs[lane] = nibble_pair(lane);
    expect_block(decode(DType::kQ4_1, block),
                 {{0, -1.0f}, {7, 0.75f}, {15, 2.75f}, {16, 2.75f}, {31, -1.0f}}, 28.0, 462.0);
}

// qh = 0xa55af00f: the fifth bit of element e is bit e.
constexpr uint8_t kQ5High[4] = {0x0f, 0xf0, 0x5a, 0xa5};

TEST(Dequantize, Q5_0) {
    BlockQ5_0 block;
    block.d = kHalfOne;
    std::memcpy(block.qh, kQ5High, 4);
    for (int lane = 0; lane < 16; ++lane) block.qs[lane] = nibble_pair(lane);
    // Element 3: nibble 3, bit 3 set -> 19 - 16 = 3; element 4: nibble 4, bit clear -> -12.
    expect_block(decode(DType::kQ5_0, block),
                 {{0, 0.0f},
                  {3, 3.0f},
                  {4, -12.0f},
                  {15, 15.0f},
                  {16, -1.0f},
                  {19, 12.0f},
                  {24, 7.0f},
                  {31, 0.0f}},
                 -16.0, -264.0);
}

TEST(Dequantize, Q5_1) {
    BlockQ5_1 block;
    block.d = kHalfHalf;
    block.m = kHalfTwo;
    std::memcpy(block.qh, kQ5High, 4);
    for (int lane = 0; lane < 16; ++lane) block.qs[lane] = nibble_pair(lane);
    expect_block(decode(DType::kQ5_1, block),
                 {{0, 10.0f},
                  {3, 11.5f},
                  {4, 4.0f},
                  {15, 17.5f},
                  {16, 9.5f},
                  {19, 16.0f},
                  {24, 13.5f},
                  {31, 10.0f}},
                 312.0, 5148.0);
}

TEST(Dequantize, Q8_0) {
    BlockQ8_0 block;
    block.d = kHalfQuarter;
    for (int lane = 0; lane < 32; ++lane) block.qs[lane] = static_cast<int8_t>(lane * 8 - 128);
    expect_block(decode(DType::kQ8_0, block), {{0, -32.0f}, {1, -30.0f}, {16, 0.0f}, {31, 30.0f}},
                 -32.0, 4928.0);
}

TEST(Dequantize, Q2_K) {
    BlockQ2_K block;
    block.d = kHalfOne;
    block.dmin = kHalfHalf;
    // Sub-block s: scale s, min 15 - s.
    for (int sub_idx = 0; sub_idx < 16; ++sub_idx)
        block.scales[sub_idx] = static_cast<uint8_t>(sub_idx | ((15 - sub_idx) << 4));
    for (int byte_idx = 0; byte_idx < 64; ++byte_idx) block.qs[byte_idx] = pattern_a(byte_idx);
    // Element 40: sub-block 2 (scale 2, min 13), half 0, plane 1, lane 8: qs[8] = 0x33, whose
    // bits 2..3 are 0, so 1 * 2 * 0 - 0.5 * 13 = -6.5.
    expect_block(
        decode(DType::kQ2_K, block),
        {{0, -7.5f}, {17, -7.0f}, {40, -6.5f}, {100, 7.5f}, {130, 4.5f}, {200, 10.5f}, {255, 0.0f}},
        1973.0, 435662.0);
}

TEST(Dequantize, Q3_K) {
    BlockQ3_K block;
    block.d = kHalfHalf;
    for (int byte_idx = 0; byte_idx < 32; ++byte_idx) block.hmask[byte_idx] = pattern_b(byte_idx);
    for (int byte_idx = 0; byte_idx < 64; ++byte_idx) block.qs[byte_idx] = pattern_a(byte_idx);
    // Biased 6-bit scales (7 * s + 3) % 64 for sub-blocks s = 0..15, packed by hand: low nibbles
    // of s < 8 in bytes 0..7, of s >= 8 in their high halves, top bits in bytes 8..11.
    const uint8_t packed[12] = {0xb3, 0x2a, 0x91, 0x08, 0x7f, 0xe6,
                                0x5d, 0xc4, 0x74, 0x48, 0x89, 0x9d};
    std::memcpy(block.scales, packed, 12);
    expect_block(decode(DType::kQ3_K, block),
                 {{0, -43.5f},
                  {17, 44.0f},
                  {40, -0.0f},
                  {100, 13.0f},
                  {130, 13.5f},
                  {200, 13.5f},
                  {255, -24.0f}},
                 111.0, -11855.5);
}

// Q4_K / Q5_K scales (9 * s + 5) % 64 and mins (13 * s + 1) % 64 for s = 0..7, packed by hand.
constexpr uint8_t kK4Packed[12] = {0x85, 0xce, 0xd7, 0x20, 0xc1, 0x0e,
                                   0x1b, 0x68, 0x59, 0x22, 0xfb, 0xc4};

TEST(Dequantize, Q4_K) {
    BlockQ4_K block;
    block.d = kHalfOne;
    block.dmin = kHalfHalf;
    std::memcpy(block.scales, kK4Packed, 12);
    for (int byte_idx = 0; byte_idx < 128; ++byte_idx) block.qs[byte_idx] = pattern_a(byte_idx);
    expect_block(decode(DType::kQ4_K, block),
                 {{0, 54.5f},
                  {17, -0.5f},
                  {40, 35.0f},
                  {100, 76.0f},
                  {130, 178.5f},
                  {200, 169.5f},
                  {255, 10.0f}},
                 51528.0, 7735176.0);
}

TEST(Dequantize, Q5_K) {
    BlockQ5_K block;
    block.d = kHalfOne;
    block.dmin = kHalfHalf;
    std::memcpy(block.scales, kK4Packed, 12);
    for (int byte_idx = 0; byte_idx < 32; ++byte_idx) block.qh[byte_idx] = pattern_b(byte_idx);
    for (int byte_idx = 0; byte_idx < 128; ++byte_idx) block.qs[byte_idx] = pattern_a(byte_idx);
    expect_block(decode(DType::kQ5_K, block),
                 {{0, 134.5f},
                  {17, -0.5f},
                  {40, 259.0f},
                  {100, 588.0f},
                  {130, 834.5f},
                  {200, 169.5f},
                  {255, 10.0f}},
                 110632.0, 16649528.0);
}

TEST(Dequantize, Q6_K) {
    BlockQ6_K block;
    block.d = kHalfQuarter;
    for (int byte_idx = 0; byte_idx < 128; ++byte_idx) block.ql[byte_idx] = pattern_a(byte_idx);
    for (int byte_idx = 0; byte_idx < 64; ++byte_idx) block.qh[byte_idx] = pattern_b(byte_idx);
    for (int sub_idx = 0; sub_idx < 16; ++sub_idx)
        block.scales[sub_idx] = static_cast<int8_t>(sub_idx * 17 - 100);
    expect_block(decode(DType::kQ6_K, block),
                 {{0, -675.0f},
                  {17, 664.0f},
                  {40, -313.5f},
                  {100, 9.5f},
                  {130, -99.0f},
                  {200, -650.0f},
                  {255, 656.5f}},
                 -773.0, -212453.0);
}

TEST(Dequantize, Q8_K) {
    BlockQ8_K block;
    block.d = 0.125f;
    for (int elem_idx = 0; elem_idx < 256; ++elem_idx)
        block.qs[elem_idx] = static_cast<int8_t>(static_cast<uint8_t>(elem_idx * 3));
    std::memset(block.bsums, 0, sizeof(block.bsums));  // not used by decoding
    expect_block(decode(DType::kQ8_K, block), {{0, 0.0f}, {1, 0.375f}, {100, 5.5f}, {255, -0.375f}},
                 -16.0, -30272.0);
}

TEST(Dequantize, HalfPrecisionKnownValues) {
    const std::vector<std::pair<uint16_t, float>> halves = {
        {0x0000, 0.0f},     {0x3c00, 1.0f},
        {0xc000, -2.0f},    {0x7bff, 65504.0f},
        {0x0001, 0x1p-24f}, {0x03ff, 1023 * 0x1p-24f},
        {0x0400, 0x1p-14f}, {0x3555, 0.333251953125f},
        {0x7c00, INFINITY}, {0xfc00, -INFINITY}};
    for (const auto& [bits, value] : halves) {
        float out;
        dequantize_row(DType::kF16, &bits, &out, 1);
        EXPECT_EQ(out, value) << std::hex << bits;
    }
    const uint16_t negative_zero = 0x8000;
    float out;
    dequantize_row(DType::kF16, &negative_zero, &out, 1);
    EXPECT_TRUE(out == 0.0f && std::signbit(out));

    const std::vector<std::pair<uint16_t, float>> brains = {{0x3f80, 1.0f},
                                                            {0xc040, -3.0f},
                                                            {0x7f7f, 0x1.fep127f},
                                                            {0x0001, 0x1p-133f},
                                                            {0x7f80, INFINITY}};
    for (const auto& [bits, value] : brains) {
        dequantize_row(DType::kBF16, &bits, &out, 1);
        EXPECT_EQ(out, value) << std::hex << bits;
    }
}

TEST(Dequantize, SubnormalScales) {
    // A Q8_0 block whose scale is the smallest fp16 subnormal, and a Q4_K block whose d and dmin
    // are subnormal: the decoded values are exact multiples of 2^-24.
    BlockQ8_0 q8;
    q8.d = 0x0001;
    for (int lane = 0; lane < 32; ++lane) q8.qs[lane] = static_cast<int8_t>(lane - 16);
    const std::vector<float> q8_out = decode(DType::kQ8_0, q8);
    for (int lane = 0; lane < 32; ++lane)
        EXPECT_EQ(q8_out[static_cast<size_t>(lane)], static_cast<float>(lane - 16) * 0x1p-24f);

    BlockQ4_K q4;
    q4.d = 0x0003;     // 3 * 2^-24
    q4.dmin = 0x0200;  // 512 * 2^-24 = 2^-15
    std::memcpy(q4.scales, kK4Packed, 12);
    std::memset(q4.qs, 0x21, sizeof(q4.qs));  // level 1 in low nibbles, 2 in high nibbles
    const std::vector<float> q4_out = decode(DType::kQ4_K, q4);
    // Sub-block 0 (scale 5, min 1), level 1: 3 * 5 * 2^-24 - 2^-15.
    EXPECT_EQ(q4_out[0], 15 * 0x1p-24f - 0x1p-15f);
    // Sub-block 1 (scale 14, min 14), level 2: 3 * 14 * 2 * 2^-24 - 14 * 2^-15.
    EXPECT_EQ(q4_out[32], 84 * 0x1p-24f - 14 * 0x1p-15f);
}

TEST(Dequantize, UnalignedSourceAndManyBlocks) {
    // Three Q6_K blocks at an odd address decode like the same blocks one at a time.
    std::vector<uint8_t> bytes(3 * sizeof(BlockQ6_K) + 1);
    for (size_t idx = 0; idx < bytes.size(); ++idx) bytes[idx] = static_cast<uint8_t>(idx * 29 + 3);
    // Keep every d finite: byte 208..209 of each block.
    for (int block_idx = 0; block_idx < 3; ++block_idx) {
        const uint16_t d = 0x2c00;  // 1/16
        std::memcpy(bytes.data() + 1 + block_idx * sizeof(BlockQ6_K) + 208, &d, 2);
    }
    std::vector<float> all(3 * 256);
    dequantize_row(DType::kQ6_K, bytes.data() + 1, all.data(), 3 * 256);
    for (int block_idx = 0; block_idx < 3; ++block_idx) {
        BlockQ6_K block;
        std::memcpy(&block, bytes.data() + 1 + block_idx * sizeof(BlockQ6_K), sizeof(block));
        const std::vector<float> one = decode(DType::kQ6_K, block);
        for (int elem_idx = 0; elem_idx < 256; ++elem_idx)
            ASSERT_EQ(all[static_cast<size_t>(block_idx * 256 + elem_idx)],
                      one[static_cast<size_t>(elem_idx)]);
    }
}

}  // namespace
}  // namespace hearth::kernels
