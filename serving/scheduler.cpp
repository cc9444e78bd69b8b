#include "serving/scheduler.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <map>
#include <mutex>

#include <filesystem>

#include "arch/llm_hparams.h"
#include "base/log.h"
#include "formats/gguf.h"
#include "engine/speech/audio.h"
#include "engine/speech/audio_encoder.h"
#include "serving/prompt.h"

namespace hearth::serving {

using Clock = std::chrono::steady_clock;

const char* model_state_name(ModelState state) {
    switch (state) {
        case ModelState::kAvailable: return "available";
        case ModelState::kLoading: return "loading";
        case ModelState::kLoaded: return "loaded";
        case ModelState::kFailed: return "failed";
    }
    return "available";
}

class Scheduler final : public Service {
public:
    explicit Scheduler(ServiceConfig config);
    ~Scheduler() override;

    Result<RequestId> submit(GenerateRequest request, std::shared_ptr<GenerateSink> sink) override;
    Status cancel(RequestId id) override;
    Result<EmbedResult> embed(EmbedRequest request) override;
    Result<std::vector<int32_t>> tokenize(const std::string& model, const std::string& text, bool add_special,
                                          bool parse_special) override;
    Result<std::string> detokenize(const std::string& model, const std::vector<int32_t>& tokens) override;
    Result<std::string> apply_template(const std::string& model, const std::vector<ChatMessage>& messages,
                                       bool add_generation_prompt) override;
    Result<std::vector<std::string>> token_pieces(const std::string& model, const std::vector<int32_t>& tokens) override;
    Status speak(const SpeechRequest& request, const AudioSink& sink) override;
    Result<Transcript> transcribe(const TranscribeRequest& request) override;
    Result<std::vector<VoiceInfo>> voices(const std::string& model) override;
    std::vector<ModelInfo> list_models() override;
    Result<ModelInfo> model_info(const std::string& id) override;
    std::string default_model() override { return default_model_; }
    bool ready() override;
    QueueStats queue_stats() override;
    void stop_accepting() override;
    void drain(std::chrono::milliseconds deadline) override;
    Status load_model(const std::string& id) override;
    Status unload_model(const std::string& id) override;
    Status set_pinned(const std::string& id, bool pinned) override;
    void cleanup() override { manager_->cleanup(); }
    SystemStats system_stats() override;

    manager::ModelManager& manager() { return *manager_; }

private:
    struct Tracked;
    class SinkAdapter;

    Result<std::string> resolve_model(const std::string& requested) const;
    Result<std::string> resolve_speech_model(const std::string& requested, const std::string& kind) const;
    // Admission for speech requests: counted in the queue bound and awaited by drain().
    Status admit_speech(Priority priority);
    void finish_speech(Priority priority, bool ok);
    void dispatch(const std::shared_ptr<Tracked>& tracked, Result<manager::Lease> lease);
    void forget(RequestId id, FinishReason outcome);
    ModelInfo describe(const manager::ModelStatus& status);

    ServiceConfig config_;
    std::unique_ptr<manager::ModelManager> manager_;
    std::string default_model_;

    std::mutex mutex_;
    std::condition_variable idle_;
    std::map<RequestId, std::shared_ptr<Tracked>> tracked_;
    RequestId next_id_ = 1;
    bool accepting_ = true;
    int64_t completed_ = 0, failed_ = 0, cancelled_ = 0;
    int64_t speech_running_[kPriorityCount] = {0, 0, 0, 0};   // speech requests admitted, by priority
};

// One request from submit() to its last event.
struct Scheduler::Tracked {
    RequestId id = 0;
    GenerateRequest request;
    std::string model_id;
    std::shared_ptr<GenerateSink> client;
    bool cancelled = false;
    bool started = false;             // handed to an engine
    engine::LlmEngine* engine = nullptr;
    uint64_t engine_request = 0;
    Clock::time_point submitted = Clock::now();
};

// Forwards engine events to the client's sink, holds the model lease until every choice has
// finished, then retires the request.
class Scheduler::SinkAdapter final : public GenerateSink {
public:
    SinkAdapter(Scheduler* scheduler, std::shared_ptr<Tracked> tracked, manager::Lease lease)
        : scheduler_(scheduler), tracked_(std::move(tracked)), lease_(std::move(lease)),
          unfinished_(tracked_->request.n_choices) {}

