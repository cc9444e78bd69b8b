// Turning a request into prompt tokens: the chat template for conversations, the tokenizer for
// both. Pure functions of the model (no state), callable from any thread.
#pragma once

#include <string>
#include <vector>

#include "arch/llm_model.h"
#include "base/result.h"
#include "serving/request.h"

namespace hearth::serving {

// Renders `messages` with the model's chat template (or `override_template` when not empty).
// kInvalidArgument when the template raises an error for this conversation (e.g. roles that do
// not alternate), kInternal when the template itself is broken.
Result<std::string> render_chat(const arch::LlmModel& model, const std::vector<ChatMessage>& messages,
                                bool add_generation_prompt, const std::string& override_template);

// Tokens of a request's prompt: the rendered conversation or the raw prompt, with BOS when the
// vocabulary wants one and the text does not already start with it; special-token texts parsed.
Result<std::vector<int32_t>> prompt_tokens(const arch::LlmModel& model, const GenerateRequest& request,
                                           const std::string& override_template);

}  // namespace hearth::serving
