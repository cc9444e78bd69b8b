// Audio in memory: decoding any file libsndfile reads (WAV, FLAC, OGG/Vorbis, Opus, MP3) into
// float samples, and conversion to the 16 kHz mono 16-bit samples the recognizer takes.
// Threads: free functions over their arguments (libsndfile and libsamplerate are reentrant per
// handle).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace hearth::engine::speech {

// Interleaved float samples in [-1, 1].
struct Audio {
    std::vector<float> samples;
    int sample_rate = 0;
    int channels = 0;
    int64_t frames() const { return channels > 0 ? static_cast<int64_t>(samples.size()) / channels : 0; }
    double seconds() const { return sample_rate > 0 ? static_cast<double>(frames()) / sample_rate : 0.0; }
};

// The containers and codecs decode_audio reads, for error messages.
inline constexpr const char* kDecodableFormats = "WAV, FLAC, OGG/Vorbis, Opus, MP3";

// Decodes a whole file held in memory. kInvalidArgument, with a message fit for the client, for
// an empty file, bytes that are no known audio format, a file that ends before its header says
// (truncated), audio with no samples, and audio longer than `max_seconds`.
Result<Audio> decode_audio(std::string_view bytes, double max_seconds);

// Downmixes to mono and resamples to `rate` (libsamplerate, sinc), as 16-bit samples.
Result<std::vector<int16_t>> to_mono_pcm16(const Audio& audio, int rate);

// Resamples mono 16-bit samples (for encoders that take only some rates).
Result<std::vector<int16_t>> resample_pcm16(const std::vector<int16_t>& samples, int from_rate, int to_rate);

}  // namespace hearth::engine::speech
