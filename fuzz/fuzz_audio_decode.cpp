// Fuzzes the audio decoding entry point (libsndfile over memory, then the resampler): any bytes
// must decode or be refused with kInvalidArgument and a message, never crash.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "engine/speech/audio.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto audio = hearth::engine::speech::decode_audio(std::string_view(reinterpret_cast<const char*>(data), size), 30.0);
    if (!audio.ok()) {
        if (audio.error().code != hearth::Errc::kInvalidArgument || audio.error().message.empty()) std::abort();
        return 0;
    }
    if (audio->channels <= 0 || audio->sample_rate <= 0 || audio->frames() <= 0) std::abort();
    auto pcm = hearth::engine::speech::to_mono_pcm16(*audio, 16000);
    (void)pcm;
    return 0;
}
