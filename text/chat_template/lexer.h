// Splits a Jinja2 template into text and the tokens inside its tags, exactly as Jinja2's lexer
// does with the settings Hugging Face renders chat templates with (trim_blocks, lstrip_blocks):
//   - line breaks (\r\n, \r, \n) become \n and one trailing newline of the template is dropped;
//   - {%- / {{- / {#- strip all whitespace before the tag, -%} / -}} / -#} all after it;
//   - trim_blocks: the first newline after %} or #} is dropped;
//   - lstrip_blocks: spaces and tabs from the start of a line to a {% or {# are dropped;
//     {%+ keeps them, +%} keeps the newline;
//   - {% raw %}...{% endraw %} is text;
//   - inside a tag, %} and }} end it only outside brackets ({{ {'a': {'b': 1}} }} works).
// Throws TemplateError (kSyntax) for unterminated tags, comments, strings and stray characters.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::text::jinja {

enum class TokenKind : uint8_t {
    kText,        // text: literal output
    kVarBegin,    // {{
    kVarEnd,      // }}
    kBlockBegin,  // {%
    kBlockEnd,    // %}
    kName,        // identifier
    kString,      // string literal, escapes decoded
    kInt,
    kFloat,
    kOperator,  // + - * / // % ** ~ == != < <= > >= = . : | , ; ( ) [ ] { }
    kEnd,       // end of the template
};

struct Token {
    TokenKind kind = TokenKind::kEnd;
    std::string text;  // text, name, decoded string or operator
    int64_t int_value = 0;
    double float_value = 0;
    size_t offset = 0;  // in the normalised source
};

struct LexOptions {
    bool trim_blocks = true;
    bool lstrip_blocks = true;
};

// The source with line breaks normalised and one trailing newline dropped (what offsets in
// tokens and errors refer to).
std::string normalize_source(std::string_view source);

// Tokens of a normalised source, ending with one kEnd.
std::vector<Token> lex(std::string_view normalized, const LexOptions& options);

}  // namespace hearth::text::jinja
