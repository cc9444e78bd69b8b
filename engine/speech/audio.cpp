#include "engine/speech/audio.h"

#include <samplerate.h>
#include <sndfile.h>

#include <algorithm>
#include <cmath>

#include "engine/speech/memory_file.h"

namespace hearth::engine::speech {

Result<Audio> decode_audio(std::string_view bytes, double max_seconds) {
    if (bytes.empty()) return Error::make(Errc::kInvalidArgument, "the audio file is empty");
    MemoryFile file;
    file.input = bytes;
    SF_INFO info{};
    SNDFILE* handle = sf_open_virtual(memory_file_io(), SFM_READ, &info, &file);
    if (!handle)
        return Error::make(Errc::kInvalidArgument, "the file is not audio in a supported format ({}): {}",
                           kDecodableFormats, sf_strerror(nullptr));
    struct Closer {
        SNDFILE* handle;
        ~Closer() { sf_close(handle); }
    } closer{handle};
    if (info.channels <= 0 || info.channels > 64 || info.samplerate <= 0 || info.samplerate > 768000)
        return Error::make(Errc::kInvalidArgument, "the audio header is invalid ({} channels at {} Hz)", info.channels,
                           info.samplerate);
    const double declared = static_cast<double>(info.frames) / info.samplerate;
    if (info.frames > 0 && info.frames != SF_COUNT_MAX && declared > max_seconds)
        return Error::make(Errc::kInvalidArgument, "the audio lasts {:.1f} s, longer than the limit of {:.0f} s",
                           declared, max_seconds);
    const auto max_frames = static_cast<int64_t>(max_seconds * info.samplerate) + 1;
    Audio audio;
    audio.sample_rate = info.samplerate;
    audio.channels = info.channels;
    std::vector<float> block(static_cast<size_t>(4096) * static_cast<size_t>(info.channels));
    int64_t frames = 0;
    for (;;) {
        const sf_count_t got = sf_readf_float(handle, block.data(), 4096);
        if (got <= 0) break;
        audio.samples.insert(audio.samples.end(), block.begin(), block.begin() + got * info.channels);
        frames += got;
        if (frames > max_frames)
            return Error::make(Errc::kInvalidArgument, "the audio is longer than the limit of {:.0f} s", max_seconds);
    }
    if (sf_error(handle) != SF_ERR_NO_ERROR)
        return Error::make(Errc::kInvalidArgument, "the audio is truncated or corrupt: {}", sf_strerror(handle));
    if (frames == 0) return Error::make(Errc::kInvalidArgument, "the audio has no samples (0 s long)");
    if (info.frames > 0 && info.frames != SF_COUNT_MAX && frames < info.frames)
        return Error::make(Errc::kInvalidArgument,
                           "the audio is truncated: its header announces {} frames, only {} could be decoded",
                           info.frames, frames);
    for (float& sample : audio.samples)
        if (!std::isfinite(sample)) sample = 0.0f;
    return audio;
}

namespace {

Result<std::vector<float>> resample_mono(const std::vector<float>& input, int from_rate, int to_rate) {
    if (from_rate == to_rate) return input;
    const double ratio = static_cast<double>(to_rate) / from_rate;
    std::vector<float> output(static_cast<size_t>(std::ceil(static_cast<double>(input.size()) * ratio)) + 16);
    SRC_DATA data{};
    data.data_in = input.data();
    data.input_frames = static_cast<long>(input.size());
    data.data_out = output.data();
    data.output_frames = static_cast<long>(output.size());
    data.src_ratio = ratio;
    if (int error = src_simple(&data, SRC_SINC_MEDIUM_QUALITY, 1); error != 0)
        return Error::make(Errc::kInvalidArgument, "resampling failed: {}", src_strerror(error));
    output.resize(static_cast<size_t>(data.output_frames_gen));
    return output;
}

int16_t to_pcm16(float value) {
    return static_cast<int16_t>(std::lround(std::clamp(value, -1.0f, 1.0f) * 32767.0f));
}

}  // namespace

Result<std::vector<int16_t>> to_mono_pcm16(const Audio& audio, int rate) {
    if (audio.channels <= 0 || audio.sample_rate <= 0) return Error::make(Errc::kInvalidArgument, "no audio");
    std::vector<float> mono(static_cast<size_t>(audio.frames()));
    for (size_t frame = 0; frame < mono.size(); ++frame) {
        float sum = 0.0f;
        for (int channel = 0; channel < audio.channels; ++channel)
            sum += audio.samples[frame * static_cast<size_t>(audio.channels) + static_cast<size_t>(channel)];
        mono[frame] = sum / static_cast<float>(audio.channels);
    }
    HEARTH_ASSIGN_OR_RETURN(std::vector<float> resampled, resample_mono(mono, audio.sample_rate, rate));
    std::vector<int16_t> out(resampled.size());
    std::transform(resampled.begin(), resampled.end(), out.begin(), to_pcm16);
    return out;
}

Result<std::vector<int16_t>> resample_pcm16(const std::vector<int16_t>& samples, int from_rate, int to_rate) {
    if (from_rate == to_rate) return samples;
    std::vector<float> input(samples.size());
    src_short_to_float_array(samples.data(), input.data(), static_cast<int>(samples.size()));
    HEARTH_ASSIGN_OR_RETURN(std::vector<float> resampled, resample_mono(input, from_rate, to_rate));
    std::vector<int16_t> out(resampled.size());
    std::transform(resampled.begin(), resampled.end(), out.begin(), to_pcm16);
    return out;
}

}  // namespace hearth::engine::speech
