// F16 / BF16 through quantize_row / dequantize_row: exact for every representable value, round to
// nearest even otherwise, overflow refused.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/quant.h"
#include "tensor/half.h"

namespace hearth::kernels {
namespace {

uint16_t encode_one(DType type, float value) {
    uint16_t bits = 0xdead;
    const Status status = quantize_row(type, &value, &bits, 1);
    EXPECT_TRUE(status.ok()) << value;
    return bits;
}

// Every finite half (and bfloat16) decodes and encodes back to the same bits, signed zeros and
// subnormals included.
TEST(HalfConversions, EveryFiniteValueRoundTripsExactly) {
    for (const DType type : {DType::kF16, DType::kBF16}) {
        const uint16_t exponent_mask = type == DType::kF16 ? 0x7c00 : 0x7f80;
        std::vector<uint16_t> halves;
        for (uint32_t bits = 0; bits <= 0xffff; ++bits)
            if ((bits & exponent_mask) != exponent_mask)
                halves.push_back(static_cast<uint16_t>(bits));
        std::vector<float> values(halves.size());
        dequantize_row(type, halves.data(), values.data(), std::ssize(halves));
        std::vector<uint16_t> again(halves.size());
        ASSERT_TRUE(quantize_row(type, values.data(), again.data(), std::ssize(values)).ok());
        for (size_t idx = 0; idx < halves.size(); ++idx)
            ASSERT_EQ(again[idx], halves[idx]) << dtype_name(type) << " value " << values[idx];
    }
}

TEST(HalfConversions, F16RoundsToNearestEven) {
    // Halfway between 1 and the next half (1 + 2^-10) goes to the even one, 1.
    EXPECT_EQ(encode_one(DType::kF16, 1.0f + 0x1p-11f), 0x3c00);
    // Halfway between 1 + 2^-10 (odd) and 1 + 2^-9 (even) goes up.
    EXPECT_EQ(encode_one(DType::kF16, 1.0f + 3 * 0x1p-11f), 0x3c02);
    // Just past halfway goes up, just short goes down.
    EXPECT_EQ(encode_one(DType::kF16, 1.0f + 0x1p-11f + 0x1p-20f), 0x3c01);
    EXPECT_EQ(encode_one(DType::kF16, 1.0f + 0x1p-11f - 0x1p-20f), 0x3c00);
    EXPECT_EQ(encode_one(DType::kF16, -(1.0f + 3 * 0x1p-11f)), 0xbc02);
    // Subnormals: 2^-25 is halfway between 0 and the smallest half, so 0; 3 * 2^-26 rounds up;
    // 3 * 2^-25 is halfway between 1 and 2 units and goes to 2.
    EXPECT_EQ(encode_one(DType::kF16, 0x1p-25f), 0x0000);
    EXPECT_EQ(encode_one(DType::kF16, 3 * 0x1p-26f), 0x0001);
    EXPECT_EQ(encode_one(DType::kF16, 3 * 0x1p-25f), 0x0002);
    // The largest subnormal rounds up into the smallest normal.
    EXPECT_EQ(encode_one(DType::kF16, 0x1p-14f - 0x1p-26f), 0x0400);
    // Below 65520 rounds to the largest finite half.
    EXPECT_EQ(encode_one(DType::kF16, 65519.0f), 0x7bff);
    EXPECT_EQ(encode_one(DType::kF16, 1e-30f), 0x0000);
    EXPECT_EQ(encode_one(DType::kF16, -1e-30f), 0x8000);
}

TEST(HalfConversions, Bf16RoundsToNearestEven) {
    EXPECT_EQ(encode_one(DType::kBF16, 1.0f + 0x1p-8f), 0x3f80);      // tie, to even
    EXPECT_EQ(encode_one(DType::kBF16, 1.0f + 3 * 0x1p-8f), 0x3f82);  // tie, to even (up)
    EXPECT_EQ(encode_one(DType::kBF16, 1.0f + 0x1p-8f + 0x1p-20f), 0x3f81);
    EXPECT_EQ(encode_one(DType::kBF16, -2.0f - 0x1p-7f), 0xc000);  // tie, to even
    // Subnormals: 2^-133 is the smallest bfloat16; 3 * 2^-135 (0.75 of it) rounds up to it,
    // 2^-134 (half of it) to even (zero), 2^-140 to zero.
    EXPECT_EQ(encode_one(DType::kBF16, 0x1p-133f), 0x0001);
    EXPECT_EQ(encode_one(DType::kBF16, 3 * 0x1p-135f), 0x0001);
    EXPECT_EQ(encode_one(DType::kBF16, 0x1p-134f), 0x0000);
    EXPECT_EQ(encode_one(DType::kBF16, -0x1p-140f), 0x8000);
    EXPECT_EQ(encode_one(DType::kBF16, 0x1.fep127f), 0x7f7f);  // the largest finite bfloat16
}

TEST(HalfConversions, OverflowIsRefused) {
    struct Case {
        DType type;
        float value;
    };
    for (const Case& item : {Case{DType::kF16, 65520.0f}, Case{DType::kF16, -1e6f},
                             Case{DType::kBF16, FLT_MAX}, Case{DType::kBF16, -0x1.ffp127f}}) {
        float values[2] = {1.0f, item.value};
        uint16_t bits[2];
        const Status status = quantize_row(item.type, values, bits, 2);
        ASSERT_FALSE(status.ok()) << item.value;
        EXPECT_EQ(status.error().code, Errc::kInvalidArgument);
        EXPECT_NE(status.error().message.find("element 1"), std::string::npos)
            << status.error().message;
    }
}

TEST(HalfConversions, F32IsACopy) {
    const float values[3] = {1.5f, -0.0f, FLT_MIN / 4};
    float stored[3];
    ASSERT_TRUE(quantize_row(DType::kF32, values, stored, 3).ok());
    float decoded[3];
    dequantize_row(DType::kF32, stored, decoded, 3);
    EXPECT_EQ(std::memcmp(decoded, values, sizeof(values)), 0);
}

}  // namespace
}  // namespace hearth::kernels
