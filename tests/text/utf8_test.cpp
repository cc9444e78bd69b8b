// UTF-8 decoding: well-formed sequences, and every way a sequence can be ill-formed.
#include "text/utf8.h"

#include <gtest/gtest.h>

namespace hearth::text::utf8 {
namespace {

TEST(Utf8, DecodesEachLength) {
    const std::string text = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\xA6\x99";  // a é € 🦙
    Decoded unit = decode(text, 0);
    EXPECT_EQ(unit.code_point, 'a');
    EXPECT_EQ(unit.length, 1u);
    unit = decode(text, 1);
    EXPECT_EQ(unit.code_point, 0xE9u);
    EXPECT_EQ(unit.length, 2u);
    unit = decode(text, 3);
    EXPECT_EQ(unit.code_point, 0x20ACu);
    EXPECT_EQ(unit.length, 3u);
    unit = decode(text, 6);
    EXPECT_EQ(unit.code_point, 0x1F999u);
    EXPECT_EQ(unit.length, 4u);
    EXPECT_TRUE(is_valid(text));
}

TEST(Utf8, IllFormedUnitsAreMaximalSubparts) {
    struct Case {
        std::string bytes;
        uint32_t length;
        bool truncated;
    };
    const Case cases[] = {
        {"\x80", 1, false},                 // lone continuation byte
        {"\xC0\xAF", 1, false},             // overlong lead byte
        {"\xE0\x80\x80", 1, false},         // overlong three-byte form
        {"\xED\xA0\x80", 1, false},         // surrogate U+D800
        {"\xF4\x90\x80\x80", 1, false},     // above U+10FFFF
        {"\xF5\x80", 1, false},             // never a lead byte
        {"\xE2\x82" "A", 2, false},         // broken after two bytes
        {"\xF0\x9F\xA6" "A", 3, false},     // broken after three bytes
        {"\xE2\x82", 2, true},              // text ends mid-character
        {"\xF0\x9F", 2, true},
        {"\xC3", 1, true},
    };
    for (const Case& test : cases) {
        const Decoded unit = decode(test.bytes, 0);
        EXPECT_EQ(unit.code_point, kInvalid) << testing::PrintToString(test.bytes);
        EXPECT_EQ(unit.length, test.length) << testing::PrintToString(test.bytes);
        EXPECT_EQ(unit.truncated, test.truncated) << testing::PrintToString(test.bytes);
        EXPECT_FALSE(is_valid(test.bytes));
    }
}

TEST(Utf8, AppendRoundTripsEveryScalarValue) {
    for (uint32_t code_point = 0; code_point <= 0x10FFFF; ++code_point) {
        if (code_point >= 0xD800 && code_point <= 0xDFFF) continue;
        std::string encoded;
        append(encoded, code_point);
        const Decoded unit = decode(encoded, 0);
        ASSERT_EQ(unit.code_point, code_point);
        ASSERT_EQ(unit.length, encoded.size());
    }
}

}  // namespace
}  // namespace hearth::text::utf8
