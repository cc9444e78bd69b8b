// The serving interface the HTTP edge calls: submit work, cancel it, ask about models.
// server/ depends on this header only; serving/scheduler.cpp implements it over the model manager
// and the engines. Threads: every method may be called from any thread concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "serving/request.h"

namespace hearth::serving {

using RequestId = uint64_t;

enum class ModelState { kAvailable, kLoading, kLoaded, kFailed };
const char* model_state_name(ModelState state);          // "available", "loading", "loaded", "failed"

struct ModelInfo {
    std::string id;
    std::string kind;                       // "llm", later "tts", "stt"
    std::string path;
    ModelState state = ModelState::kAvailable;
    double load_progress = 0.0;             // 0..1 while loading
    std::string failure;                    // reason, when failed
    uint64_t bytes = 0;                     // resident bytes when loaded, else the estimate
    bool pinned = false;
    bool builtin = false;
    int64_t last_used_unix_ms = 0;
    int64_t created_unix_s = 0;             // file modification time
    // Descriptive metadata (from the file): architecture, parameter count, quantization, context.
    std::string architecture;
    uint64_t n_params = 0;
    std::string quantization;
    int64_t n_ctx_train = 0;
    int64_t n_ctx = 0;                      // the context this server gives it
    int64_t n_embd = 0;
    std::string chat_template;
    // The KV block pool of a loaded model: blocks in all, held by requests, cached (free, kept
    // for prefix reuse). A pool is whole when nothing runs and in_use is 0.
    int64_t kv_blocks_total = 0;
    int64_t kv_blocks_in_use = 0;
    int64_t kv_blocks_cached = 0;
};

struct QueueStats {
    int64_t queued[4] = {0, 0, 0, 0};       // by priority: urgent, high, normal, low
    int64_t active = 0;
    int64_t completed = 0;
    int64_t failed = 0;
    int64_t cancelled = 0;
};

struct MemoryStatus {
    uint64_t budget_bytes = 0;
    uint64_t used_bytes = 0;
    std::string state;                      // "low", "moderate", "high", "critical"
    std::vector<std::pair<std::string, uint64_t>> by_tag;  // weights, kv, activations, other
};

struct SystemStats {
    MemoryStatus memory;
    std::vector<ModelInfo> models;
    QueueStats queue;
};

class Service {
public:
    virtual ~Service() = default;

    // Queues a generation; events go to `sink`. Errors known at once (unknown model, invalid
    // request, queue full) come back here and no event is sent; later failures go to
    // sink->on_error. The request keeps running until it finishes or is cancelled.
    virtual Result<RequestId> submit(GenerateRequest request, std::shared_ptr<GenerateSink> sink) = 0;
    // Cancels wherever the request is (queued, prefilling, decoding); its resources are freed
    // within one engine step and its sink gets on_finish(kCancelled) for unfinished choices.
    // kNotFound if it already finished.
    virtual Status cancel(RequestId id) = 0;

    // Embeddings (blocking; runs through the same queue).
    virtual Result<EmbedResult> embed(EmbedRequest request) = 0;

    // Tokenizer and template access for the native endpoints (loads the model if needed).
    virtual Result<std::vector<int32_t>> tokenize(const std::string& model, const std::string& text,
                                                  bool add_special, bool parse_special) = 0;
    virtual Result<std::string> detokenize(const std::string& model, const std::vector<int32_t>& tokens) = 0;
    virtual Result<std::string> apply_template(const std::string& model, const std::vector<ChatMessage>& messages,
                                               bool add_generation_prompt) = 0;
    // The pieces of `tokens` (for /tokenize with_pieces).
    virtual Result<std::vector<std::string>> token_pieces(const std::string& model,
                                                          const std::vector<int32_t>& tokens) = 0;

    // Speech (blocking; through the model manager and each speech engine's priority queue).
    // speak() hands encoded audio to `sink` as it is synthesized (wav and pcm stream; the
    // compressed formats arrive in one piece at the end) and returns when done.
    virtual Status speak(const SpeechRequest& request, const AudioSink& sink) {
        (void)request, (void)sink;
        return Error::make(Errc::kUnsupported, "this server has no text-to-speech");
    }
    virtual Result<Transcript> transcribe(const TranscribeRequest& request) {
        (void)request;
        return Error::make(Errc::kUnsupported, "this server has no speech recognition");
    }
    virtual Result<std::vector<VoiceInfo>> voices(const std::string& model) {
        (void)model;
        return Error::make(Errc::kUnsupported, "this server has no text-to-speech");
    }

    virtual std::vector<ModelInfo> list_models() = 0;
    virtual Result<ModelInfo> model_info(const std::string& id) = 0;
    // The id used when a request names no model.
    virtual std::string default_model() = 0;
    // Whether at least one model can serve (for /ready).
    virtual bool ready() = 0;
    virtual QueueStats queue_stats() = 0;

    // Model management (operator/admin endpoints). load_model blocks until the model is loaded
    // (or refused: kResourceExhausted when it cannot fit the budget); unload_model refuses a model
    // in use (kFailedPrecondition); a pinned model is never evicted, only unloaded explicitly.
    virtual Status load_model(const std::string& id) = 0;
    virtual Status unload_model(const std::string& id) = 0;
    virtual Status set_pinned(const std::string& id, bool pinned) = 0;
    // Unloads idle models whose keep-alive expired and drops cached KV blocks.
    virtual void cleanup() = 0;
    virtual SystemStats system_stats() = 0;

    // Stops accepting new work; in-flight work continues. Then drain() waits up to `deadline`
    // for it to finish and cancels what remains.
    virtual void stop_accepting() = 0;
    virtual void drain(std::chrono::milliseconds deadline) = 0;
};

}  // namespace hearth::serving
