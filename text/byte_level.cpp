#include "text/byte_level.h"

#include <array>

#include "text/utf8.h"

namespace hearth::text::byte_level {
namespace {

bool maps_to_itself(uint32_t byte) {
    return (byte >= '!' && byte <= '~') || (byte >= 0xA1 && byte <= 0xAC) ||
           (byte >= 0xAE && byte <= 0xFF);
}

struct Tables {
    std::array<uint32_t, 256> code_points{};
    std::array<std::string, 256> utf8;
    std::array<int16_t, 0x144> bytes{};  // code point -> byte, -1 if none

    Tables() {
        bytes.fill(-1);
        uint32_t next_extra = 0x100;
        for (uint32_t byte = 0; byte < 256; ++byte) {
            const uint32_t code_point = maps_to_itself(byte) ? byte : next_extra++;
            code_points[byte] = code_point;
            utf8::append(utf8[byte], code_point);
            bytes[code_point] = static_cast<int16_t>(byte);
        }
    }
};

const Tables& tables() {
    static const Tables instance;  // thread-safe initialisation
    return instance;
}

}  // namespace

uint32_t byte_to_code_point(uint8_t byte) { return tables().code_points[byte]; }

std::string_view byte_to_utf8(uint8_t byte) { return tables().utf8[byte]; }

std::optional<uint8_t> code_point_to_byte(uint32_t code_point) {
    if (code_point >= tables().bytes.size()) return std::nullopt;
    const int16_t byte = tables().bytes[code_point];
    if (byte < 0) return std::nullopt;
    return static_cast<uint8_t>(byte);
}

std::string encode(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size() * 2);
    for (char ch : bytes) out += byte_to_utf8(static_cast<uint8_t>(ch));
    return out;
}

}  // namespace hearth::text::byte_level
