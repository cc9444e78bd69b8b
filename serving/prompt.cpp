#include "serving/prompt.h"

#include "text/chat_template/builtin_templates.h"
#include "text/chat_template/chat_template.h"

namespace hearth::serving {

Result<std::string> render_chat(const arch::LlmModel& model, const std::vector<ChatMessage>& messages,
                                bool add_generation_prompt, const std::string& override_template) {
    const text::Tokenizer& tokenizer = model.tokenizer();
    std::string_view source = override_template;
    if (source.empty()) source = model.chat_template();
    if (source.empty()) source = text::builtin_template_source(text::detect_builtin_template(tokenizer));
    auto parsed = text::ChatTemplate::parse(source);
    if (!parsed.ok())
        return Error{Errc::kInternal, "the model's chat template cannot be used: " + parsed.error().message};
    text::ChatContext context;
    context.messages.reserve(messages.size());
    for (const ChatMessage& message : messages) context.messages.push_back({message.role, message.content});
    context.add_generation_prompt = add_generation_prompt;
    if (tokenizer.bos_id() >= 0) context.bos_token = std::string(tokenizer.token_text(tokenizer.bos_id()));
    if (tokenizer.eos_id() >= 0) context.eos_token = std::string(tokenizer.token_text(tokenizer.eos_id()));
    auto rendered = parsed->render(context);
    if (!rendered.ok()) {
        // raise_exception() and bad conversations are the caller's fault; limits and the rest are 500s.
        const Errc code = rendered.error().code == Errc::kInvalidArgument ? Errc::kInvalidArgument : Errc::kInternal;
        return Error{code, "chat template: " + rendered.error().message};
    }
    return rendered;
}

Result<std::vector<int32_t>> prompt_tokens(const arch::LlmModel& model, const GenerateRequest& request,
                                           const std::string& override_template) {
    const text::Tokenizer& tokenizer = model.tokenizer();
    std::string text;
    if (request.prompt) {
        text = *request.prompt;
    } else {
        HEARTH_ASSIGN_OR_RETURN(text, render_chat(model, request.messages, request.add_generation_prompt, override_template));
    }
    // Templates usually write the BOS text themselves; do not add a second one.
    bool add_special = true;
    if (tokenizer.bos_id() >= 0) {
        const std::string_view bos = tokenizer.token_text(tokenizer.bos_id());
        if (!bos.empty() && std::string_view(text).starts_with(bos)) add_special = false;
    }
    std::vector<int32_t> tokens = tokenizer.encode(text, add_special, /*parse_special=*/true);
    if (tokens.empty()) return Error::make(Errc::kInvalidArgument, "the prompt is empty");
    return tokens;
}

}  // namespace hearth::serving
