#include "text/unicode.h"

#include <algorithm>

namespace hearth::text::unicode {

uint8_t classes(uint32_t code_point) {
    if (code_point < 0x80) return ascii_class_flags()[code_point];
    if (code_point > 0x10FFFF) return 0;
    const std::span<const uint32_t> runs = class_runs();
    // The run that contains code_point is the last one whose first code point is <= it.
    const uint32_t key = (code_point << 3) | 7;
    auto it = std::upper_bound(runs.begin(), runs.end(), key);
    return static_cast<uint8_t>(*(it - 1) & 7);
}

}  // namespace hearth::text::unicode
