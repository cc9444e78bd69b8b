// Chat templates: the Jinja2 program a GGUF model ships in tokenizer.chat_template that turns a
// conversation into the prompt text the model was trained on.
//
// ChatTemplate implements the subset of Jinja2 those templates use, rendering exactly as Hugging
// Face's apply_chat_template does (Jinja2's ImmutableSandboxedEnvironment with trim_blocks,
// lstrip_blocks and loop controls; tojson as json.dumps with ensure_ascii=False; globals
// raise_exception and strftime_now). Supported:
//   statements  if/elif/else, for (unpacking, `if` filter, else, loop.index/index0/revindex/
//               revindex0/first/last/length/previtem/nextitem, break/continue), set (names,
//               unpacking, ns.attr on namespace(), {% set x %}...{% endset %}), macro
//               (parameters with defaults, keyword arguments, recursion up to 32 deep),
//               generation, raw, comments, whitespace control ({%- -%}, {%+ +%})
//   expressions literals (str, int, float, bool, none, list, tuple, dict), attribute/subscript/
//               slice access, + - * / // % ** ~, comparisons (chained), in / not in, and/or/not,
//               x if c else y
//   filters     abs capitalize count d default first float indent int items join last length
//               list lower map reject rejectattr replace reverse round safe select selectattr
//               string title tojson trim upper
//   tests       defined undefined none boolean true false integer float number string mapping
//               iterable sequence even odd divisibleby eq/equalto/== ne/!= lt/< le/<= gt/> ge/>=
//               in lower upper sameas
//   methods     str: strip lstrip rstrip startswith endswith split replace upper lower title
//               capitalize find count join; dict: get items keys values
//   globals     range (at most 100000 items, as Jinja2's sandbox), namespace, dict,
//               raise_exception, strftime_now
// Not supported (a clear error at parse time or when used): call blocks (caller()), a macro's
// varargs / kwargs, include/extends/import, filter blocks, recursive loops, printf-style `%`
// formatting, str.format, integers beyond 64 bits, non-string dict keys. Case mapping (upper,
// lower, title) is ASCII only.
//
// Safety: the source, nesting, output, string and list sizes and the total work of one render
// are bounded (ChatTemplateLimits), so a hostile template fails with an error instead of
// crashing, hanging or exhausting memory.
//
// Threads: a ChatTemplate is immutable after parse(); render() may be called from any number
// of threads at once. Copying it is cheap (the parsed program is shared).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "text/chat_template/limits.h"

namespace hearth::text {

struct ChatMessage {
    std::string role;  // "system", "user", "assistant", "tool", ...
    std::string content;
};

// The variables a template sees: messages (a list of {role, content} dicts),
// add_generation_prompt, bos_token, eos_token, and tools / tool_choice (always none here).
struct ChatContext {
    std::vector<ChatMessage> messages;
    bool add_generation_prompt = true;
    std::string bos_token;
    std::string eos_token;
};

class ChatTemplate {
public:
    // Errors: kInvalidArgument for a malformed template or one using something unsupported,
    // kOutOfRange for a source over limits.max_source_bytes. Messages name line and column:
    // "chat template: line 3, column 12: unknown filter 'frobnicate'".
    static Result<ChatTemplate> parse(std::string_view source, ChatTemplateLimits limits = {});

    // Errors: raise_exception(msg) in the template gives kInvalidArgument with exactly msg as
    // the message (the template's own words, e.g. "Conversation roles must alternate
    // user/assistant/user/assistant/..."); a limit reached gives kResourceExhausted; any other
    // evaluation error kInvalidArgument naming line and column.
    Result<std::string> render(const ChatContext& context) const;

    const std::string& source() const;

private:
    struct Program;
    explicit ChatTemplate(std::shared_ptr<const Program> program) : program_(std::move(program)) {}

    std::shared_ptr<const Program> program_;
};

}  // namespace hearth::text
