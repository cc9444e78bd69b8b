// GPT-2's byte-level alphabet: every byte 0..255 stands for one printable code point, so that
// byte-level BPE vocabularies are strings of visible characters. Bytes that are printable
// Latin-1 ('!'..'~', U+00A1..U+00AC, U+00AE..U+00FF) map to themselves; the other 68 map, in
// byte order, to U+0100..U+0143 (so ' ' is 'Ġ' U+0120 and '\n' is 'Ċ' U+010A).
// Pure functions over constant tables: any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hearth::text::byte_level {

uint32_t byte_to_code_point(uint8_t byte);
// The UTF-8 encoding of byte_to_code_point(byte) (1 or 2 bytes).
std::string_view byte_to_utf8(uint8_t byte);
// The inverse: the byte a code point stands for, if it is one of the 256.
std::optional<uint8_t> code_point_to_byte(uint32_t code_point);

// Maps every byte of `bytes` (any bytes, not necessarily UTF-8) to its character.
std::string encode(std::string_view bytes);

}  // namespace hearth::text::byte_level
