#include "text/utf8.h"

#include <cassert>

namespace hearth::text::utf8 {
namespace {

// Allowed range of the second byte for a lead byte (Unicode Table 3-7); later continuation
// bytes are always 0x80..0xBF.
struct LeadInfo {
    uint32_t length;
    uint8_t second_min;
    uint8_t second_max;
};

LeadInfo lead_info(uint8_t lead) {
    if (lead >= 0xC2 && lead <= 0xDF) return {2, 0x80, 0xBF};
    if (lead == 0xE0) return {3, 0xA0, 0xBF};
    if (lead == 0xED) return {3, 0x80, 0x9F};
    if (lead >= 0xE1 && lead <= 0xEF) return {3, 0x80, 0xBF};
    if (lead == 0xF0) return {4, 0x90, 0xBF};
    if (lead >= 0xF1 && lead <= 0xF3) return {4, 0x80, 0xBF};
    if (lead == 0xF4) return {4, 0x80, 0x8F};
    return {0, 0, 0};  // 0x80..0xC1, 0xF5..0xFF: never a lead byte
}

}  // namespace

Decoded decode(std::string_view text, size_t offset) {
    assert(offset < text.size());
    const auto* bytes = reinterpret_cast<const uint8_t*>(text.data()) + offset;
    const size_t available = text.size() - offset;
    const uint8_t lead = bytes[0];
    if (lead < 0x80) return {lead, 1, false};
    const LeadInfo info = lead_info(lead);
    if (info.length == 0) return {kInvalid, 1, false};

    uint32_t code_point = lead & (0x7F >> info.length);
    for (uint32_t byte_idx = 1; byte_idx < info.length; ++byte_idx) {
        if (byte_idx >= available) return {kInvalid, byte_idx, true};
        const uint8_t byte = bytes[byte_idx];
        const uint8_t min = byte_idx == 1 ? info.second_min : 0x80;
        const uint8_t max = byte_idx == 1 ? info.second_max : 0xBF;
        if (byte < min || byte > max) return {kInvalid, byte_idx, false};
        code_point = (code_point << 6) | (byte & 0x3F);
    }
    return {code_point, info.length, false};
}

void append(std::string& out, uint32_t code_point) {
    assert(code_point <= 0x10FFFF && (code_point < 0xD800 || code_point > 0xDFFF));
    if (code_point < 0x80) {
        out += static_cast<char>(code_point);
    } else if (code_point < 0x800) {
        out += static_cast<char>(0xC0 | (code_point >> 6));
        out += static_cast<char>(0x80 | (code_point & 0x3F));
    } else if (code_point < 0x10000) {
        out += static_cast<char>(0xE0 | (code_point >> 12));
        out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code_point & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (code_point >> 18));
        out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code_point & 0x3F));
    }
}

bool is_valid(std::string_view text) {
    for (size_t offset = 0; offset < text.size();) {
        const Decoded unit = decode(text, offset);
        if (unit.code_point == kInvalid) return false;
        offset += unit.length;
    }
    return true;
}

}  // namespace hearth::text::utf8
