#include "engine/speech/stt_engine.h"

#include <pocketsphinx.h>
#include <sphinxbase/cmn.h>
#include <sphinxbase/err.h>
#include <sphinxbase/fe.h>
#include <sphinxbase/feat.h>

#include <algorithm>
#include <filesystem>

#include "base/log.h"

namespace hearth::engine::speech {

namespace {

// pocketsphinx 0.8 logs through process-global state, and creating or freeing decoders while
// another thread does crashed in probes: silence the log once and serialize create/free.
std::mutex g_decoder_lifecycle;

void silence_pocketsphinx_log() {
    static std::once_flag once;
    std::call_once(once, [] { err_set_logfp(nullptr); });
}

// A worker's decoder and a front end of its own for estimating each piece's cepstral means
// (adapted_means: running the decoder's front end would advance the frame count its word
// timestamps are measured in).
struct Decoder {
    ps_decoder_t* ps = nullptr;
    fe_t* fe = nullptr;
    ~Decoder() {
        std::lock_guard<std::mutex> lock(g_decoder_lifecycle);
        if (fe) fe_free(fe);
        if (ps) ps_free(ps);
    }
};

Status make_decoder(const std::string& dir, Decoder& decoder) {
    const std::string hmm = dir + "/en-us", lm = dir + "/en-us.lm.bin", dict = dir + "/cmudict-en-us.dict";
    for (const std::string& path : {hmm, lm, dict})
        if (!std::filesystem::exists(path))
            return Error::make(Errc::kNotFound, "the speech recognizer's model file '{}' is missing", path);
    std::lock_guard<std::mutex> lock(g_decoder_lifecycle);
    cmd_ln_t* config = cmd_ln_init(nullptr, ps_args(), TRUE, "-hmm", hmm.c_str(), "-lm", lm.c_str(), "-dict",
                                   dict.c_str(), nullptr);
    if (!config) return Error::make(Errc::kInternal, "pocketsphinx rejected its configuration");
    decoder.ps = ps_init(config);
    cmd_ln_free_r(config);
    if (!decoder.ps) return Error::make(Errc::kInternal, "pocketsphinx could not load the model in '{}'", dir);
    decoder.fe = fe_init_auto_r(ps_get_config(decoder.ps));
    if (!decoder.fe) return Error::make(Errc::kInternal, "pocketsphinx could not make a front end");
    return {};
}

bool is_filler(const std::string& word) {
    return word.empty() || word[0] == '<' || word[0] == '[' || word[0] == '+';
}

std::string clean_word(std::string word) {
    if (auto paren = word.find('('); paren != std::string::npos && paren > 0) word.resize(paren);
    return word;
}

// Where to cut: the quietest 100 ms in the last quarter of [begin, end).
size_t quiet_cut(const std::vector<int16_t>& samples, size_t begin, size_t end) {
    const size_t window = SttEngine::kSampleRate / 10;
    const size_t from = begin + (end - begin) * 3 / 4;
    size_t best = end;
    double best_energy = -1.0;
    for (size_t at = from; at + window <= end; at += window / 2) {
        double energy = 0.0;
        for (size_t idx = at; idx < at + window; ++idx) energy += static_cast<double>(samples[idx]) * samples[idx];
        if (best_energy < 0 || energy < best_energy) {
            best_energy = energy;
            best = at + window / 2;
        }
    }
    return best;
}

// The cepstral means to decode a piece with: live normalisation run over the piece's own features
// from the model's initial means (what a decoder that had already heard this speaker would start
// from). Computing the features alone costs a few percent of a decode; the round trip with
// espeak-ng's voice has 11.4% word errors this way against 27.9% from the model's initial means
// (tests/speech/round_trip_test.cpp).
std::vector<mfcc_t> adapted_means(ps_decoder_t* ps, fe_t* fe, const int16_t* samples, size_t count,
                                  const std::vector<mfcc_t>& initial) {
    cmn_t* cmn = ps_get_feat(ps)->cmn_struct;
    cmn_live_set(cmn, initial.data());
    mfcc_t** cepstra = nullptr;
    int32 n_frames = 0;
    if (fe_start_utt(fe) < 0 || fe_process_utt(fe, samples, count, &cepstra, &n_frames) < 0) return initial;
    std::vector<mfcc_t> last(static_cast<size_t>(fe_get_output_size(fe)));
    int32 n_last = 0;
    fe_end_utt(fe, last.data(), &n_last);
    if (n_frames > 0) cmn_live(cmn, cepstra, 0, n_frames);
    if (n_last > 0) {
        mfcc_t* rows[1] = {last.data()};
        cmn_live(cmn, rows, 0, 1);
    }
    fe_free_2d(cepstra);
    cmn_live_update(cmn);
    return std::vector<mfcc_t>(cmn->cmn_mean, cmn->cmn_mean + cmn->veclen);
}

}  // namespace

struct SttEngine::Job {
    std::vector<int16_t> samples;
    std::promise<Result<Transcript>> done;
};

uint64_t SttEngine::model_bytes(const std::string& model_dir) {
    uint64_t total = 0;
    std::error_code error;
    for (const char* name : {"en-us.lm.bin", "cmudict-en-us.dict"})
        total += std::filesystem::file_size(model_dir + "/" + name, error) * !error;
    for (const auto& item : std::filesystem::directory_iterator(model_dir + "/en-us", error))
        if (item.is_regular_file()) total += item.file_size();
    return total;
}

Result<std::unique_ptr<SttEngine>> SttEngine::create(SttConfig config) {
    if (config.n_decoders < 1 || config.n_decoders > 64)
        return Error::make(Errc::kInvalidArgument, "the recognizer needs 1..64 decoders, not {}", config.n_decoders);
    silence_pocketsphinx_log();
    std::unique_ptr<SttEngine> engine(new SttEngine(std::move(config)));
    std::vector<std::future<Status>> started;
    for (int idx = 0; idx < engine->config_.n_decoders; ++idx) {
        std::promise<Status> promise;
        started.push_back(promise.get_future());
        engine->workers_.emplace_back([raw = engine.get(), promise = std::move(promise)]() mutable {
            raw->worker_main(std::move(promise));
        });
    }
    Status failed;
    for (auto& future : started)
        if (Status status = future.get(); !status.ok() && failed.ok()) failed = status;
    if (!failed.ok()) return failed.error();
    return engine;
}

SttEngine::SttEngine(SttConfig config) : config_(std::move(config)), queue_(std::chrono::milliseconds(config_.aging_ms)) {}

SttEngine::~SttEngine() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    for (std::thread& worker : workers_) worker.join();
}

