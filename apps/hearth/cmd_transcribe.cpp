// hearth transcribe FILE [--format text|srt|vtt|json|verbose_json] [--decoders N]: speech to
// text with the built-in recognizer (pocketsphinx, US English). Any audio libsndfile reads.
#include <fstream>
#include <sstream>

#include "apps/hearth/commands.h"
#include "engine/speech/audio.h"
#include "engine/speech/stt_engine.h"
#include "server/api/audio_response.h"

namespace hearth::cli {

Runner add_transcribe(CLI::App& app) {
    struct Options {
        std::string file, format = "text";
        double max_seconds = 24 * 3600;
    };
    auto opt = std::make_shared<Options>();
    auto* command = app.add_subcommand("transcribe", "Transcribe an audio file (built-in English recognizer)");
    command->add_option("file", opt->file, "Audio file (WAV, FLAC, OGG, Opus, MP3)")->required();
    command->add_option("--format", opt->format, "text (default), srt, vtt, json or verbose_json");
    return [opt]() {
        const std::string& format = opt->format;
        if (format != "text" && format != "srt" && format != "vtt" && format != "json" && format != "verbose_json") {
            fmt::print(stderr, "error: --format must be text, srt, vtt, json or verbose_json\n");
            return 2;
        }
        std::ifstream in(opt->file, std::ios::binary);
        if (!in) {
            fmt::print(stderr, "error: cannot read '{}'\n", opt->file);
            return 1;
        }
        std::ostringstream bytes;
        bytes << in.rdbuf();
        auto audio = engine::speech::decode_audio(bytes.str(), opt->max_seconds);
        if (!audio.ok()) {
            fmt::print(stderr, "error: {}: {}\n", opt->file, audio.error().message);
            return 1;
        }
        auto samples = engine::speech::to_mono_pcm16(*audio, engine::speech::SttEngine::kSampleRate);
        engine::speech::SttConfig config;
        config.n_decoders = 1;
        auto engine = engine::speech::SttEngine::create(config);
        if (!samples.ok() || !engine.ok()) {
            fmt::print(stderr, "error: {}\n", !samples.ok() ? samples.error().message : engine.error().message);
            return 1;
        }
        auto transcript = (*engine)->transcribe(std::move(*samples));
        if (!transcript.ok()) {
            fmt::print(stderr, "error: {}\n", transcript.error().message);
            return 1;
        }
        transcript->duration = audio->seconds();
        fmt::print("{}", server::api::render_transcript(*transcript, format).body);
        if (format == "json" || format == "verbose_json") fmt::print("\n");
        return 0;
    };
}

}  // namespace hearth::cli
