// Text-to-speech on espeak-ng. espeak-ng keeps global state and is not thread-safe, so one owner
// thread makes every espeak-ng call: requests queue (urgent first, then arrival order) and the
// owner synthesizes them one at a time, handing 16-bit mono samples at 22,050 Hz to each
// request's callback as they are produced. Only one TtsEngine exists at a time in a process (a
// second one waits in create() until the first is destroyed).
//
// Threads: synthesize(), voices(), resolve_voice() and idle() from any thread; callbacks run on
// the owner thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"
#include "engine/speech/voice.h"

namespace hearth::engine::speech {

struct TtsConfig {
    std::string data_dir;                          // the espeak-ng-data folder; "" the library's default
    std::string default_voice = "en-us+klatt";
    int words_per_minute = 175;                    // at speed 1.0
};

struct SpeechParams {
    std::string text;
    std::string voice;                              // "" the default voice
    double speed = 1.0;                             // 0.25 .. 4.0 (x words_per_minute, clamped to 80..450)
    int pitch = 50;                                 // 0 .. 100
    int priority = 2;                               // 0 urgent .. 3 low
};

// Receives synthesized samples; returning false stops the synthesis (the client went away).
using SampleSink = std::function<bool(const int16_t* samples, size_t count)>;

class TtsEngine {
public:
    static constexpr int kSampleRate = 22050;

    static Result<std::unique_ptr<TtsEngine>> create(TtsConfig config);
    ~TtsEngine();
    TtsEngine(const TtsEngine&) = delete;
    TtsEngine& operator=(const TtsEngine&) = delete;

    // Languages first, then variants, each sorted by id.
    const std::vector<Voice>& voices() const { return voices_; }
    // The espeak-ng voice for a request's voice ("" -> the default); kInvalidArgument naming
    // the voice when its language or variant is not installed.
    Result<std::string> resolve_voice(const std::string& voice) const;
    const TtsConfig& config() const { return config_; }

    // Queues the text and blocks until it is spoken (or `sink` stopped it: kCancelled).
    Status synthesize(const SpeechParams& params, const SampleSink& sink);
    // Convenience: all samples at once.
    Result<std::vector<int16_t>> synthesize_all(const SpeechParams& params);

    bool idle() const { return busy_.load() == 0; }
    // Requests waiting, by priority.
    std::vector<int64_t> waiting() const;

    struct Job;   // one queued request (the espeak-ng callback reaches it)

private:
    explicit TtsEngine(TtsConfig config);
    void owner_main(std::promise<Status> started);
    Status run_job(Job& job);
    std::string data_path_;   // the folder holding espeak-ng-data ("" the default)

    TtsConfig config_;
    std::vector<Voice> voices_;
    std::map<std::string, std::string> languages_;   // id -> espeak-ng voice identifier
    std::map<std::string, std::string> variants_;    // "klatt" -> "klatt"
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::multimap<std::pair<int, uint64_t>, Job*> queue_;
    uint64_t next_seq_ = 0;
    bool stop_ = false;
    std::atomic<int> busy_{0};
    std::thread owner_;
};

}  // namespace hearth::engine::speech
