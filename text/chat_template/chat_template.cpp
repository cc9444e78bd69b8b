#include "text/chat_template/chat_template.h"

#include <new>

#include "text/chat_template/ast.h"
#include "text/chat_template/evaluator.h"
#include "text/chat_template/lexer.h"
#include "text/chat_template/parser.h"
#include "text/chat_template/syntax_error.h"

namespace hearth::text {

struct ChatTemplate::Program {
    std::string source;  // newline-normalised: what error offsets refer to
    jinja::NodeList nodes;
    ChatTemplateLimits limits;
};

namespace {

Error to_error(const jinja::TemplateError& error, std::string_view source) {
    if (error.kind == jinja::TemplateError::Kind::kRaised) {
        return Error{Errc::kInvalidArgument, error.message};
    }
    const bool limit = error.kind == jinja::TemplateError::Kind::kLimit;
    return Error::make(limit ? Errc::kResourceExhausted : Errc::kInvalidArgument,
                       "chat template: {}: {}", jinja::describe_position(source, error.offset),
                       error.message);
}

}  // namespace

Result<ChatTemplate> ChatTemplate::parse(std::string_view source, ChatTemplateLimits limits) {
    if (source.size() > limits.max_source_bytes) {
        return Error::make(Errc::kOutOfRange, "chat template of {} bytes is over the limit of {}",
                           source.size(), limits.max_source_bytes);
    }
    auto program = std::make_shared<Program>();
    program->source = jinja::normalize_source(source);
    program->limits = limits;
    try {
        const std::vector<jinja::Token> tokens = jinja::lex(program->source, jinja::LexOptions{});
        program->nodes = jinja::parse(tokens, program->limits);
    } catch (const jinja::TemplateError& error) {
        return to_error(error, program->source);
    } catch (const std::bad_alloc&) {
        return Error::make(Errc::kResourceExhausted, "chat template: out of memory while parsing");
    }
    return ChatTemplate(std::move(program));
}

Result<std::string> ChatTemplate::render(const ChatContext& context) const {
    using jinja::Value;
    std::vector<Value> messages;
    messages.reserve(context.messages.size());
    for (const ChatMessage& message : context.messages) {
        messages.push_back(Value::dict(
            {{"role", Value::string(message.role)}, {"content", Value::string(message.content)}}));
    }
    const jinja::Globals globals = {
        {"messages", Value::list(std::move(messages))},
        {"add_generation_prompt", Value::boolean(context.add_generation_prompt)},
        {"bos_token", Value::string(context.bos_token)},
        {"eos_token", Value::string(context.eos_token)},
        {"tools", Value::none()},
        {"tool_choice", Value::none()},
    };
    try {
        return jinja::render(program_->nodes, globals, program_->limits);
    } catch (const jinja::TemplateError& error) {
        return to_error(error, program_->source);
    } catch (const std::bad_alloc&) {
        return Error::make(Errc::kResourceExhausted,
                           "chat template: out of memory while rendering");
    }
}

const std::string& ChatTemplate::source() const {
    return program_->source;
}

}  // namespace hearth::text
