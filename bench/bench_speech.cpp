// Speech throughput: text-to-speech speed (seconds of audio per second of synthesis) and the
// recognizer's real-time factor (decode time / audio length) and throughput at 1, 2 and 4
// concurrent requests over a pool of 4 decoders (more requests than cores queue), with how many
// requests the batching window started together.
//
//   build/release/bin/bench_speech
#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#include "engine/speech/audio.h"
#include "engine/speech/stt_engine.h"
#include "engine/speech/tts_engine.h"

using namespace hearth::engine::speech;
using Clock = std::chrono::steady_clock;

int main() {
    const std::vector<std::string> texts = {
        "The weather is nice today and we will walk to the park after lunch.",
        "Please call me when you get home so that I know you arrived safely.",
        "The train leaves the station at seven o'clock every morning.",
        "She reads a book every night before bed and sleeps very well.",
    };
    auto tts = TtsEngine::create(TtsConfig{});
    if (!tts.ok()) {
        fmt::print(stderr, "error: {}\n", tts.error().message);
        return 1;
    }
    std::vector<std::vector<int16_t>> clips;
    double audio_seconds = 0.0;
    const auto tts_start = Clock::now();
    for (int round = 0; round < 5; ++round)
        for (const std::string& text : texts) {
            SpeechParams params;
            params.text = text;
            auto samples = (*tts)->synthesize_all(params);
            if (!samples.ok()) return 1;
            audio_seconds += static_cast<double>(samples->size()) / TtsEngine::kSampleRate;
            if (round == 0) clips.push_back(std::move(*samples));
        }
    const double tts_seconds = std::chrono::duration<double>(Clock::now() - tts_start).count();
    fmt::print("tts  voice {}: {:.1f} s of audio in {:.2f} s: {:.0f}x real time\n", TtsConfig{}.default_voice,
               audio_seconds, tts_seconds, audio_seconds / tts_seconds);

    // Time to the first samples of a short sentence: what a streaming client waits before audio
    // starts (it includes the helper's fork of a fresh espeak-ng child).
    std::vector<double> first_ms;
    for (int round = 0; round < 21; ++round) {
        SpeechParams params;
        params.text = "Good morning.";
        const auto start = Clock::now();
        bool first = true;
        const auto status = (*tts)->synthesize(params, [&](const int16_t*, size_t) {
            if (first) first_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
            first = false;
            return true;
        });
        if (!status.ok()) return 1;
    }
    std::sort(first_ms.begin(), first_ms.end());
    fmt::print("tts  first samples of a short sentence after {:.2f} ms (median of {})\n", first_ms[first_ms.size() / 2],
               first_ms.size());

    std::vector<std::vector<int16_t>> inputs;
    double clip_seconds = 0.0;
    for (const auto& clip : clips) {
        Audio audio;
        audio.sample_rate = TtsEngine::kSampleRate;
        audio.channels = 1;
        for (int16_t sample : clip) audio.samples.push_back(static_cast<float>(sample) / 32768.0f);
        inputs.push_back(*to_mono_pcm16(audio, SttEngine::kSampleRate));
        clip_seconds += audio.seconds();
    }
    SttConfig config;
    config.n_decoders = 4;
    auto stt = SttEngine::create(config);
    if (!stt.ok()) {
        fmt::print(stderr, "error: {}\n", stt.error().message);
        return 1;
    }
    fmt::print("stt  {} clips, {:.1f} s of audio per pass, {} decoders, {} hardware threads\n", inputs.size(),
               clip_seconds, config.n_decoders, std::thread::hardware_concurrency());
    for (int concurrency : {1, 2, 4}) {
        const int passes = 2;
        const SttBatchStats before = (*stt)->batch_stats();
        const auto start = Clock::now();
        std::vector<std::thread> threads;
        for (int client = 0; client < concurrency; ++client)
            threads.emplace_back([&] {
                for (int pass = 0; pass < passes; ++pass)
                    for (const auto& input : inputs) (void)(*stt)->transcribe(input);
            });
        for (auto& thread : threads) thread.join();
        const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
        const double total_audio = clip_seconds * passes * concurrency;
        const int requests = static_cast<int>(inputs.size()) * passes * concurrency;
        fmt::print("stt  concurrency {}: {} requests, {:.1f} s audio in {:.2f} s: {:.2f} requests/s, "
                   "real-time factor {:.3f} (wall / audio), {:.1f}x real time aggregate\n",
                   concurrency, requests, total_audio, elapsed, requests / elapsed, elapsed / total_audio,
                   total_audio / elapsed);
        const SttBatchStats after = (*stt)->batch_stats();
        const int64_t batches = after.batches - before.batches;
        fmt::print("stt  concurrency {}: {} batches, {:.2f} requests per batch (window {} ms)\n", concurrency, batches,
                   batches ? static_cast<double>(after.requests - before.requests) / batches : 0.0,
                   config.batch_window_ms);
    }
    return 0;
}
