#include "engine/speech/tts_engine.h"

#include <espeak-ng/espeak_ng.h>
#include <espeak-ng/speak_lib.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "base/log.h"

namespace hearth::engine::speech {

namespace {

// espeak-ng's state is global: one engine per process at a time.
std::mutex g_instance_mutex;
std::condition_variable g_instance_free;
bool g_instance_exists = false;

std::string lower(std::string text) {
    for (char& ch : text) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return text;
}

}  // namespace

struct TtsEngine::Job {
    const SpeechParams* params = nullptr;
    std::string voice;
    const SampleSink* sink = nullptr;
    bool stopped = false;
    std::promise<Status> done;
};

namespace {

int synth_callback(short* wav, int count, espeak_EVENT* events) {
    auto* job = static_cast<TtsEngine::Job*>(events ? events->user_data : nullptr);
    if (!job) return 0;
    if (job->stopped) return 1;
    if (wav && count > 0 && !(*job->sink)(wav, static_cast<size_t>(count))) {
        job->stopped = true;
        return 1;
    }
    return 0;
}

}  // namespace

Result<std::unique_ptr<TtsEngine>> TtsEngine::create(TtsConfig config) {
    {
        std::unique_lock<std::mutex> lock(g_instance_mutex);
        if (!g_instance_free.wait_for(lock, std::chrono::seconds(30), [] { return !g_instance_exists; }))
            return Error::make(Errc::kUnavailable, "another text-to-speech engine is still running");
        g_instance_exists = true;
    }
    std::unique_ptr<TtsEngine> engine(new TtsEngine(std::move(config)));
    std::promise<Status> started;
    auto future = started.get_future();
    engine->owner_ = std::thread([raw = engine.get(), promise = std::move(started)]() mutable {
        raw->owner_main(std::move(promise));
    });
    HEARTH_TRY(future.get());
    if (auto voice = engine->resolve_voice(engine->config_.default_voice); !voice.ok()) return voice.error();
    return engine;
}

TtsEngine::TtsEngine(TtsConfig config) : config_(std::move(config)) {}

TtsEngine::~TtsEngine() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    if (owner_.joinable()) owner_.join();
    {
        std::lock_guard<std::mutex> lock(g_instance_mutex);
        g_instance_exists = false;
    }
    g_instance_free.notify_all();
}

void TtsEngine::owner_main(std::promise<Status> started) {
    if (!config_.data_dir.empty()) data_path_ = std::filesystem::path(config_.data_dir).parent_path().string();
    const int rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 200, data_path_.empty() ? nullptr : data_path_.c_str(), 0);
    if (rate != kSampleRate) {
        started.set_value(Error::make(Errc::kNotFound, "espeak-ng could not start (data folder '{}', rate {})",
                                      config_.data_dir, rate));
        // Nothing queues: create() fails and the engine is destroyed.
        return;
    }
    espeak_SetSynthCallback(synth_callback);
    if (const espeak_VOICE** list = espeak_ListVoices(nullptr)) {
        for (; *list; ++list) {
            const espeak_VOICE* voice = *list;
            if (!voice->languages || !voice->languages[0]) continue;
            Voice entry;
            entry.language = lower(voice->languages + 1);   // a priority byte, then the tag
            entry.id = entry.language;
            entry.name = voice->name ? voice->name : entry.id;
            entry.gender = voice->gender == 1 ? "male" : voice->gender == 2 ? "female" : "";
            if (languages_.count(entry.id) || !voice->identifier) continue;
            languages_[entry.id] = voice->identifier;   // "gmw/en-GB-x-rp": what espeak-ng selects by
            voices_.push_back(std::move(entry));
        }
    }
    espeak_VOICE spec{};
    spec.languages = "variant";
    if (const espeak_VOICE** list = espeak_ListVoices(&spec)) {
        for (; *list; ++list) {
            const espeak_VOICE* voice = *list;
            if (!voice->identifier) continue;
            std::string name = voice->identifier;
            if (auto slash = name.rfind('/'); slash != std::string::npos) name = name.substr(slash + 1);
            if (name.empty() || variants_.count(name)) continue;
            variants_[name] = name;
            Voice entry;
            entry.id = "+" + name;
            entry.name = voice->name ? voice->name : name;
            entry.gender = voice->gender == 1 ? "male" : voice->gender == 2 ? "female" : "";
            entry.variant = true;
            voices_.push_back(std::move(entry));
        }
    }
    std::stable_sort(voices_.begin(), voices_.end(), [](const Voice& a, const Voice& b) {
        return a.variant != b.variant ? !a.variant : a.id < b.id;
    });
    started.set_value(Status{});
    for (;;) {
        Job* job;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [this] { return stop_ || !queue_.empty(); });
            if (queue_.empty()) break;
            job = queue_.begin()->second;
            queue_.erase(queue_.begin());
        }
        job->done.set_value(run_job(*job));
    }
    espeak_Terminate();
}

