#include "engine/speech/audio_encoder.h"

#include <sndfile.h>

#include "engine/speech/audio.h"
#include "engine/speech/memory_file.h"

namespace hearth::engine::speech {

std::optional<AudioFormat> parse_audio_format(std::string_view name) {
    if (name == "wav") return AudioFormat::kWav;
    if (name == "flac") return AudioFormat::kFlac;
    if (name == "mp3") return AudioFormat::kMp3;
    if (name == "opus") return AudioFormat::kOpus;
    if (name == "pcm") return AudioFormat::kPcm;
    return std::nullopt;
}

const char* audio_format_name(AudioFormat format) {
    switch (format) {
        case AudioFormat::kWav: return "wav";
        case AudioFormat::kFlac: return "flac";
        case AudioFormat::kMp3: return "mp3";
        case AudioFormat::kOpus: return "opus";
        case AudioFormat::kPcm: return "pcm";
    }
    return "wav";
}

const char* audio_content_type(AudioFormat format) {
    switch (format) {
        case AudioFormat::kWav: return "audio/wav";
        case AudioFormat::kFlac: return "audio/flac";
        case AudioFormat::kMp3: return "audio/mpeg";
        case AudioFormat::kOpus: return "audio/ogg";
        case AudioFormat::kPcm: return "audio/pcm";
    }
    return "application/octet-stream";
}

bool audio_format_streams(AudioFormat format) { return format == AudioFormat::kWav || format == AudioFormat::kPcm; }

namespace {

void put_u32(std::string& out, uint32_t value) {
    for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<char>((value >> shift) & 0xff));
}
void put_u16(std::string& out, uint16_t value) {
    out.push_back(static_cast<char>(value & 0xff));
    out.push_back(static_cast<char>(value >> 8));
}

}  // namespace

std::string streaming_wav_header(int rate) {
    std::string header = "RIFF";
    put_u32(header, 0xFFFFFFFFu);
    header += "WAVEfmt ";
    put_u32(header, 16);
    put_u16(header, 1);   // PCM
    put_u16(header, 1);   // mono
    put_u32(header, static_cast<uint32_t>(rate));
    put_u32(header, static_cast<uint32_t>(rate) * 2);
    put_u16(header, 2);
    put_u16(header, 16);
    header += "data";
    put_u32(header, 0xFFFFFFFFu);
    return header;
}

std::string pcm16_bytes(const int16_t* samples, size_t count) {
    std::string out;
    out.reserve(count * 2);
    for (size_t idx = 0; idx < count; ++idx) put_u16(out, static_cast<uint16_t>(samples[idx]));
    return out;
}

Result<std::string> encode_audio(const std::vector<int16_t>& samples, int rate, AudioFormat format) {
    if (format == AudioFormat::kPcm) return pcm16_bytes(samples.data(), samples.size());
    std::vector<int16_t> resampled;
    const std::vector<int16_t>* input = &samples;
    SF_INFO info{};
    info.channels = 1;
    info.samplerate = rate;
    switch (format) {
        case AudioFormat::kWav: info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16; break;
        case AudioFormat::kFlac: info.format = SF_FORMAT_FLAC | SF_FORMAT_PCM_16; break;
        case AudioFormat::kMp3: info.format = SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III; break;
        case AudioFormat::kOpus:
            info.format = SF_FORMAT_OGG | SF_FORMAT_OPUS;
            if (rate != 8000 && rate != 12000 && rate != 16000 && rate != 24000 && rate != 48000) {
                HEARTH_ASSIGN_OR_RETURN(resampled, resample_pcm16(samples, rate, 48000));
                input = &resampled;
                info.samplerate = 48000;
            }
            break;
        case AudioFormat::kPcm: break;
    }
    std::string out;
    MemoryFile file;
    file.output = &out;
    SNDFILE* handle = sf_open_virtual(memory_file_io(), SFM_WRITE, &info, &file);
    if (!handle)
        return Error::make(Errc::kUnsupported, "this build's libsndfile cannot write {}: {}", audio_format_name(format),
                           sf_strerror(nullptr));
    const auto written = sf_writef_short(handle, input->data(), static_cast<sf_count_t>(input->size()));
    const int error = sf_error(handle);
    sf_close(handle);
    if (written != static_cast<sf_count_t>(input->size()) || error != SF_ERR_NO_ERROR)
        return Error::make(Errc::kInternal, "encoding {} failed: {}", audio_format_name(format), sf_error_number(error));
    return out;
}

}  // namespace hearth::engine::speech