    void on_token(const TokenEvent& event) override { tracked_->client->on_token(event); }
    // The request is retired before its last event reaches the client: once a client has seen
    // every finish, the request id is unknown to cancel() and the queue counters include it.
    void on_finish(const FinishEvent& event) override {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (event.reason == FinishReason::kCancelled) any_cancelled_ = true;
            if (--unfinished_ == 0) retire(any_cancelled_ ? FinishReason::kCancelled : FinishReason::kStop);
        }
        tracked_->client->on_finish(event);
    }
    void on_error(const Error& error) override {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (unfinished_ > 0) {
                unfinished_ = 0;
                retire(FinishReason::kError);
            }
        }
        tracked_->client->on_error(error);
    }

private:
    void retire(FinishReason outcome) {
        if (tracked_->request.keep_alive_ms)
            scheduler_->manager_->touch_keep_alive(tracked_->model_id, *tracked_->request.keep_alive_ms);
        lease_ = manager::Lease();  // the model may be evicted or unloaded from now on
        scheduler_->forget(tracked_->id, outcome);
    }

    Scheduler* scheduler_;
    std::shared_ptr<Tracked> tracked_;
    manager::Lease lease_;
    std::mutex mutex_;
    int32_t unfinished_;
    bool any_cancelled_ = false;
};

Scheduler::Scheduler(ServiceConfig config) : config_(std::move(config)) {
    default_model_ = config_.default_model;
    if (default_model_.empty())
        for (const manager::ModelEntry& entry : config_.catalog.entries())
            if (entry.kind == "llm") {
                default_model_ = entry.id;
                break;
            }
    manager_ = std::make_unique<manager::ModelManager>(config_.catalog, config_.manager);
}

Scheduler::~Scheduler() {
    stop_accepting();
    drain(std::chrono::milliseconds(0));
}

Result<std::string> Scheduler::resolve_model(const std::string& requested) const {
    const std::string id = requested.empty() ? default_model_ : requested;
    if (id.empty()) return Error::make(Errc::kNotFound, "no model is configured");
    const manager::ModelEntry* entry = manager_->catalog().find(id);
    if (!entry) return Error::make(Errc::kNotFound, "the model '{}' does not exist", id);
    if (entry->kind != "llm")
        return Error::make(Errc::kInvalidArgument, "the model '{}' is a {} model: use /v1/audio/{}", id, entry->kind,
                           entry->kind == "tts" ? "speech" : "transcriptions");
    return id;
}

Result<std::string> Scheduler::resolve_speech_model(const std::string& requested, const std::string& kind) const {
    if (requested.empty()) {
        for (const manager::ModelEntry& entry : manager_->catalog().entries())
            if (entry.kind == kind) return entry.id;
        return Error::make(Errc::kNotFound, "no {} model is installed", kind == "tts" ? "text-to-speech" : "speech recognition");
    }
    const manager::ModelEntry* entry = manager_->catalog().find(requested);
    if (!entry) return Error::make(Errc::kNotFound, "the model '{}' does not exist", requested);
    if (entry->kind != kind)
        return Error::make(Errc::kInvalidArgument, "the model '{}' is a {} model, not {}", requested, entry->kind, kind);
    return requested;
}

Status Scheduler::admit_speech(Priority priority) {
    const QueueStats stats = queue_stats();
    const int64_t queued = stats.queued[0] + stats.queued[1] + stats.queued[2] + stats.queued[3];
    std::lock_guard<std::mutex> lock(mutex_);
    if (!accepting_) return Error::make(Errc::kUnavailable, "the server is shutting down");
    if (queued >= config_.max_queued)
        return Error::make(Errc::kResourceExhausted, "the queue is full ({} requests waiting)", queued);
    ++speech_running_[static_cast<int>(priority)];
    return {};
}

