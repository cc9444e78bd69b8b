// hearth speak "text" -o out.wav [--voice V] [--speed S] [--format F]: speaks text with the
// built-in voice (espeak-ng). The format follows the output's extension unless --format says.
#include <filesystem>
#include <fstream>

#include "apps/hearth/commands.h"
#include "engine/speech/audio_encoder.h"
#include "engine/speech/tts_engine.h"

namespace hearth::cli {

Runner add_speak(CLI::App& app) {
    struct Options {
        std::string text, output, voice, format;
        double speed = 1.0;
        int pitch = 50;
        bool list = false;
    };
    auto opt = std::make_shared<Options>();
    auto* command = app.add_subcommand("speak", "Speak text into an audio file (built-in espeak-ng voices)");
    command->add_option("text", opt->text, "The text to speak");
    command->add_option("-o,--output", opt->output, "Audio file to write (.wav, .flac, .mp3, .opus, .pcm)");
    command->add_option("--voice", opt->voice, "Voice, e.g. en-us+klatt (default), en-gb, de+f3");
    command->add_option("--speed", opt->speed, "0.25 .. 4.0 (1.0: 175 words per minute)");
    command->add_option("--pitch", opt->pitch, "0 .. 100 (50)");
    command->add_option("--format", opt->format, "wav, flac, mp3, opus or pcm (default: from the extension)");
    command->add_flag("--list-voices", opt->list, "List the installed voices and variants");
    return [opt]() {
        auto engine = engine::speech::TtsEngine::create(engine::speech::TtsConfig{});
        if (!engine.ok()) {
            fmt::print(stderr, "error: {}\n", engine.error().message);
            return 1;
        }
        if (opt->list) {
            for (const auto& voice : (*engine)->voices())
                fmt::print("{:<16} {}{}\n", voice.id, voice.name, voice.variant ? " (variant)" : "");
            return 0;
        }
        if (opt->text.empty() || opt->output.empty()) {
            fmt::print(stderr, "error: usage: hearth speak \"text\" -o out.wav [--voice V]\n");
            return 2;
        }
        std::string format = opt->format;
        if (format.empty()) {
            format = std::filesystem::path(opt->output).extension().string();
            if (!format.empty()) format.erase(0, 1);
            if (format.empty() || format == "ogg") format = format.empty() ? "wav" : "opus";
        }
        const auto parsed = engine::speech::parse_audio_format(format);
        if (!parsed) {
            fmt::print(stderr, "error: unknown format '{}'; use one of {}\n", format, engine::speech::kEncodableFormats);
            return 2;
        }
        engine::speech::SpeechParams params;
        params.text = opt->text;
        params.voice = opt->voice;
        params.speed = opt->speed;
        params.pitch = opt->pitch;
        auto samples = (*engine)->synthesize_all(params);
        if (!samples.ok()) {
            fmt::print(stderr, "error: {}\n", samples.error().message);
            return 1;
        }
        auto encoded = engine::speech::encode_audio(*samples, engine::speech::TtsEngine::kSampleRate, *parsed);
        if (!encoded.ok()) {
            fmt::print(stderr, "error: {}\n", encoded.error().message);
            return 1;
        }
        std::ofstream out(opt->output, std::ios::binary);
        out.write(encoded->data(), static_cast<std::streamsize>(encoded->size()));
        if (!out) {
            fmt::print(stderr, "error: cannot write '{}'\n", opt->output);
            return 1;
        }
        fmt::print(stderr, "{}: {:.2f} s of audio at {} Hz ({})\n", opt->output,
                   static_cast<double>(samples->size()) / engine::speech::TtsEngine::kSampleRate,
                   engine::speech::TtsEngine::kSampleRate, format);
        return 0;
    };
}

}  // namespace hearth::cli
