// The speech engines without the server: voices, speed, every output
// format decodes back to the expected duration and rate, bad audio is refused clearly.
#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "engine/speech/audio.h"
#include "engine/speech/audio_encoder.h"
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
