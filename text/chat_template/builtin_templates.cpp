#include "text/chat_template/builtin_templates.h"

#include "text/tokenizer.h"

namespace hearth::text {
namespace {

constexpr std::string_view kChatml = R"jinja({%- for message in messages %}
{{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>\n' }}
{%- endfor %}
{%- if add_generation_prompt %}
{{- '<|im_start|>assistant\n' }}
{%- endif %})jinja";

constexpr std::string_view kLlama2 = R"jinja({%- if messages and messages[0].role == 'system' %}
{%- set system_message = messages[0].content | trim %}
{%- set loop_messages = messages[1:] %}
{%- else %}
{%- set loop_messages = messages %}
{%- endif %}
{%- for message in loop_messages %}
{%- if (message.role == 'user') != (loop.index0 % 2 == 0) %}
{{- raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}
{%- endif %}
{%- if message.role == 'user' %}
{%- if loop.first and system_message is defined %}
{{- bos_token + '[INST] <<SYS>>\n' + system_message + '\n<</SYS>>\n\n'
    + message.content | trim + ' [/INST]' }}
{%- else %}
{{- bos_token + '[INST] ' + message.content | trim + ' [/INST]' }}
{%- endif %}
{%- else %}
{{- ' ' + message.content | trim + ' ' + eos_token }}
{%- endif %}
{%- endfor %})jinja";

constexpr std::string_view kLlama3 = R"jinja({{- bos_token }}
{%- for message in messages %}
{{- '<|start_header_id|>' + message.role + '<|end_header_id|>\n\n'
    + message.content | trim + '<|eot_id|>' }}
{%- endfor %}
{%- if add_generation_prompt %}
{{- '<|start_header_id|>assistant<|end_header_id|>\n\n' }}
{%- endif %})jinja";

constexpr std::string_view kMistral = R"jinja({%- if messages and messages[0].role == 'system' %}
{%- set system_message = messages[0].content | trim %}
{%- set loop_messages = messages[1:] %}
{%- else %}
{%- set loop_messages = messages %}
{%- endif %}
{{- bos_token }}
{%- for message in loop_messages %}
{%- if (message.role == 'user') != (loop.index0 % 2 == 0) %}
{{- raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}
{%- endif %}
{%- if message.role == 'user' %}
{%- if loop.first and system_message is defined %}
{{- '[INST] ' + system_message + '\n\n' + message.content | trim + ' [/INST]' }}
{%- else %}
{{- '[INST] ' + message.content | trim + ' [/INST]' }}
{%- endif %}
{%- else %}
{{- ' ' + message.content | trim + eos_token }}
{%- endif %}
{%- endfor %})jinja";

constexpr std::string_view kGemma = R"jinja({{- bos_token }}
{%- if messages and messages[0].role == 'system' %}
{%- set first_user_prefix = messages[0].content | trim + '\n\n' %}
{%- set loop_messages = messages[1:] %}
{%- else %}
{%- set first_user_prefix = '' %}
{%- set loop_messages = messages %}
{%- endif %}
{%- for message in loop_messages %}
{%- if (message.role == 'user') != (loop.index0 % 2 == 0) %}
{{- raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}
{%- endif %}
{%- set role = 'model' if message.role == 'assistant' else message.role %}
{{- '<start_of_turn>' + role + '\n' + (first_user_prefix if loop.first else '')
    + message.content | trim + '<end_of_turn>\n' }}
{%- endfor %}
{%- if add_generation_prompt %}
{{- '<start_of_turn>model\n' }}
{%- endif %})jinja";

constexpr std::string_view kPhi3 = R"jinja({%- for message in messages %}
{{- '<|' + message.role + '|>\n' + message.content + '<|end|>\n' }}
{%- endfor %}
{%- if add_generation_prompt %}
{{- '<|assistant|>\n' }}
{%- else %}
{{- eos_token }}
{%- endif %})jinja";

struct Entry {
    BuiltinTemplate which;
    std::string_view name;
    std::string_view source;
};

constexpr Entry kTable[] = {
    {BuiltinTemplate::kChatml, "chatml", kChatml}, {BuiltinTemplate::kLlama2, "llama2", kLlama2},
    {BuiltinTemplate::kLlama3, "llama3", kLlama3}, {BuiltinTemplate::kMistral, "mistral", kMistral},
    {BuiltinTemplate::kGemma, "gemma", kGemma},    {BuiltinTemplate::kPhi3, "phi3", kPhi3},
};

const Entry& entry(BuiltinTemplate which) {
    for (const Entry& candidate : kTable)
        if (candidate.which == which) return candidate;
    return kTable[0];
}

}  // namespace

std::string_view builtin_template_name(BuiltinTemplate which) {
    return entry(which).name;
}

std::optional<BuiltinTemplate> builtin_template_from_name(std::string_view name) {
    for (const Entry& candidate : kTable)
        if (candidate.name == name) return candidate.which;
    return std::nullopt;
}

std::string_view builtin_template_source(BuiltinTemplate which) {
    return entry(which).source;
}

BuiltinTemplate detect_builtin_template(FunctionRef<bool(std::string_view)> has_token) {
    if (has_token("<|start_header_id|>")) return BuiltinTemplate::kLlama3;
    if (has_token("<start_of_turn>")) return BuiltinTemplate::kGemma;
    if (has_token("<|im_start|>")) return BuiltinTemplate::kChatml;
    if (has_token("<|user|>") && has_token("<|end|>")) return BuiltinTemplate::kPhi3;
    if (has_token("[INST]") && has_token("[/INST]")) return BuiltinTemplate::kMistral;
    return BuiltinTemplate::kChatml;
}

BuiltinTemplate detect_builtin_template(const Tokenizer& tokenizer) {
    return detect_builtin_template(
        [&](std::string_view text) { return tokenizer.find_token(text).has_value(); });
}

}  // namespace hearth::text
