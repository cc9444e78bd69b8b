// The error the chat-template lexer, parser and evaluator raise internally. It never leaves the
// chat_template folder: ChatTemplate::parse() and render() catch it and return a hearth::Error
// whose message names the line and column ("line 3, column 12: unknown filter 'frobnicate'").
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace hearth::text::jinja {

struct TemplateError {
    enum class Kind {
        kSyntax,  // the template is malformed
        kRender,  // evaluating it failed (a type error, an undefined attribute, a limit)
        kRaised,  // the template called raise_exception(message)
        kLimit,   // a ChatTemplateLimits bound was reached
    };
    Kind kind = Kind::kSyntax;
    size_t offset = 0;  // byte offset in the (newline-normalised) source
    std::string message;
};

[[noreturn]] inline void fail(TemplateError::Kind kind, size_t offset, std::string message) {
    throw TemplateError{kind, offset, std::move(message)};
}

// "line L, column C" (both 1-based; columns count bytes) of a byte offset in `source`.
std::string describe_position(std::string_view source, size_t offset);

}  // namespace hearth::text::jinja