void Scheduler::finish_speech(Priority priority, bool ok) {
    std::lock_guard<std::mutex> lock(mutex_);
    --speech_running_[static_cast<int>(priority)];
    if (ok) ++completed_;
    else ++failed_;
    if (tracked_.empty() && std::all_of(std::begin(speech_running_), std::end(speech_running_), [](int64_t n) { return n == 0; }))
        idle_.notify_all();
}

Status Scheduler::speak(const SpeechRequest& request, const AudioSink& sink) {
    HEARTH_ASSIGN_OR_RETURN(std::string model_id, resolve_speech_model(request.model, "tts"));
    const auto format = engine::speech::parse_audio_format(request.format);
    if (!format)
        return Error::make(Errc::kInvalidArgument, "response_format '{}' is not supported; use one of {}", request.format,
                           engine::speech::kEncodableFormats);
    if (request.input.empty()) return Error::make(Errc::kInvalidArgument, "input must not be empty");
    if (static_cast<int64_t>(request.input.size()) > config_.max_text_chars)
        return Error::make(Errc::kInvalidArgument, "input is longer than {} characters", config_.max_text_chars);
    if (!(request.speed >= 0.25 && request.speed <= 4.0))
        return Error::make(Errc::kInvalidArgument, "speed must be between 0.25 and 4.0");
    if (request.pitch < 0 || request.pitch > 100) return Error::make(Errc::kInvalidArgument, "pitch must be 0..100");
    HEARTH_TRY(admit_speech(request.priority));
    bool ok = false;
    struct Finish {
        Scheduler* self;
        Priority priority;
        bool* ok;
        ~Finish() { self->finish_speech(priority, *ok); }
    } finish{this, request.priority, &ok};
    HEARTH_ASSIGN_OR_RETURN(manager::Lease lease, manager_->acquire(model_id));
    engine::speech::TtsEngine& tts = *lease->tts;
    HEARTH_TRY(tts.resolve_voice(request.voice));   // an unknown voice fails before any byte is sent
    engine::speech::SpeechParams params;
    params.text = request.input;
    params.voice = request.voice;
    params.speed = request.speed;
    params.pitch = request.pitch;
    params.priority = static_cast<int>(request.priority);
    constexpr int rate = engine::speech::TtsEngine::kSampleRate;
    if (engine::speech::audio_format_streams(*format)) {
        bool header_sent = *format != engine::speech::AudioFormat::kWav;
        HEARTH_TRY(tts.synthesize(params, [&](const int16_t* samples, size_t count) {
            if (!header_sent) {
                header_sent = true;
                if (!sink(engine::speech::streaming_wav_header(rate))) return false;
            }
            return sink(engine::speech::pcm16_bytes(samples, count));
        }));
        if (!header_sent) sink(engine::speech::streaming_wav_header(rate));
    } else {
        HEARTH_ASSIGN_OR_RETURN(std::vector<int16_t> samples, tts.synthesize_all(params));
        HEARTH_ASSIGN_OR_RETURN(std::string encoded, engine::speech::encode_audio(samples, rate, *format));
        sink(encoded);
    }
    ok = true;
    return {};
}

Result<Transcript> Scheduler::transcribe(const TranscribeRequest& request) {
    HEARTH_ASSIGN_OR_RETURN(std::string model_id, resolve_speech_model(request.model, "stt"));
    if (!request.language.empty() && request.language != "en" && request.language != "en-us" && request.language != "english")
        return Error::make(Errc::kInvalidArgument, "language '{}' is not supported by '{}' (English only: en)",
                           request.language, model_id);
    // Decoding is checked before anything queues or loads: bad audio is a 400 at once.
    HEARTH_ASSIGN_OR_RETURN(engine::speech::Audio audio, engine::speech::decode_audio(request.audio, config_.max_audio_seconds));
    HEARTH_ASSIGN_OR_RETURN(std::vector<int16_t> samples,
                            engine::speech::to_mono_pcm16(audio, engine::speech::SttEngine::kSampleRate));
    if (samples.empty()) return Error::make(Errc::kInvalidArgument, "the audio has no samples");
    HEARTH_TRY(admit_speech(request.priority));
    bool ok = false;
    struct Finish {
        Scheduler* self;
        Priority priority;
        bool* ok;
        ~Finish() { self->finish_speech(priority, *ok); }
    } finish{this, request.priority, &ok};
    HEARTH_ASSIGN_OR_RETURN(manager::Lease lease, manager_->acquire(model_id));
    HEARTH_ASSIGN_OR_RETURN(Transcript transcript, lease->stt->transcribe(std::move(samples), static_cast<int>(request.priority)));
    transcript.duration = audio.seconds();
    ok = true;
    return transcript;
}

