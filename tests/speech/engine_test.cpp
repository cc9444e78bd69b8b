// The speech engines without the server: voices, speed, every output
// format decodes back to the expected duration and rate, bad audio is refused clearly.
#include <gtest/gtest.h>

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <thread>

#include "engine/speech/audio.h"
#include "engine/speech/audio_encoder.h"
#include "engine/speech/stt_engine.h"
#include "engine/speech/tts_engine.h"

namespace hearth::engine::speech {
namespace {

TtsEngine& engine() {
    static std::unique_ptr<TtsEngine> instance = [] {
        auto created = TtsEngine::create(TtsConfig{});
        EXPECT_TRUE(created.ok()) << created.error().message;
        return std::move(created).value();
    }();
    return *instance;
}

std::vector<int16_t> speak(const std::string& text, const std::string& voice = "", double speed = 1.0) {
    SpeechParams params;
    params.text = text;
    params.voice = voice;
    params.speed = speed;
    auto samples = engine().synthesize_all(params);
    EXPECT_TRUE(samples.ok()) << samples.error().message;
    return samples.ok() ? *samples : std::vector<int16_t>{};
}

TEST(TtsEngine, ListsLanguagesAndVariants) {
    const auto& voices = engine().voices();
    auto has = [&](const std::string& id) {
        return std::any_of(voices.begin(), voices.end(), [&](const Voice& voice) { return voice.id == id; });
    };
    EXPECT_TRUE(has("en-us"));
    EXPECT_TRUE(has("de"));
    EXPECT_TRUE(has("+klatt"));
    EXPECT_GT(voices.size(), 100u);
    EXPECT_TRUE(engine().resolve_voice("en-gb+f3").ok());
    EXPECT_EQ(engine().resolve_voice("xx-none").error().code, Errc::kInvalidArgument);
    EXPECT_EQ(engine().resolve_voice("en-us+nobody").error().code, Errc::kInvalidArgument);
}

TEST(TtsEngine, SpeedAndVoiceChangeTheAudio) {
    const auto normal = speak("The quick brown fox jumps over the lazy dog.");
    const auto fast = speak("The quick brown fox jumps over the lazy dog.", "", 2.0);
    ASSERT_GT(normal.size(), static_cast<size_t>(TtsEngine::kSampleRate));
    EXPECT_LT(fast.size(), normal.size() * 3 / 4);
    EXPECT_NE(speak("The quick brown fox.", "en-gb"), speak("The quick brown fox."));
}

// espeak-ng carries synthesizer state from one text to the next; the helper's fresh child per
// synthesis makes the same request give the same samples whatever was spoken before.
TEST(TtsEngine, TheSameRequestGivesTheSameSamples) {
    const std::string text = "She sells sea shells by the sea shore.";
    const auto first = speak(text);
    ASSERT_GT(first.size(), 1000u);
    speak("Something else entirely, in another voice.", "en-gb+f3", 1.5);
    EXPECT_EQ(speak(text), first);
    EXPECT_EQ(speak(text), first);
}

// Requests from many threads at once, each with its own text, voice, speed and pitch, give exactly
// the samples they give one at a time: they never see each other's settings or state.
TEST(TtsEngine, ParallelRequestsEqualSequentialOnes) {
    struct Case {
        std::string text, voice;
        double speed;
        int pitch;
    };
    const std::vector<Case> cases = {
        {"The meeting starts in ten minutes.", "", 1.0, 50},
        {"Guten Morgen, wie geht es dir?", "de", 1.0, 50},
        {"Please call me when you get home.", "en-gb+f3", 1.5, 70},
        {"The red car is parked outside the house.", "en-us+klatt2", 0.8, 30},
        {"Bonjour tout le monde.", "fr-fr+m3", 1.2, 50},
        {"Dinner will be ready in an hour.", "en-us", 2.0, 90},
    };
    auto run = [&](const Case& item) {
        SpeechParams params;
        params.text = item.text;
        params.voice = item.voice;
        params.speed = item.speed;
        params.pitch = item.pitch;
        auto samples = engine().synthesize_all(params);
        EXPECT_TRUE(samples.ok()) << samples.error().message;
        return samples.ok() ? *samples : std::vector<int16_t>{};
    };
    std::vector<std::vector<int16_t>> sequential;
    for (const Case& item : cases) sequential.push_back(run(item));
    constexpr int kRounds = 3;
    std::vector<std::vector<int16_t>> parallel(cases.size() * kRounds);
    std::vector<std::thread> threads;
    for (size_t idx = 0; idx < parallel.size(); ++idx)
        threads.emplace_back([&, idx] { parallel[idx] = run(cases[idx % cases.size()]); });
    for (std::thread& thread : threads) thread.join();
    for (size_t idx = 0; idx < parallel.size(); ++idx) {
        ASSERT_FALSE(sequential[idx % cases.size()].empty());
        EXPECT_EQ(parallel[idx], sequential[idx % cases.size()]) << "request " << idx << ": " << cases[idx % cases.size()].text;
    }
}

TEST(TtsEngine, AStoppedSynthesisEndsAndTheNextIsWhole) {
    const std::string text = "This sentence is long enough to arrive in several pieces of audio, one after another.";
    const auto whole = speak(text);
    SpeechParams params;
    params.text = text;
    size_t received = 0;
    const Status stopped = engine().synthesize(params, [&](const int16_t*, size_t count) {
        received += count;
        return false;
    });
    EXPECT_EQ(stopped.error().code, Errc::kCancelled);
    EXPECT_LT(received, whole.size());
    EXPECT_EQ(speak(text), whole);
}

// The pids of this process's children running `name`.
std::vector<pid_t> children_named(const std::string& name) {
    std::vector<pid_t> out;
    DIR* proc = opendir("/proc");
    if (!proc) return out;
    while (dirent* entry = readdir(proc)) {
        const pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
        if (pid <= 0) continue;
        std::ifstream stat_file("/proc/" + std::to_string(pid) + "/stat");
        std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
        const auto open = stat.find('('), close = stat.rfind(')');
        if (open == std::string::npos || close == std::string::npos) continue;
        std::istringstream rest(stat.substr(close + 2));
        char state;
        pid_t parent = 0;
        rest >> state >> parent;
        if (parent == getpid() && stat.substr(open + 1, close - open - 1) == name) out.push_back(pid);
    }
    closedir(proc);
    return out;
}

TEST(TtsEngine, AKilledHelperFailsOneRequestAndTheNextStartsAnother) {
    auto created = TtsEngine::create(TtsConfig{});
    ASSERT_TRUE(created.ok()) << created.error().message;
    TtsEngine& own = **created;
    SpeechParams params;
    params.text = "Before and after.";
    auto before = own.synthesize_all(params);
    ASSERT_TRUE(before.ok());
    const auto helpers_before = children_named("hearth-espeak");
    ASSERT_FALSE(helpers_before.empty());
    for (pid_t pid : helpers_before) kill(pid, SIGKILL);
    auto lost = own.synthesize_all(params);
    ASSERT_FALSE(lost.ok());
    EXPECT_EQ(lost.error().code, Errc::kInternal);
    EXPECT_NE(lost.error().message.find("helper stopped"), std::string::npos) << lost.error().message;
    (void)engine().synthesize_all(params);   // the shared engine's helper was killed too
    auto after = own.synthesize_all(params);
    ASSERT_TRUE(after.ok()) << after.error().message;
    EXPECT_EQ(*after, *before);
}

// The text travels to the helper in one message: the longest the server accepts (100,000 bytes)
// fits, a longer one is refused before it is sent.
TEST(TtsEngine, LongTextsFitTheHelperMessage) {
    SpeechParams params;
    params.text = "Start." + std::string(99990, ' ') + "End.";
    auto samples = engine().synthesize_all(params);
    ASSERT_TRUE(samples.ok()) << samples.error().message;
    EXPECT_GT(samples->size(), 1000u);
    params.text = std::string(200000, 'a');
    auto refused = engine().synthesize_all(params);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, Errc::kInvalidArgument);
}

TEST(TtsEngine, AMissingHelperIsAClearError) {
    TtsConfig config;
    config.helper_path = "/nonexistent/hearth-espeak";
    auto created = TtsEngine::create(config);
    ASSERT_FALSE(created.ok());
    EXPECT_EQ(created.error().code, Errc::kInternal);
    EXPECT_NE(created.error().message.find("/nonexistent/hearth-espeak"), std::string::npos);
}

std::vector<int16_t> speech_at_16k(const std::string& text) {
    const auto samples = speak(text);
    auto pcm = resample_pcm16(samples, TtsEngine::kSampleRate, SttEngine::kSampleRate);
    EXPECT_TRUE(pcm.ok());
    return pcm.ok() ? *pcm : std::vector<int16_t>{};
}

// Requests that arrive together while decoders are idle start together: with four idle decoders
// four concurrent requests are released as one batch (at once, not after the window), and each
// is recognized the same.
TEST(SttEngine, ConcurrentRequestsStartAsOneBatch) {
    SttConfig config;
    config.n_decoders = 4;
    config.batch_window_ms = 2000;   // only a broken release would wait this long
    auto created = SttEngine::create(config);
    ASSERT_TRUE(created.ok()) << created.error().message;
    SttEngine& stt = **created;
    const auto clip = speech_at_16k("The meeting starts in ten minutes.");
    std::vector<std::string> texts(4);
    std::vector<std::thread> clients;
    for (size_t idx = 0; idx < texts.size(); ++idx)
        clients.emplace_back([&, idx] {
            auto result = stt.transcribe(clip);
            texts[idx] = result.ok() ? result->text : result.error().message;
        });
    for (std::thread& client : clients) client.join();
    for (const std::string& text : texts) EXPECT_EQ(text, "the meeting starts in ten minutes");
    const SttBatchStats stats = stt.batch_stats();
    EXPECT_EQ(stats.batches, 1);
    EXPECT_EQ(stats.requests, 4);
    EXPECT_EQ(stats.largest, 4);
}

// More requests than decoders: the first batch fills the idle decoders, the rest start as decoders
// come free, and every request is answered.
TEST(SttEngine, RequestsBeyondThePoolWaitForAFreeDecoder) {
    SttConfig config;
    config.n_decoders = 2;
    config.batch_window_ms = 20;
    auto created = SttEngine::create(config);
    ASSERT_TRUE(created.ok()) << created.error().message;
    SttEngine& stt = **created;
    const auto clip = speech_at_16k("It will rain tomorrow afternoon.");
    std::vector<std::string> texts(5);
    std::vector<std::thread> clients;
    for (size_t idx = 0; idx < texts.size(); ++idx)
        clients.emplace_back([&, idx] {
            auto result = stt.transcribe(clip, static_cast<int>(idx % 4));
            texts[idx] = result.ok() ? result->text : result.error().message;
        });
    for (std::thread& client : clients) client.join();
    for (const std::string& text : texts) EXPECT_EQ(text, texts[0]);
    EXPECT_NE(texts[0].find("rain tomorrow"), std::string::npos) << texts[0];
    const SttBatchStats stats = stt.batch_stats();
    EXPECT_EQ(stats.requests, 5);
    EXPECT_LE(stats.largest, 2);
    // The same engine, asked again: word timestamps stay inside the audio (each request's frames
    // counted from its own start).
    auto again = stt.transcribe(clip);
    ASSERT_TRUE(again.ok());
    ASSERT_FALSE(again->segments.empty());
    const double seconds = static_cast<double>(clip.size()) / SttEngine::kSampleRate;
    EXPECT_LT(again->segments.front().start, 0.5);
    EXPECT_LE(again->segments.back().end, seconds + 0.02);
}

TEST(AudioFormats, EveryFormatDecodesBackToItsDurationAndRate) {
    const auto samples = speak("Every format decodes back to the same duration.");
    const double seconds = static_cast<double>(samples.size()) / TtsEngine::kSampleRate;
    for (AudioFormat format : {AudioFormat::kWav, AudioFormat::kFlac, AudioFormat::kMp3, AudioFormat::kOpus}) {
        auto encoded = encode_audio(samples, TtsEngine::kSampleRate, format);
        ASSERT_TRUE(encoded.ok()) << audio_format_name(format) << ": " << encoded.error().message;
        auto decoded = decode_audio(*encoded, 600);
        ASSERT_TRUE(decoded.ok()) << audio_format_name(format) << ": " << decoded.error().message;
        EXPECT_EQ(decoded->channels, 1);
        EXPECT_EQ(decoded->sample_rate, format == AudioFormat::kOpus ? 48000 : TtsEngine::kSampleRate)
            << audio_format_name(format);
        // Lossy codecs pad by a frame or two.
        EXPECT_NEAR(decoded->seconds(), seconds, format == AudioFormat::kWav || format == AudioFormat::kFlac ? 1e-6 : 0.08)
            << audio_format_name(format);
    }
    auto pcm = encode_audio(samples, TtsEngine::kSampleRate, AudioFormat::kPcm);
    ASSERT_TRUE(pcm.ok());
    EXPECT_EQ(pcm->size(), samples.size() * 2);
    // A streamed WAV (open-ended header) decodes to its samples.
    std::string streamed = streaming_wav_header(TtsEngine::kSampleRate) + pcm16_bytes(samples.data(), samples.size());
    auto decoded = decode_audio(streamed, 600);
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_EQ(decoded->frames(), static_cast<int64_t>(samples.size()));
    EXPECT_EQ(decoded->sample_rate, TtsEngine::kSampleRate);
}

TEST(AudioDecode, BadInputIsRefusedClearly) {
    const auto samples = speak("Short.");
    auto flac = encode_audio(samples, TtsEngine::kSampleRate, AudioFormat::kFlac);
    ASSERT_TRUE(flac.ok());
    auto wav = encode_audio(samples, TtsEngine::kSampleRate, AudioFormat::kWav);
    ASSERT_TRUE(wav.ok());
    auto empty_wav = encode_audio({}, TtsEngine::kSampleRate, AudioFormat::kWav);
    ASSERT_TRUE(empty_wav.ok());
    auto message = [](const std::string& bytes, double max_seconds = 600) {
        auto decoded = decode_audio(bytes, max_seconds);
        EXPECT_FALSE(decoded.ok());
        if (decoded.ok()) return std::string();
        EXPECT_EQ(decoded.error().code, Errc::kInvalidArgument);
        return decoded.error().message;
    };
    EXPECT_NE(message("").find("empty"), std::string::npos);
    EXPECT_NE(message("this is plain text, not audio\n").find("not audio"), std::string::npos);
    EXPECT_NE(message(flac->substr(0, flac->size() / 2)).find("truncated"), std::string::npos);
    EXPECT_NE(message(*empty_wav).find("no samples"), std::string::npos);
    EXPECT_NE(message(*wav, 0.1).find("limit"), std::string::npos);
    // Resampling to the recognizer's rate keeps the duration.
    auto decoded = decode_audio(*wav, 600);
    ASSERT_TRUE(decoded.ok());
    auto pcm = to_mono_pcm16(*decoded, 16000);
    ASSERT_TRUE(pcm.ok());
    EXPECT_NEAR(static_cast<double>(pcm->size()) / 16000, decoded->seconds(), 0.002);
}

}  // namespace
}  // namespace hearth::engine::speech
