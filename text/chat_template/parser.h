// Recursive-descent parser for the Jinja2 subset chat templates use, following Jinja2's grammar
// and operator precedence (parser.py): statements if/elif/else, for (with unpacking, an `if`
// filter, else, loop controls break/continue), set (names, unpacking, ns.attribute, block set),
// generation; expressions with conditionals, or/and/not, chained comparisons and `in`, + - ~
// * / // % **, unary -/+, literals, attribute/subscript/slice access, calls, filters and tests.
// Throws TemplateError (kSyntax) naming the offending token, e.g. an unclosed block, an unknown
// filter or test, or a tag this subset does not implement (macro, include, ...).
#pragma once

#include <string_view>
#include <vector>

#include "text/chat_template/ast.h"
#include "text/chat_template/lexer.h"
#include "text/chat_template/limits.h"

namespace hearth::text::jinja {

NodeList parse(const std::vector<Token>& tokens, const ChatTemplateLimits& limits);

}  // namespace hearth::text::jinja