Result<std::vector<VoiceInfo>> Scheduler::voices(const std::string& model) {
    HEARTH_ASSIGN_OR_RETURN(std::string model_id, resolve_speech_model(model, "tts"));
    HEARTH_ASSIGN_OR_RETURN(manager::Lease lease, manager_->acquire(model_id));
    return lease->tts->voices();
}

Result<RequestId> Scheduler::submit(GenerateRequest request, std::shared_ptr<GenerateSink> sink) {
    HEARTH_ASSIGN_OR_RETURN(std::string model_id, resolve_model(request.model));
    if (request.prompt.has_value() == !request.messages.empty())
        return Error::make(Errc::kInvalidArgument, "a request needs either a prompt or messages");
    if (!request.prompt && request.messages.empty())
        return Error::make(Errc::kInvalidArgument, "messages must not be empty");
    if (request.n_choices < 1) return Error::make(Errc::kInvalidArgument, "n must be at least 1");
    if (request.max_tokens == 0 || request.max_tokens < -1)
        return Error::make(Errc::kInvalidArgument, "max_tokens must be positive");
    // Waiting requests (parked for a model load or queued inside an engine) bound the queue.
    const QueueStats stats = queue_stats();
    const int64_t queued = stats.queued[0] + stats.queued[1] + stats.queued[2] + stats.queued[3];
    if (queued >= config_.max_queued)
        return Error::make(Errc::kResourceExhausted, "the queue is full ({} requests waiting)", queued);
    auto tracked = std::make_shared<Tracked>();
    tracked->request = std::move(request);
    tracked->model_id = model_id;
    tracked->client = std::move(sink);
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!accepting_) return Error::make(Errc::kUnavailable, "the server is shutting down");
        tracked->id = next_id_++;
        tracked_.emplace(tracked->id, tracked);
    }
    const RequestId id = tracked->id;
    manager_->acquire_async(model_id, [this, tracked](Result<manager::Lease> lease) { dispatch(tracked, std::move(lease)); });
    return id;
}

// Runs when the model is ready (on the caller's thread if it already was, else the loader's).
void Scheduler::dispatch(const std::shared_ptr<Tracked>& tracked, Result<manager::Lease> lease) {
    auto fail = [&](const Error& error) {
        forget(tracked->id, FinishReason::kError);
        tracked->client->on_error(error);
    };
    if (!lease.ok()) return fail(lease.error());
    bool cancelled;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        cancelled = tracked->cancelled;
    }
    if (cancelled) {
        forget(tracked->id, FinishReason::kCancelled);
        for (int32_t choice = 0; choice < tracked->request.n_choices; ++choice) {
            FinishEvent event;
            event.choice = choice;
            event.reason = FinishReason::kCancelled;
            tracked->client->on_finish(event);
        }
        return;
    }
    const GenerateRequest& request = tracked->request;
    if (request.deadline && Clock::now() > *request.deadline)
        return fail(Error::make(Errc::kTimeout, "the request's deadline passed while its model was loading"));

    manager::LoadedModel& loaded = **lease;
    auto tokens = prompt_tokens(*loaded.model, request, config_.chat_template);
    if (!tokens.ok()) return fail(tokens.error());

    engine::GenerationParams params;
    params.prompt = std::move(tokens).value();
    params.max_tokens = request.max_tokens;
    params.sampling = request.sampling;
    params.stop = request.stop;
    params.ignore_eos = request.ignore_eos;
    params.n_choices = request.n_choices;
    params.top_logprobs = request.top_logprobs;
    params.json_mode = request.json_mode;
    params.priority = static_cast<int>(request.priority);
    params.deadline = request.deadline;
    engine::LlmEngine* engine = loaded.engine.get();
    auto adapter = std::make_shared<SinkAdapter>(this, tracked, std::move(lease).value());
    {
        std::lock_guard<std::mutex> lock(mutex_);
        tracked->started = true;
        tracked->engine = engine;
    }
    auto submitted = engine->submit(std::move(params), adapter);
    if (!submitted.ok()) {
        adapter.reset();
        return fail(submitted.error());
    }
    bool cancel_now;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        tracked->engine_request = *submitted;
        cancel_now = tracked->cancelled;
    }
    if (cancel_now) engine->cancel(*submitted);
}

