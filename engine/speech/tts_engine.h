// Text-to-speech on espeak-ng, run in a helper process (apps/hearth-espeak) that forks a fresh
// child for every synthesis: espeak-ng keeps synthesizer state in globals that carry from one text
// to the next, so only a fresh copy of it gives the same samples for the same request every time,
// and a crash inside it ends only that child. One owner thread talks to the helper: requests queue
// (urgent first, then arrival order, with aging: JobQueue) and are spoken one at a time, 16-bit
// mono samples at 22,050 Hz handed to each request's callback as they are produced. If the helper
// itself dies the request fails and the next one starts a new helper.
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
#include "engine/speech/job_queue.h"
#include "engine/speech/voice.h"

namespace hearth::engine::speech {

struct TtsConfig {
    std::string data_dir;                          // the espeak-ng-data folder; "" the library's default
    std::string default_voice = "en-us+klatt";
    int words_per_minute = 175;                    // at speed 1.0
    std::string helper_path;                       // "" hearth-espeak beside the running program
    int aging_ms = 2000;                           // a waiting request gains one priority level per interval
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
    Status start_helper();   // on the owner thread (or in create(), before it starts)
    void stop_helper();
    void owner_main();
    Status run_job(Job& job);

    TtsConfig config_;
    std::string helper_path_;
    int helper_socket_ = -1;
    int helper_pid_ = -1;
    std::vector<Voice> voices_;
    std::map<std::string, std::string> languages_;   // id -> espeak-ng voice identifier
    std::map<std::string, std::string> variants_;    // "klatt" -> "klatt"
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    JobQueue<Job> queue_;
    bool stop_ = false;
    std::atomic<int> busy_{0};
    std::thread owner_;
};

}  // namespace hearth::engine::speech
