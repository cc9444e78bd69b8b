// Bounds on what one chat-template parse or render may cost, so a hostile template cannot crash
// (stack), hang (loops) or exhaust memory (strings, lists). A render that reaches a bound fails
// with an error naming it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hearth::text {

struct ChatTemplateLimits {
    size_t max_source_bytes = 1u << 20;   // template text
    int max_block_nesting = 64;           // {% if %} / {% for %} inside one another
    int max_expression_depth = 128;       // parenthesis, operators, filters inside one another
    int max_value_depth = 64;             // lists and dicts inside one another
    size_t max_output_bytes = 16u << 20;  // the rendered text, and any one string
    size_t max_list_items = 1u << 20;     // any one list
    uint64_t max_work = 20'000'000;  // evaluation steps (about 1 s; loops, filters, bytes / 64)
};

}  // namespace hearth::text