void Scheduler::forget(RequestId id, FinishReason outcome) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (tracked_.erase(id) == 0) return;
    if (outcome == FinishReason::kCancelled) ++cancelled_;
    else if (outcome == FinishReason::kError) ++failed_;
    else ++completed_;
    if (tracked_.empty()) idle_.notify_all();
}

Status Scheduler::cancel(RequestId id) {
    engine::LlmEngine* engine = nullptr;
    uint64_t engine_request = 0;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = tracked_.find(id);
        if (it == tracked_.end()) return Error::make(Errc::kNotFound, "request {} is not running", id);
        it->second->cancelled = true;
        engine = it->second->engine;
        engine_request = it->second->engine_request;
    }
    if (engine && engine_request) engine->cancel(engine_request);
    return {};
}

Result<EmbedResult> Scheduler::embed(EmbedRequest request) {
    HEARTH_ASSIGN_OR_RETURN(std::string model_id, resolve_model(request.model));
    if (request.inputs.empty()) return Error::make(Errc::kInvalidArgument, "input must not be empty");
    if (request.dimensions < 0) return Error::make(Errc::kInvalidArgument, "dimensions must be positive");
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!accepting_) return Error::make(Errc::kUnavailable, "the server is shutting down");
    }
    HEARTH_ASSIGN_OR_RETURN(manager::Lease lease, manager_->acquire(model_id));
    const arch::LlmModel& model = *lease->model;
    if (request.dimensions > model.hparams().n_embd)
        return Error::make(Errc::kInvalidArgument, "dimensions {} is larger than the model's embedding size {}",
                           request.dimensions, model.hparams().n_embd);
    EmbedResult result;
    for (const std::string& input : request.inputs) {
        std::vector<int32_t> tokens = model.tokenizer().encode(input, true, false);
        if (tokens.empty()) return Error::make(Errc::kInvalidArgument, "an input is empty");
        result.prompt_tokens += static_cast<int32_t>(tokens.size());
        HEARTH_ASSIGN_OR_RETURN(std::vector<float> pooled,
                                lease->engine->embed(std::move(tokens), static_cast<int>(request.priority)));
        if (request.dimensions > 0) pooled.resize(static_cast<size_t>(request.dimensions));
        if (request.normalize) {
            double norm = 0.0;
            for (float value : pooled) norm += static_cast<double>(value) * value;
            norm = std::sqrt(norm);
            if (norm > 0)
                for (float& value : pooled) value = static_cast<float>(value / norm);
        }
        result.embeddings.push_back(std::move(pooled));
    }
    return result;
}

Result<std::vector<int32_t>> Scheduler::tokenize(const std::string& model, const std::string& text, bool add_special,
                                                 bool parse_special) {
    HEARTH_ASSIGN_OR_RETURN(std::string model_id, resolve_model(model));
    HEARTH_ASSIGN_OR_RETURN(manager::Lease lease, manager_->acquire(model_id));
    return lease->model->tokenizer().encode(text, add_special, parse_special);
}

