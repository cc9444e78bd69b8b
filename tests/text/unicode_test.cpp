// The generated Unicode class tables and GPT-2's byte-level alphabet.
#include "text/unicode.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "text/byte_level.h"
#include "text/utf8.h"

namespace hearth::text {
namespace {

TEST(Unicode, ClassesOfKnownCodePoints) {
    EXPECT_TRUE(unicode::is_letter('a'));
    EXPECT_TRUE(unicode::is_letter(0xE9));     // é
    EXPECT_TRUE(unicode::is_letter(0x4E2D));   // 中
    EXPECT_TRUE(unicode::is_letter(0x17F));    // ſ
    EXPECT_FALSE(unicode::is_letter(0x301));   // combining acute accent (Mn)
    EXPECT_FALSE(unicode::is_letter(0x1F999)); // 🦙
    EXPECT_TRUE(unicode::is_number('7'));
    EXPECT_TRUE(unicode::is_number(0x663));    // ٣ (Nd)
    EXPECT_TRUE(unicode::is_number(0xB2));     // ² (No)
    EXPECT_TRUE(unicode::is_number(0x216B));   // Ⅻ (Nl)
    EXPECT_FALSE(unicode::is_number('x'));
    for (uint32_t code_point : {0x09u, 0x0Au, 0x0Bu, 0x0Cu, 0x0Du, 0x20u, 0x85u, 0xA0u, 0x1680u,
                                0x2000u, 0x200Au, 0x2028u, 0x2029u, 0x202Fu, 0x205Fu, 0x3000u})
        EXPECT_TRUE(unicode::is_whitespace(code_point)) << code_point;
    // Python's str.isspace() counts the information separators; White_Space does not.
    for (uint32_t code_point : {0x1Cu, 0x1Du, 0x1Eu, 0x1Fu, 0x200Bu, 0x180Eu})
        EXPECT_FALSE(unicode::is_whitespace(code_point)) << code_point;
    EXPECT_EQ(unicode::classes(utf8::kInvalid), 0);
    EXPECT_EQ(unicode::classes(0x110000), 0);
    EXPECT_EQ(unicode::classes(0x10FFFF), 0);
}

TEST(Unicode, RunTableIsSortedFromZero) {
    const auto runs = unicode::class_runs();
    ASSERT_GT(runs.size(), 1000u);
    EXPECT_EQ(runs[0] >> 3, 0u);
    for (size_t idx = 1; idx < runs.size(); ++idx) {
        EXPECT_LT(runs[idx - 1] >> 3, runs[idx] >> 3);
        EXPECT_NE(runs[idx - 1] & 7, runs[idx] & 7);  // maximal runs
    }
    for (uint32_t code_point = 0; code_point < 128; ++code_point) {
        // The ASCII fast path agrees with the run table.
        auto it = std::upper_bound(runs.begin(), runs.end(), (code_point << 3) | 7);
        EXPECT_EQ(unicode::ascii_class_flags()[code_point], *(it - 1) & 7) << code_point;
    }
}

TEST(ByteLevel, AlphabetIsGpt2s) {
    EXPECT_EQ(byte_level::byte_to_code_point(' '), 0x120u);   // Ġ
    EXPECT_EQ(byte_level::byte_to_code_point('\n'), 0x10Au);  // Ċ
    EXPECT_EQ(byte_level::byte_to_code_point('A'), uint32_t{'A'});
    EXPECT_EQ(byte_level::byte_to_code_point(0xAD), 0x143u);  // soft hyphen is the last extra
    EXPECT_EQ(byte_level::byte_to_code_point(0xFF), 0xFFu);
    std::set<uint32_t> seen;
    for (int byte = 0; byte < 256; ++byte) {
        const uint32_t code_point = byte_level::byte_to_code_point(static_cast<uint8_t>(byte));
        EXPECT_TRUE(seen.insert(code_point).second);
        EXPECT_EQ(byte_level::code_point_to_byte(code_point), static_cast<uint8_t>(byte));
        std::string utf8;
        utf8::append(utf8, code_point);
        EXPECT_EQ(byte_level::byte_to_utf8(static_cast<uint8_t>(byte)), utf8);
    }
    EXPECT_FALSE(byte_level::code_point_to_byte(0x144).has_value());
    EXPECT_FALSE(byte_level::code_point_to_byte(0x7F).has_value());  // DEL maps to U+0121
    EXPECT_EQ(byte_level::encode("a b\n"), "a\xC4\xA0" "b\xC4\x8A");
}

}  // namespace
}  // namespace hearth::text
