// Speech-to-text on pocketsphinx 0.8 (the old cmd_ln API). A decoder is not thread-safe, so the
// engine keeps a pool of worker threads, each owning one decoder; requests queue (urgent first,
// then arrival order, with aging: JobQueue) and the next free worker takes the next one, so
// concurrent requests run side by side across the pool. Requests are started in batches: when decoders are idle, requests
// that arrive within `batch_window_ms` of the first are released together (at once when there are
// as many as idle decoders), so a burst of clients starts decoding side by side instead of
// trickling in. Each piece of audio starts from cepstral means adapted to its own
// features (never to what the decoder heard before), so a result does not depend on earlier
// requests.
// Long audio is cut at its quietest moments into pieces of at most `max_piece_seconds`.
//
// Threads: transcribe(), idle() and waiting() from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"
#include "engine/speech/job_queue.h"
#include "engine/speech/transcript.h"

namespace hearth::engine::speech {

struct SttConfig {
    std::string model_dir = "/usr/share/pocketsphinx/model/en-us";   // en-us/ (acoustic), .lm.bin, .dict
    int n_decoders = 2;
    double max_piece_seconds = 20.0;
    double segment_pause_seconds = 0.3;   // a pause this long between words starts a new segment
    int batch_window_ms = 5;              // how long the first waiting request waits for others
    int aging_ms = 2000;                  // a waiting request gains one priority level per interval
};

struct SttBatchStats {
    int64_t batches = 0;    // releases of waiting requests
    int64_t requests = 0;   // requests released in them
    int64_t largest = 0;    // the most requests released at once
};

class SttEngine {
public:
    static constexpr int kSampleRate = 16000;

    static Result<std::unique_ptr<SttEngine>> create(SttConfig config);
    ~SttEngine();
    SttEngine(const SttEngine&) = delete;
    SttEngine& operator=(const SttEngine&) = delete;

    // Bytes the model files take per decoder (each decoder holds its own copy).
    static uint64_t model_bytes(const std::string& model_dir);

    // 16 kHz mono samples -> transcript. Blocks until a decoder has done it.
    Result<Transcript> transcribe(std::vector<int16_t> samples, int priority = 2);

    const SttConfig& config() const { return config_; }
    bool idle() const { return busy_.load() == 0; }
    std::vector<int64_t> waiting() const;
    SttBatchStats batch_stats() const;

private:
    struct Job;
    explicit SttEngine(SttConfig config);
    void worker_main(std::promise<Status> started);
    Job* take_job();   // blocks until a request is released to this worker; nullptr at shutdown

    SttConfig config_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    JobQueue<Job> queue_;
    int idle_ = 0;                                   // workers waiting for a request
    size_t released_ = 0;                            // queued requests released to start now
    std::chrono::steady_clock::time_point window_start_;   // when the oldest unreleased request came
    SttBatchStats batch_stats_;
    bool stop_ = false;
    std::atomic<int> busy_{0};
    std::vector<std::thread> workers_;
};

}  // namespace hearth::engine::speech
