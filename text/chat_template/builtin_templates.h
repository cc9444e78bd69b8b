// Chat templates for models whose GGUF file has no tokenizer.chat_template: a few common prompt
// formats written as Jinja (for ChatTemplate), and a detector that picks one from the special
// tokens of the vocabulary.
//
//   chatml   <|im_start|>role\ncontent<|im_end|>\n ...            (Qwen, Yi, many fine-tunes)
//   llama2   <s>[INST] <<SYS>>\nsys\n<</SYS>>\n\nuser [/INST] answer </s>
//   llama3   <|begin_of_text|><|start_header_id|>role<|end_header_id|>\n\ncontent<|eot_id|>
//   mistral  <s>[INST] sys\n\nuser [/INST] answer</s>[INST] user [/INST]
//   gemma    <bos><start_of_turn>user\nsys\n\nuser<end_of_turn>\n<start_of_turn>model\n
//   phi3     <|system|>\nsys<|end|>\n<|user|>\nuser<|end|>\n<|assistant|>\n
//
// llama2, llama3, mistral and gemma write bos_token themselves: tokenize the rendered prompt
// without adding BOS again (and with parse_special, so the markers become control tokens).
// llama2, mistral and gemma require user/assistant turns to alternate after an optional first
// system message (rendering fails otherwise, with the template's own message).
// Pure data and functions: any thread.
#pragma once

#include <optional>
#include <string_view>

#include "base/function_ref.h"

namespace hearth::text {

class Tokenizer;

enum class BuiltinTemplate { kChatml, kLlama2, kLlama3, kMistral, kGemma, kPhi3 };

inline constexpr BuiltinTemplate kAllBuiltinTemplates[] = {
    BuiltinTemplate::kChatml,  BuiltinTemplate::kLlama2, BuiltinTemplate::kLlama3,
    BuiltinTemplate::kMistral, BuiltinTemplate::kGemma,  BuiltinTemplate::kPhi3};

// "chatml", "llama2", "llama3", "mistral", "gemma", "phi3".
std::string_view builtin_template_name(BuiltinTemplate which);
std::optional<BuiltinTemplate> builtin_template_from_name(std::string_view name);
// The Jinja source (parse it with ChatTemplate::parse).
std::string_view builtin_template_source(BuiltinTemplate which);

// Picks the format from the vocabulary's special tokens, first match wins:
//   <|start_header_id|> -> llama3; <start_of_turn> -> gemma; <|im_start|> -> chatml;
//   <|user|> and <|end|> -> phi3; [INST] and [/INST] -> mistral; otherwise chatml.
// Llama 2 (whose [INST] markers are plain text, not tokens) cannot be told from its vocabulary:
// ask for it by name. `has_token(text)`: whether a token's stored text is exactly `text`.
BuiltinTemplate detect_builtin_template(FunctionRef<bool(std::string_view)> has_token);
BuiltinTemplate detect_builtin_template(const Tokenizer& tokenizer);

}  // namespace hearth::text
