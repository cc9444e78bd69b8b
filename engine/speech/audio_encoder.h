// Encoding synthesized speech: WAV, FLAC, MP3, Opus (in Ogg) and raw PCM, through libsndfile.
// WAV and PCM stream: their bytes can be sent as samples arrive (StreamingWav writes a header
// with open-ended lengths first). The compressed formats are encoded once all samples are known.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace hearth::engine::speech {

enum class AudioFormat { kWav, kFlac, kMp3, kOpus, kPcm };

inline constexpr const char* kEncodableFormats = "wav, flac, mp3, opus, pcm";

std::optional<AudioFormat> parse_audio_format(std::string_view name);   // "wav", "flac", ...
const char* audio_format_name(AudioFormat format);
const char* audio_content_type(AudioFormat format);                     // "audio/wav", ...
bool audio_format_streams(AudioFormat format);                          // wav, pcm

// Encodes mono 16-bit samples at `rate`. Opus takes 8/12/16/24/48 kHz only: other rates are
// resampled to 48 kHz first. PCM is raw little-endian 16-bit samples, no header.
Result<std::string> encode_audio(const std::vector<int16_t>& samples, int rate, AudioFormat format);

// The 44-byte header of a mono 16-bit WAV stream whose length is not known yet (lengths set to
// the maximum; readers take the data to the end of the file).
std::string streaming_wav_header(int rate);
// Samples as little-endian bytes.
std::string pcm16_bytes(const int16_t* samples, size_t count);

}  // namespace hearth::engine::speech