Result<std::string> Scheduler::detokenize(const std::string& model, const std::vector<int32_t>& tokens) {
    HEARTH_ASSIGN_OR_RETURN(std::string model_id, resolve_model(model));
    HEARTH_ASSIGN_OR_RETURN(manager::Lease lease, manager_->acquire(model_id));
    const text::Tokenizer& tokenizer = lease->model->tokenizer();
    for (int32_t token : tokens)
        if (!tokenizer.is_valid(token))
            return Error::make(Errc::kInvalidArgument, "token {} is outside the vocabulary (0..{})", token,
                               tokenizer.n_vocab() - 1);
    return tokenizer.decode(tokens, false);
}

Result<std::vector<std::string>> Scheduler::token_pieces(const std::string& model, const std::vector<int32_t>& tokens) {
    HEARTH_ASSIGN_OR_RETURN(std::string model_id, resolve_model(model));
    HEARTH_ASSIGN_OR_RETURN(manager::Lease lease, manager_->acquire(model_id));
    const text::Tokenizer& tokenizer = lease->model->tokenizer();
    std::vector<std::string> pieces;
    for (int32_t token : tokens) {
        if (!tokenizer.is_valid(token))
            return Error::make(Errc::kInvalidArgument, "token {} is outside the vocabulary", token);
        pieces.push_back(tokenizer.token_to_piece(token, true));
    }
    return pieces;
}

Result<std::string> Scheduler::apply_template(const std::string& model, const std::vector<ChatMessage>& messages,
                                              bool add_generation_prompt) {
    HEARTH_ASSIGN_OR_RETURN(std::string model_id, resolve_model(model));
    if (messages.empty()) return Error::make(Errc::kInvalidArgument, "messages must not be empty");
    HEARTH_ASSIGN_OR_RETURN(manager::Lease lease, manager_->acquire(model_id));
    return render_chat(*lease->model, messages, add_generation_prompt, config_.chat_template);
}

ModelInfo Scheduler::describe(const manager::ModelStatus& status) {
    ModelInfo info;
    info.id = status.entry->id;
    info.kind = status.entry->kind;
    info.path = status.entry->path;
    switch (status.state) {
        case manager::ResidencyState::kAvailable: info.state = ModelState::kAvailable; break;
        case manager::ResidencyState::kLoading: info.state = ModelState::kLoading; break;
        case manager::ResidencyState::kLoaded: info.state = ModelState::kLoaded; break;
        case manager::ResidencyState::kFailed: info.state = ModelState::kFailed; break;
    }
    info.load_progress = status.progress;
    info.failure = status.failure;
    info.bytes = status.bytes;
    info.pinned = status.pinned;
    info.builtin = status.entry->builtin;
    info.last_used_unix_ms = status.last_used_unix_ms;
    info.n_ctx = status.n_ctx;
    info.kv_blocks_total = status.kv_blocks_total;
    info.kv_blocks_in_use = status.kv_blocks_in_use;
    info.kv_blocks_cached = status.kv_blocks_cached;
    std::error_code error;
    const auto modified = std::filesystem::last_write_time(status.entry->path, error);
    if (!error)
        info.created_unix_s = std::chrono::duration_cast<std::chrono::seconds>(
                                  std::chrono::file_clock::to_sys(modified).time_since_epoch())
                                  .count();
    // Descriptive metadata straight from the file's header (cheap: mapped, nothing computed).
    auto file = gguf::File::open(status.entry->path);
    if (file.ok()) {
        auto hparams = arch::load_hparams(*file);
        if (hparams.ok()) {
            info.architecture = std::string(hparams->spec->name);
            info.n_ctx_train = hparams->n_ctx_train;
            info.n_embd = hparams->n_embd;
        }
        for (const gguf::TensorInfo& tensor : file->tensors()) info.n_params += static_cast<uint64_t>(tensor.n_elements());
        if (const gguf::Value* value = file->find("tokenizer.chat_template"))
            if (auto text = value->as_string()) info.chat_template = std::string(*text);
        std::map<DType, uint64_t> bytes_by_type;
        for (const gguf::TensorInfo& tensor : file->tensors())
            if (tensor.n_dims == 2) bytes_by_type[tensor.type] += tensor.n_bytes;
        uint64_t best = 0;
        for (const auto& [type, bytes] : bytes_by_type)
            if (bytes > best) {
                best = bytes;
                info.quantization = std::string(dtype_name(type));
            }
        for (char& ch : info.quantization) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    }
    return info;
}

