// UTF-8 decoding and encoding for the tokenizers and the streaming detokenizer.
//
// Decoding is strict (Unicode Table 3-7): no overlong forms, no surrogates, nothing above
// U+10FFFF. Input that is not well formed is never rejected: each maximal ill-formed subpart
// (the longest prefix of a sequence that could still have become valid, or one byte) decodes as
// one unit with code point kInvalid, the way a lenient decoder turns it into one U+FFFD. The
// tokenizers keep the unit's original bytes; the stream decoder replaces it with U+FFFD.
// Pure functions: any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace hearth::text::utf8 {

inline constexpr uint32_t kInvalid = 0xFFFFFFFFu;    // code point of an ill-formed unit
inline constexpr uint32_t kReplacement = 0xFFFDu;    // U+FFFD REPLACEMENT CHARACTER
inline constexpr std::string_view kReplacementUtf8 = "\xEF\xBF\xBD";

struct Decoded {
    uint32_t code_point = kInvalid;  // kInvalid when the unit is ill-formed
    uint32_t length = 1;             // bytes of the unit, 1..4; never 0
    bool truncated = false;          // ill-formed only because the text ended mid-sequence
};

// Decodes the unit that starts at text[offset] (offset < text.size()).
Decoded decode(std::string_view text, size_t offset);

// Appends the UTF-8 encoding of a scalar value (code_point <= 0x10FFFF, not a surrogate).
void append(std::string& out, uint32_t code_point);

// True if the whole text is well-formed UTF-8.
bool is_valid(std::string_view text);

}  // namespace hearth::text::utf8