void SttEngine::worker_main(std::promise<Status> started) {
    Decoder decoder;
    if (Status made = make_decoder(config_.model_dir, decoder); !made.ok()) {
        started.set_value(made);
        return;
    }
    // Cepstral mean normalisation adapts as it hears: every piece starts from the model's initial
    // means adapted to that piece alone, so a result never depends on earlier requests.
    cmn_t* cmn = ps_get_feat(decoder.ps)->cmn_struct;
    const std::vector<mfcc_t> initial_means(cmn->cmn_mean, cmn->cmn_mean + cmn->veclen);
    started.set_value(Status{});
    for (;;) {
        Job* job = take_job();
        if (!job) return;
        const std::vector<int16_t>& samples = job->samples;
        Transcript transcript;
        transcript.duration = static_cast<double>(samples.size()) / kSampleRate;
        const auto max_piece = static_cast<size_t>(config_.max_piece_seconds * kSampleRate);
        Segment current;
        double last_end = -1e9;
        bool failed = false;
        for (size_t begin = 0; begin < samples.size() && !failed;) {
            size_t end = std::min(samples.size(), begin + max_piece);
            if (end < samples.size()) end = quiet_cut(samples, begin, end);
            const double offset = static_cast<double>(begin) / kSampleRate;
            const std::vector<mfcc_t> means =
                adapted_means(decoder.ps, decoder.fe, samples.data() + begin, end - begin, initial_means);
            cmn_live_set(cmn, means.data());
            // A new stream per piece: segment frames count from this piece's start, not from
            // everything the decoder has heard (the piece's offset is added below).
            failed = ps_start_stream(decoder.ps) < 0 || ps_start_utt(decoder.ps) < 0;
            constexpr size_t block = 4096;
            for (size_t at = begin; at < end && !failed; at += block)
                failed = ps_process_raw(decoder.ps, samples.data() + at, std::min(block, end - at), FALSE, FALSE) < 0;
            if (failed || ps_end_utt(decoder.ps) < 0) {
                failed = true;
                break;
            }
            for (ps_seg_t* seg = ps_seg_iter(decoder.ps); seg; seg = ps_seg_next(seg)) {
                const std::string word = ps_seg_word(seg) ? ps_seg_word(seg) : "";
                if (is_filler(word)) continue;
                int start_frame = 0, end_frame = 0;
                ps_seg_frames(seg, &start_frame, &end_frame);
                const double start = offset + start_frame / 100.0, stop = offset + (end_frame + 1) / 100.0;
                if (!current.text.empty() && start - last_end >= config_.segment_pause_seconds) {
                    transcript.segments.push_back(std::move(current));
                    current = Segment{};
                }
                if (current.text.empty()) current.start = start;
                else current.text += ' ';
                current.text += clean_word(word);
                current.end = stop;
                last_end = stop;
            }
            begin = end;
        }
        if (!current.text.empty()) transcript.segments.push_back(std::move(current));
        for (const Segment& segment : transcript.segments) {
            if (!transcript.text.empty()) transcript.text += ' ';
            transcript.text += segment.text;
        }
        if (failed) job->done.set_value(Error::make(Errc::kInternal, "pocketsphinx failed to decode the audio"));
        else job->done.set_value(std::move(transcript));
    }
}

