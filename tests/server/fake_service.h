// A scripted serving::Service for testing the API's wiring without a model: generation emits
// "tok0", "tok1", ... (max_tokens of them, default 3) per choice from its own thread; cancel()
// stops a generation between tokens. Test-only: the integration tests run the real scheduler.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "serving/service.h"

namespace hearth::test {

class FakeService : public serving::Service {
public:
    ~FakeService() override;

    Result<serving::RequestId> submit(serving::GenerateRequest request,
                                      std::shared_ptr<serving::GenerateSink> sink) override;
    Status cancel(serving::RequestId id) override;
    Result<serving::EmbedResult> embed(serving::EmbedRequest request) override;
    Result<std::vector<int32_t>> tokenize(const std::string& model, const std::string& text, bool add_special,
                                          bool parse_special) override;
    Result<std::string> detokenize(const std::string& model, const std::vector<int32_t>& tokens) override;
    Result<std::string> apply_template(const std::string& model, const std::vector<serving::ChatMessage>& messages,
                                       bool add_generation_prompt) override;
    Result<std::vector<std::string>> token_pieces(const std::string& model, const std::vector<int32_t>& tokens) override;
    std::vector<serving::ModelInfo> list_models() override;
    Result<serving::ModelInfo> model_info(const std::string& id) override;
    std::string default_model() override { return "tiny"; }
    bool ready() override { return true; }
    serving::QueueStats queue_stats() override { return {}; }
    // The fake holds no models: management reports the one it lists as always loaded.
    Status load_model(const std::string& id) override { return known(id); }
    Status unload_model(const std::string& id) override { return known(id); }
    Status set_pinned(const std::string& id, bool) override { return known(id); }
    void cleanup() override {}
    serving::SystemStats system_stats() override { return {}; }
    void stop_accepting() override {}
    void drain(std::chrono::milliseconds) override {}

    // Waits for every generation thread. Call it before the API that received the events goes
    // away (the real server destroys its service first, for the same reason).
    void join();

    // Tokens come this far apart (0: as fast as possible).
    std::chrono::milliseconds token_interval{0};
    std::atomic<int> cancels{0};
    serving::GenerateRequest last_request;   // as the API built it

private:
    static Status known(const std::string& id) {
        if (id == "tiny") return Status{};
        return Error::make(Errc::kNotFound, "model '{}' not found", id);
    }

    std::mutex mutex_;
    std::vector<std::thread> threads_;
    std::map<serving::RequestId, std::shared_ptr<std::atomic<bool>>> cancelled_;
    serving::RequestId next_id_ = 1;
};

}  // namespace hearth::test
