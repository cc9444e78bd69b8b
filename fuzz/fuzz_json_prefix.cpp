// Fuzzes the JSON-prefix validator (text/json_prefix.h) against nlohmann-json: a text it calls a
// complete object must parse as one; a text it accepts as an unfinished prefix must not parse;
// a text it refuses must not parse either, unless the refusal is one of the validator's own
// bounds (nesting deeper than kMaxDepth, numbers too long for a double) or nlohmann's habit of
// taking a NUL byte for the end of the input. Byte-at-a-time
// pushes, accepts() on copies and equality of copies must agree.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "text/json_prefix.h"

namespace {

using hearth::text::JsonPrefix;

// Whether the text may contain something the validator refuses by design although it is JSON.
bool exceeds_bounds(std::string_view text) {
    int depth = 0;
    int max_depth = 0;
    size_t digit_run = 0;
    for (size_t idx = 0; idx < text.size(); ++idx) {
        const char ch = text[idx];
        if (ch == '{' || ch == '[') max_depth = std::max(max_depth, ++depth);
        if (ch == '}' || ch == ']') --depth;
        digit_run = ch >= '0' && ch <= '9' ? digit_run + 1 : 0;
        if (digit_run > 2) return true;  // could be a long integer or exponent
    }
    return max_depth > JsonPrefix::kMaxDepth;
}

bool parses_as_object(std::string_view text) {
    if (!nlohmann::json::accept(text)) return false;
    return nlohmann::json::parse(text).is_object();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    JsonPrefix state;
    bool accepted = true;
    for (size_t idx = 0; idx < size && accepted; ++idx) {
        const JsonPrefix before = state;
        const bool predicted = before.accepts(text.substr(idx, 1));
        accepted = state.push_byte(data[idx]);
        if (predicted != accepted) std::abort();
        if (accepted && before == state && !(before.hash() == state.hash())) std::abort();
    }
    JsonPrefix whole;
    if (whole.push(text) != accepted) std::abort();
    if (accepted && !(whole == state)) std::abort();

    if (accepted && state.complete()) {
        if (!parses_as_object(text)) std::abort();
    } else if (accepted) {
        if (nlohmann::json::accept(text)) std::abort();  // unfinished, yet nlohmann took it
    } else if (text.find('\0') == std::string_view::npos && !exceeds_bounds(text) &&
               parses_as_object(text)) {
        std::abort();  // refused a valid object (nlohmann stops reading at a NUL byte: skipped)
    }
    return 0;
}