std::vector<ModelInfo> Scheduler::list_models() {
    std::vector<ModelInfo> out;
    for (const manager::ModelStatus& status : manager_->status()) out.push_back(describe(status));
    return out;
}

Result<ModelInfo> Scheduler::model_info(const std::string& id) {
    for (const manager::ModelStatus& status : manager_->status())
        if (status.entry->id == id) return describe(status);
    return Error::make(Errc::kNotFound, "the model '{}' does not exist", id);
}

bool Scheduler::ready() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!accepting_) return false;
    for (const manager::ModelStatus& status : manager_->status())
        if (status.state != manager::ResidencyState::kFailed) return true;
    return false;
}

QueueStats Scheduler::queue_stats() {
    QueueStats stats;
    std::vector<engine::LlmEngine*> engines;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        for (const auto& [id, tracked] : tracked_) {
            if (!tracked->started) ++stats.queued[static_cast<int>(tracked->request.priority)];
            else if (std::find(engines.begin(), engines.end(), tracked->engine) == engines.end())
                engines.push_back(tracked->engine);
        }
        for (int64_t running : speech_running_) stats.active += running;
        stats.completed = completed_;
        stats.failed = failed_;
        stats.cancelled = cancelled_;
    }
    for (engine::LlmEngine* engine : engines) {
        const engine::EngineStats engine_stats = engine->stats();
        stats.active += engine_stats.running;
        for (int level = 0; level < kPriorityCount; ++level) stats.queued[level] += engine_stats.waiting[level];
    }
    return stats;
}

void Scheduler::stop_accepting() {
    std::lock_guard<std::mutex> lock(mutex_);
    accepting_ = false;
}

void Scheduler::drain(std::chrono::milliseconds deadline) {
    std::unique_lock<std::mutex> lock(mutex_);
    auto speech_idle = [this] {
        return std::all_of(std::begin(speech_running_), std::end(speech_running_), [](int64_t n) { return n == 0; });
    };
    if (idle_.wait_for(lock, deadline, [&] { return tracked_.empty() && speech_idle(); })) return;
    std::vector<RequestId> remaining;
    for (const auto& [id, tracked] : tracked_) remaining.push_back(id);
    lock.unlock();
    log::info("drain: cancelling {} requests still running", remaining.size());
    for (RequestId id : remaining) (void)cancel(id);
    lock.lock();
    idle_.wait_for(lock, std::chrono::seconds(5), [this] { return tracked_.empty(); });
}

Status Scheduler::load_model(const std::string& id) {
    if (!manager_->catalog().find(id)) return Error::make(Errc::kNotFound, "the model '{}' does not exist", id);
    HEARTH_ASSIGN_OR_RETURN(manager::Lease lease, manager_->acquire(id));
    return {};
}

Status Scheduler::unload_model(const std::string& id) { return manager_->unload(id); }

Status Scheduler::set_pinned(const std::string& id, bool pinned) { return manager_->set_pinned(id, pinned); }

SystemStats Scheduler::system_stats() {
    SystemStats stats;
    const manager::MemoryStats memory = manager_->memory();
    stats.memory.budget_bytes = memory.budget_bytes;
    stats.memory.used_bytes = memory.used_bytes;
    stats.memory.state = manager::memory_pressure_name(memory.pressure);
    const uint64_t tagged = memory.weights_bytes + memory.kv_bytes + memory.activations_bytes;
    stats.memory.by_tag = {{"weights", memory.weights_bytes},
                           {"kv", memory.kv_bytes},
                           {"activations", memory.activations_bytes},
                           {"other", memory.used_bytes > tagged ? memory.used_bytes - tagged : 0}};
    stats.models = list_models();
    stats.queue = queue_stats();
    return stats;
}

std::unique_ptr<Service> make_service(ServiceConfig config) { return std::make_unique<Scheduler>(std::move(config)); }

}  // namespace hearth::serving
