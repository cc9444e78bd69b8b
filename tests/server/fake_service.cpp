#include "tests/server/fake_service.h"

namespace hearth::test {

FakeService::~FakeService() { join(); }

void FakeService::join() {
    std::vector<std::thread> threads;
    {
        std::lock_guard lock(mutex_);
        threads.swap(threads_);
    }
    for (auto& thread : threads) thread.join();
}

Result<serving::RequestId> FakeService::submit(serving::GenerateRequest request,
                                               std::shared_ptr<serving::GenerateSink> sink) {
    if (request.model != "tiny") return Error::make(Errc::kNotFound, "no model '{}'", request.model);
    std::lock_guard lock(mutex_);
    last_request = request;
    const serving::RequestId id = next_id_++;
    auto cancelled = std::make_shared<std::atomic<bool>>(false);
    cancelled_[id] = cancelled;
    threads_.emplace_back([this, request, sink, cancelled] {
        const int32_t n_tokens = request.max_tokens > 0 ? request.max_tokens : 3;
        for (int32_t choice = 0; choice < request.n_choices; ++choice) {
            serving::FinishEvent finish;
            finish.choice = choice;
            finish.reason = serving::FinishReason::kLength;
            finish.usage.prompt_tokens = 5;
            for (int32_t idx = 0; idx < n_tokens; ++idx) {
                if (cancelled->load()) {
                    finish.reason = serving::FinishReason::kCancelled;
                    break;
                }
                if (token_interval.count()) std::this_thread::sleep_for(token_interval);
                serving::TokenEvent event;
                event.choice = choice;
                event.token = 100 + idx;
                event.text = "tok" + std::to_string(idx);
                if (request.top_logprobs >= 0) {
                    event.chosen = serving::TokenLogprob{event.token, event.text, -0.5f};
                    for (int32_t alt = 0; alt < request.top_logprobs; ++alt)
                        event.top.push_back({200 + alt, "alt" + std::to_string(alt), -1.0f - alt});
                }
                sink->on_token(event);
                ++finish.usage.completion_tokens;
            }
            finish.timings.time_to_first_token = 0.01;
            sink->on_finish(finish);
        }
    });
    return id;
}

Status FakeService::cancel(serving::RequestId id) {
    std::lock_guard lock(mutex_);
    auto it = cancelled_.find(id);
    if (it == cancelled_.end()) return Error::make(Errc::kNotFound, "no request {}", id);
    it->second->store(true);
    cancels.fetch_add(1);
    return ok_status();
}

Result<serving::EmbedResult> FakeService::embed(serving::EmbedRequest request) {
    serving::EmbedResult result;
    for (const std::string& input : request.inputs) {
        result.embeddings.push_back({0.6f, 0.8f, static_cast<float>(input.size())});
        result.prompt_tokens += static_cast<int32_t>(input.size());
    }
    return result;
}

Result<std::vector<int32_t>> FakeService::tokenize(const std::string&, const std::string& text, bool add_special,
                                                   bool) {
    std::vector<int32_t> tokens;
    if (add_special) tokens.push_back(1);
    for (unsigned char c : text) tokens.push_back(c);
    return tokens;
}

Result<std::string> FakeService::detokenize(const std::string&, const std::vector<int32_t>& tokens) {
    std::string text;
    for (int32_t token : tokens) {
        if (token > 255) return Error::make(Errc::kInvalidArgument, "token {} is outside the vocabulary", token);
        text += static_cast<char>(token);
    }
    return text;
}

Result<std::string> FakeService::apply_template(const std::string&, const std::vector<serving::ChatMessage>& messages,
                                                bool add_generation_prompt) {
    std::string prompt;
    for (const auto& message : messages) {
        if (message.role == "tool") return Error::make(Errc::kInvalidArgument, "raise_exception: no tool role");
        prompt += "<|" + message.role + "|>" + message.content + "\n";
    }
    if (add_generation_prompt) prompt += "<|assistant|>";
    return prompt;
}

Result<std::vector<std::string>> FakeService::token_pieces(const std::string&, const std::vector<int32_t>& tokens) {
    std::vector<std::string> pieces;
    for (int32_t token : tokens) pieces.push_back(token == 1 ? "<s>" : std::string(1, static_cast<char>(token)));
    return pieces;
}

std::vector<serving::ModelInfo> FakeService::list_models() {
    serving::ModelInfo info;
    info.id = "tiny";
    info.kind = "llm";
    info.path = "/models/tiny.gguf";
    info.state = serving::ModelState::kLoaded;
    info.architecture = "llama";
    info.n_params = 1'200'000;
    info.quantization = "F32";
    info.n_ctx = 128;
    info.n_ctx_train = 256;
    info.created_unix_s = 1'700'000'000;
    info.chat_template = "{{ messages }}";
    return {info};
}

Result<serving::ModelInfo> FakeService::model_info(const std::string& id) {
    if (id != "tiny") return Error::make(Errc::kNotFound, "no model '{}'", id);
    return list_models().front();
}

}  // namespace hearth::test