Status TtsEngine::run_job(Job& job) {
    const SpeechParams& params = *job.params;
    if (espeak_SetVoiceByName(job.voice.c_str()) != EE_OK)
        return Error::make(Errc::kInvalidArgument, "the voice '{}' could not be loaded", job.voice);
    const int wpm = static_cast<int>(std::lround(config_.words_per_minute * params.speed));
    espeak_SetParameter(espeakRATE, std::clamp(wpm, espeakRATE_MINIMUM, espeakRATE_MAXIMUM), 0);
    espeak_SetParameter(espeakPITCH, std::clamp(params.pitch, 0, 100), 0);
    const espeak_ERROR error = espeak_Synth(params.text.c_str(), params.text.size() + 1, 0, POS_CHARACTER, 0,
                                            espeakCHARS_UTF8, nullptr, &job);
    if (job.stopped) return Error::make(Errc::kCancelled, "synthesis stopped");
    if (error != EE_OK) return Error::make(Errc::kInternal, "espeak-ng failed to synthesize ({})", static_cast<int>(error));
    return {};
}

Result<std::string> TtsEngine::resolve_voice(const std::string& requested) const {
    const std::string voice = lower(requested.empty() ? config_.default_voice : requested);
    const auto plus = voice.find('+');
    const std::string language = voice.substr(0, plus);
    const std::string variant = plus == std::string::npos ? "" : voice.substr(plus + 1);
    if (!languages_.count(language))
        return Error::make(Errc::kInvalidArgument,
                           "unknown voice '{}': no installed language '{}' (GET /v1/audio/voices lists them)", requested,
                           language);
    if (plus != std::string::npos && !variants_.count(variant))
        return Error::make(Errc::kInvalidArgument,
                           "unknown voice '{}': no installed variant '{}' (GET /v1/audio/voices lists them)", requested,
                           variant);
    return languages_.at(language) + (variant.empty() ? "" : "+" + variant);
}

Status TtsEngine::synthesize(const SpeechParams& params, const SampleSink& sink) {
    HEARTH_ASSIGN_OR_RETURN(std::string voice, resolve_voice(params.voice));
    if (params.text.empty()) return Error::make(Errc::kInvalidArgument, "the input text is empty");
    if (!(params.speed >= 0.25 && params.speed <= 4.0))
        return Error::make(Errc::kInvalidArgument, "speed must be between 0.25 and 4.0");
    Job job;
    job.params = &params;
    job.voice = std::move(voice);
    job.sink = &sink;
    auto future = job.done.get_future();
    busy_.fetch_add(1);
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stop_) {
            busy_.fetch_sub(1);
            return Error::make(Errc::kUnavailable, "the text-to-speech engine is stopping");
        }
        queue_.emplace(std::make_pair(std::clamp(params.priority, 0, 3), next_seq_++), &job);
    }
    wake_.notify_one();
    Status status = future.get();
    busy_.fetch_sub(1);
    return status;
}

Result<std::vector<int16_t>> TtsEngine::synthesize_all(const SpeechParams& params) {
    std::vector<int16_t> samples;
    HEARTH_TRY(synthesize(params, [&samples](const int16_t* data, size_t count) {
        samples.insert(samples.end(), data, data + count);
        return true;
    }));
    return samples;
}

std::vector<int64_t> TtsEngine::waiting() const {
    std::vector<int64_t> out(4, 0);
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [key, job] : queue_) ++out[static_cast<size_t>(key.first)];
    return out;
}

}  // namespace hearth::engine::speech
