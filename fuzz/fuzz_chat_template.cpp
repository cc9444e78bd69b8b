// Fuzzes the chat-template interpreter: any byte string is parsed as a template and, when it
// parses, rendered with a fixed conversation. Both must succeed or fail with an error, never
// crash, hang or exhaust memory (tight limits keep each input cheap); a successful render must
// respect the output limit, and rendering twice must give the same result.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "text/chat_template/chat_template.h"

namespace {

const hearth::text::ChatContext& fixed_context() {
    static const hearth::text::ChatContext context = [] {
        hearth::text::ChatContext value;
        value.messages = {{"system", "You are terse."},
                          {"user", "Hello {{ there }} <|im_start|> \xC3\xA9"},
                          {"assistant", " Hi! \n"},
                          {"user", "2+2?"}};
        value.add_generation_prompt = true;
        value.bos_token = "<s>";
        value.eos_token = "</s>";
        return value;
    }();
    return context;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    hearth::text::ChatTemplateLimits limits;
    limits.max_work = 200'000;
    limits.max_output_bytes = 1u << 20;
    limits.max_list_items = 1u << 16;
    const std::string_view source(reinterpret_cast<const char*>(data), size);
    auto parsed = hearth::text::ChatTemplate::parse(source, limits);
    if (!parsed.ok()) {
        if (parsed.error().message.empty()) std::abort();  // errors must say what went wrong
        return 0;
    }
    auto first = parsed->render(fixed_context());
    auto second = parsed->render(fixed_context());
    if (first.ok() != second.ok()) std::abort();
    if (first.ok()) {
        if (first->size() > limits.max_output_bytes) std::abort();
        const bool uses_clock = source.find("strftime_now") != std::string_view::npos;
        if (!uses_clock && *first != *second) std::abort();
    }
    return 0;
}