SttEngine::Job* SttEngine::take_job() {
    std::unique_lock<std::mutex> lock(mutex_);
    ++idle_;
    for (;;) {
        if (released_ > 0 && !queue_.empty()) {
            --released_;
            break;
        }
        if (queue_.empty()) {
            if (stop_) {
                --idle_;
                return nullptr;
            }
            wake_.wait(lock);
            continue;
        }
        // Every queued request is unreleased here: release them once as many wait as decoders are
        // idle, or once the first has waited the window (or at shutdown).
        const auto deadline = window_start_ + std::chrono::milliseconds(config_.batch_window_ms);
        if (queue_.size() >= static_cast<size_t>(idle_) || stop_ || std::chrono::steady_clock::now() >= deadline) {
            released_ = std::min(queue_.size(), static_cast<size_t>(idle_));
            ++batch_stats_.batches;
            batch_stats_.requests += static_cast<int64_t>(released_);
            batch_stats_.largest = std::max(batch_stats_.largest, static_cast<int64_t>(released_));
            wake_.notify_all();
            continue;
        }
        wake_.wait_until(lock, deadline);
    }
    --idle_;
    return queue_.pop();
}

SttBatchStats SttEngine::batch_stats() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return batch_stats_;
}

Result<Transcript> SttEngine::transcribe(std::vector<int16_t> samples, int priority) {
    if (samples.empty()) return Error::make(Errc::kInvalidArgument, "the audio has no samples");
    Job job;
    job.samples = std::move(samples);
    auto future = job.done.get_future();
    busy_.fetch_add(1);
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stop_) {
            busy_.fetch_sub(1);
            return Error::make(Errc::kUnavailable, "the speech recognizer is stopping");
        }
        if (queue_.size() == released_) window_start_ = std::chrono::steady_clock::now();   // opens a window
        queue_.push(&job, priority);
    }
    wake_.notify_all();
    Result<Transcript> result = future.get();
    busy_.fetch_sub(1);
    return result;
}

std::vector<int64_t> SttEngine::waiting() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return queue_.waiting();
}

}  // namespace hearth::engine::speech
